// SPDX-License-Identifier: GPL-2.0
/*
 * IPv4: the header's checks as nf_conntrack makes them, and its key of 16
 * bytes (struct nfct_tuple up to the IPv4 addresses).
 */
#include <linux/ip.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <net/ip.h>

#include "nf_ct.h"

static int nfct_ipv4_pkt_to_tuple(const struct sk_buff *skb, struct nfct_tuple *t,
				  unsigned int *l4off)
{
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
	t->src = iph->saddr;
	t->dst = iph->daddr;
	t->protonum = iph->protocol;
	*l4off = ihl;
	return 0;
}

/* The quote's tot_len speaks of the original packet, not of the quote. */
static int nfct_ipv4_quote_to_tuple(const struct sk_buff *skb, unsigned int off,
				    struct nfct_tuple *t, unsigned int *l4off)
{
	struct iphdr _iph;
	const struct iphdr *iph;

	iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5 ||
	    (iph->frag_off & htons(IP_OFFSET)))
		return -EINVAL;
	*l4off = off + iph->ihl * 4;
	/* As nf_conntrack: the quoted header's options are all there. */
	if (*l4off > skb->len)
		return -EINVAL;
	t->src = iph->saddr;
	t->dst = iph->daddr;
	t->protonum = iph->protocol;
	return 0;
}

static void nfct_ipv4_invert(struct nfct_tuple *inv, const struct nfct_tuple *t)
{
	inv->src = t->dst;
	inv->dst = t->src;
}

static bool nfct_ipv4_addr_match(const void *addr, const union nf_inet_addr *want,
				 const union nf_inet_addr *mask)
{
	return !((*(const __be32 *)addr ^ want->ip) & mask->ip);
}

static bool nfct_ipv4_dst_is(const struct nfct_tuple *t, const struct sk_buff *skb)
{
	return t->dst == ip_hdr(skb)->daddr;
}

static void nfct_ipv4_pkt_ident(const struct sk_buff *skb, __be16 *id, u8 *protonum)
{
	*id = ip_hdr(skb)->id;
	*protonum = ip_hdr(skb)->protocol;
}

static void nfct_ipv4_print(struct seq_file *s, const struct nfct_tuple *t)
{
	seq_printf(s, "src=%pI4 dst=%pI4 ", &t->src, &t->dst);
}

const struct nfct_l3proto nfct_l3proto_ipv4 = {
	.l3		= NFCT_L3_IPV4,
	.family		= NFPROTO_IPV4,
	.key_len	= NFCT_TUPLE_LEN_IPV4,
	.node_size	= NFCT_NODE_SIZE(NFCT_TUPLE_LEN_IPV4),
	.icmp_proto	= IPPROTO_ICMP,
	.name		= "ipv4",
	.pkt_to_tuple	= nfct_ipv4_pkt_to_tuple,
	.quote_to_tuple	= nfct_ipv4_quote_to_tuple,
	.invert		= nfct_ipv4_invert,
	.addr_match	= nfct_ipv4_addr_match,
	.dst_is		= nfct_ipv4_dst_is,
	.print		= nfct_ipv4_print,
	.pkt_ident	= nfct_ipv4_pkt_ident,
};
EXPORT_SYMBOL_IF_KUNIT(nfct_l3proto_ipv4);
