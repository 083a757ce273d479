// SPDX-License-Identifier: GPL-2.0
/*
 * Generic tracker for every protocol without its own: one entry per address
 * pair and protocol, refreshed to generic_timeout (600 s) by every packet,
 * never ASSURED. Printed as "unknown" with the real protocol number, as
 * nf_conntrack prints protocols it has no tracker for.
 */
#include <linux/skbuff.h>

#include "nf_ct.h"

static bool nfct_generic_pkt_to_tuple(const struct sk_buff *skb, unsigned int off,
				      struct nfct_tuple *t)
{
	return true;	/* addresses and protocol are all there is */
}

static bool nfct_generic_invert(struct nfct_tuple *inv, const struct nfct_tuple *t)
{
	return true;
}

static bool nfct_generic_new(struct nfct_conn *ct, const struct sk_buff *skb,
			     unsigned int off, const struct nfct_net *cn)
{
	return true;
}

static enum nfct_track nfct_generic_packet(struct nfct_conn *ct,
					   const struct sk_buff *skb,
					   unsigned int off, enum nfct_dir dir,
					   const struct nfct_net *cn)
{
	nfct_refresh(ct, READ_ONCE(cn->timeouts.generic));
	return NFCT_TRACK_ACCEPT;
}

const struct nfct_l4proto nfct_l4proto_generic = {
	.protonum	= 0,	/* matches by default, not by number */
	.name		= "unknown",
	.pkt_to_tuple	= nfct_generic_pkt_to_tuple,
	.invert		= nfct_generic_invert,
	.new		= nfct_generic_new,
	.packet		= nfct_generic_packet,
	.allow_clash	= true,
};
EXPORT_SYMBOL_IF_KUNIT(nfct_l4proto_generic);	/* nfct_l4proto_find() is inline */
