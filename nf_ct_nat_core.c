// SPDX-License-Identifier: GPL-2.0
/*
 * nf_ct_nat.ko: the IPv4 nat table of x_tables and the hooks that apply it.
 *
 * The table is registered in every netns when it is made (and in every
 * existing one at load). A netns where the kernel's iptable_nat already made
 * its own keeps it: nf_ct_nat says so and does no NAT there. iptable_nat
 * makes its tables only when iptables asks for one that does not exist, so
 * while this module is loaded it stays unused. (An x_tables template, as
 * iptable_nat uses, would make the two modules WARN on each other.)
 * The hooks do nothing until the table has rules: a netns that never had
 * any has no NAT'ed connection to rewrite.
 *
 * Hooks at nf_nat's priorities: destination at PREROUTING/OUTPUT (after
 * nf_ct's tracking), source at POSTROUTING/LOCAL_IN (before confirmation).
 * The table's rules run for a connection's first packet only; every packet
 * is then rewritten from the binding. A packet's entry is found the way
 * nf_ct_xt finds it: the record of a new (or rewritten) packet, else the
 * table by the packet's tuple. A packet rewritten before routing gets a
 * record, so the filter hooks and the source manip after routing still
 * find its entry though its tuple changed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <net/tcp.h>
#include <net/netns/generic.h>
#include <net/route.h>

#include "nf_ct_nat.h"

struct nfct_nat_net {
	struct xt_table *table;		/* NULL if iptable_nat holds the netns's */
	bool active;			/* the table has had rules */
};

static unsigned int nfct_nat_net_id __read_mostly;

static const struct xt_table nfct_nat_table = {
	.name		= "nat",
	.valid_hooks	= (1 << NF_INET_PRE_ROUTING) | (1 << NF_INET_POST_ROUTING) |
			  (1 << NF_INET_LOCAL_OUT) | (1 << NF_INET_LOCAL_IN),
	.me		= THIS_MODULE,
	.af		= NFPROTO_IPV4,
};

/* MASQUERADE bound the connection to an interface it no longer leaves by. */
static bool nfct_nat_oif_changed(const struct nfct_conn *ct, enum nfct_dir dir,
				 const struct nf_hook_state *state)
{
	int masq = READ_ONCE(ct->masq_index);

	return masq && state->hook == NF_INET_POST_ROUTING &&
	       dir == NFCT_DIR_ORIGINAL && masq != state->out->ifindex;
}

/* A connection's first packet: the table's rules, else the null binding. */
static unsigned int nfct_nat_bind(struct nfct_net *cn, struct xt_table *table,
				  struct nfct_conn *ct, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	enum nfct_nat_manip m = nfct_nat_hook_manip(state->hook);
	unsigned int verdict;

	verdict = ipt_do_table(table, skb, state);
	if (verdict != NF_ACCEPT)
		return verdict;
	if (nfct_nat_initialized(ct, m))
		return NF_ACCEPT;
	return nfct_nat_null_binding(cn, ct, m);
}

/*
 * Until the table first holds rules, no connection can need NAT. The
 * rules are read as ipt_do_table reads them: a replace frees the old
 * xt_table_info once no CPU is inside its write sequence
 * (xt_replace_table waits for each CPU's xt_recseq to be even), so the
 * read must be inside one, with BH off as the sequence requires.
 */
static bool nfct_nat_active(struct nfct_nat_net *nn, const struct xt_table *table)
{
	const struct xt_table_info *info;
	unsigned int addend;
	bool rules;

	if (likely(READ_ONCE(nn->active)))
		return true;
	local_bh_disable();
	addend = xt_write_recseq_begin();
	info = READ_ONCE(table->private);
	rules = info->number > info->initial_entries;
	xt_write_recseq_end(addend);
	local_bh_enable();
	if (rules)
		WRITE_ONCE(nn->active, true);
	return rules;
}

static unsigned int nfct_nat_fn(struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct nfct_nat_net *nn = net_generic(state->net, nfct_nat_net_id);
	struct nfct_net *cn = nfct_pernet(state->net);
	enum nfct_nat_manip m = nfct_nat_hook_manip(state->hook);
	struct xt_table *table = nn->table;
	struct nfct_conn *ct;
	unsigned int verdict;
	enum nfct_dir dir;
	bool recorded;
	u8 info;

	if (!table || !nfct_nat_active(nn, table))
		return NF_ACCEPT;
	/* Loopback packets were rewritten at OUTPUT and POSTROUTING already. */
	if (state->in && (state->in->flags & IFF_LOOPBACK))
		return NF_ACCEPT;
	info = nfct_packet_lookup(cn, skb, &ct, &recorded);
	if (!ct)
		return NF_ACCEPT;	/* untracked, or INVALID */
	dir = info >= IP_CT_IS_REPLY ? NFCT_DIR_REPLY : NFCT_DIR_ORIGINAL;

	switch (info) {
	case IP_CT_RELATED:
	case IP_CT_RELATED_REPLY:
		if (ip_hdr(skb)->protocol == IPPROTO_ICMP)
			return nfct_nat_icmp_reply(skb, ct, dir, state->hook) ?
			       NF_ACCEPT : NF_DROP;
		break;
	case IP_CT_NEW:
		if (!nfct_conn_confirmed(ct) &&
		    !nfct_nat_initialized(ct, m)) {
			verdict = nfct_nat_bind(cn, table, ct, skb, state);
			if (verdict != NF_ACCEPT)
				return verdict;
			break;
		}
		fallthrough;
	default:
		if (nfct_nat_oif_changed(ct, dir, state)) {
			nfct_table_delete(cn, ct);
			return NF_DROP;
		}
	}
	verdict = nfct_nat_packet(skb, ct, dir, m);
	if (verdict != NF_ACCEPT || recorded || m != NFCT_NAT_DST)
		return verdict;
	/*
	 * An established packet rewritten before routing is found again by
	 * its inverted tuple (nfct_packet_lookup), once it is NATed all the
	 * way. Half-way, with its source still to rewrite (DNAT and SNAT
	 * both), its tuple finds nothing: it takes a record to the end, as a
	 * new one has. Without it the packet would leave with its source
	 * unrewritten, the internal address: it is dropped instead.
	 */
	if (!nfct_nat_needed(ct, dir, m) || !nfct_nat_needed(ct, dir, NFCT_NAT_SRC))
		return NF_ACCEPT;
	if (!refcount_inc_not_zero(&ct->use)) {
		NFCT_STAT_INC(cn, drop);
		return NF_DROP;		/* the entry is going: no binding to finish with */
	}
	return nfct_pkt_hold(cn, skb, ct, info);
}

static unsigned int nfct_nat_pre_routing(void *priv, struct sk_buff *skb,
					 const struct nf_hook_state *state)
{
	__be32 daddr = ip_hdr(skb)->daddr;
	unsigned int verdict = nfct_nat_fn(skb, state);

	/* The route was looked up for the old destination. */
	if (verdict == NF_ACCEPT && daddr != ip_hdr(skb)->daddr)
		skb_dst_drop(skb);
	return verdict;
}

static unsigned int nfct_nat_local_out(void *priv, struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	__be32 daddr = ip_hdr(skb)->daddr;
	unsigned int verdict = nfct_nat_fn(skb, state);
	int err;

	if (verdict == NF_ACCEPT && daddr != ip_hdr(skb)->daddr) {
		err = ip_route_me_harder(state->net, state->sk, skb, RTN_UNSPEC);
		if (err < 0)
			verdict = NF_DROP_ERR(err);
	}
	return verdict;
}

static unsigned int nfct_nat_post_routing(void *priv, struct sk_buff *skb,
					  const struct nf_hook_state *state)
{
	return nfct_nat_fn(skb, state);
}

static unsigned int nfct_nat_local_in(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	__be32 saddr = ip_hdr(skb)->saddr;
	unsigned int verdict = nfct_nat_fn(skb, state);
	struct sock *sk = skb->sk;

	/* Early demux found the socket by the old source. */
	if (verdict == NF_ACCEPT && sk && saddr != ip_hdr(skb)->saddr &&
	    !inet_sk_transparent(sk))
		skb_orphan(skb);
	return verdict;
}

static const struct nf_hook_ops nfct_nat_hook_ops[] = {
	{
		.hook		= nfct_nat_pre_routing,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_NAT_DST,
	},
	{
		.hook		= nfct_nat_local_out,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_NAT_DST,
	},
	{
		.hook		= nfct_nat_post_routing,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP_PRI_NAT_SRC,
	},
	{
		.hook		= nfct_nat_local_in,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_NAT_SRC,
	},
};

static int __net_init nfct_nat_net_init(struct net *net)
{
	struct nfct_nat_net *nn = net_generic(net, nfct_nat_net_id);
	struct ipt_replace *repl;
	int err;

	repl = ipt_alloc_initial_table(&nfct_nat_table);
	if (!repl)
		return -ENOMEM;
	err = ipt_register_table(net, &nfct_nat_table, repl, NULL);
	kfree(repl);
	if (err == -EEXIST) {
		pr_warn("the kernel's iptable_nat holds the nat table of a network namespace: nf_ct does no NAT there\n");
		return 0;
	}
	if (err)
		return err;
	nn->table = xt_find_table(net, NFPROTO_IPV4, "nat");
	err = nf_register_net_hooks(net, nfct_nat_hook_ops,
				    ARRAY_SIZE(nfct_nat_hook_ops));
	if (err) {
		nn->table = NULL;
		ipt_unregister_table_exit(net, "nat");
	}
	return err;
}

static void __net_exit nfct_nat_net_pre_exit(struct net *net)
{
	struct nfct_nat_net *nn = net_generic(net, nfct_nat_net_id);

	if (nn->table)
		nf_unregister_net_hooks(net, nfct_nat_hook_ops,
					ARRAY_SIZE(nfct_nat_hook_ops));
}

static void __net_exit nfct_nat_net_exit(struct net *net)
{
	struct nfct_nat_net *nn = net_generic(net, nfct_nat_net_id);

	if (nn->table) {
		nn->table = NULL;
		ipt_unregister_table_exit(net, "nat");
	}
}

static struct pernet_operations nfct_nat_net_ops = {
	.init		= nfct_nat_net_init,
	.pre_exit	= nfct_nat_net_pre_exit,
	.exit		= nfct_nat_net_exit,
	.id		= &nfct_nat_net_id,
	.size		= sizeof(struct nfct_nat_net),
};

static int __init nfct_nat_init(void)
{
	int err;

	err = nfct_nat_xt_init();
	if (err)
		return err;
	err = register_pernet_subsys(&nfct_nat_net_ops);
	if (err)
		nfct_nat_xt_exit();
	return err;
}

static void __exit nfct_nat_exit(void)
{
	unregister_pernet_subsys(&nfct_nat_net_ops);
	nfct_nat_xt_exit();
}

module_init(nfct_nat_init);
module_exit(nfct_nat_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NAT for nf_ct: the iptables nat table, SNAT, DNAT, MASQUERADE, REDIRECT");
