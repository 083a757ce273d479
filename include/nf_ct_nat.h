/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nf_ct_nat.ko: NAT on top of nf_ct, configured by the nat tables of
 * iptables and ip6tables (NAT66).
 *
 * The binding of a connection is its reply tuple: SNAT and DNAT rewrite it
 * before the entry is confirmed, and every later packet is rewritten to
 * look like the inverse of the other direction's tuple, as nf_nat does.
 *
 *   nf_ct_nat_core.c   the nat tables (x_tables, per netns and family) and the hooks
 *   nf_ct_nat_tuple.c  choosing the binding: addresses, then a free port
 *   nf_ct_nat_pkt.c    rewriting packets and the packets ICMP errors quote
 *   nf_ct_nat_xt.c     the SNAT, DNAT, MASQUERADE and REDIRECT targets
 */
#ifndef _NF_CT_NAT_H
#define _NF_CT_NAT_H

#include <linux/netfilter.h>
#include <uapi/linux/netfilter/nf_nat.h>

#include "nf_ct.h"

enum nfct_nat_manip {
	NFCT_NAT_SRC,
	NFCT_NAT_DST,
};

/* As nf_nat: the source is mapped after routing, the destination before. */
static inline enum nfct_nat_manip nfct_nat_hook_manip(unsigned int hook)
{
	return hook == NF_INET_POST_ROUTING || hook == NF_INET_LOCAL_IN ?
	       NFCT_NAT_SRC : NFCT_NAT_DST;
}

static inline bool nfct_nat_initialized(const struct nfct_conn *ct,
					enum nfct_nat_manip m)
{
	return test_bit(m == NFCT_NAT_SRC ? NFCT_SRC_NAT_DONE : NFCT_DST_NAT_DONE,
			&ct->status);
}

/* The address of end @m of @t: one word for IPv4, four for IPv6. */
static inline __be32 *nfct_nat_addr(struct nfct_tuple *t, enum nfct_nat_manip m)
{
	return (__be32 *)(m == NFCT_NAT_SRC ? nfct_src(t) : nfct_dst(t));
}

/* nf_ct_nat_tuple.c */
unsigned int nfct_nat_setup(struct nfct_net *cn, struct nfct_conn *ct,
			    const struct nf_nat_range2 *range,
			    enum nfct_nat_manip m);
unsigned int nfct_nat_null_binding(struct nfct_net *cn, struct nfct_conn *ct,
				   enum nfct_nat_manip m);
bool nfct_nat_unique_tuple(struct nfct_net *cn, struct nfct_tuple *t,
			   const struct nf_nat_range2 *range,
			   enum nfct_nat_manip m, const struct nfct_conn *ct);

/* nf_ct_nat_pkt.c */
bool nfct_nat_manip_pkt(struct sk_buff *skb, unsigned int iphoff,
			const struct nfct_tuple *target, enum nfct_nat_manip m);
bool nfct_nat_needed(const struct nfct_conn *ct, enum nfct_dir dir,
		     enum nfct_nat_manip m);
unsigned int nfct_nat_packet(struct sk_buff *skb, const struct nfct_conn *ct,
			     enum nfct_dir dir, enum nfct_nat_manip m);
int nfct_nat_icmp_offset(const struct sk_buff *skb, const struct nfct_conn *ct);
bool nfct_nat_icmp_reply(struct sk_buff *skb, const struct nfct_conn *ct,
			 enum nfct_dir dir, unsigned int hook, unsigned int hdrlen);

/* nf_ct_nat_xt.c */
int nfct_nat_xt_init(void);
void nfct_nat_xt_exit(void);

#endif /* _NF_CT_NAT_H */
