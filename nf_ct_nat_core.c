// SPDX-License-Identifier: GPL-2.0
/*
 * nf_ct_nat.ko: the nat tables of x_tables, IPv4's and IPv6's, and the
 * hooks that apply them.
 *
 * The tables are registered in every netns when it is made (and in every
 * existing one at load). A netns where the kernel's iptable_nat (or
 * ip6table_nat) already made its own keeps it: nf_ct_nat says so and does
 * no NAT of that family there. Those modules make their tables only when
 * iptables asks for one that does not exist, so while this module is
 * loaded they stay unused. (An x_tables template, as they use, would make
 * the modules WARN on each other.) But their exit unregisters every
 * netns's "nat" table by name, nf_ct_nat's too, under nf_ct_nat's running
 * hooks: so once loaded beside nf_ct_nat they are held until it unloads.
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
#include <linux/netfilter_ipv6.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <net/tcp.h>
#include <net/netns/generic.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "nf_ct_nat.h"

struct nfct_nat_net {
	/*
	 * Per family: NULL if the kernel's module holds the netns's table.
	 * Read by the hooks without READ_ONCE: it is set before they are
	 * registered and cleared only after .pre_exit unregistered them
	 * (nf_unregister_net_hooks waits for running hooks to finish).
	 */
	struct xt_table *table[NFCT_L3_MAX];
	bool active[NFCT_L3_MAX];	/* the table has had rules */
};

static unsigned int nfct_nat_net_id __read_mostly;

/* What the two families' nat tables differ in: x_tables' functions. */
struct nfct_nat_family {
	u8 l3;				/* NFCT_L3_* */
	const char *name;		/* the family, in messages */
	const char *kernel_module;	/* the kernel's nat table */
	struct xt_table table;		/* the template */
	const struct nf_hook_ops *ops;
	unsigned int n_ops;
	unsigned int (*do_table)(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state);
	int (*register_table)(struct net *net, const struct xt_table *table);
	void (*unregister_table)(struct net *net, const char *name);
};

#define NFCT_NAT_VALID_HOOKS ((1 << NF_INET_PRE_ROUTING) | (1 << NF_INET_POST_ROUTING) | \
			      (1 << NF_INET_LOCAL_OUT) | (1 << NF_INET_LOCAL_IN))

/* MASQUERADE bound the connection to an interface it no longer leaves by. */
static bool nfct_nat_oif_changed(const struct nfct_conn *ct, enum nfct_dir dir,
				 const struct nf_hook_state *state)
{
	int masq = READ_ONCE(ct->masq_index);

	return masq && state->hook == NF_INET_POST_ROUTING &&
	       dir == NFCT_DIR_ORIGINAL && masq != state->out->ifindex;
}

/* A connection's first packet: the table's rules, else the null binding. */
static unsigned int nfct_nat_bind(const struct nfct_nat_family *fam, struct nfct_net *cn,
				  struct xt_table *table, struct nfct_conn *ct,
				  struct sk_buff *skb, const struct nf_hook_state *state)
{
	enum nfct_nat_manip m = nfct_nat_hook_manip(state->hook);
	unsigned int verdict;

	verdict = fam->do_table(table, skb, state);
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
static bool nfct_nat_active(struct nfct_nat_net *nn, u8 l3, const struct xt_table *table)
{
	const struct xt_table_info *info;
	unsigned int addend;
	bool rules;

	if (likely(READ_ONCE(nn->active[l3])))
		return true;
	local_bh_disable();
	addend = xt_write_recseq_begin();
	info = READ_ONCE(table->private);
	rules = info->number > info->initial_entries;
	xt_write_recseq_end(addend);
	local_bh_enable();
	if (rules)
		WRITE_ONCE(nn->active[l3], true);
	return rules;
}

static unsigned int nfct_nat_fn(const struct nfct_nat_family *fam, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct nfct_nat_net *nn = net_generic(state->net, nfct_nat_net_id);
	struct nfct_net *cn = nfct_pernet(state->net);
	enum nfct_nat_manip m = nfct_nat_hook_manip(state->hook);
	struct xt_table *table = nn->table[fam->l3];
	struct nfct_conn *ct;
	unsigned int verdict;
	enum nfct_dir dir;
	bool recorded;
	int hdrlen;
	u8 info;

	if (!table || !nfct_nat_active(nn, fam->l3, table))
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
		hdrlen = nfct_nat_icmp_offset(skb, ct);
		if (hdrlen >= 0)
			return nfct_nat_icmp_reply(skb, ct, dir, state->hook, hdrlen) ?
			       NF_ACCEPT : NF_DROP;
		break;
	case IP_CT_NEW:
		if (!nfct_conn_confirmed(ct) &&
		    !nfct_nat_initialized(ct, m)) {
			verdict = nfct_nat_bind(fam, cn, table, ct, skb, state);
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

static const struct nfct_nat_family nfct_nat_ipv4, nfct_nat_ipv6;

static unsigned int nfct_nat_ipv4_pre_routing(void *priv, struct sk_buff *skb,
					      const struct nf_hook_state *state)
{
	__be32 daddr = ip_hdr(skb)->daddr;
	unsigned int verdict = nfct_nat_fn(&nfct_nat_ipv4, skb, state);

	/* The route was looked up for the old destination. */
	if (verdict == NF_ACCEPT && daddr != ip_hdr(skb)->daddr)
		skb_dst_drop(skb);
	return verdict;
}

static unsigned int nfct_nat_ipv4_local_out(void *priv, struct sk_buff *skb,
					    const struct nf_hook_state *state)
{
	__be32 daddr = ip_hdr(skb)->daddr;
	unsigned int verdict = nfct_nat_fn(&nfct_nat_ipv4, skb, state);
	int err;

	if (verdict == NF_ACCEPT && daddr != ip_hdr(skb)->daddr) {
		err = ip_route_me_harder(state->net, state->sk, skb, RTN_UNSPEC);
		if (err < 0)
			verdict = NF_DROP_ERR(err);
	}
	return verdict;
}

static unsigned int nfct_nat_ipv4_post_routing(void *priv, struct sk_buff *skb,
					       const struct nf_hook_state *state)
{
	return nfct_nat_fn(&nfct_nat_ipv4, skb, state);
}

static unsigned int nfct_nat_ipv4_local_in(void *priv, struct sk_buff *skb,
					   const struct nf_hook_state *state)
{
	__be32 saddr = ip_hdr(skb)->saddr;
	unsigned int verdict = nfct_nat_fn(&nfct_nat_ipv4, skb, state);
	struct sock *sk = skb->sk;

	/* Early demux found the socket by the old source. */
	if (verdict == NF_ACCEPT && sk && saddr != ip_hdr(skb)->saddr &&
	    !inet_sk_transparent(sk))
		skb_orphan(skb);
	return verdict;
}

static unsigned int nfct_nat_ipv6_pre_routing(void *priv, struct sk_buff *skb,
					      const struct nf_hook_state *state)
{
	struct in6_addr daddr = ipv6_hdr(skb)->daddr;
	unsigned int verdict = nfct_nat_fn(&nfct_nat_ipv6, skb, state);

	if (verdict == NF_ACCEPT && !ipv6_addr_equal(&daddr, &ipv6_hdr(skb)->daddr))
		skb_dst_drop(skb);
	return verdict;
}

static unsigned int nfct_nat_ipv6_local_out(void *priv, struct sk_buff *skb,
					    const struct nf_hook_state *state)
{
	struct in6_addr daddr = ipv6_hdr(skb)->daddr;
	unsigned int verdict = nfct_nat_fn(&nfct_nat_ipv6, skb, state);
	int err;

	if (verdict == NF_ACCEPT && !ipv6_addr_equal(&daddr, &ipv6_hdr(skb)->daddr)) {
		err = nf_ip6_route_me_harder(state->net, state->sk, skb);
		if (err < 0)
			verdict = NF_DROP_ERR(err);
	}
	return verdict;
}

/* As nf_nat's IPv6 hooks, LOCAL_IN orphans no early-demuxed socket. */
static unsigned int nfct_nat_ipv6_fn(void *priv, struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	return nfct_nat_fn(&nfct_nat_ipv6, skb, state);
}

static const struct nf_hook_ops nfct_nat_ipv4_ops[] = {
	{
		.hook		= nfct_nat_ipv4_pre_routing,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_NAT_DST,
	},
	{
		.hook		= nfct_nat_ipv4_local_out,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_NAT_DST,
	},
	{
		.hook		= nfct_nat_ipv4_post_routing,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP_PRI_NAT_SRC,
	},
	{
		.hook		= nfct_nat_ipv4_local_in,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_NAT_SRC,
	},
};

static const struct nf_hook_ops nfct_nat_ipv6_ops[] = {
	{
		.hook		= nfct_nat_ipv6_pre_routing,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP6_PRI_NAT_DST,
	},
	{
		.hook		= nfct_nat_ipv6_local_out,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP6_PRI_NAT_DST,
	},
	{
		.hook		= nfct_nat_ipv6_fn,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP6_PRI_NAT_SRC,
	},
	{
		.hook		= nfct_nat_ipv6_fn,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP6_PRI_NAT_SRC,
	},
};

static int nfct_nat_ipv4_register(struct net *net, const struct xt_table *table)
{
	struct ipt_replace *repl = ipt_alloc_initial_table(table);
	int err;

	if (!repl)
		return -ENOMEM;
	err = ipt_register_table(net, table, repl, NULL);
	kfree(repl);
	return err;
}

static int nfct_nat_ipv6_register(struct net *net, const struct xt_table *table)
{
	struct ip6t_replace *repl = ip6t_alloc_initial_table(table);
	int err;

	if (!repl)
		return -ENOMEM;
	err = ip6t_register_table(net, table, repl, NULL);
	kfree(repl);
	return err;
}

static const struct nfct_nat_family nfct_nat_ipv4 = {
	.l3		= NFCT_L3_IPV4,
	.name		= "IPv4",
	.kernel_module	= "iptable_nat",
	.table		= {
		.name		= "nat",
		.valid_hooks	= NFCT_NAT_VALID_HOOKS,
		.me		= THIS_MODULE,
		.af		= NFPROTO_IPV4,
	},
	.ops		= nfct_nat_ipv4_ops,
	.n_ops		= ARRAY_SIZE(nfct_nat_ipv4_ops),
	.do_table	= ipt_do_table,
	.register_table	= nfct_nat_ipv4_register,
	.unregister_table = ipt_unregister_table_exit,
};

static const struct nfct_nat_family nfct_nat_ipv6 = {
	.l3		= NFCT_L3_IPV6,
	.name		= "IPv6",
	.kernel_module	= "ip6table_nat",
	.table		= {
		.name		= "nat",
		.valid_hooks	= NFCT_NAT_VALID_HOOKS,
		.me		= THIS_MODULE,
		.af		= NFPROTO_IPV6,
	},
	.ops		= nfct_nat_ipv6_ops,
	.n_ops		= ARRAY_SIZE(nfct_nat_ipv6_ops),
	.do_table	= ip6t_do_table,
	.register_table	= nfct_nat_ipv6_register,
	.unregister_table = ip6t_unregister_table_exit,
};

static const struct nfct_nat_family *const nfct_nat_families[] = {
	&nfct_nat_ipv4, &nfct_nat_ipv6,
};

/*
 * The kernel's iptable_nat and ip6table_nat, held while nf_ct_nat is
 * loaded. Seen when they go live (the module notifier) or, loaded before
 * nf_ct_nat, by the table they made. One that was loaded before nf_ct_nat
 * and has made no table cannot be seen (the module list is not exported):
 * README says to unload it first.
 */
static struct module *nfct_nat_held[NFCT_L3_MAX];
static DEFINE_MUTEX(nfct_nat_hold_lock);

static void nfct_nat_hold(const struct nfct_nat_family *fam, struct module *mod)
{
	mutex_lock(&nfct_nat_hold_lock);
	if (!nfct_nat_held[fam->l3] && try_module_get(mod)) {
		nfct_nat_held[fam->l3] = mod;
		pr_info("holding %s: its unload would unregister nf_ct_nat's %s nat tables\n",
			mod->name, fam->name);
	}
	mutex_unlock(&nfct_nat_hold_lock);
}

static int nfct_nat_family_init(struct net *net, const struct nfct_nat_family *fam)
{
	struct nfct_nat_net *nn = net_generic(net, nfct_nat_net_id);
	struct xt_table *theirs;
	int err;

	err = fam->register_table(net, &fam->table);
	if (err == -EEXIST) {
		/*
		 * The kernel's module cannot finish unloading meanwhile: its
		 * exit waits for pernet_ops_rwsem, which this init holds.
		 */
		theirs = xt_find_table(net, fam->table.af, "nat");
		if (theirs && theirs->me)
			nfct_nat_hold(fam, theirs->me);
		pr_warn("the kernel's %s holds the nat table of a network namespace: nf_ct does no %s NAT there\n",
			fam->kernel_module, fam->name);
		return 0;
	}
	if (err)
		return err;
	nn->table[fam->l3] = xt_find_table(net, fam->table.af, "nat");
	err = nf_register_net_hooks(net, fam->ops, fam->n_ops);
	if (err) {
		nn->table[fam->l3] = NULL;
		fam->unregister_table(net, "nat");
	}
	return err;
}

static void nfct_nat_family_exit(struct net *net, const struct nfct_nat_family *fam)
{
	struct nfct_nat_net *nn = net_generic(net, nfct_nat_net_id);

	if (nn->table[fam->l3]) {
		nn->table[fam->l3] = NULL;
		fam->unregister_table(net, "nat");
	}
}

static void nfct_nat_family_unhook(struct net *net, const struct nfct_nat_family *fam)
{
	struct nfct_nat_net *nn = net_generic(net, nfct_nat_net_id);

	if (nn->table[fam->l3])
		nf_unregister_net_hooks(net, fam->ops, fam->n_ops);
}

static int __net_init nfct_nat_net_init(struct net *net)
{
	int err, i;

	for (i = 0; i < ARRAY_SIZE(nfct_nat_families); i++) {
		err = nfct_nat_family_init(net, nfct_nat_families[i]);
		if (err)
			goto undo;
	}
	return 0;
undo:
	while (--i >= 0) {
		nfct_nat_family_unhook(net, nfct_nat_families[i]);
		nfct_nat_family_exit(net, nfct_nat_families[i]);
	}
	return err;
}

static void __net_exit nfct_nat_net_pre_exit(struct net *net)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(nfct_nat_families); i++)
		nfct_nat_family_unhook(net, nfct_nat_families[i]);
}

static void __net_exit nfct_nat_net_exit(struct net *net)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(nfct_nat_families); i++)
		nfct_nat_family_exit(net, nfct_nat_families[i]);
}

static struct pernet_operations nfct_nat_net_ops = {
	.init		= nfct_nat_net_init,
	.pre_exit	= nfct_nat_net_pre_exit,
	.exit		= nfct_nat_net_exit,
	.id		= &nfct_nat_net_id,
	.size		= sizeof(struct nfct_nat_net),
};

static int nfct_nat_module_event(struct notifier_block *nb, unsigned long state,
				 void *data)
{
	struct module *mod = data;
	int i;

	if (state != MODULE_STATE_LIVE)
		return NOTIFY_DONE;
	for (i = 0; i < ARRAY_SIZE(nfct_nat_families); i++)
		if (!strcmp(mod->name, nfct_nat_families[i]->kernel_module))
			nfct_nat_hold(nfct_nat_families[i], mod);
	return NOTIFY_DONE;
}

static struct notifier_block nfct_nat_module_notifier = {
	.notifier_call	= nfct_nat_module_event,
};

static void nfct_nat_release_held(void)
{
	int i;

	for (i = 0; i < NFCT_L3_MAX; i++) {
		if (nfct_nat_held[i])
			module_put(nfct_nat_held[i]);
		nfct_nat_held[i] = NULL;
	}
}

static int __init nfct_nat_init(void)
{
	int err;

	err = nfct_nat_xt_init();
	if (err)
		return err;
	/* First: a kernel module going live meanwhile is held too. */
	err = register_module_notifier(&nfct_nat_module_notifier);
	if (err)
		goto err_xt;
	err = register_pernet_subsys(&nfct_nat_net_ops);
	if (err)
		goto err_notifier;
	return 0;

err_notifier:
	unregister_module_notifier(&nfct_nat_module_notifier);
	nfct_nat_release_held();
err_xt:
	nfct_nat_xt_exit();
	return err;
}

static void __exit nfct_nat_exit(void)
{
	unregister_module_notifier(&nfct_nat_module_notifier);
	unregister_pernet_subsys(&nfct_nat_net_ops);
	/* No nf_ct_nat table is left for their exit to take. */
	nfct_nat_release_held();
	nfct_nat_xt_exit();
}

module_init(nfct_nat_init);
module_exit(nfct_nat_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NAT for nf_ct: the iptables and ip6tables nat tables, SNAT, DNAT, MASQUERADE, REDIRECT");
