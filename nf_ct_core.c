// SPDX-License-Identifier: GPL-2.0
/*
 * Module entry and the packet hooks.
 *
 * PREROUTING and OUTPUT (at conntrack's priority) track every packet. A
 * packet that starts a connection gets an unconfirmed entry that travels
 * with it (nf_ct_pkt.c) and is inserted at POSTROUTING or LOCAL_IN, where
 * nf_conntrack confirms: a packet dropped on the way leaves nothing behind.
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <net/netns/generic.h>

#include "nf_ct.h"

static unsigned int nfct_net_id __read_mostly;

/* -1 until load: then the default from RAM, or what the user gave. */
int nfct_max_param = -1;

static int nfct_max_set(const char *val, const struct kernel_param *kp)
{
	int n, err;

	err = kstrtoint(val, 0, &n);
	if (err)
		return err;
	if (n < -1)
		return -EINVAL;
	*(int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops nfct_max_ops = {
	.set = nfct_max_set,
	.get = param_get_int,
};
module_param_cb(max, &nfct_max_ops, &nfct_max_param, 0444);
MODULE_PARM_DESC(max, "Entries per netns, 0 for no limit (default: nf_conntrack's, from RAM)");

struct nfct_net *nfct_pernet(const struct net *net)
{
	return net_generic(net, nfct_net_id);
}
EXPORT_SYMBOL_GPL(nfct_pernet);	/* for nf_ct_xt.ko */

static void nfct_account(struct nfct_conn *ct, enum nfct_dir dir,
			 const struct sk_buff *skb)
{
	if (!test_bit(NFCT_ACCT, &ct->status))
		return;
	atomic64_inc(&ct->acct[dir].packets);
	atomic64_add(skb->len, &ct->acct[dir].bytes);
}

/*
 * The first packet of a connection: the entry is made and tracked now, but
 * travels with the packet (nf_ct_pkt.c) and enters the table only at
 * confirmation, so a packet dropped on the way leaves nothing behind.
 */
static unsigned int nfct_new(struct nfct_net *cn, const struct sk_buff *skb,
			     const struct nfct_tuple *t, unsigned int off,
			     const struct nfct_l4proto *l4)
{
	enum nfct_track res;
	struct nfct_tuple rt;
	struct nfct_conn *ct;

	if (!nfct_tuple_invert(&rt, t)) {
		NFCT_STAT_INC(cn, invalid);
		return NF_ACCEPT;
	}
	ct = nfct_conn_new(cn, t, &rt);
	if (!ct)
		return NF_DROP;
	if (READ_ONCE(cn->acct))
		__set_bit(NFCT_ACCT, &ct->status);
	if (READ_ONCE(cn->timestamp))
		__set_bit(NFCT_TSTAMP, &ct->status);
	res = NFCT_TRACK_INVALID;
	if (l4->new(ct, skb, off, cn))
		res = l4->packet(ct, skb, off, NFCT_DIR_ORIGINAL, cn);
	if (res == NFCT_TRACK_INVALID) {
		nfct_conn_release(cn, ct);
		NFCT_STAT_INC(cn, invalid);
		return NF_ACCEPT;
	}
	if (res == NFCT_TRACK_ACCEPT)
		nfct_account(ct, NFCT_DIR_ORIGINAL, skb);
	return nfct_pkt_hold(cn, skb, ct, IP_CT_NEW);
}

static unsigned int nfct_hook_in(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct nfct_net *cn = priv;
	const struct nfct_l4proto *l4;
	struct nfct_tuple_node *n;
	struct nfct_tuple t;
	struct nfct_conn *ct;
	unsigned int off;
	int verdict;

	/* NOTRACK in the raw table: nf_conntrack leaves these alone too. */
	if (nfct_skb_untracked(skb))
		return NF_ACCEPT;
	/* Loopback packets were tracked once already, at OUTPUT. */
	if (state->hook == NF_INET_PRE_ROUTING && state->in &&
	    (state->in->flags & IFF_LOOPBACK))
		return NF_ACCEPT;
	t.protonum = 0;
	t.l3 = NFCT_L3_IPV4;
	if (nfct_tuple_from_skb(skb, &t, &off)) {
		/* nf_conntrack counts a short ICMP header as an ICMP error. */
		if (t.protonum == nfct_l3_of(&t)->icmp_proto)
			NFCT_STAT_INC(cn, error);
		else
			NFCT_STAT_INC(cn, invalid);
		return NF_ACCEPT;
	}
	l4 = nfct_l4proto_find(t.protonum);
	if (l4->l3 && l4->l3 != nfct_l3_of(&t)) {
		NFCT_STAT_INC(cn, invalid);
		return NF_ACCEPT;
	}
	if (l4->error) {
		verdict = l4->error(cn, skb, off, state->hook);
		if (verdict != NFCT_TRACK_IT)
			return verdict;
	}
	n = nfct_table_lookup(cn, &t);
	if (!n)
		return nfct_new(cn, skb, &t, off, l4);
	ct = nfct_conn_of(n);
	switch (l4->packet(ct, skb, off, n->dir, cn)) {
	case NFCT_TRACK_INVALID:
		/* Passes untouched; the verdict goes with it, the table says otherwise. */
		NFCT_STAT_INC(cn, invalid);
		return nfct_pkt_invalid(cn, skb);
	case NFCT_TRACK_REOPEN:
		/*
		 * A new connection on a closed one's tuple: as nf_conntrack,
		 * the old entry goes and the packet is tracked as new, unless
		 * someone else deleted the entry first.
		 */
		if (!nfct_table_delete(cn, ct)) {
			NFCT_STAT_INC(cn, invalid);
			NFCT_STAT_INC(cn, drop);
			return NF_DROP;
		}
		return nfct_new(cn, skb, &t, off, l4);
	case NFCT_TRACK_CLOSE:
		nfct_account(ct, n->dir, skb);
		/*
		 * The entry goes now, but later hooks (-m state) must still
		 * see this packet as part of it: the kernel's skb keeps its
		 * entry to the end. (Deleted meanwhile by another CPU, it is
		 * gone for them as it would be a moment later.)
		 */
		if (!refcount_inc_not_zero(&ct->use))
			return NF_ACCEPT;
		verdict = nfct_pkt_hold(cn, skb, ct, nfct_info_of(n));
		nfct_table_delete(cn, ct);
		return verdict;
	case NFCT_TRACK_ACCEPT:
		nfct_account(ct, n->dir, skb);
		break;
	case NFCT_TRACK_IGNORE:
		break;
	}
	if (n->dir == NFCT_DIR_REPLY && !test_bit(NFCT_SEEN_REPLY, &ct->status))
		set_bit(NFCT_SEEN_REPLY, &ct->status);
	return NF_ACCEPT;
}

/*
 * Confirmation lost to another packet of the same new flow. Where the
 * protocol allows (UDP, generic) and the winner has the same tuples, the
 * packet joins the winner, as nf_conntrack's clash resolution does: this is
 * what keeps parallel DNS queries from one socket from being dropped.
 * When NAT gave the two packets different bindings (one of several DNAT
 * endpoints each), the loser goes in by its reply tuple alone, for a
 * second, so that the answer to it still finds its way back.
 */
static unsigned int nfct_clash(struct nfct_net *cn, struct nfct_conn *ct)
{
	const struct nfct_tuple *orig = nfct_tuple_of(ct, NFCT_DIR_ORIGINAL);
	const struct nfct_l4proto *l4 = nfct_l4proto_find(orig->protonum);
	struct nfct_tuple_node *n = nfct_table_lookup_settled(cn, orig);
	struct nfct_conn *winner;
	enum nfct_dir dir;

	if (l4->allow_clash && n && n->dir == NFCT_DIR_ORIGINAL) {
		winner = nfct_conn_of(n);
		if (nfct_tuple_eq(nfct_tuple_of(winner, NFCT_DIR_REPLY),
				  nfct_tuple_of(ct, NFCT_DIR_REPLY))) {
			for (dir = NFCT_DIR_ORIGINAL; dir < NFCT_DIR_MAX; dir++) {
				atomic64_add(atomic64_read(&ct->acct[dir].packets),
					     &winner->acct[dir].packets);
				atomic64_add(atomic64_read(&ct->acct[dir].bytes),
					     &winner->acct[dir].bytes);
			}
			nfct_conn_release(cn, ct);
			NFCT_STAT_INC(cn, clash_resolve);
			return NF_ACCEPT;
		}
		/* The record's reference becomes the table's. */
		if (!nfct_table_insert_reply(cn, ct)) {
			NFCT_STAT_INC(cn, clash_resolve);
			return NF_ACCEPT;
		}
	}
	nfct_conn_release(cn, ct);
	NFCT_STAT_INC(cn, insert_failed);
	NFCT_STAT_INC(cn, drop);
	return NF_DROP;
}

/**
 * nfct_confirm - put a new entry into the table, at its packet's last hook
 * @cn: the netns
 * @ct: the unconfirmed entry; its reference becomes the table's, or is given up
 *
 * Only a tuple already taken (-EEXIST) is a clash. The table failing to
 * take the entry for want of memory (-ENOMEM, -E2BIG, -EBUSY while it
 * cannot grow) is no race lost: the packet is dropped and counted in drop
 * alone, not in insert_failed, as nf_conntrack never fails there.
 *
 * Return: the packet's verdict.
 */
unsigned int nfct_confirm(struct nfct_net *cn, struct nfct_conn *ct)
{
	int err = nfct_fault_inject(&cn->fault, NFCT_FAULT_TABLE_INSERT) ? -ENOMEM :
		  nfct_table_insert(cn, ct);

	if (!err)
		return NF_ACCEPT;
	if (err == -EEXIST)
		return nfct_clash(cn, ct);
	nfct_conn_release(cn, ct);
	NFCT_STAT_INC(cn, drop);
	net_warn_ratelimited("nf_ct: no room for a new entry (%d), dropping packet\n", err);
	return NF_DROP;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_confirm);

/*
 * A packet sent over loopback meets LOCAL_IN after POSTROUTING, and the
 * kernel's skb keeps its verdict through both: an INVALID, RELATED or
 * closing packet must still be that at INPUT, where the table would say
 * otherwise. Its record stays until LOCAL_IN; only a new entry is
 * confirmed at POSTROUTING, after which the table says NEW, as the skb does.
 */
static bool nfct_pkt_keep_for_input(const struct nfct_net *cn,
				    const struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	const struct nfct_pkt *p;

	if (state->hook != NF_INET_POST_ROUTING || !(state->out->flags & IFF_LOOPBACK))
		return false;
	/* Hooks run under RCU: the record stays valid while it is looked at. */
	p = nfct_pkt_find(cn, skb);
	return p && (p->info != IP_CT_NEW || !p->ct ||
		     nfct_conn_confirmed(p->ct));
}

static unsigned int nfct_hook_confirm(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct nfct_net *cn = priv;
	struct nfct_conn *ct;
	u8 info;

	/*
	 * Established packets carry no record: this is their whole cost
	 * here, and with no record pending in the netns not even a call.
	 */
	if (!atomic_read(&cn->pending) || nfct_pkt_keep_for_input(cn, skb, state) ||
	    !nfct_pkt_take(cn, skb, &ct, &info) || !ct)
		return NF_ACCEPT;
	/*
	 * RELATED packets (ICMP errors) point at an entry that is in already;
	 * a NEW one whose entry was confirmed is an RST that ended it.
	 */
	if (info != IP_CT_NEW) {
		nfct_conn_put(ct);	/* the entry's maker counts it (nfct_pkt_free) */
		return NF_ACCEPT;
	}
	if (nfct_conn_confirmed(ct)) {
		nfct_conn_release(cn, ct);
		return NF_ACCEPT;
	}
	return nfct_confirm(cn, ct);
}

/*
 * Registered per netns with the netns's nfct_net as priv: a hook finds it
 * without net_generic(), whose RCU read section is a function call pair on
 * a preemptible kernel, twice per packet.
 */
static const struct nf_hook_ops nfct_hook_ops[NFCT_HOOKS] = {
	{
		.hook		= nfct_hook_in,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_CONNTRACK,
	},
	{
		.hook		= nfct_hook_in,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_CONNTRACK,
	},
	{
		.hook		= nfct_hook_confirm,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP_PRI_CONNTRACK_CONFIRM,
	},
	{
		.hook		= nfct_hook_confirm,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_CONNTRACK_CONFIRM,
	},
	/* IPv6 where nf_conntrack's ipv6_conntrack_ops are. */
	{
		.hook		= nfct_hook_in,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP6_PRI_CONNTRACK,
	},
	{
		.hook		= nfct_hook_in,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP6_PRI_CONNTRACK,
	},
	{
		.hook		= nfct_hook_confirm,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_POST_ROUTING,
		.priority	= NF_IP6_PRI_LAST,
	},
	{
		.hook		= nfct_hook_confirm,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP6_PRI_LAST - 1,
	},
};

static int __net_init nfct_net_init(struct net *net)
{
	struct nfct_net *cn = nfct_pernet(net);
	int err, i;

	cn->net = net;
	cn->stat = alloc_percpu(struct nfct_stat);
	if (!cn->stat)
		return -ENOMEM;
	err = nfct_table_init(cn);
	if (err)
		goto err_stat;
	err = nfct_sysctl_net_init(cn);
	if (err)
		goto err_table;
	err = nfct_proc_net_init(cn);
	if (err)
		goto err_sysctl;
	err = nfct_defrag_net_init(cn);
	if (err)
		goto err_proc;
	memcpy(cn->hook_ops, nfct_hook_ops, sizeof(cn->hook_ops));
	for (i = 0; i < NFCT_HOOKS; i++)
		cn->hook_ops[i].priv = cn;
	err = nf_register_net_hooks(net, cn->hook_ops, NFCT_HOOKS);
	if (err)
		goto err_defrag;
	nfct_gc_net_init(cn);
	return 0;

err_defrag:
	nfct_defrag_net_exit(cn);
err_proc:
	nfct_proc_net_exit(cn);
err_sysctl:
	nfct_sysctl_net_exit(cn);
err_table:
	nfct_table_destroy(cn);
err_stat:
	free_percpu(cn->stat);
	return err;
}

/*
 * Teardown in cleanup_net's three steps, so that a batch of namespaces
 * waits for one grace period, not one each: the hooks go in .pre_exit (its
 * grace period then ends every hook in flight), the per-netns parts in
 * .exit, and in .exit_batch, after one more grace period for the kfree_skb
 * probes that may still be freeing these namespaces' records
 * (nf_ct_pkt.c), the tables and counters those records touch.
 */
static void __net_exit nfct_net_pre_exit(struct net *net)
{
	struct nfct_net *cn = nfct_pernet(net);

	nf_unregister_net_hooks(net, cn->hook_ops, NFCT_HOOKS);
}

static void __net_exit nfct_net_exit(struct net *net)
{
	struct nfct_net *cn = nfct_pernet(net);

	nfct_pkt_net_exit(cn);
	nfct_defrag_net_exit(cn);
	nfct_gc_net_exit(cn);
	nfct_proc_net_exit(cn);
	nfct_sysctl_net_exit(cn);
}

static void __net_exit nfct_net_exit_batch(struct list_head *net_exit_list)
{
	struct nfct_net *cn;
	struct net *net;

	synchronize_rcu();
	list_for_each_entry(net, net_exit_list, exit_list) {
		cn = nfct_pernet(net);
		nfct_table_destroy(cn);
		free_percpu(cn->stat);
	}
}

static struct pernet_operations nfct_net_ops = {
	.init		= nfct_net_init,
	.pre_exit	= nfct_net_pre_exit,
	.exit		= nfct_net_exit,
	.exit_batch	= nfct_net_exit_batch,
	.id		= &nfct_net_id,
	.size		= sizeof(struct nfct_net),
};

static int __init nfct_init(void)
{
	int err;

	err = nfct_defrag_init();
	if (err)
		return err;
	if (nfct_max_param == -1)
		nfct_max_param = nfct_default_max();
	err = nfct_conn_cache_init();
	if (err)
		goto err_defrag;
	err = nfct_pkt_init();
	if (err)
		goto err_cache;
	err = nfct_proc_init();
	if (err)
		goto err_pkt;
	err = register_pernet_subsys(&nfct_net_ops);
	if (err)
		goto err_proc;
	return 0;

err_proc:
	nfct_proc_exit();
err_pkt:
	nfct_pkt_exit();
err_cache:
	nfct_conn_cache_destroy();
err_defrag:
	nfct_defrag_exit();
	return err;
}

static void __exit nfct_exit(void)
{
	unregister_pernet_subsys(&nfct_net_ops);
	nfct_proc_exit();
	nfct_pkt_exit();
	nfct_conn_cache_destroy();
	nfct_defrag_exit();
}

module_init(nfct_init);
module_exit(nfct_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Connection tracker that runs beside nf_conntrack");
