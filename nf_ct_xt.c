// SPDX-License-Identifier: GPL-2.0
/*
 * iptables' and ip6tables' `-m conntrack` (revisions 1, 2, 3) and `-m state`
 * (revision 0), answered from nf_ct's own verdict on the packet
 * (nfct_packet_info()) instead of skb->_nfct.
 *
 * A module of its own, nf_ct_xt.ko, beside nf_ct.ko: nf_ct itself needs no
 * x_tables, and whether nf_ct or the kernel answers a rule is chosen by
 * which match is registered when the rule's table is loaded (README).
 *
 * x_tables looks a match up in the family's own list before the
 * family-independent one, and the kernel's xt_conntrack and xt_state sit in
 * the latter (NFPROTO_UNSPEC). So while this module is loaded, every IPv4
 * and IPv6 rule loaded asks nf_ct, whatever was loaded first. A rule keeps the match it was bound to until its table is
 * replaced.
 *
 * Semantics are xt_conntrack's: a packet nf_ct has no entry for is INVALID,
 * or UNTRACKED if the raw table marked it so (NOTRACK), and then only the
 * state part of a rule can match. SNAT and DNAT come from the entry's
 * IPS_SRC_NAT/IPS_DST_NAT bits: never set until nf_ct does NAT.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_state.h>
#include <linux/skbuff.h>

#include "nf_ct.h"

/* Everything a rule can ask of the state, conntrack's bits. */
#define NFCT_XT_STATES	(XT_CONNTRACK_STATE_INVALID |			\
			 XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) |	\
			 XT_CONNTRACK_STATE_BIT(IP_CT_RELATED) |	\
			 XT_CONNTRACK_STATE_BIT(IP_CT_NEW) |		\
			 XT_CONNTRACK_STATE_SNAT | XT_CONNTRACK_STATE_DNAT | \
			 XT_CONNTRACK_STATE_UNTRACKED)
/* --ctstatus: the names iptables knows; nf_ct never sets EXPECTED. */
#define NFCT_XT_STATUS	(IPS_EXPECTED | IPS_SEEN_REPLY | IPS_ASSURED | \
			 IPS_CONFIRMED)
#define NFCT_XT_FLAGS	(XT_CONNTRACK_STATE_ALIAS * 2 - 1)

/* One revision's options in one shape: ports in host order, as ranges. */
struct nfct_xt_opts {
	const struct xt_conntrack_mtinfo2 *info;	/* the common prefix */
	u16 state_mask;
	u16 status_mask;
	u16 port_lo[4];		/* orig src, orig dst, repl src, repl dst */
	u16 port_hi[4];
};

/* Revision 1's masks are u8; its prefix is revision 2's, as xt_conntrack uses. */
static void nfct_xt_opts_get(struct nfct_xt_opts *o, const void *matchinfo,
			     u8 revision)
{
	const struct xt_conntrack_mtinfo1 *i1 = matchinfo;
	const struct xt_conntrack_mtinfo3 *i3 = matchinfo;
	const struct xt_conntrack_mtinfo2 *i2 = matchinfo;
	int k;

	BUILD_BUG_ON(offsetof(struct xt_conntrack_mtinfo1, invert_flags) !=
		     offsetof(struct xt_conntrack_mtinfo2, invert_flags));
	o->info = i2;
	o->state_mask = revision == 1 ? i1->state_mask : i2->state_mask;
	o->status_mask = revision == 1 ? i1->status_mask : i2->status_mask;
	if (revision == 3) {
		o->port_lo[0] = i3->origsrc_port;
		o->port_hi[0] = i3->origsrc_port_high;
		o->port_lo[1] = i3->origdst_port;
		o->port_hi[1] = i3->origdst_port_high;
		o->port_lo[2] = i3->replsrc_port;
		o->port_hi[2] = i3->replsrc_port_high;
		o->port_lo[3] = i3->repldst_port;
		o->port_hi[3] = i3->repldst_port_high;
		return;
	}
	/* Before revision 3 a port is one value, in network order. */
	o->port_lo[0] = ntohs(i2->origsrc_port);
	o->port_lo[1] = ntohs(i2->origdst_port);
	o->port_lo[2] = ntohs(i2->replsrc_port);
	o->port_lo[3] = ntohs(i2->repldst_port);
	for (k = 0; k < 4; k++)
		o->port_hi[k] = o->port_lo[k];
}

/* The state bit of a verdict, as XT_CONNTRACK_STATE_BIT() or the bits without one. */
static u16 nfct_xt_statebit(u8 info, const struct nfct_conn *ct)
{
	if (ct && info != NFCT_INFO_INVALID)
		return XT_CONNTRACK_STATE_BIT(info);
	if (info == IP_CT_UNTRACKED)
		return XT_CONNTRACK_STATE_UNTRACKED;
	return XT_CONNTRACK_STATE_INVALID;
}

/* Is the option @flag given and does @hit disagree with its (negated) wish? */
static bool nfct_xt_fails(const struct xt_conntrack_mtinfo2 *info, u16 flag,
			  bool hit)
{
	return (info->match_flags & flag) &&
	       hit == !!(info->invert_flags & flag);
}

/* Does @t's address @addr (its source or destination) match @want under @mask? */
static bool nfct_xt_addr(const struct nfct_tuple *t, const void *addr,
			 const union nf_inet_addr *want, const union nf_inet_addr *mask)
{
	return nfct_l3_of(t)->addr_match(addr, want, mask);
}

/**
 * nfct_xt_conntrack_eval - does a packet match a conntrack rule?
 * @matchinfo: the rule's struct xt_conntrack_mtinfo{1,2,3}
 * @revision: which of the three
 * @info: nf_ct's verdict: IP_CT_*, IP_CT_UNTRACKED or NFCT_INFO_INVALID
 * @ct: the packet's entry, NULL when it has none
 *
 * Return: true if every option given holds.
 */
bool nfct_xt_conntrack_eval(const void *matchinfo, u8 revision, u8 info,
			    const struct nfct_conn *ct)
{
	static const u16 port_flag[4] = {
		XT_CONNTRACK_ORIGSRC_PORT, XT_CONNTRACK_ORIGDST_PORT,
		XT_CONNTRACK_REPLSRC_PORT, XT_CONNTRACK_REPLDST_PORT,
	};
	const struct nfct_tuple *orig, *repl;
	const struct xt_conntrack_mtinfo2 *i;
	struct nfct_xt_opts o;
	unsigned long status;
	u16 statebit, port;
	int k;

	nfct_xt_opts_get(&o, matchinfo, revision);
	i = o.info;
	if (info == NFCT_INFO_INVALID)
		ct = NULL;
	statebit = nfct_xt_statebit(info, ct);
	status = ct ? READ_ONCE(ct->status) : 0;
	if (status & IPS_SRC_NAT)
		statebit |= XT_CONNTRACK_STATE_SNAT;
	if (status & IPS_DST_NAT)
		statebit |= XT_CONNTRACK_STATE_DNAT;
	if (nfct_xt_fails(i, XT_CONNTRACK_STATE, o.state_mask & statebit))
		return false;
	/* Without an entry there is nothing else to ask: only --ctstate can hold. */
	if (!ct)
		return i->match_flags & XT_CONNTRACK_STATE;

	if (nfct_xt_fails(i, XT_CONNTRACK_DIRECTION, info < IP_CT_IS_REPLY))
		return false;
	orig = nfct_tuple_of(ct, NFCT_DIR_ORIGINAL);
	repl = nfct_tuple_of(ct, NFCT_DIR_REPLY);
	if (nfct_xt_fails(i, XT_CONNTRACK_ORIGSRC,
			  nfct_xt_addr(orig, nfct_src(orig), &i->origsrc_addr, &i->origsrc_mask)) ||
	    nfct_xt_fails(i, XT_CONNTRACK_ORIGDST,
			  nfct_xt_addr(orig, nfct_dst(orig), &i->origdst_addr, &i->origdst_mask)) ||
	    nfct_xt_fails(i, XT_CONNTRACK_REPLSRC,
			  nfct_xt_addr(repl, nfct_src(repl), &i->replsrc_addr, &i->replsrc_mask)) ||
	    nfct_xt_fails(i, XT_CONNTRACK_REPLDST,
			  nfct_xt_addr(repl, nfct_dst(repl), &i->repldst_addr, &i->repldst_mask)))
		return false;
	if (nfct_xt_fails(i, XT_CONNTRACK_PROTO, orig->protonum == i->l4proto))
		return false;
	/* ICMP: the id is the source "port", type and code the destination's. */
	for (k = 0; k < 4; k++) {
		const struct nfct_tuple *t = k < 2 ? orig : repl;

		port = ntohs(k % 2 ? t->dport : t->sport);
		if (nfct_xt_fails(i, port_flag[k],
				  port >= o.port_lo[k] && port <= o.port_hi[k]))
			return false;
	}
	if (nfct_xt_fails(i, XT_CONNTRACK_STATUS, status & o.status_mask))
		return false;
	if (i->match_flags & XT_CONNTRACK_EXPIRES) {
		u32 left = nfct_expires(ct) / HZ;

		if (nfct_xt_fails(i, XT_CONNTRACK_EXPIRES,
				  left >= i->expires_min && left <= i->expires_max))
			return false;
	}
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_xt_conntrack_eval);

/**
 * nfct_xt_conntrack_valid - can nf_ct answer this conntrack rule?
 * @matchinfo: the rule's struct xt_conntrack_mtinfo{1,2,3}
 * @revision: which of the three
 *
 * Return: 0, or -EINVAL with the reason logged.
 */
int nfct_xt_conntrack_valid(const void *matchinfo, u8 revision)
{
	struct nfct_xt_opts o;

	nfct_xt_opts_get(&o, matchinfo, revision);
	if (o.info->match_flags & ~NFCT_XT_FLAGS) {
		pr_info_ratelimited("unknown conntrack options 0x%x\n",
				    o.info->match_flags & ~NFCT_XT_FLAGS);
		return -EINVAL;
	}
	if (o.info->invert_flags & ~o.info->match_flags) {
		pr_info_ratelimited("negation of a conntrack option not given (0x%x)\n",
				    o.info->invert_flags & ~o.info->match_flags);
		return -EINVAL;
	}
	if (o.state_mask & ~NFCT_XT_STATES) {
		pr_info_ratelimited("unknown --ctstate bits 0x%x\n",
				    o.state_mask & ~NFCT_XT_STATES);
		return -EINVAL;
	}
	if (o.status_mask & ~NFCT_XT_STATUS) {
		pr_info_ratelimited("--ctstatus 0x%x: nf_ct keeps only EXPECTED, SEEN_REPLY, ASSURED and CONFIRMED\n",
				    o.status_mask);
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_xt_conntrack_valid);

/**
 * nfct_xt_state_eval - does a packet match a state rule?
 * @sinfo: the rule's options
 * @info: nf_ct's verdict: IP_CT_*, IP_CT_UNTRACKED or NFCT_INFO_INVALID
 * @ct: the packet's entry, NULL when it has none
 *
 * Return: true if the packet's state is one of the rule's.
 */
bool nfct_xt_state_eval(const struct xt_state_info *sinfo, u8 info,
			const struct nfct_conn *ct)
{
	unsigned int statebit;

	if (ct && info != NFCT_INFO_INVALID)
		statebit = XT_STATE_BIT(info);
	else if (info == IP_CT_UNTRACKED)
		statebit = XT_STATE_UNTRACKED;
	else
		statebit = XT_STATE_INVALID;
	return sinfo->statemask & statebit;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_xt_state_eval);

/*
 * The raw table runs before nf_ct has seen the packet: the kernel's match
 * says INVALID (or UNTRACKED) there for every packet, nf_ct could only
 * guess from the table. Refused rather than answered differently.
 */
static int nfct_xt_table_ok(const struct xt_mtchk_param *par)
{
	if (!strcmp(par->table, "raw")) {
		pr_info_ratelimited("%s match in the raw table: nf_ct has not seen the packet yet there\n",
				    par->match->name);
		return -EINVAL;
	}
	return 0;
}

static int nfct_xt_conntrack_check(const struct xt_mtchk_param *par)
{
	return nfct_xt_table_ok(par) ?:
	       nfct_xt_conntrack_valid(par->matchinfo, par->match->revision);
}

/*
 * Any state mask is answerable, as xt_state takes it: iptables writes
 * `! --state` as the mask's complement, unused bits included.
 */
static int nfct_xt_state_check(const struct xt_mtchk_param *par)
{
	return nfct_xt_table_ok(par);
}

/* Hooks run under RCU, which keeps nfct_packet_info()'s entry alive. */
static bool nfct_xt_conntrack_mt(const struct sk_buff *skb,
				 struct xt_action_param *par)
{
	struct nfct_conn *ct;
	u8 info = nfct_packet_info(nfct_pernet(xt_net(par)), skb, &ct);

	return nfct_xt_conntrack_eval(par->matchinfo, par->match->revision,
				      info, ct);
}

static bool nfct_xt_state_mt(const struct sk_buff *skb,
			     struct xt_action_param *par)
{
	struct nfct_conn *ct;
	u8 info = nfct_packet_info(nfct_pernet(xt_net(par)), skb, &ct);

	return nfct_xt_state_eval(par->matchinfo, info, ct);
}

/*
 * IPv4's, then the same for IPv6, copied by nfct_xt_init(): the entry's
 * family picks how addresses compare.
 */
#define NFCT_XT_PER_FAMILY	4
static struct xt_match nfct_xt_matches[2 * NFCT_XT_PER_FAMILY] __read_mostly = {
	{
		.name		= "conntrack",
		.revision	= 1,
		.family		= NFPROTO_IPV4,
		.matchsize	= sizeof(struct xt_conntrack_mtinfo1),
		.match		= nfct_xt_conntrack_mt,
		.checkentry	= nfct_xt_conntrack_check,
		.me		= THIS_MODULE,
	},
	{
		.name		= "conntrack",
		.revision	= 2,
		.family		= NFPROTO_IPV4,
		.matchsize	= sizeof(struct xt_conntrack_mtinfo2),
		.match		= nfct_xt_conntrack_mt,
		.checkentry	= nfct_xt_conntrack_check,
		.me		= THIS_MODULE,
	},
	{
		.name		= "conntrack",
		.revision	= 3,
		.family		= NFPROTO_IPV4,
		.matchsize	= sizeof(struct xt_conntrack_mtinfo3),
		.match		= nfct_xt_conntrack_mt,
		.checkentry	= nfct_xt_conntrack_check,
		.me		= THIS_MODULE,
	},
	{
		.name		= "state",
		.revision	= 0,
		.family		= NFPROTO_IPV4,
		.matchsize	= sizeof(struct xt_state_info),
		.match		= nfct_xt_state_mt,
		.checkentry	= nfct_xt_state_check,
		.me		= THIS_MODULE,
	},
};

static int __init nfct_xt_init(void)
{
	unsigned int i;

	for (i = 0; i < NFCT_XT_PER_FAMILY; i++) {
		/* Its name is const: copied as memory. */
		memcpy(&nfct_xt_matches[NFCT_XT_PER_FAMILY + i], &nfct_xt_matches[i],
		       sizeof(nfct_xt_matches[i]));
		nfct_xt_matches[NFCT_XT_PER_FAMILY + i].family = NFPROTO_IPV6;
	}
	return xt_register_matches(nfct_xt_matches, ARRAY_SIZE(nfct_xt_matches));
}

static void __exit nfct_xt_exit(void)
{
	xt_unregister_matches(nfct_xt_matches, ARRAY_SIZE(nfct_xt_matches));
}

module_init(nfct_xt_init);
module_exit(nfct_xt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("iptables conntrack and state matches answered by nf_ct");
