// SPDX-License-Identifier: GPL-2.0
/*
 * Module entry and the packet hooks.
 *
 * PREROUTING and OUTPUT (at conntrack's priority) track packets of known
 * connections. A packet that starts a connection creates its entry only at
 * POSTROUTING or LOCAL_IN, where nf_conntrack confirms: a packet dropped on
 * the way (filter, routing) leaves nothing behind, and no per-packet state
 * has to travel with the skb, whose _nfct belongs to the kernel's tracker.
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>
#include <net/netns/generic.h>

#include "nf_ct.h"

static unsigned int nfct_net_id __read_mostly;

struct nfct_net *nfct_pernet(const struct net *net)
{
	return net_generic(net, nfct_net_id);
}

static void nfct_account(struct nfct_conn *ct, enum nfct_dir dir,
			 const struct sk_buff *skb)
{
	if (!test_bit(NFCT_ACCT, &ct->status))
		return;
	atomic64_inc(&ct->acct[dir].packets);
	atomic64_add(skb->len, &ct->acct[dir].bytes);
}

static unsigned int nfct_hook_in(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct nfct_net *cn = nfct_pernet(state->net);
	const struct nfct_l4proto *l4;
	struct nfct_tuple_node *n;
	struct nfct_tuple t;
	struct nfct_conn *ct;
	unsigned int off;

	/* Loopback packets were tracked once already, at OUTPUT. */
	if (state->hook == NF_INET_PRE_ROUTING && state->in &&
	    (state->in->flags & IFF_LOOPBACK))
		return NF_ACCEPT;
	if (nfct_tuple_from_skb(skb, &t, &off))
		return NF_ACCEPT;
	n = nfct_table_lookup(cn, &t);
	if (!n)
		return NF_ACCEPT;	/* new: created at the confirm hook */
	ct = nfct_conn_of(n);
	l4 = nfct_l4proto_find(t.protonum);
	if (!l4->packet(ct, skb, off, n->dir, cn))
		return NF_ACCEPT;	/* INVALID: passes, entry untouched */
	nfct_account(ct, n->dir, skb);
	if (n->dir == NFCT_DIR_REPLY && !test_bit(NFCT_SEEN_REPLY, &ct->status))
		set_bit(NFCT_SEEN_REPLY, &ct->status);
	return NF_ACCEPT;
}

static unsigned int nfct_hook_confirm(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	struct nfct_net *cn = nfct_pernet(state->net);
	const struct nfct_l4proto *l4;
	struct nfct_tuple t, rt;
	struct nfct_conn *ct;
	unsigned int off;

	if (nfct_tuple_from_skb(skb, &t, &off))
		return NF_ACCEPT;
	if (nfct_table_lookup(cn, &t))
		return NF_ACCEPT;	/* tracked at PREROUTING/OUTPUT */
	if (!nfct_tuple_invert(&rt, &t))
		return NF_ACCEPT;
	ct = nfct_conn_alloc(&t, &rt);
	if (!ct)
		return NF_DROP;
	if (READ_ONCE(cn->acct))
		__set_bit(NFCT_ACCT, &ct->status);
	if (READ_ONCE(cn->timestamp))
		__set_bit(NFCT_TSTAMP, &ct->status);
	l4 = nfct_l4proto_find(t.protonum);
	if (!l4->new(ct, skb, off) ||
	    !l4->packet(ct, skb, off, NFCT_DIR_ORIGINAL, cn)) {
		nfct_conn_put(ct);
		return NF_ACCEPT;
	}
	nfct_account(ct, NFCT_DIR_ORIGINAL, skb);
	if (nfct_table_insert(cn, ct))
		nfct_conn_put(ct);
	return NF_ACCEPT;
}

static const struct nf_hook_ops nfct_hook_ops[] = {
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
};

static int __net_init nfct_net_init(struct net *net)
{
	struct nfct_net *cn = nfct_pernet(net);
	int err;

	cn->net = net;
	err = nfct_table_init(cn);
	if (err)
		return err;
	err = nfct_sysctl_net_init(cn);
	if (err)
		goto err_table;
	err = nfct_proc_net_init(cn);
	if (err)
		goto err_sysctl;
	err = nfct_defrag_net_init(cn);
	if (err)
		goto err_proc;
	err = nf_register_net_hooks(net, nfct_hook_ops, ARRAY_SIZE(nfct_hook_ops));
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
	return err;
}

static void __net_exit nfct_net_exit(struct net *net)
{
	struct nfct_net *cn = nfct_pernet(net);

	/* Waits for hooks in flight, so nothing touches the table after. */
	nf_unregister_net_hooks(net, nfct_hook_ops, ARRAY_SIZE(nfct_hook_ops));
	nfct_defrag_net_exit(cn);
	nfct_gc_net_exit(cn);
	nfct_proc_net_exit(cn);
	nfct_sysctl_net_exit(cn);
	nfct_table_destroy(cn);
}

static struct pernet_operations nfct_net_ops = {
	.init	= nfct_net_init,
	.exit	= nfct_net_exit,
	.id	= &nfct_net_id,
	.size	= sizeof(struct nfct_net),
};

static int __init nfct_init(void)
{
	int err;

	err = nfct_defrag_init();
	if (err)
		return err;
	err = nfct_conn_cache_init();
	if (err)
		goto err_defrag;
	err = nfct_proc_init();
	if (err)
		goto err_cache;
	err = register_pernet_subsys(&nfct_net_ops);
	if (err)
		goto err_proc;
	return 0;

err_proc:
	nfct_proc_exit();
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
	nfct_conn_cache_destroy();
	nfct_defrag_exit();
}

module_init(nfct_init);
module_exit(nfct_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Connection tracker that runs beside nf_conntrack");
