// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6: the L4 header is found past the extension headers as nf_conntrack
 * finds it (ipv6_skip_exthdr): hop-by-hop, routing, destination options and
 * AH are skipped wherever they are, a chain ending in no-next-header (59)
 * or cut short is INVALID, so is a later fragment (reassembly by
 * nf_defrag_ipv6 comes first), and anything else (ESP, mobility, ...) is
 * the protocol. Lengths come from the packet, never from payload_len,
 * which a jumbogram has at 0. The key is the whole struct nfct_tuple, 40
 * bytes.
 */
#include <linux/ipv6.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <net/ipv6.h>

#include "nf_ct.h"

/* The protocol and L4 offset of the IPv6 header at @off; addresses into @t. */
static int nfct_ipv6_parse(const struct sk_buff *skb, unsigned int off,
			   struct nfct_tuple *t, unsigned int *l4off)
{
	struct ipv6hdr _ip6h;
	const struct ipv6hdr *ip6h;
	__be16 frag_off;
	u8 nexthdr;
	int l4;

	ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6)
		return -EINVAL;
	nexthdr = ip6h->nexthdr;
	l4 = ipv6_skip_exthdr(skb, off + sizeof(*ip6h), &nexthdr, &frag_off);
	if (l4 < 0)
		return -EINVAL;	/* no next header, or a header cut short */
	if (frag_off & htons(~0x7))
		return -EAGAIN;	/* a later fragment */
	t->src6 = ip6h->saddr;
	t->dst6 = ip6h->daddr;
	t->protonum = nexthdr;
	*l4off = l4;
	return 0;
}

static int nfct_ipv6_pkt_to_tuple(const struct sk_buff *skb, struct nfct_tuple *t,
				  unsigned int *l4off)
{
	return nfct_ipv6_parse(skb, 0, t, l4off);
}

static int nfct_ipv6_quote_to_tuple(const struct sk_buff *skb, unsigned int off,
				    struct nfct_tuple *t, unsigned int *l4off)
{
	int err = nfct_ipv6_parse(skb, off, t, l4off);

	return err ? -EINVAL : 0;
}

static void nfct_ipv6_invert(struct nfct_tuple *inv, const struct nfct_tuple *t)
{
	inv->src6 = t->dst6;
	inv->dst6 = t->src6;
}

static bool nfct_ipv6_addr_match(const void *addr, const union nf_inet_addr *want,
				 const union nf_inet_addr *mask)
{
	return !ipv6_masked_addr_cmp(addr, &mask->in6, &want->in6);
}

static bool nfct_ipv6_dst_is(const struct nfct_tuple *t, const struct sk_buff *skb)
{
	return ipv6_addr_equal(&t->dst6, &ipv6_hdr(skb)->daddr);
}

/* nf_conntrack prints every group, four digits each (%pI6, not %pI6c). */
static void nfct_ipv6_print(struct seq_file *s, const struct nfct_tuple *t)
{
	seq_printf(s, "src=%pI6 dst=%pI6 ", &t->src6, &t->dst6);
}

/* IPv6 has no id in every packet: a record is told apart by its tuple. */
static void nfct_ipv6_pkt_ident(const struct sk_buff *skb, __be16 *id, u8 *protonum)
{
	*id = 0;
	*protonum = ipv6_hdr(skb)->nexthdr;
}

const struct nfct_l3proto nfct_l3proto_ipv6 = {
	.l3		= NFCT_L3_IPV6,
	.family		= NFPROTO_IPV6,
	.key_len	= NFCT_TUPLE_LEN_IPV6,
	.node_size	= NFCT_NODE_SIZE(NFCT_TUPLE_LEN_IPV6),
	.icmp_proto	= IPPROTO_ICMPV6,
	.name		= "ipv6",
	.pkt_to_tuple	= nfct_ipv6_pkt_to_tuple,
	.quote_to_tuple	= nfct_ipv6_quote_to_tuple,
	.invert		= nfct_ipv6_invert,
	.addr_match	= nfct_ipv6_addr_match,
	.dst_is		= nfct_ipv6_dst_is,
	.print		= nfct_ipv6_print,
	.pkt_ident	= nfct_ipv6_pkt_ident,
};
EXPORT_SYMBOL_IF_KUNIT(nfct_l3proto_ipv6);
