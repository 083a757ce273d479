// SPDX-License-Identifier: GPL-2.0
/*
 * Packet -> tuple. Only what a header says is trusted: every length is
 * checked against the packet before use, and anything that cannot be parsed
 * gives an error, never a tuple to track.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <net/ip.h>

#include "nf_ct.h"

/* Indexed by protocol number: the hooks ask for every packet. */
const struct nfct_l4proto *const nfct_l4protos[U8_MAX + 1] = {
	[IPPROTO_TCP]		= &nfct_l4proto_tcp,
	[IPPROTO_UDP]		= &nfct_l4proto_udp,
	[IPPROTO_UDPLITE]	= &nfct_l4proto_udplite,
	[IPPROTO_ICMP]		= &nfct_l4proto_icmp,
	[IPPROTO_ICMPV6]	= &nfct_l4proto_icmpv6,
};
EXPORT_SYMBOL_IF_KUNIT(nfct_l4protos);

/**
 * nfct_tuple_from_skb - the original-direction tuple of an IPv4 packet
 * @skb: packet with skb->data at the IPv4 header
 * @t: filled on success; when only the L4 header is malformed, its
 *	protonum is set all the same, so the caller can count the error
 *	by protocol as nf_conntrack does
 * @l4off: offset of the L4 header from skb->data
 *
 * Return: 0, -EINVAL for a malformed header, -EAGAIN for a fragment (not
 * tracked before defrag). Protocols without a tracker get the generic one.
 */
int nfct_tuple_from_skb(const struct sk_buff *skb,
					 struct nfct_tuple *t,
					 unsigned int *l4off)
{
	const struct nfct_l4proto *l4;
	struct iphdr _iph;
	const struct iphdr *iph;
	unsigned int ihl;

	iph = skb_header_pointer(skb, 0, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return -EINVAL;
	ihl = iph->ihl * 4;
	if (ntohs(iph->tot_len) < ihl || ntohs(iph->tot_len) > skb->len)
		return -EINVAL;
	if (iph->frag_off & htons(IP_MF | IP_OFFSET))
		return -EAGAIN;

	l4 = nfct_l4proto_find(iph->protocol);

	memset(t, 0, sizeof(*t));
	t->src = iph->saddr;
	t->dst = iph->daddr;
	t->protonum = iph->protocol;
	if (!l4->pkt_to_tuple(skb, ihl, t))
		return -EINVAL;
	*l4off = ihl;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_tuple_from_skb);

/**
 * nfct_tuple_from_quote - the tuple of the packet an ICMP error quotes
 * @skb: the ICMP error
 * @off: offset of the quoted IPv4 header from skb->data
 * @t: filled on success
 *
 * A quote holds the IPv4 header and at least 8 bytes of L4 (RFC 792), and
 * that is all this needs: the ports, or an ICMP query's type, code and id.
 * Its tot_len speaks of the original packet, not of the quote.
 *
 * Return: 0, or -EINVAL for a quote too short (its IP header included) or
 * of a later fragment.
 */
int nfct_tuple_from_quote(const struct sk_buff *skb, unsigned int off,
			  struct nfct_tuple *t)
{
	struct icmphdr _ih;
	const struct icmphdr *ih;
	struct iphdr _iph;
	const struct iphdr *iph;
	__be16 _ports[2];
	const __be16 *ports;
	unsigned int l4off;

	iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5 ||
	    (iph->frag_off & htons(IP_OFFSET)))
		return -EINVAL;
	l4off = off + iph->ihl * 4;
	/* As nf_conntrack: the quoted header's options are all there. */
	if (l4off > skb->len)
		return -EINVAL;

	memset(t, 0, sizeof(*t));
	t->src = iph->saddr;
	t->dst = iph->daddr;
	t->protonum = iph->protocol;
	switch (iph->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		ports = skb_header_pointer(skb, l4off, sizeof(_ports), _ports);
		if (!ports)
			return -EINVAL;
		t->sport = ports[0];
		t->dport = ports[1];
		break;
	case IPPROTO_ICMP:
		ih = skb_header_pointer(skb, l4off, sizeof(_ih), &_ih);
		if (!ih)
			return -EINVAL;
		t->sport = ih->un.echo.id;
		t->icmp.type = ih->type;
		t->icmp.code = ih->code;
		break;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_tuple_from_quote);

/* The tuple the other direction's packets carry. */
bool nfct_tuple_invert(struct nfct_tuple *inv,
					const struct nfct_tuple *t)
{
	const struct nfct_l4proto *l4 = nfct_l4proto_find(t->protonum);

	memset(inv, 0, sizeof(*inv));
	inv->src = t->dst;
	inv->dst = t->src;
	inv->protonum = t->protonum;
	return l4->invert(inv, t);
}
EXPORT_SYMBOL_GPL(nfct_tuple_invert);	/* for nf_ct_nat.ko */
