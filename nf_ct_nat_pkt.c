// SPDX-License-Identifier: GPL-2.0
/*
 * Rewriting packets to a connection's binding: the IPv4 address, the
 * TCP/UDP/UDP-Lite/SCTP/DCCP port or ICMP id, and every checksum that
 * covers them, updated incrementally with the kernel's helpers (they also
 * handle CHECKSUM_PARTIAL). A UDP checksum of zero means "none" and stays
 * so. SCTP's CRC32c covers no address and cannot be updated in place: it
 * is summed again, as nf_nat does, unless the device will sum it.
 *
 * An ICMP error quotes the packet it answers: the quote is rewritten too,
 * as the inverse manip of the outer header, so that the host receiving the
 * error recognises its own packet.
 */
#include <linux/dccp.h>
#include <linux/icmp.h>
#include <linux/sctp.h>
#include <linux/netfilter_ipv4.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>

#include "nf_ct_nat.h"

/* The L4 checksum covers the addresses through the pseudo-header. */
static void nfct_nat_csum_addr(struct sk_buff *skb, unsigned int iphoff,
			       __sum16 *check, const struct nfct_tuple *t,
			       enum nfct_nat_manip m)
{
	const struct iphdr *iph = (void *)skb->data + iphoff;

	if (m == NFCT_NAT_SRC)
		inet_proto_csum_replace4(check, skb, iph->saddr, t->src, true);
	else
		inet_proto_csum_replace4(check, skb, iph->daddr, t->dst, true);
}

/*
 * TCP and DCCP: the two ports first, and a checksum over the pseudo-header
 * at @check_off of a header @hdrlen long. A quote in an ICMP error may hold
 * only the first 8 bytes: its ports change, there is no checksum to mend.
 */
static bool nfct_nat_ports_csum(struct sk_buff *skb, unsigned int iphoff,
				unsigned int off, const struct nfct_tuple *t,
				enum nfct_nat_manip m, unsigned int hdrlen,
				unsigned int check_off)
{
	unsigned int len = skb->len >= off + hdrlen ? hdrlen : 8;
	__be16 *ports, *port, newport;
	__sum16 *check;

	if (skb_ensure_writable(skb, off + len))
		return false;
	ports = (void *)skb->data + off;
	port = m == NFCT_NAT_SRC ? &ports[0] : &ports[1];
	newport = m == NFCT_NAT_SRC ? t->sport : t->dport;
	if (len == hdrlen) {
		check = (void *)skb->data + off + check_off;
		nfct_nat_csum_addr(skb, iphoff, check, t, m);
		inet_proto_csum_replace2(check, skb, *port, newport, false);
	}
	*port = newport;
	return true;
}

/* SCTP: the ports, then the CRC32c again over what the packet holds. */
static bool nfct_nat_sctp(struct sk_buff *skb, unsigned int off,
			  const struct nfct_tuple *t, enum nfct_nat_manip m)
{
	unsigned int len = skb->len >= off + sizeof(struct sctphdr) ?
			   sizeof(struct sctphdr) : 8;
	struct sctphdr *sh;

	if (skb_ensure_writable(skb, off + len))
		return false;
	sh = (void *)skb->data + off;
	if (m == NFCT_NAT_SRC)
		sh->source = t->sport;
	else
		sh->dest = t->dport;
	if (len == sizeof(*sh) && skb->ip_summed != CHECKSUM_PARTIAL) {
		sh->checksum = nfct_sctp_crc(skb, off);
		skb->ip_summed = CHECKSUM_NONE;
	}
	return true;
}

static bool nfct_nat_udp(struct sk_buff *skb, unsigned int iphoff,
			 unsigned int off, const struct nfct_tuple *t,
			 enum nfct_nat_manip m)
{
	__be16 *port, newport;
	struct udphdr *uh;

	if (skb_ensure_writable(skb, off + sizeof(*uh)))
		return false;
	uh = (void *)skb->data + off;
	port = m == NFCT_NAT_SRC ? &uh->source : &uh->dest;
	newport = m == NFCT_NAT_SRC ? t->sport : t->dport;
	/* UDP-Lite always has a checksum; UDP's zero means it has none. */
	if (uh->check || t->protonum == IPPROTO_UDPLITE) {
		nfct_nat_csum_addr(skb, iphoff, &uh->check, t, m);
		inet_proto_csum_replace2(&uh->check, skb, *port, newport, false);
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	}
	*port = newport;
	return true;
}

static bool nfct_nat_icmp(struct sk_buff *skb, unsigned int off,
			  const struct nfct_tuple *t)
{
	struct icmphdr *ih;

	if (skb_ensure_writable(skb, off + sizeof(*ih)))
		return false;
	ih = (void *)skb->data + off;
	switch (ih->type) {
	case ICMP_ECHO:
	case ICMP_ECHOREPLY:
	case ICMP_TIMESTAMP:
	case ICMP_TIMESTAMPREPLY:
	case ICMP_INFO_REQUEST:
	case ICMP_INFO_REPLY:
	case ICMP_ADDRESS:
	case ICMP_ADDRESSREPLY:
		break;
	default:
		return true;	/* errors carry no id */
	}
	inet_proto_csum_replace2(&ih->checksum, skb, ih->un.echo.id, t->sport, false);
	ih->un.echo.id = t->sport;
	return true;
}

/**
 * nfct_nat_manip_pkt - make one end of the IPv4 packet at @iphoff @target's
 * @skb: the packet
 * @iphoff: offset of the IPv4 header (non-zero for a quote in an ICMP error)
 * @target: the tuple whose source (or destination) the packet takes
 * @m: which end
 *
 * Return: false if the packet could not be made writable.
 */
bool nfct_nat_manip_pkt(struct sk_buff *skb, unsigned int iphoff,
			const struct nfct_tuple *target, enum nfct_nat_manip m)
{
	unsigned int off;
	struct iphdr *iph;
	bool ok = true;

	if (skb_ensure_writable(skb, iphoff + sizeof(*iph)))
		return false;
	iph = (void *)skb->data + iphoff;
	off = iphoff + iph->ihl * 4;

	switch (target->protonum) {
	case IPPROTO_TCP:
		ok = nfct_nat_ports_csum(skb, iphoff, off, target, m, sizeof(struct tcphdr),
					 offsetof(struct tcphdr, check));
		break;
	case IPPROTO_DCCP:
		ok = nfct_nat_ports_csum(skb, iphoff, off, target, m, sizeof(struct dccp_hdr),
					 offsetof(struct dccp_hdr, dccph_checksum));
		break;
	case IPPROTO_SCTP:
		ok = nfct_nat_sctp(skb, off, target, m);
		break;
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		ok = nfct_nat_udp(skb, iphoff, off, target, m);
		break;
	case IPPROTO_ICMP:
		ok = nfct_nat_icmp(skb, off, target);
		break;
	}
	if (!ok)
		return false;

	iph = (void *)skb->data + iphoff;	/* the L4 part may have moved it */
	if (m == NFCT_NAT_SRC) {
		csum_replace4(&iph->check, iph->saddr, target->src);
		iph->saddr = target->src;
	} else {
		csum_replace4(&iph->check, iph->daddr, target->dst);
		iph->daddr = target->dst;
	}
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_nat_manip_pkt);

/* Does a packet going @dir need manip @m? nf_nat's status bit rule. */
bool nfct_nat_needed(const struct nfct_conn *ct, enum nfct_dir dir,
			    enum nfct_nat_manip m)
{
	bool src = m == NFCT_NAT_SRC;

	/* The reply direction undoes the other end's binding. */
	if (dir == NFCT_DIR_REPLY)
		src = !src;
	return test_bit(src ? NFCT_SRC_NAT : NFCT_DST_NAT, &ct->status);
}

/**
 * nfct_nat_packet - rewrite a packet of @ct going @dir at a hook doing @m
 * @skb: the packet
 * @ct: its connection
 * @dir: the packet's direction
 * @m: the hook's manip
 *
 * The packet comes to look like the inverse of the other direction's tuple.
 *
 * Return: NF_ACCEPT, or NF_DROP if it could not be rewritten.
 */
unsigned int nfct_nat_packet(struct sk_buff *skb, const struct nfct_conn *ct,
			     enum nfct_dir dir, enum nfct_nat_manip m)
{
	struct nfct_tuple target;

	if (!nfct_nat_needed(ct, dir, m))
		return NF_ACCEPT;
	if (!nfct_tuple_invert(&target, nfct_tuple_of(ct, !dir)))
		return NF_DROP;
	return nfct_nat_manip_pkt(skb, 0, &target, m) ? NF_ACCEPT : NF_DROP;
}

/**
 * nfct_nat_icmp_reply - rewrite an ICMP error RELATED to @ct, and its quote
 * @skb: the ICMP error
 * @ct: the connection of the quoted packet
 * @dir: the error's direction (the quote went the other way)
 * @hook: the hook
 *
 * Return: false if the packet must be dropped: it could not be rewritten,
 * its checksum is bad, or it is a redirect for a NATed connection (which
 * would let the two ends talk past the NAT).
 */
bool nfct_nat_icmp_reply(struct sk_buff *skb, const struct nfct_conn *ct,
			 enum nfct_dir dir, unsigned int hook)
{
	enum nfct_nat_manip m = nfct_nat_hook_manip(hook);
	unsigned int hdrlen = ip_hdrlen(skb);
	const unsigned long nat = BIT(NFCT_SRC_NAT) | BIT(NFCT_DST_NAT);
	const unsigned long done = BIT(NFCT_SRC_NAT_DONE) | BIT(NFCT_DST_NAT_DONE);
	struct nfct_tuple target;
	struct icmphdr *ih;

	if (skb_ensure_writable(skb, hdrlen + sizeof(*ih) + sizeof(struct iphdr)))
		return false;
	if (nf_ip_checksum(skb, hook, hdrlen, IPPROTO_ICMP))
		return false;
	ih = (void *)skb->data + hdrlen;
	if (ih->type == ICMP_REDIRECT &&
	    ((READ_ONCE(ct->status) & done) != done || (READ_ONCE(ct->status) & nat)))
		return false;
	if (!nfct_nat_needed(ct, dir, m))
		return true;

	/* The quote went the other way: it takes the other direction's tuple. */
	if (!nfct_nat_manip_pkt(skb, hdrlen + sizeof(*ih), nfct_tuple_of(ct, !dir),
				m == NFCT_NAT_SRC ? NFCT_NAT_DST : NFCT_NAT_SRC))
		return false;
	if (skb->ip_summed != CHECKSUM_PARTIAL) {
		ih = (void *)skb->data + hdrlen;
		ih->checksum = 0;
		ih->checksum = csum_fold(skb_checksum(skb, hdrlen, skb->len - hdrlen, 0));
	}

	/* The outer header: as a reply to the packet it quotes (errors have no id). */
	if (!nfct_tuple_invert(&target, nfct_tuple_of(ct, !dir)))
		return false;
	target.protonum = IPPROTO_ICMP;
	return nfct_nat_manip_pkt(skb, 0, &target, m);
}
EXPORT_SYMBOL_IF_KUNIT(nfct_nat_icmp_reply);
