// SPDX-License-Identifier: GPL-2.0
/*
 * The nat table's targets, with the revisions and option layouts iptables
 * sends: SNAT and DNAT (revisions 0, 1 and 2), MASQUERADE and REDIRECT
 * (revision 0). Each binds the connection of the packet being handled (its
 * nf_ct record: the table only runs for a connection's first packet).
 *
 * x_tables finds the target registered last first, so while this module is
 * loaded the rules loaded bind to these rather than to xt_nat's.
 *
 * MASQUERADE follows the interface: when it goes down, or loses the
 * address, the connections masqueraded through it are deleted, as the
 * kernel's do, from a work item: the notifier runs under RTNL, and the
 * walk of a large table must hold neither RTNL nor an RCU read section.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netfilter/x_tables.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/route.h>

#include "nf_ct_nat.h"

/* MASQUERADE rules loaded: the interface events cost nothing without any. */
static atomic_t nfct_nat_masq_rules = ATOMIC_INIT(0);

/* The unconfirmed connection of the packet being handled, or NULL. */
static struct nfct_conn *nfct_nat_xt_conn(const struct sk_buff *skb,
					  const struct xt_action_param *par,
					  struct nfct_net **cn)
{
	struct nfct_pkt *p;

	*cn = nfct_pernet(xt_net(par));
	p = nfct_pkt_find(*cn, skb);
	return p ? p->ct : NULL;
}

static void nfct_nat_range_v0(struct nf_nat_range2 *r,
			      const struct nf_nat_ipv4_range *v0)
{
	memset(r, 0, sizeof(*r));
	r->flags = v0->flags;
	r->min_addr.ip = v0->min_ip;
	r->max_addr.ip = v0->max_ip;
	r->min_proto = v0->min;
	r->max_proto = v0->max;
}

/* Revision 1 is revision 2 without base_proto. */
static void nfct_nat_range_v1(struct nf_nat_range2 *r,
			      const struct nf_nat_range *v1)
{
	memset(r, 0, sizeof(*r));
	memcpy(r, v1, sizeof(*v1));
}

static unsigned int nfct_nat_xt_bind(struct sk_buff *skb,
				     const struct xt_action_param *par,
				     const struct nf_nat_range2 *range,
				     enum nfct_nat_manip m)
{
	struct nfct_net *cn;
	struct nfct_conn *ct = nfct_nat_xt_conn(skb, par, &cn);

	return ct ? nfct_nat_setup(cn, ct, range, m) : NF_ACCEPT;
}

static unsigned int nfct_snat_v0(struct sk_buff *skb, const struct xt_action_param *par)
{
	const struct nf_nat_ipv4_multi_range_compat *mr = par->targinfo;
	struct nf_nat_range2 range;

	nfct_nat_range_v0(&range, &mr->range[0]);
	return nfct_nat_xt_bind(skb, par, &range, NFCT_NAT_SRC);
}

static unsigned int nfct_dnat_v0(struct sk_buff *skb, const struct xt_action_param *par)
{
	const struct nf_nat_ipv4_multi_range_compat *mr = par->targinfo;
	struct nf_nat_range2 range;

	nfct_nat_range_v0(&range, &mr->range[0]);
	return nfct_nat_xt_bind(skb, par, &range, NFCT_NAT_DST);
}

static unsigned int nfct_snat_v1(struct sk_buff *skb, const struct xt_action_param *par)
{
	struct nf_nat_range2 range;

	nfct_nat_range_v1(&range, par->targinfo);
	return nfct_nat_xt_bind(skb, par, &range, NFCT_NAT_SRC);
}

static unsigned int nfct_dnat_v1(struct sk_buff *skb, const struct xt_action_param *par)
{
	struct nf_nat_range2 range;

	nfct_nat_range_v1(&range, par->targinfo);
	return nfct_nat_xt_bind(skb, par, &range, NFCT_NAT_DST);
}

static unsigned int nfct_snat_v2(struct sk_buff *skb, const struct xt_action_param *par)
{
	return nfct_nat_xt_bind(skb, par, par->targinfo, NFCT_NAT_SRC);
}

static unsigned int nfct_dnat_v2(struct sk_buff *skb, const struct xt_action_param *par)
{
	return nfct_nat_xt_bind(skb, par, par->targinfo, NFCT_NAT_DST);
}

static int nfct_nat_check_v0(const struct xt_tgchk_param *par)
{
	const struct nf_nat_ipv4_multi_range_compat *mr = par->targinfo;

	if (mr->rangesize != 1) {
		pr_info_ratelimited("%s: multiple ranges are not supported\n",
				    par->target->name);
		return -EINVAL;
	}
	return 0;
}

/* The source comes from the interface: the rule may give ports only. */
static int nfct_nat_check_port_only(const struct xt_tgchk_param *par)
{
	const struct nf_nat_ipv4_multi_range_compat *mr = par->targinfo;

	if (mr->range[0].flags & NF_NAT_RANGE_MAP_IPS) {
		pr_info_ratelimited("%s: an address range is not allowed\n",
				    par->target->name);
		return -EINVAL;
	}
	return nfct_nat_check_v0(par);
}

static int nfct_masq_check(const struct xt_tgchk_param *par)
{
	int err = nfct_nat_check_port_only(par);

	if (!err)
		atomic_inc(&nfct_nat_masq_rules);
	return err;
}

static void nfct_masq_destroy(const struct xt_tgdtor_param *par)
{
	atomic_dec(&nfct_nat_masq_rules);
}

static unsigned int nfct_masq(struct sk_buff *skb, const struct xt_action_param *par)
{
	const struct nf_nat_ipv4_multi_range_compat *mr = par->targinfo;
	const struct net_device *out = xt_out(par);
	struct nf_nat_range2 range;
	struct nfct_conn *ct;
	struct nfct_net *cn;
	__be32 src, nh;

	ct = nfct_nat_xt_conn(skb, par, &cn);
	if (!ct)
		return NF_ACCEPT;
	/* Sent from 0.0.0.0: a local packet not meant to be masqueraded. */
	if (!nfct_tuple_of(ct, NFCT_DIR_ORIGINAL)->src)
		return NF_ACCEPT;
	nh = rt_nexthop(skb_rtable(skb), ip_hdr(skb)->daddr);
	src = inet_select_addr(out, nh, RT_SCOPE_UNIVERSE);
	if (!src) {
		pr_info_ratelimited("MASQUERADE: %s has no address to use\n", out->name);
		return NF_DROP;
	}
	WRITE_ONCE(ct->masq_index, out->ifindex);
	nfct_nat_range_v0(&range, &mr->range[0]);
	range.flags |= NF_NAT_RANGE_MAP_IPS;
	range.min_addr.ip = src;
	range.max_addr.ip = src;
	return nfct_nat_setup(cn, ct, &range, NFCT_NAT_SRC);
}

static unsigned int nfct_redirect(struct sk_buff *skb, const struct xt_action_param *par)
{
	const struct nf_nat_ipv4_multi_range_compat *mr = par->targinfo;
	const struct in_ifaddr *ifa = NULL;
	const struct in_device *indev;
	struct nf_nat_range2 range;
	__be32 dst;

	/* Local packets go to loopback, others to the address they came in on. */
	if (xt_hooknum(par) == NF_INET_LOCAL_OUT) {
		dst = htonl(INADDR_LOOPBACK);
	} else {
		indev = __in_dev_get_rcu(skb->dev);
		if (indev)
			ifa = rcu_dereference(indev->ifa_list);
		if (!ifa)
			return NF_DROP;
		dst = ifa->ifa_local;
	}
	nfct_nat_range_v0(&range, &mr->range[0]);
	range.flags |= NF_NAT_RANGE_MAP_IPS;
	range.min_addr.ip = dst;
	range.max_addr.ip = dst;
	return nfct_nat_xt_bind(skb, par, &range, NFCT_NAT_DST);
}

#define NFCT_NAT_SRC_HOOKS	((1 << NF_INET_POST_ROUTING) | (1 << NF_INET_LOCAL_IN))
#define NFCT_NAT_DST_HOOKS	((1 << NF_INET_PRE_ROUTING) | (1 << NF_INET_LOCAL_OUT))

static struct xt_target nfct_nat_targets[] __read_mostly = {
	{
		.name		= "SNAT",
		.revision	= 0,
		.family		= NFPROTO_IPV4,
		.target		= nfct_snat_v0,
		.checkentry	= nfct_nat_check_v0,
		.targetsize	= sizeof(struct nf_nat_ipv4_multi_range_compat),
		.table		= "nat",
		.hooks		= NFCT_NAT_SRC_HOOKS,
		.me		= THIS_MODULE,
	},
	{
		.name		= "DNAT",
		.revision	= 0,
		.family		= NFPROTO_IPV4,
		.target		= nfct_dnat_v0,
		.checkentry	= nfct_nat_check_v0,
		.targetsize	= sizeof(struct nf_nat_ipv4_multi_range_compat),
		.table		= "nat",
		.hooks		= NFCT_NAT_DST_HOOKS,
		.me		= THIS_MODULE,
	},
	{
		.name		= "SNAT",
		.revision	= 1,
		.family		= NFPROTO_IPV4,
		.target		= nfct_snat_v1,
		.targetsize	= sizeof(struct nf_nat_range),
		.table		= "nat",
		.hooks		= NFCT_NAT_SRC_HOOKS,
		.me		= THIS_MODULE,
	},
	{
		.name		= "DNAT",
		.revision	= 1,
		.family		= NFPROTO_IPV4,
		.target		= nfct_dnat_v1,
		.targetsize	= sizeof(struct nf_nat_range),
		.table		= "nat",
		.hooks		= NFCT_NAT_DST_HOOKS,
		.me		= THIS_MODULE,
	},
	{
		.name		= "SNAT",
		.revision	= 2,
		.family		= NFPROTO_IPV4,
		.target		= nfct_snat_v2,
		.targetsize	= sizeof(struct nf_nat_range2),
		.table		= "nat",
		.hooks		= NFCT_NAT_SRC_HOOKS,
		.me		= THIS_MODULE,
	},
	{
		.name		= "DNAT",
		.revision	= 2,
		.family		= NFPROTO_IPV4,
		.target		= nfct_dnat_v2,
		.targetsize	= sizeof(struct nf_nat_range2),
		.table		= "nat",
		.hooks		= NFCT_NAT_DST_HOOKS,
		.me		= THIS_MODULE,
	},
	{
		.name		= "MASQUERADE",
		.revision	= 0,
		.family		= NFPROTO_IPV4,
		.target		= nfct_masq,
		.checkentry	= nfct_masq_check,
		.destroy	= nfct_masq_destroy,
		.targetsize	= sizeof(struct nf_nat_ipv4_multi_range_compat),
		.table		= "nat",
		.hooks		= 1 << NF_INET_POST_ROUTING,
		.me		= THIS_MODULE,
	},
	{
		.name		= "REDIRECT",
		.revision	= 0,
		.family		= NFPROTO_IPV4,
		.target		= nfct_redirect,
		.checkentry	= nfct_nat_check_port_only,
		.targetsize	= sizeof(struct nf_nat_ipv4_multi_range_compat),
		.table		= "nat",
		.hooks		= NFCT_NAT_DST_HOOKS,
		.me		= THIS_MODULE,
	},
};

struct nfct_masq_gone {
	int ifindex;
	__be32 addr;		/* 0: every address of the interface */
};

static bool nfct_masq_match(const struct nfct_conn *ct, void *data)
{
	const struct nfct_masq_gone *gone = data;

	return READ_ONCE(ct->masq_index) == gone->ifindex &&
	       (!gone->addr || nfct_tuple_of(ct, NFCT_DIR_REPLY)->dst == gone->addr);
}

/*
 * Cleanups queued at most: as the kernel's MASQUERADE, a storm of events
 * (thousands of addresses removed) queues no more; what it misses expires.
 */
#define NFCT_MASQ_MAX_PENDING	16

static struct workqueue_struct *nfct_masq_wq;
static atomic_t nfct_masq_pending = ATOMIC_INIT(0);

struct nfct_masq_work {
	struct work_struct work;
	struct net *net;		/* referenced */
	struct nfct_masq_gone gone;
};

static void nfct_masq_cleanup(struct work_struct *work)
{
	struct nfct_masq_work *w = container_of(work, struct nfct_masq_work, work);

	nfct_table_kill(nfct_pernet(w->net), nfct_masq_match, &w->gone);
	put_net(w->net);
	kfree(w);
	atomic_dec(&nfct_masq_pending);
}

/* From the notifiers, under RTNL: the deletion is left to a work item. */
static void nfct_masq_kill(struct net *net, const struct nfct_masq_gone *gone)
{
	struct nfct_masq_work *w;

	if (!atomic_read(&nfct_nat_masq_rules))
		return;
	if (atomic_inc_return(&nfct_masq_pending) > NFCT_MASQ_MAX_PENDING)
		goto skip;
	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		goto skip;
	/* A netns on its way out takes its whole table with it. */
	w->net = maybe_get_net(net);
	if (!w->net) {
		kfree(w);
		goto skip;
	}
	w->gone = *gone;
	INIT_WORK(&w->work, nfct_masq_cleanup);
	queue_work(nfct_masq_wq, &w->work);
	return;
skip:
	atomic_dec(&nfct_masq_pending);
}

static int nfct_masq_dev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	const struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct nfct_masq_gone gone = { .ifindex = dev->ifindex };

	if (event == NETDEV_DOWN)
		nfct_masq_kill(dev_net(dev), &gone);
	return NOTIFY_DONE;
}

static int nfct_masq_addr_event(struct notifier_block *nb, unsigned long event,
				void *ptr)
{
	const struct in_ifaddr *ifa = ptr;
	const struct in_device *idev = ifa->ifa_dev;
	struct nfct_masq_gone gone = {
		.ifindex = idev->dev->ifindex,
		.addr = ifa->ifa_local,
	};

	/* A device going away is handled by its NETDEV_DOWN. */
	if (event == NETDEV_DOWN && !idev->dead)
		nfct_masq_kill(dev_net(idev->dev), &gone);
	return NOTIFY_DONE;
}

static struct notifier_block nfct_masq_dev_notifier = {
	.notifier_call	= nfct_masq_dev_event,
};

static struct notifier_block nfct_masq_addr_notifier = {
	.notifier_call	= nfct_masq_addr_event,
};

int nfct_nat_xt_init(void)
{
	int err;

	nfct_masq_wq = alloc_workqueue("nf_ct_masq", WQ_UNBOUND, 0);
	if (!nfct_masq_wq)
		return -ENOMEM;
	err = register_netdevice_notifier(&nfct_masq_dev_notifier);
	if (err)
		goto err_wq;
	err = register_inetaddr_notifier(&nfct_masq_addr_notifier);
	if (err)
		goto err_dev;
	err = xt_register_targets(nfct_nat_targets, ARRAY_SIZE(nfct_nat_targets));
	if (err)
		goto err_addr;
	return 0;

err_addr:
	unregister_inetaddr_notifier(&nfct_masq_addr_notifier);
err_dev:
	unregister_netdevice_notifier(&nfct_masq_dev_notifier);
err_wq:
	destroy_workqueue(nfct_masq_wq);
	return err;
}

void nfct_nat_xt_exit(void)
{
	xt_unregister_targets(nfct_nat_targets, ARRAY_SIZE(nfct_nat_targets));
	unregister_inetaddr_notifier(&nfct_masq_addr_notifier);
	unregister_netdevice_notifier(&nfct_masq_dev_notifier);
	/* No notifier queues more: the queued cleanups finish first. */
	destroy_workqueue(nfct_masq_wq);
}
