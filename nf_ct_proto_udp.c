// SPDX-License-Identifier: GPL-2.0
/*
 * UDP tracker: 30 s (udp_timeout) until the flow looks like a stream, then
 * 120 s (udp_timeout_stream) and ASSURED. A flow becomes a stream when a packet arrives after a reply and
 * more than 2 s after the first packet, as in nf_conntrack. UDP-Lite is
 * tracked the same way, with the same timeouts, and its own checksum rules.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>
#include <linux/udp.h>

#include "nf_ct.h"

#define NFCT_UDP_STREAM_AFTER		(2 * HZ)

/* The whole 8-byte header, or no tuple (nf_conntrack: INVALID, no entry). */
static bool nfct_udp_pkt_to_tuple(const struct sk_buff *skb, unsigned int off,
				  struct nfct_tuple *t)
{
	return skb->len >= off + sizeof(struct udphdr) && nfct_ports_to_tuple(skb, off, t);
}

static bool nfct_udp_new(struct nfct_conn *ct, const struct sk_buff *skb,
			 unsigned int off, const struct nfct_net *cn)
{
	nfct_conn_proto(ct)->udp.stream_ts = jiffies + NFCT_UDP_STREAM_AFTER;
	return true;
}

static enum nfct_track nfct_udp_packet(struct nfct_conn *ct,
				       const struct sk_buff *skb,
				       unsigned int off, enum nfct_dir dir,
				       const struct nfct_net *cn)
{
	if (test_bit(NFCT_SEEN_REPLY, &ct->status) &&
	    time_after(jiffies, READ_ONCE(nfct_conn_proto(ct)->udp.stream_ts))) {
		nfct_refresh(ct, READ_ONCE(cn->timeouts.udp_stream));
		/* A race's loser goes soon, and may always be evicted. */
		if (!test_bit(NFCT_NAT_CLASH, &ct->status))
			set_bit(NFCT_ASSURED, &ct->status);
	} else {
		nfct_refresh(ct, READ_ONCE(cn->timeouts.udp));
	}
	return NFCT_TRACK_ACCEPT;
}

/*
 * As nf_conntrack's udp_error(): a datagram whose length field does not fit
 * the packet is INVALID, and so is one arriving (PRE_ROUTING, its default
 * checksum=1) with a wrong checksum; a zero checksum means none was sent.
 * What this host sends is trusted. Checked before lookup: the entry's
 * counters and timeout must not move for such a packet.
 */
static int nfct_udp_error(struct nfct_net *cn, struct sk_buff *skb,
			  unsigned int off, unsigned int hook)
{
	unsigned int len = skb->len - off;
	const struct udphdr *uh;
	struct udphdr buf;

	uh = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!uh)
		return NFCT_TRACK_IT;	/* nfct_udp_pkt_to_tuple refused it already */
	if (ntohs(uh->len) > len || ntohs(uh->len) < sizeof(*uh))
		goto invalid;
	if (!uh->check || hook != NF_INET_PRE_ROUTING ||
	    !nfct_checksum(skb, hook, off, 0, IPPROTO_UDP))
		return NFCT_TRACK_IT;
invalid:
	NFCT_STAT_INC(cn, invalid);
	/* Its entry, if it has one, must not speak for it. */
	return nfct_pkt_invalid(cn, skb);
}

/*
 * UDP-Lite's length field is the checksum coverage: 0 (all) or from the
 * header's 8 bytes up to the datagram's end; anything else is malformed.
 */
static bool nfct_udplite_pkt_to_tuple(const struct sk_buff *skb, unsigned int off,
				      struct nfct_tuple *t)
{
	struct udphdr buf;
	const struct udphdr *uh;
	unsigned int cscov;

	uh = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!uh)
		return false;
	cscov = ntohs(uh->len);
	if (cscov && (cscov < sizeof(*uh) || cscov > skb->len - off))
		return false;
	t->sport = uh->source;
	t->dport = uh->dest;
	return true;
}

/*
 * As nf_conntrack 6.1's udplite_error(): UDP-Lite mandates a checksum, so
 * a zero one is INVALID at every hook; at PRE_ROUTING the sum is checked
 * over the coverage the way that kernel checks it, with UDP's protocol
 * number in the pseudo-header (nf_checksum_partial(..., IPPROTO_UDP, ...))
 * where RFC 3828 puts UDP-Lite's. A datagram a UDP-Lite stack summed right
 * is thus INVALID where it arrives, unless its device vouched for the sum:
 * rules must see what nf_conntrack says (the differential test
 * UdpliteChecksumRulesMatchTheKernels holds it to the running kernel).
 */
static int nfct_udplite_error(struct nfct_net *cn, struct sk_buff *skb,
			      unsigned int off, unsigned int hook)
{
	unsigned int len = skb->len - off, cscov;
	const struct udphdr *uh;
	struct udphdr buf;

	uh = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!uh)
		return NFCT_TRACK_IT;	/* nfct_udplite_pkt_to_tuple refused it already */
	cscov = ntohs(uh->len) ?: len;
	if (cscov < sizeof(*uh) || cscov > len || !uh->check)
		goto invalid;
	if (hook == NF_INET_PRE_ROUTING &&
	    nfct_checksum(skb, hook, off, cscov, IPPROTO_UDP))
		goto invalid;
	return NFCT_TRACK_IT;
invalid:
	NFCT_STAT_INC(cn, invalid);
	return nfct_pkt_invalid(cn, skb);
}

const struct nfct_l4proto nfct_l4proto_udplite = {
	.protonum	= IPPROTO_UDPLITE,
	.name		= "udplite",
	.pkt_to_tuple	= nfct_udplite_pkt_to_tuple,
	.invert		= nfct_ports_invert,
	.new		= nfct_udp_new,
	.packet		= nfct_udp_packet,
	.error		= nfct_udplite_error,
	.allow_clash	= true,
};

const struct nfct_l4proto nfct_l4proto_udp = {
	.protonum	= IPPROTO_UDP,
	.name		= "udp",
	.pkt_to_tuple	= nfct_udp_pkt_to_tuple,
	.invert		= nfct_ports_invert,
	.new		= nfct_udp_new,
	.packet		= nfct_udp_packet,
	.error		= nfct_udp_error,
	.allow_clash	= true,
};
