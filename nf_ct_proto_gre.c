// SPDX-License-Identifier: GPL-2.0
/*
 * GRE tracker, as nf_conntrack 6.1's without the PPTP helper: a GRE
 * version 1 (PPTP) packet carrying PPP is keyed by its call id (the
 * destination key; the source key, which only the helper's keymap knows, is
 * 0), one carrying anything else is INVALID, and any other GRE, version 0
 * tunnels included, is one entry per address pair with both keys 0. An
 * entry keeps the timeouts it was made with (gre_timeout, 30 s, until a
 * reply; gre_timeout_stream, 180 s, and ASSURED after) and prints them as
 * nf_conntrack does: "timeout=30, stream_timeout=180".
 */
#include <linux/if_ether.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <net/gre.h>
#include <net/pptp.h>

#include "nf_ct.h"

static bool nfct_gre_pkt_to_tuple(const struct sk_buff *skb, unsigned int off,
				  struct nfct_tuple *t)
{
	const struct pptp_gre_header *pgh;
	struct pptp_gre_header _pgh;
	const struct gre_base_hdr *gh;
	struct gre_base_hdr _gh;

	gh = skb_header_pointer(skb, off, sizeof(_gh), &_gh);
	if (!gh || (gh->flags & GRE_VERSION) != GRE_VERSION_1)
		return true;	/* keys 0, as the generic tracker would */
	/* Up to the call id: the rest of the PPTP header varies. */
	pgh = skb_header_pointer(skb, off, 8, &_pgh);
	if (!pgh)
		return true;
	if (gh->protocol != GRE_PROTO_PPP)
		return false;
	t->dport = pgh->call_id;
	return true;
}

static bool nfct_gre_new(struct nfct_conn *ct, const struct sk_buff *skb,
			 unsigned int off, const struct nfct_net *cn)
{
	struct nfct_gre_state *st = &nfct_conn_proto(ct)->gre;

	st->timeout = READ_ONCE(cn->timeouts.gre);
	st->stream_timeout = READ_ONCE(cn->timeouts.gre_stream);
	return true;
}

/* Replied traffic makes it a GRE connection: ASSURED, on the longer timeout. */
static enum nfct_track nfct_gre_packet(struct nfct_conn *ct,
				       const struct sk_buff *skb,
				       unsigned int off, enum nfct_dir dir,
				       const struct nfct_net *cn)
{
	const struct nfct_gre_state *st = &nfct_conn_proto(ct)->gre;

	if (test_bit(NFCT_SEEN_REPLY, &ct->status)) {
		nfct_refresh(ct, st->stream_timeout);
		if (!test_bit(NFCT_ASSURED, &ct->status))
			set_bit(NFCT_ASSURED, &ct->status);
	} else {
		nfct_refresh(ct, st->timeout);
	}
	return NFCT_TRACK_ACCEPT;
}

static void nfct_gre_print(struct seq_file *s, const struct nfct_conn *ct)
{
	const struct nfct_gre_state *st = &nfct_conn_proto(ct)->gre;

	seq_printf(s, "timeout=%u, stream_timeout=%u ", st->timeout / HZ,
		   st->stream_timeout / HZ);
}

const struct nfct_l4proto nfct_l4proto_gre = {
	.protonum	= IPPROTO_GRE,
	.name		= "gre",
	.pkt_to_tuple	= nfct_gre_pkt_to_tuple,
	.invert		= nfct_ports_invert,	/* the keys swap as ports do */
	.new		= nfct_gre_new,
	.packet		= nfct_gre_packet,
	.print		= nfct_gre_print,
};
EXPORT_SYMBOL_IF_KUNIT(nfct_l4proto_gre);
