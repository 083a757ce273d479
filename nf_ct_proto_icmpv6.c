// SPDX-License-Identifier: GPL-2.0
/*
 * ICMPv6 tracker. nf_ct tracks IPv4 only so far, and there an ICMPv6
 * header (protocol 58 in an IPv4 packet) is never trackable: nf_conntrack's
 * ICMPv6 tracker refuses every such packet, INVALID, and makes no entry.
 * The generic tracker would make one per address pair, so a storm of such
 * frames would fill the table where the kernel's stays empty.
 *
 * The tuple is nf_conntrack's (type, code, id), with echo (128/129) and
 * node information (139/140) as query/answer pairs.
 */
#include <linux/icmpv6.h>
#include <linux/skbuff.h>

#include "nf_ct.h"

static bool nfct_icmpv6_pkt_to_tuple(const struct sk_buff *skb, unsigned int off,
				     struct nfct_tuple *t)
{
	struct icmp6hdr buf;
	const struct icmp6hdr *ih;

	ih = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!ih)
		return false;
	t->sport = ih->icmp6_identifier;
	t->icmp.type = ih->icmp6_type;
	t->icmp.code = ih->icmp6_code;
	return true;
}

static bool nfct_icmpv6_invert(struct nfct_tuple *inv, const struct nfct_tuple *t)
{
	static const u8 answer[] = {
		[ICMPV6_ECHO_REQUEST - 128]	= ICMPV6_ECHO_REPLY,
		[ICMPV6_ECHO_REPLY - 128]	= ICMPV6_ECHO_REQUEST,
		[ICMPV6_NI_QUERY - 128]		= ICMPV6_NI_REPLY,
		[ICMPV6_NI_REPLY - 128]		= ICMPV6_NI_QUERY,
	};
	u8 i = t->icmp.type - 128;

	if (t->icmp.type < 128 || i >= ARRAY_SIZE(answer) || !answer[i])
		return false;
	inv->sport = t->sport;
	inv->icmp.type = answer[i];
	inv->icmp.code = t->icmp.code;
	return true;
}

/* Over IPv4, as nf_conntrack_icmpv6_packet(): nothing is a connection. */
static bool nfct_icmpv6_new(struct nfct_conn *ct, const struct sk_buff *skb,
			    unsigned int off, const struct nfct_net *cn)
{
	return false;
}

static enum nfct_track nfct_icmpv6_packet(struct nfct_conn *ct,
					  const struct sk_buff *skb,
					  unsigned int off, enum nfct_dir dir,
					  const struct nfct_net *cn)
{
	return NFCT_TRACK_INVALID;
}

const struct nfct_l4proto nfct_l4proto_icmpv6 = {
	.protonum	= IPPROTO_ICMPV6,
	.name		= "icmpv6",
	.pkt_to_tuple	= nfct_icmpv6_pkt_to_tuple,
	.invert		= nfct_icmpv6_invert,
	.new		= nfct_icmpv6_new,
	.packet		= nfct_icmpv6_packet,
};
