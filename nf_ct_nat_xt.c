// SPDX-License-Identifier: GPL-2.0
/*
 * The nat tables' targets, with the revisions and option layouts iptables
 * and ip6tables send: SNAT and DNAT (revisions 0 (IPv4 only), 1 and 2),
 * MASQUERADE and REDIRECT (revision 0; IPv4's with its multi-range
 * compat layout, IPv6's with struct nf_nat_range). Each binds the
 * connection of the packet being handled (its nf_ct record: the table only
 * runs for a connection's first packet).
 *
 * x_tables finds the target registered last first, so while this module is
 * loaded the rules loaded bind to these rather than to xt_nat's.
 *
 * MASQUERADE follows the interface: when it goes down, or loses the
 * address, the connections masqueraded through it are deleted, as the
 * kernel's do, from a work item: the notifiers run under RTNL (IPv6's
 * address notifier atomically, too), and the walk of a large table must
 * hold neither RTNL nor an RCU read section.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netfilter/x_tables.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/addrconf.h>
#include <net/ipv6.h>
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

/* IPv6's MASQUERADE and REDIRECT take struct nf_nat_range: ports only. */
static int nfct_nat_check_port_only_v1(const struct xt_tgchk_param *par)
{
	const struct nf_nat_range *range = par->targinfo;

	if (range->flags & NF_NAT_RANGE_MAP_IPS) {
		pr_info_ratelimited("%s: an address range is not allowed\n",
				    par->target->name);
		return -EINVAL;
	}
	return 0;
}

static int nfct_masq6_check(const struct xt_tgchk_param *par)
{
	int err = nfct_nat_check_port_only_v1(par);

	if (!err)
		atomic_inc(&nfct_nat_masq_rules);
	return err;
}

/* The source the route's device would give the destination, as nf_nat's. */
static unsigned int nfct_masq6(struct sk_buff *skb, const struct xt_action_param *par)
{
	const struct net_device *out = xt_out(par);
	struct nf_nat_range2 range;
	struct nfct_conn *ct;
	struct nfct_net *cn;
	struct in6_addr src;

	ct = nfct_nat_xt_conn(skb, par, &cn);
	if (!ct)
		return NF_ACCEPT;
	if (ipv6_dev_get_saddr(xt_net(par), out, &ipv6_hdr(skb)->daddr, 0, &src) < 0) {
		pr_info_ratelimited("MASQUERADE: %s has no address to use\n", out->name);
		return NF_DROP;
	}
	WRITE_ONCE(ct->masq_index, out->ifindex);
	nfct_nat_range_v1(&range, par->targinfo);
	range.flags |= NF_NAT_RANGE_MAP_IPS;
	range.min_addr.in6 = src;
	range.max_addr.in6 = src;
	return nfct_nat_setup(cn, ct, &range, NFCT_NAT_SRC);
}

/*
 * As nf_nat_redirect_ipv6: loopback for local packets, else the first
 * address of the interface the packet came in on that is usable (not
 * v4-mapped, not tentative unless optimistic) in the destination's scope.
 */
static bool nfct_redirect6_usable(const struct inet6_ifaddr *ifa, unsigned int scope)
{
	unsigned int type = ipv6_addr_type(&ifa->addr);

	if (type & IPV6_ADDR_MAPPED)
		return false;
	if ((ifa->flags & IFA_F_TENTATIVE) && !(ifa->flags & IFA_F_OPTIMISTIC))
		return false;
	return !scope || (scope & type & IPV6_ADDR_SCOPE_MASK);
}

static unsigned int nfct_redirect6(struct sk_buff *skb, const struct xt_action_param *par)
{
	struct nf_nat_range2 range;
	struct inet6_dev *idev;
	bool found = false;
	struct in6_addr dst;

	if (xt_hooknum(par) == NF_INET_LOCAL_OUT) {
		dst = in6addr_loopback;
		found = true;
	} else {
		unsigned int scope = ipv6_addr_scope(&ipv6_hdr(skb)->daddr);
		const struct inet6_ifaddr *ifa;

		/* The hooks run under RCU, which keeps idev. */
		idev = __in6_dev_get(skb->dev);
		if (idev) {
			read_lock_bh(&idev->lock);
			list_for_each_entry(ifa, &idev->addr_list, if_list) {
				if (!nfct_redirect6_usable(ifa, scope))
					continue;
				dst = ifa->addr;
				found = true;
				break;
			}
			read_unlock_bh(&idev->lock);
		}
	}
	if (!found)
		return NF_DROP;
	nfct_nat_range_v1(&range, par->targinfo);
	range.flags |= NF_NAT_RANGE_MAP_IPS;
	range.min_addr.in6 = dst;
	range.max_addr.in6 = dst;
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
	{
		.name		= "SNAT",
		.revision	= 1,
		.family		= NFPROTO_IPV6,
		.target		= nfct_snat_v1,
		.targetsize	= sizeof(struct nf_nat_range),
		.table		= "nat",
		.hooks		= NFCT_NAT_SRC_HOOKS,
		.me		= THIS_MODULE,
	},
	{
		.name		= "DNAT",
		.revision	= 1,
		.family		= NFPROTO_IPV6,
		.target		= nfct_dnat_v1,
		.targetsize	= sizeof(struct nf_nat_range),
		.table		= "nat",
		.hooks		= NFCT_NAT_DST_HOOKS,
		.me		= THIS_MODULE,
	},
	{
		.name		= "SNAT",
		.revision	= 2,
		.family		= NFPROTO_IPV6,
		.target		= nfct_snat_v2,
		.targetsize	= sizeof(struct nf_nat_range2),
		.table		= "nat",
		.hooks		= NFCT_NAT_SRC_HOOKS,
		.me		= THIS_MODULE,
	},
	{
		.name		= "DNAT",
		.revision	= 2,
		.family		= NFPROTO_IPV6,
		.target		= nfct_dnat_v2,
		.targetsize	= sizeof(struct nf_nat_range2),
		.table		= "nat",
		.hooks		= NFCT_NAT_DST_HOOKS,
		.me		= THIS_MODULE,
	},
	{
		.name		= "MASQUERADE",
		.revision	= 0,
		.family		= NFPROTO_IPV6,
		.target		= nfct_masq6,
		.checkentry	= nfct_masq6_check,
		.destroy	= nfct_masq_destroy,
		.targetsize	= sizeof(struct nf_nat_range),
		.table		= "nat",
		.hooks		= 1 << NF_INET_POST_ROUTING,
		.me		= THIS_MODULE,
	},
	{
		.name		= "REDIRECT",
		.revision	= 0,
		.family		= NFPROTO_IPV6,
		.target		= nfct_redirect6,
		.checkentry	= nfct_nat_check_port_only_v1,
		.targetsize	= sizeof(struct nf_nat_range),
		.table		= "nat",
		.hooks		= NFCT_NAT_DST_HOOKS,
		.me		= THIS_MODULE,
	},
};

struct nfct_masq_gone {
	int ifindex;
	bool any;		/* every address of the interface, both families */
	u8 l3;			/* else the address of this family */
	union nf_inet_addr addr;
};

static bool nfct_masq_match(const struct nfct_conn *ct, void *data)
{
	const struct nfct_masq_gone *gone = data;
	const struct nfct_tuple *reply;

	if (READ_ONCE(ct->masq_index) != gone->ifindex)
		return false;
	if (gone->any)
		return true;
	reply = nfct_tuple_of(ct, NFCT_DIR_REPLY);
	return reply->l3 == gone->l3 && nfct_addr_eq(reply, nfct_dst(reply), &gone->addr);
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

/*
 * From the notifiers, under RTNL (IPv6's address notifier in atomic
 * context, hence @gfp): the deletion is left to a work item.
 */
static void nfct_masq_kill(struct net *net, const struct nfct_masq_gone *gone, gfp_t gfp)
{
	struct nfct_masq_work *w;

	if (!atomic_read(&nfct_nat_masq_rules))
		return;
	if (atomic_inc_return(&nfct_masq_pending) > NFCT_MASQ_MAX_PENDING)
		goto skip;
	w = kmalloc(sizeof(*w), gfp);
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
	struct nfct_masq_gone gone = { .ifindex = dev->ifindex, .any = true };

	if (event == NETDEV_DOWN)
		nfct_masq_kill(dev_net(dev), &gone, GFP_KERNEL);
	return NOTIFY_DONE;
}

static int nfct_masq_addr_event(struct notifier_block *nb, unsigned long event,
				void *ptr)
{
	const struct in_ifaddr *ifa = ptr;
	const struct in_device *idev = ifa->ifa_dev;
	struct nfct_masq_gone gone = {
		.ifindex = idev->dev->ifindex,
		.l3 = NFCT_L3_IPV4,
		.addr.ip = ifa->ifa_local,
	};

	/* A device going away is handled by its NETDEV_DOWN. */
	if (event == NETDEV_DOWN && !idev->dead)
		nfct_masq_kill(dev_net(idev->dev), &gone, GFP_KERNEL);
	return NOTIFY_DONE;
}

/* An atomic notifier: nothing here may sleep. */
static int nfct_masq_addr6_event(struct notifier_block *nb, unsigned long event,
				 void *ptr)
{
	const struct inet6_ifaddr *ifa = ptr;
	const struct net_device *dev = ifa->idev->dev;
	struct nfct_masq_gone gone = {
		.ifindex = dev->ifindex,
		.l3 = NFCT_L3_IPV6,
		.addr.in6 = ifa->addr,
	};

	if (event == NETDEV_DOWN)
		nfct_masq_kill(dev_net(dev), &gone, GFP_ATOMIC);
	return NOTIFY_DONE;
}

static struct notifier_block nfct_masq_dev_notifier = {
	.notifier_call	= nfct_masq_dev_event,
};

static struct notifier_block nfct_masq_addr_notifier = {
	.notifier_call	= nfct_masq_addr_event,
};

static struct notifier_block nfct_masq_addr6_notifier = {
	.notifier_call	= nfct_masq_addr6_event,
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
	err = register_inet6addr_notifier(&nfct_masq_addr6_notifier);
	if (err)
		goto err_addr;
	err = xt_register_targets(nfct_nat_targets, ARRAY_SIZE(nfct_nat_targets));
	if (err)
		goto err_addr6;
	return 0;

err_addr6:
	unregister_inet6addr_notifier(&nfct_masq_addr6_notifier);
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
	unregister_inet6addr_notifier(&nfct_masq_addr6_notifier);
	unregister_inetaddr_notifier(&nfct_masq_addr_notifier);
	unregister_netdevice_notifier(&nfct_masq_dev_notifier);
	/* No notifier queues more: the queued cleanups finish first. */
	destroy_workqueue(nfct_masq_wq);
}
