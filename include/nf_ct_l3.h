/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The address families behind one ops struct, as the protocols are behind
 * struct nfct_l4proto: what differs between IPv4 and IPv6 is here and in
 * the family's file (nf_ct_l3_ipv4.c), nowhere else.
 */
#ifndef _NF_CT_L3_H
#define _NF_CT_L3_H

#include <linux/types.h>

union nf_inet_addr;
struct nfct_tuple;
struct seq_file;
struct sk_buff;

struct nfct_l3proto {
	u8 l3;			/* NFCT_L3_*, its index in nfct_l3protos */
	u8 family;		/* NFPROTO_*, as /proc/net/nf_conntrack prints it */
	u8 key_len;		/* bytes of struct nfct_tuple that are the key */
	u8 node_size;		/* of struct nfct_tuple_node with that key */
	u8 icmp_proto;		/* its ICMP: a short one counts as an ICMP error */
	const char *name;	/* as /proc/net/nf_conntrack prints it */
	/*
	 * The addresses and protocol of the packet at skb->data, and where
	 * its L4 header starts. 0, -EINVAL if malformed, -EAGAIN for a
	 * fragment (not tracked before defrag).
	 */
	int (*pkt_to_tuple)(const struct sk_buff *skb, struct nfct_tuple *t,
			    unsigned int *l4off);
	/* The same for a packet quoted at @off of an ICMP error. */
	int (*quote_to_tuple)(const struct sk_buff *skb, unsigned int off,
			      struct nfct_tuple *t, unsigned int *l4off);
	/* Addresses swapped into @inv. */
	void (*invert)(struct nfct_tuple *inv, const struct nfct_tuple *t);
	/* Does the address at @addr equal @want under @mask (x_tables' rule)? */
	bool (*addr_match)(const void *addr, const union nf_inet_addr *want,
			   const union nf_inet_addr *mask);
	/* Is @t's destination the packet's (an ICMP error's outer header)? */
	bool (*dst_is)(const struct nfct_tuple *t, const struct sk_buff *skb);
	/* "src=... dst=... " as nf_conntrack prints them. */
	void (*print)(struct seq_file *s, const struct nfct_tuple *t);
	/*
	 * What tells a packet's record apart from another's at its address
	 * beside its tuple: the IP id, and the protocol in the IP header.
	 */
	void (*pkt_ident)(const struct sk_buff *skb, __be16 *id, u8 *protonum);
};

extern const struct nfct_l3proto nfct_l3proto_ipv4;
extern const struct nfct_l3proto nfct_l3proto_ipv6;
extern const struct nfct_l3proto *const nfct_l3protos[];

#endif /* _NF_CT_L3_H */
