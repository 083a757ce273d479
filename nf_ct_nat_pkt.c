// SPDX-License-Identifier: GPL-2.0
/*
 * Rewriting packets to a connection's binding: the address, the
 * TCP/UDP/UDP-Lite/SCTP/DCCP port or ICMP/ICMPv6 id, and every checksum
 * that covers them, updated incrementally with the kernel's helpers (they
 * also handle CHECKSUM_PARTIAL). A UDP checksum of zero means "none" and
 * stays so (over IPv6 the stack never sends one). SCTP's CRC32c covers no
 * address and cannot be updated in place: it is summed again, as nf_nat
 * does, unless the device will sum it. ICMPv6's checksum covers the
 * pseudo-header, ICMP's does not.
 *
 * What differs between IPv4 and IPv6 is behind struct nfct_nat_l3, at the
 * end: where the L4 header starts (IPv6: past the extension headers, none
 * in a later fragment), the addresses, their part of the checksums, and
 * the ICMP error's own checks.
 *
 * An ICMP error quotes the packet it answers: the quote is rewritten too,
 * as the inverse manip of the outer header, so that the host receiving the
 * error recognises its own packet.
 */
#include <linux/dccp.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/sctp.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

#include "nf_ct_nat.h"

/* What rewriting a packet needs to know of its family. */
struct nfct_nat_l3 {
	unsigned int hdr_len;	/* of the fixed header */
	u8 redirect;		/* the ICMP type that redirects */
	/* The L4 header of the packet at @iphoff, or -1: none to rewrite. */
	int (*l4_offset)(const struct sk_buff *skb, unsigned int iphoff);
	/* End @m of the header at @iphoff becomes @t's address. */
	void (*set_addr)(struct sk_buff *skb, unsigned int iphoff,
			 const struct nfct_tuple *t, enum nfct_nat_manip m);
	/* The same change in an L4 checksum over the pseudo-header. */
	void (*csum_addr)(struct sk_buff *skb, unsigned int iphoff, __sum16 *check,
			  const struct nfct_tuple *t, enum nfct_nat_manip m);
	/* The ICMP error's header offset; its checksum; summing it again. */
	int (*icmp_offset)(const struct sk_buff *skb);
	__sum16 (*icmp_check)(struct sk_buff *skb, unsigned int hook, unsigned int off);
	__sum16 (*icmp_sum)(struct sk_buff *skb, unsigned int off);
};

static const struct nfct_nat_l3 *nfct_nat_l3_of(const struct nfct_tuple *t);

static void nfct_nat_csum_addr(struct sk_buff *skb, unsigned int iphoff,
			       __sum16 *check, const struct nfct_tuple *t,
			       enum nfct_nat_manip m)
{
	nfct_nat_l3_of(t)->csum_addr(skb, iphoff, check, t, m);
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

static bool nfct_nat_icmpv6(struct sk_buff *skb, unsigned int iphoff,
			    unsigned int off, const struct nfct_tuple *t,
			    enum nfct_nat_manip m)
{
	struct icmp6hdr *ih;

	if (skb_ensure_writable(skb, off + sizeof(*ih)))
		return false;
	ih = (void *)skb->data + off;
	nfct_nat_csum_addr(skb, iphoff, &ih->icmp6_cksum, t, m);
	if (ih->icmp6_type == ICMPV6_ECHO_REQUEST || ih->icmp6_type == ICMPV6_ECHO_REPLY) {
		inet_proto_csum_replace2(&ih->icmp6_cksum, skb, ih->icmp6_identifier,
					 t->sport, false);
		ih->icmp6_identifier = t->sport;
	}
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
 * nfct_nat_manip_pkt - make one end of the packet at @iphoff @target's
 * @skb: the packet
 * @iphoff: offset of its IP header (non-zero for a quote in an ICMP error)
 * @target: the tuple whose source (or destination) the packet takes
 * @m: which end
 *
 * Return: false if the packet could not be made writable.
 */
bool nfct_nat_manip_pkt(struct sk_buff *skb, unsigned int iphoff,
			const struct nfct_tuple *target, enum nfct_nat_manip m)
{
	const struct nfct_nat_l3 *l3 = nfct_nat_l3_of(target);
	bool ok = true;
	int off;

	if (skb_ensure_writable(skb, iphoff + l3->hdr_len))
		return false;
	off = l3->l4_offset(skb, iphoff);
	if (off < 0)
		goto addr;

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
	case IPPROTO_ICMPV6:
		ok = nfct_nat_icmpv6(skb, iphoff, off, target, m);
		break;
	}
	if (!ok)
		return false;
addr:
	/* After the L4 part: its checksums read the old addresses. */
	l3->set_addr(skb, iphoff, target, m);
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

/*
 * Is @skb, RELATED to @ct, an ICMP (ICMPv6) packet, an error about it?
 * Its ICMP header's offset, for nfct_nat_icmp_reply(), or -1.
 */
int nfct_nat_icmp_offset(const struct sk_buff *skb, const struct nfct_conn *ct)
{
	return nfct_nat_l3_of(nfct_tuple_of(ct, NFCT_DIR_ORIGINAL))->icmp_offset(skb);
}
EXPORT_SYMBOL_IF_KUNIT(nfct_nat_icmp_offset);

/**
 * nfct_nat_icmp_reply - rewrite an ICMP error RELATED to @ct, and its quote
 * @skb: the ICMP error
 * @ct: the connection of the quoted packet
 * @dir: the error's direction (the quote went the other way)
 * @hook: the hook
 * @hdrlen: the offset of its ICMP header (nfct_nat_icmp_offset())
 *
 * Return: false if the packet must be dropped: it could not be rewritten,
 * its checksum is bad, or it is a redirect for a NATed connection (which
 * would let the two ends talk past the NAT).
 */
bool nfct_nat_icmp_reply(struct sk_buff *skb, const struct nfct_conn *ct,
			 enum nfct_dir dir, unsigned int hook, unsigned int hdrlen)
{
	const struct nfct_tuple *quoted = nfct_tuple_of(ct, !dir);
	const struct nfct_nat_l3 *l3 = nfct_nat_l3_of(quoted);
	enum nfct_nat_manip m = nfct_nat_hook_manip(hook);
	const unsigned long nat = BIT(NFCT_SRC_NAT) | BIT(NFCT_DST_NAT);
	const unsigned long done = BIT(NFCT_SRC_NAT_DONE) | BIT(NFCT_DST_NAT_DONE);
	struct nfct_tuple target;
	struct icmphdr *ih;	/* type, code, checksum: ICMPv6's the same */

	if (skb_ensure_writable(skb, hdrlen + sizeof(*ih) + l3->hdr_len))
		return false;
	if (l3->icmp_check(skb, hook, hdrlen))
		return false;
	ih = (void *)skb->data + hdrlen;
	if (ih->type == l3->redirect &&
	    ((READ_ONCE(ct->status) & done) != done || (READ_ONCE(ct->status) & nat)))
		return false;
	if (!nfct_nat_needed(ct, dir, m))
		return true;

	/* The quote went the other way: it takes the other direction's tuple. */
	if (!nfct_nat_manip_pkt(skb, hdrlen + sizeof(*ih), quoted,
				m == NFCT_NAT_SRC ? NFCT_NAT_DST : NFCT_NAT_SRC))
		return false;
	if (skb->ip_summed != CHECKSUM_PARTIAL) {
		ih = (void *)skb->data + hdrlen;
		ih->checksum = 0;
		ih->checksum = l3->icmp_sum(skb, hdrlen);
	}

	/*
	 * The outer header: as a reply to the packet it quotes (errors have
	 * no id). ICMPv6's checksum, just summed over the old addresses,
	 * takes their change as any pseudo-header checksum does.
	 */
	if (!nfct_tuple_invert(&target, quoted))
		return false;
	target.protonum = nfct_conn_l3(ct)->icmp_proto;
	return nfct_nat_manip_pkt(skb, 0, &target, m);
}
EXPORT_SYMBOL_IF_KUNIT(nfct_nat_icmp_reply);

static int nfct_nat_ipv4_l4_offset(const struct sk_buff *skb, unsigned int iphoff)
{
	const struct iphdr *iph = (void *)skb->data + iphoff;

	return iphoff + iph->ihl * 4;
}

static void nfct_nat_ipv4_set_addr(struct sk_buff *skb, unsigned int iphoff,
				   const struct nfct_tuple *t, enum nfct_nat_manip m)
{
	struct iphdr *iph = (void *)skb->data + iphoff;

	if (m == NFCT_NAT_SRC) {
		csum_replace4(&iph->check, iph->saddr, t->src);
		iph->saddr = t->src;
	} else {
		csum_replace4(&iph->check, iph->daddr, t->dst);
		iph->daddr = t->dst;
	}
}

static void nfct_nat_ipv4_csum_addr(struct sk_buff *skb, unsigned int iphoff,
				    __sum16 *check, const struct nfct_tuple *t,
				    enum nfct_nat_manip m)
{
	const struct iphdr *iph = (void *)skb->data + iphoff;

	if (m == NFCT_NAT_SRC)
		inet_proto_csum_replace4(check, skb, iph->saddr, t->src, true);
	else
		inet_proto_csum_replace4(check, skb, iph->daddr, t->dst, true);
}

static int nfct_nat_ipv4_icmp_offset(const struct sk_buff *skb)
{
	return ip_hdr(skb)->protocol == IPPROTO_ICMP ? ip_hdrlen(skb) : -1;
}

static __sum16 nfct_nat_ipv4_icmp_check(struct sk_buff *skb, unsigned int hook,
					unsigned int off)
{
	return nf_ip_checksum(skb, hook, off, IPPROTO_ICMP);
}

static __sum16 nfct_nat_ipv4_icmp_sum(struct sk_buff *skb, unsigned int off)
{
	return csum_fold(skb_checksum(skb, off, skb->len - off, 0));
}

/*
 * As nf_nat: the L4 header past the extension headers; none for a chain
 * that does not end (the addresses are still rewritten) or in a later
 * fragment. The tracker saw the packet reassembled.
 */
static int nfct_nat_ipv6_l4_offset(const struct sk_buff *skb, unsigned int iphoff)
{
	const struct ipv6hdr *ip6h = (void *)skb->data + iphoff;
	u8 nexthdr = ip6h->nexthdr;
	__be16 frag_off;
	int off;

	off = ipv6_skip_exthdr(skb, iphoff + sizeof(*ip6h), &nexthdr, &frag_off);
	if (off < 0 || (frag_off & htons(~0x7)))
		return -1;
	return off;
}

static void nfct_nat_ipv6_set_addr(struct sk_buff *skb, unsigned int iphoff,
				   const struct nfct_tuple *t, enum nfct_nat_manip m)
{
	struct ipv6hdr *ip6h = (void *)skb->data + iphoff;

	if (m == NFCT_NAT_SRC)
		ip6h->saddr = t->src6;
	else
		ip6h->daddr = t->dst6;
}

static void nfct_nat_ipv6_csum_addr(struct sk_buff *skb, unsigned int iphoff,
				    __sum16 *check, const struct nfct_tuple *t,
				    enum nfct_nat_manip m)
{
	const struct ipv6hdr *ip6h = (void *)skb->data + iphoff;

	if (m == NFCT_NAT_SRC)
		inet_proto_csum_replace16(check, skb, ip6h->saddr.s6_addr32,
					  t->src6.s6_addr32, true);
	else
		inet_proto_csum_replace16(check, skb, ip6h->daddr.s6_addr32,
					  t->dst6.s6_addr32, true);
}

static int nfct_nat_ipv6_icmp_offset(const struct sk_buff *skb)
{
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	__be16 frag_off;
	int off;

	off = ipv6_skip_exthdr(skb, sizeof(struct ipv6hdr), &nexthdr, &frag_off);
	return off >= 0 && nexthdr == IPPROTO_ICMPV6 ? off : -1;
}

static __sum16 nfct_nat_ipv6_icmp_check(struct sk_buff *skb, unsigned int hook,
					unsigned int off)
{
	return nf_ip6_checksum(skb, hook, off, IPPROTO_ICMPV6);
}

static __sum16 nfct_nat_ipv6_icmp_sum(struct sk_buff *skb, unsigned int off)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);

	return csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, skb->len - off, IPPROTO_ICMPV6,
			       skb_checksum(skb, off, skb->len - off, 0));
}

static const struct nfct_nat_l3 nfct_nat_l3s[NFCT_L3_MAX] = {
	[NFCT_L3_IPV4] = {
		.hdr_len	= sizeof(struct iphdr),
		.redirect	= ICMP_REDIRECT,
		.l4_offset	= nfct_nat_ipv4_l4_offset,
		.set_addr	= nfct_nat_ipv4_set_addr,
		.csum_addr	= nfct_nat_ipv4_csum_addr,
		.icmp_offset	= nfct_nat_ipv4_icmp_offset,
		.icmp_check	= nfct_nat_ipv4_icmp_check,
		.icmp_sum	= nfct_nat_ipv4_icmp_sum,
	},
	[NFCT_L3_IPV6] = {
		.hdr_len	= sizeof(struct ipv6hdr),
		.redirect	= NDISC_REDIRECT,
		.l4_offset	= nfct_nat_ipv6_l4_offset,
		.set_addr	= nfct_nat_ipv6_set_addr,
		.csum_addr	= nfct_nat_ipv6_csum_addr,
		.icmp_offset	= nfct_nat_ipv6_icmp_offset,
		.icmp_check	= nfct_nat_ipv6_icmp_check,
		.icmp_sum	= nfct_nat_ipv6_icmp_sum,
	},
};

static const struct nfct_nat_l3 *nfct_nat_l3_of(const struct nfct_tuple *t)
{
	return &nfct_nat_l3s[t->l3];
}
