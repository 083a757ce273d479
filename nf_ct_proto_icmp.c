// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP tracker: query/answer pairs (echo, timestamp, info, address mask)
 * matched by id, 30 s each (icmp_timeout). Errors are not tracked yet; they will attach to
 * the connection they quote as RELATED.
 */
#include <linux/icmp.h>
#include <linux/skbuff.h>

#include "nf_ct.h"

/* Query type -> answer type and back; 0 means "no partner". Offset by one
 * so that echo reply (type 0) can be stored.
 */
static const u8 nfct_icmp_partner[NR_ICMP_TYPES + 1] = {
	[ICMP_ECHO]		= ICMP_ECHOREPLY + 1,
	[ICMP_ECHOREPLY]	= ICMP_ECHO + 1,
	[ICMP_TIMESTAMP]	= ICMP_TIMESTAMPREPLY + 1,
	[ICMP_TIMESTAMPREPLY]	= ICMP_TIMESTAMP + 1,
	[ICMP_INFO_REQUEST]	= ICMP_INFO_REPLY + 1,
	[ICMP_INFO_REPLY]	= ICMP_INFO_REQUEST + 1,
	[ICMP_ADDRESS]		= ICMP_ADDRESSREPLY + 1,
	[ICMP_ADDRESSREPLY]	= ICMP_ADDRESS + 1,
};

static bool nfct_icmp_is_query(u8 type)
{
	return type == ICMP_ECHO || type == ICMP_TIMESTAMP ||
	       type == ICMP_INFO_REQUEST || type == ICMP_ADDRESS;
}

static bool nfct_icmp_pkt_to_tuple(const struct sk_buff *skb, unsigned int off,
				   struct nfct_tuple *t)
{
	struct icmphdr buf;
	const struct icmphdr *ih;

	ih = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!ih)
		return false;
	t->sport = ih->un.echo.id;
	t->icmp.type = ih->type;
	t->icmp.code = ih->code;
	return true;
}

static bool nfct_icmp_invert(struct nfct_tuple *inv, const struct nfct_tuple *t)
{
	if (t->icmp.type > NR_ICMP_TYPES || !nfct_icmp_partner[t->icmp.type])
		return false;
	inv->sport = t->sport;
	inv->icmp.type = nfct_icmp_partner[t->icmp.type] - 1;
	inv->icmp.code = t->icmp.code;
	return true;
}

static bool nfct_icmp_new(struct nfct_conn *ct, const struct sk_buff *skb,
			  unsigned int off)
{
	/* An unsolicited answer opens nothing. */
	return nfct_icmp_is_query(ct->tuplehash[NFCT_DIR_ORIGINAL].tuple.icmp.type);
}

static bool nfct_icmp_packet(struct nfct_conn *ct, const struct sk_buff *skb,
			     unsigned int off, enum nfct_dir dir,
			     const struct nfct_net *cn)
{
	nfct_refresh(ct, READ_ONCE(cn->timeouts.icmp));
	return true;
}

const struct nfct_l4proto nfct_l4proto_icmp = {
	.protonum	= IPPROTO_ICMP,
	.name		= "icmp",
	.pkt_to_tuple	= nfct_icmp_pkt_to_tuple,
	.invert		= nfct_icmp_invert,
	.new		= nfct_icmp_new,
	.packet		= nfct_icmp_packet,
};
