// SPDX-License-Identifier: GPL-2.0
/*
 * Packet -> tuple. The family's ops (nf_ct_l3_*.c) read the addresses and
 * find the L4 header, the protocol's fill in the rest. Only what a header
 * says is trusted: every length is checked against the packet before use,
 * and anything that cannot be parsed gives an error, never a tuple to track.
 */
#include <linux/icmp.h>
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/string.h>

#include "nf_ct.h"

/* Indexed by protocol number: the hooks ask for every packet. */
const struct nfct_l4proto *const nfct_l4protos[U8_MAX + 1] = {
	[IPPROTO_TCP]		= &nfct_l4proto_tcp,
	[IPPROTO_UDP]		= &nfct_l4proto_udp,
	[IPPROTO_UDPLITE]	= &nfct_l4proto_udplite,
	[IPPROTO_ICMP]		= &nfct_l4proto_icmp,
	[IPPROTO_ICMPV6]	= &nfct_l4proto_icmpv6,
	[IPPROTO_GRE]		= &nfct_l4proto_gre,
	[IPPROTO_SCTP]		= &nfct_l4proto_sctp,
	[IPPROTO_DCCP]		= &nfct_l4proto_dccp,
};
EXPORT_SYMBOL_IF_KUNIT(nfct_l4protos);

const struct nfct_l3proto *const nfct_l3protos[NFCT_L3_MAX] = {
	[NFCT_L3_IPV4]		= &nfct_l3proto_ipv4,
	[NFCT_L3_IPV6]		= &nfct_l3proto_ipv6,
};
EXPORT_SYMBOL_GPL(nfct_l3protos);	/* for the inlines in nf_ct_nat.ko, nf_ct_xt.ko */

/* The family of the packet at skb->data by its version field, or NULL. */
const struct nfct_l3proto *nfct_l3_of_skb(const struct sk_buff *skb)
{
	u8 _v;
	const u8 *v = skb_header_pointer(skb, 0, sizeof(_v), &_v);

	if (!v)
		return NULL;
	switch (*v >> 4) {
	case 4:
		return &nfct_l3proto_ipv4;
	case 6:
		return &nfct_l3proto_ipv6;
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(nfct_l3_of_skb);	/* for nf_ct_xt.ko, nf_ct_nat.ko */

/*
 * The L4 checksum of a packet whose tuple was read, in its family's
 * pseudo-header, over @len bytes from @off (0: to the end): nonzero if bad.
 */
__sum16 nfct_checksum(struct sk_buff *skb, unsigned int hook, unsigned int off,
		      unsigned int len, u8 protonum)
{
	u8 family = nfct_l3_of_skb(skb)->family;

	if (len)
		return nf_checksum_partial(skb, hook, off, len, protonum, family);
	return nf_checksum(skb, hook, off, protonum, family);
}
EXPORT_SYMBOL_GPL(nfct_checksum);	/* for nf_ct_nat.ko */

/**
 * nfct_tuple_from_skb - the original-direction tuple of a packet
 * @skb: packet with skb->data at the IP header
 * @t: filled on success; when only the L4 header is malformed, its
 *	protonum is set all the same, so the caller can count the error
 *	by protocol as nf_conntrack does
 * @l4off: offset of the L4 header from skb->data
 *
 * Return: 0, -EINVAL for a malformed header, -EAGAIN for a fragment (not
 * tracked before defrag). Protocols without a tracker get the generic one.
 */
int nfct_tuple_from_skb(const struct sk_buff *skb, struct nfct_tuple *t,
			unsigned int *l4off)
{
	const struct nfct_l3proto *l3 = nfct_l3_of_skb(skb);
	unsigned int off;
	int err;

	if (!l3)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->l3 = l3->l3;
	err = l3->pkt_to_tuple(skb, t, &off);
	if (err)
		return err;
	if (!nfct_l4proto_find(t->protonum)->pkt_to_tuple(skb, off, t))
		return -EINVAL;
	*l4off = off;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_tuple_from_skb);

/**
 * nfct_tuple_l4 - the L4 part of a quoted packet's tuple
 * @skb: the ICMP error
 * @off: offset of the quoted L4 header
 * @t: its protonum set; the ports, or an ICMP query's type, code and id,
 *	are filled in
 *
 * A quote holds at least 8 bytes of L4 (RFC 792), and that is all this
 * needs; GRE's is read as a packet's is, as nf_conntrack reads it. Other
 * protocols have no L4 part in their tuple.
 *
 * Return: 0, or -EINVAL if those 8 bytes are not there.
 */
int nfct_tuple_l4(const struct sk_buff *skb, unsigned int off, struct nfct_tuple *t)
{
	struct icmphdr _ih;
	const struct icmphdr *ih;
	__be16 _ports[2];
	const __be16 *ports;

	switch (t->protonum) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		ports = skb_header_pointer(skb, off, sizeof(_ports), _ports);
		if (!ports)
			return -EINVAL;
		t->sport = ports[0];
		t->dport = ports[1];
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:	/* the same 8 bytes: type, code, checksum, id */
		ih = skb_header_pointer(skb, off, sizeof(_ih), &_ih);
		if (!ih)
			return -EINVAL;
		t->sport = ih->un.echo.id;
		t->icmp.type = ih->type;
		t->icmp.code = ih->code;
		break;
	case IPPROTO_GRE:
		/* As a packet: a quoted PPTP call has its call id, or no tuple. */
		if (!nfct_l4proto_gre.pkt_to_tuple(skb, off, t))
			return -EINVAL;
		break;
	}
	return 0;
}

/* l4proto.pkt_to_tuple of the protocols whose first 4 bytes are two ports. */
bool nfct_ports_to_tuple(const struct sk_buff *skb, unsigned int off,
			 struct nfct_tuple *t)
{
	__be16 _ports[2];
	const __be16 *ports = skb_header_pointer(skb, off, sizeof(_ports), _ports);

	if (!ports)
		return false;
	t->sport = ports[0];
	t->dport = ports[1];
	return true;
}

/* l4proto.invert of the same, and of GRE's keys: the two swap. */
bool nfct_ports_invert(struct nfct_tuple *inv, const struct nfct_tuple *t)
{
	inv->sport = t->dport;
	inv->dport = t->sport;
	return true;
}

/**
 * nfct_tuple_from_quote - the tuple of the packet an ICMP error quotes
 * @skb: the ICMP error
 * @off: offset of the quoted IP header from skb->data
 * @t: filled on success
 *
 * The quote is of the error's own family.
 *
 * Return: 0, or -EINVAL for a quote too short (its IP header included) or
 * of a later fragment.
 */
int nfct_tuple_from_quote(const struct sk_buff *skb, unsigned int off,
			  struct nfct_tuple *t)
{
	const struct nfct_l3proto *l3 = nfct_l3_of_skb(skb);
	unsigned int l4off;
	int err;

	if (!l3)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->l3 = l3->l3;
	err = l3->quote_to_tuple(skb, off, t, &l4off);
	if (err)
		return err;
	return nfct_tuple_l4(skb, l4off, t);
}
EXPORT_SYMBOL_IF_KUNIT(nfct_tuple_from_quote);

/*
 * The tuple the other direction's packets carry. @inv may be a stored
 * tuple: only its key's bytes are written.
 */
bool nfct_tuple_invert(struct nfct_tuple *inv, const struct nfct_tuple *t)
{
	const struct nfct_l4proto *l4 = nfct_l4proto_find(t->protonum);
	const struct nfct_l3proto *l3 = nfct_l3_of(t);

	memset(inv, 0, l3->key_len);
	inv->l3 = t->l3;
	inv->protonum = t->protonum;
	l3->invert(inv, t);
	return l4->invert(inv, t);
}
EXPORT_SYMBOL_GPL(nfct_tuple_invert);	/* for nf_ct_nat.ko */
