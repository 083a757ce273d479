// SPDX-License-Identifier: GPL-2.0
/*
 * What nf_ct decided about a packet, kept from PREROUTING/OUTPUT until the
 * packet is confirmed at POSTROUTING/LOCAL_IN, without touching the skb:
 * skb->_nfct belongs to the kernel's tracker.
 *
 * A record is keyed by the skb's address in one global rhashtable, so it is
 * found from any CPU: a process preempted and migrated between OUTPUT and
 * POSTROUTING, or a packet queued to userspace, still meets its record.
 * Only packets the table cannot answer for later get one: those that start
 * a connection (the record carries the unconfirmed entry) and those found
 * INVALID on an entry that exists. Established packets get none.
 *
 * The packet is found again by its address, and checked against what the
 * record says it is: its IP id, and its tuple, which must be the one it had
 * at its first hook or, for a packet of an entry, that tuple as NAT may
 * have rewritten it since (either end as it was, or as the entry's other
 * direction makes it). What legitimately changes a packet on its way
 * (TCPMSS growing a SYN, an NFQUEUE verdict with a new payload, skb_cow or
 * pskb_expand_head moving its data) leaves the match alone; another flow's
 * packet at a recycled address, even with IP id 0 and the same length,
 * does not match.
 *
 * A record ends when its packet is confirmed, or dropped: the kfree_skb
 * tracepoint fires for every dropped skb, and the probe ends its record at
 * once, so that its address is free for the next packet and its entry no
 * longer counts against max. A packet that vanished without a drop (stolen
 * or consumed before its last hook), or every dropped one if the
 * tracepoint cannot be had, keeps its record until the reaper, every
 * NFCT_PKT_REAP_EVERY, ends the records older than NFCT_PKT_MAX_AGE; until
 * then the record can only be met by a packet that matches it as above.
 *
 * A second tracepoint, icmp_send, names the packet an ICMP error this host
 * is about to send is about, so that the error finds that packet's record,
 * and its entry confirmed or not, as nf_conntrack's nf_ct_attach() gives it
 * (nfct_pkt_cause). Without it such an error about an unconfirmed entry is
 * INVALID. IPv6 has no such tracepoint in 6.1: an ICMPv6 error made here
 * takes the last record made on its CPU instead (nfct_pkt_take_last), which
 * is its cause's when the cause got a record on the way in and nothing
 * else did since, as on the forward and input paths; the quote must match
 * that record all the same.
 */
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <linux/tracepoint.h>
#include <trace/events/skb.h>

#include "nf_ct.h"

#define NFCT_PKT_MAX_AGE	(10 * HZ)
#define NFCT_PKT_REAP_EVERY	(2 * HZ)

static struct kmem_cache *nfct_pkt_cache;
static struct rhashtable nfct_pkts;
static atomic_t nfct_pkt_count = ATOMIC_INIT(0);
static bool nfct_pkt_drop_probe;
static void nfct_pkt_reap(struct work_struct *work);
static DECLARE_DELAYED_WORK(nfct_pkt_reaper, nfct_pkt_reap);

static const struct rhashtable_params nfct_pkt_params = {
	.key_len = sizeof(unsigned long),
	.key_offset = offsetof(struct nfct_pkt, skb),
	.head_offset = offsetof(struct nfct_pkt, node),
	.automatic_shrinking = true,
};

/*
 * Could @t be a packet of @ct going @dir, at some point of its NAT? Each
 * end is as the entry's tuple for @dir has it, or as the inverse of the
 * other direction's makes it once NAT rewrote that end.
 */
static bool nfct_pkt_of_dir(const struct nfct_conn *ct, enum nfct_dir dir,
			    const struct nfct_tuple *t)
{
	const struct nfct_tuple *a = nfct_tuple_of(ct, dir);
	struct nfct_tuple b;

	if (t->l3 != a->l3 || t->protonum != a->protonum ||
	    !nfct_tuple_invert(&b, nfct_tuple_of(ct, !dir)))
		return false;
	return ((nfct_addr_eq(t, nfct_src(t), nfct_src(a)) && t->sport == a->sport) ||
		(nfct_addr_eq(t, nfct_src(t), nfct_src(&b)) && t->sport == b.sport)) &&
	       ((nfct_addr_eq(t, nfct_dst(t), nfct_dst(a)) && t->dport == a->dport) ||
		(nfct_addr_eq(t, nfct_dst(t), nfct_dst(&b)) && t->dport == b.dport));
}

/*
 * An address an ICMP error about @ct may carry once NAT rewrote its outer
 * header. @t is the error's tuple, of the family of @p's.
 */
static bool nfct_pkt_addr_of(const struct nfct_pkt *p, const struct nfct_conn *ct,
			     const struct nfct_tuple *t, const void *addr)
{
	const struct nfct_tuple *o = nfct_tuple_of(ct, NFCT_DIR_ORIGINAL);
	const struct nfct_tuple *r = nfct_tuple_of(ct, NFCT_DIR_REPLY);

	return nfct_addr_eq(t, addr, nfct_src(&p->tuple)) ||
	       nfct_addr_eq(t, addr, nfct_dst(&p->tuple)) ||
	       nfct_addr_eq(t, addr, nfct_src(o)) || nfct_addr_eq(t, addr, nfct_dst(o)) ||
	       nfct_addr_eq(t, addr, nfct_src(r)) || nfct_addr_eq(t, addr, nfct_dst(r));
}

/*
 * Is a packet with IP id @id, protocol @protonum and tuple @t (NULL if it
 * has none) the one @p was made for (see the header comment)?
 */
static bool nfct_pkt_is(const struct nfct_pkt *p, __be16 id, u8 protonum,
			const struct nfct_tuple *t)
{
	/* Read once: the record's taker clears it after unlinking the record. */
	const struct nfct_conn *ct = READ_ONCE(p->ct);
	enum nfct_dir dir;

	if (id != p->id)
		return false;
	if (!t)
		return !p->has_tuple && protonum == p->protonum;
	if (!p->has_tuple)
		return false;
	if (nfct_tuple_eq(t, &p->tuple))
		return true;
	if (!ct)
		return false;	/* INVALID: nothing rewrites it */
	for (dir = NFCT_DIR_ORIGINAL; dir < NFCT_DIR_MAX; dir++)
		if (nfct_pkt_of_dir(ct, dir, &p->tuple))
			return nfct_pkt_of_dir(ct, dir, t);
	/* An ICMP error RELATED to the entry: its own tuple, addresses NATed. */
	return t->l3 == p->tuple.l3 && t->protonum == p->tuple.protonum &&
	       t->sport == p->tuple.sport && t->dport == p->tuple.dport &&
	       nfct_pkt_addr_of(p, ct, t, nfct_src(t)) &&
	       nfct_pkt_addr_of(p, ct, t, nfct_dst(t));
}

static bool nfct_pkt_matches(const struct nfct_pkt *p, const struct sk_buff *skb)
{
	struct nfct_tuple t;
	unsigned int off;
	bool has_tuple = !nfct_tuple_from_skb(skb, &t, &off);
	u8 protonum;
	__be16 id;

	nfct_l3_of_skb(skb)->pkt_ident(skb, &id, &protonum);
	return nfct_pkt_is(p, id, protonum, has_tuple ? &t : NULL);
}

/*
 * Give up a record's reference. Only the record that made an entry counts
 * it as unconfirmed: an ICMP error's record may share the entry
 * (nfct_pkt_cause) and end first when its cause goes on (a redirect).
 */
static void nfct_pkt_put_conn(struct nfct_net *cn, struct nfct_conn *ct, u8 info)
{
	if (info == IP_CT_NEW)
		nfct_conn_release(cn, ct);
	else
		nfct_conn_put(ct);
}

static void nfct_pkt_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(nfct_pkt_cache, container_of(head, struct nfct_pkt, rcu));
}

static void nfct_pkt_free(struct nfct_pkt *p)
{
	atomic_dec(&p->cn->pending);
	atomic_dec(&nfct_pkt_count);
	if (p->ct)
		nfct_pkt_put_conn(p->cn, p->ct, p->info);
	call_rcu(&p->rcu, nfct_pkt_free_rcu);
}

/* Unlink @p; only the caller that unlinks it may free it. */
static bool nfct_pkt_unlink(struct nfct_pkt *p)
{
	return !rhashtable_remove_fast(&nfct_pkts, &p->node, nfct_pkt_params);
}

/* The key of the last record made on each CPU (nfct_pkt_take_last). */
static DEFINE_PER_CPU(unsigned long, nfct_last_record);

/**
 * nfct_pkt_attach - remember @ct and @info for @skb until it is confirmed
 * @cn: the netns the packet is in
 * @skb: the packet
 * @ct: entry, its reference passes to the record; NULL for INVALID
 * @info: IP_CT_* for the packet, or NFCT_INFO_INVALID
 *
 * Return: 0 or -ENOMEM; on error the caller keeps its reference.
 */
int nfct_pkt_attach(struct nfct_net *cn, const struct sk_buff *skb,
		    struct nfct_conn *ct, u8 info)
{
	struct nfct_pkt *p, *old;
	unsigned int off;

	p = nfct_fault_inject(&cn->fault, NFCT_FAULT_PKT_RECORD) ? NULL :
	    kmem_cache_alloc(nfct_pkt_cache, GFP_ATOMIC);
	if (!p)
		return -ENOMEM;
	p->skb = (unsigned long)skb;
	nfct_l3_of_skb(skb)->pkt_ident(skb, &p->id, &p->protonum);
	p->has_tuple = !nfct_tuple_from_skb(skb, &p->tuple, &off);
	p->cn = cn;
	p->ct = ct;
	p->info = info;
	p->stamp = jiffies;
	atomic_inc(&cn->pending);
	atomic_inc(&nfct_pkt_count);

	rcu_read_lock();
	/* A record left at this address belongs to a packet that is gone. */
	while ((old = rhashtable_lookup_get_insert_fast(&nfct_pkts, &p->node,
							 nfct_pkt_params))) {
		if (IS_ERR(old)) {
			rcu_read_unlock();
			p->ct = NULL;
			nfct_pkt_free(p);
			return PTR_ERR(old);
		}
		if (nfct_pkt_unlink(old))
			nfct_pkt_free(old);
	}
	rcu_read_unlock();
	this_cpu_write(nfct_last_record, p->skb);
	if (!delayed_work_pending(&nfct_pkt_reaper))
		queue_delayed_work(system_power_efficient_wq, &nfct_pkt_reaper,
				   NFCT_PKT_REAP_EVERY);
	return 0;
}
EXPORT_SYMBOL_GPL(nfct_pkt_attach);	/* for nf_ct_nat.ko */

/**
 * nfct_pkt_hold - give @skb a record of @ct, or drop it
 * @cn: the netns the packet is in
 * @skb: the packet
 * @ct: entry, whose reference passes to the record either way
 * @info: IP_CT_* for the packet
 *
 * For a verdict the table would not give at the later hooks. Without its
 * record, they would see what the table says instead (ESTABLISHED for an
 * INVALID packet, nothing for an entry not yet confirmed): fail closed.
 *
 * Return: NF_ACCEPT, or NF_DROP (counted in drop) if no record could be made.
 */
unsigned int nfct_pkt_hold(struct nfct_net *cn, const struct sk_buff *skb,
			   struct nfct_conn *ct, u8 info)
{
	if (likely(!nfct_pkt_attach(cn, skb, ct, info)))
		return NF_ACCEPT;
	if (ct)
		nfct_pkt_put_conn(cn, ct, info);
	NFCT_STAT_INC(cn, drop);
	return NF_DROP;
}
EXPORT_SYMBOL_GPL(nfct_pkt_hold);	/* for nf_ct_nat.ko */

/* An INVALID verdict that the table, which knows the packet's entry, would not give. */
unsigned int nfct_pkt_invalid(struct nfct_net *cn, const struct sk_buff *skb)
{
	return nfct_pkt_hold(cn, skb, NULL, NFCT_INFO_INVALID);
}

/**
 * nfct_pkt_find - the record of @skb, if it has one
 * @cn: the netns the packet is in now
 * @skb: the packet
 *
 * Call under RCU; the record stays valid until the RCU read section ends.
 */
struct nfct_pkt *nfct_pkt_find(const struct nfct_net *cn, const struct sk_buff *skb)
{
	unsigned long key = (unsigned long)skb;
	struct nfct_pkt *p;

	if (!atomic_read(&nfct_pkt_count))
		return NULL;
	p = rhashtable_lookup(&nfct_pkts, &key, nfct_pkt_params);
	if (!p || p->cn != cn || !nfct_pkt_matches(p, skb))
		return NULL;
	return p;
}
EXPORT_SYMBOL_GPL(nfct_pkt_find);	/* for nf_ct_nat.ko */

/**
 * nfct_pkt_take - end the record of @skb and hand it to the caller
 * @cn: the netns the packet is in now
 * @skb: the packet, at its confirmation
 * @ct: set to the record's entry, whose reference passes to the caller
 * @info: set to the record's IP_CT_* value
 *
 * Return: true if @skb had a record.
 */
bool nfct_pkt_take(const struct nfct_net *cn, const struct sk_buff *skb,
		   struct nfct_conn **ct, u8 *info)
{
	struct nfct_pkt *p;
	bool found = false;

	rcu_read_lock();
	p = nfct_pkt_find(cn, skb);
	if (p && nfct_pkt_unlink(p)) {
		*ct = p->ct;
		*info = p->info;
		WRITE_ONCE(p->ct, NULL);
		nfct_pkt_free(p);
		found = true;
	}
	rcu_read_unlock();
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_pkt_take);

/**
 * nfct_packet_lookup - nf_ct's verdict on @skb, as nf_conntrack's ctinfo
 * @cn: the netns the packet is in
 * @skb: a packet past PREROUTING/OUTPUT, not yet confirmed
 * @ctp: set to its entry (no reference: valid under RCU), NULL if INVALID
 * @recorded: set to whether the verdict came from the packet's record
 *
 * A packet the raw table marked NOTRACK is UNTRACKED, as nf_conntrack
 * says; nf_ct's hooks leave it alone. A packet with a record says what it
 * was found to be; any other packet is what the table says about its
 * tuple: the reply direction is ESTABLISHED_REPLY, the original direction
 * ESTABLISHED once a reply was seen and NEW before, and a packet of no
 * entry is INVALID.
 *
 * An established packet that NAT rewrote at PREROUTING or OUTPUT has no
 * record: once rewritten it is all the way NATed (nf_ct_nat gives a record
 * to one that still has a rewrite to come), so its tuple is the inverse of
 * its entry's other direction. NAT keeps that tuple unique.
 *
 * Return: IP_CT_*, IP_CT_UNTRACKED or NFCT_INFO_INVALID.
 */
u8 nfct_packet_lookup(struct nfct_net *cn, const struct sk_buff *skb,
		      struct nfct_conn **ctp, bool *recorded)
{
	struct nfct_tuple_node *n;
	struct nfct_tuple t, inv;
	struct nfct_pkt *p;
	unsigned int off;

	*ctp = NULL;
	*recorded = false;
	if (nfct_skb_untracked(skb))
		return IP_CT_UNTRACKED;
	p = nfct_pkt_find(cn, skb);
	if (p) {
		*recorded = true;
		*ctp = READ_ONCE(p->ct);
		return p->info;
	}
	if (nfct_tuple_from_skb(skb, &t, &off))
		return NFCT_INFO_INVALID;
	n = nfct_table_lookup(cn, &t);
	if (n) {
		*ctp = nfct_conn_of(n);
		return nfct_info_of(n);
	}
	if (nfct_l4_untracked(&t))
		return IP_CT_UNTRACKED;
	if (!nfct_tuple_invert(&inv, &t))
		return NFCT_INFO_INVALID;
	n = nfct_table_lookup(cn, &inv);
	if (!n)
		return NFCT_INFO_INVALID;
	*ctp = nfct_conn_of(n);
	return nfct_info_of_dir(*ctp, !n->dir);
}
EXPORT_SYMBOL_GPL(nfct_packet_lookup);	/* for nf_ct_nat.ko */

/* The same, for those that do not care where the verdict came from. */
u8 nfct_packet_info(struct nfct_net *cn, const struct sk_buff *skb,
		    struct nfct_conn **ctp)
{
	bool recorded;

	return nfct_packet_lookup(cn, skb, ctp, &recorded);
}
EXPORT_SYMBOL_GPL(nfct_packet_info);	/* for nf_ct_xt.ko */

/* What a packet of @ct going @dir is, as nf_conntrack_in says it. */
u8 nfct_info_of_dir(const struct nfct_conn *ct, enum nfct_dir dir)
{
	if (dir == NFCT_DIR_REPLY)
		return IP_CT_ESTABLISHED_REPLY;
	return test_bit(NFCT_SEEN_REPLY, &ct->status) ?
	       IP_CT_ESTABLISHED : IP_CT_NEW;
}

/* What a packet matching @n in the table is. */
u8 nfct_info_of(const struct nfct_tuple_node *n)
{
	return nfct_info_of_dir(nfct_conn_of(n), n->dir);
}

/* kfree_skb fires for packets that are dropped, not for those consumed. */
static void nfct_pkt_dropped(void *data, struct sk_buff *skb, void *location,
			     enum skb_drop_reason reason)
{
	unsigned long key = (unsigned long)skb;
	struct nfct_pkt *p;

	if (!atomic_read(&nfct_pkt_count))
		return;
	rcu_read_lock();
	p = rhashtable_lookup(&nfct_pkts, &key, nfct_pkt_params);
	/*
	 * p->cn outlives every record of its netns under RCU: the records
	 * are swept, then a grace period passes, before its memory goes.
	 */
	if (p && !nfct_fault_inject(&p->cn->fault, NFCT_FAULT_DROP_PROBE) &&
	    nfct_pkt_unlink(p))
		nfct_pkt_free(p);
	rcu_read_unlock();
}

/*
 * A locally generated ICMP error (a forwarded packet's TTL ran out, its IP
 * options are bad, REJECT) is about a packet whose entry may not be
 * confirmed yet: the kernel's tracker attaches the cause's entry to the
 * error (nf_ct_attach() from icmp_glue_bits()), making it RELATED, where a
 * lookup of the quoted tuple finds nothing. The icmp_send tracepoint fires
 * in __icmp_send(), bottom halves off, right before the error is built and
 * sent down to LOCAL_OUT on the same CPU: it leaves the cause's address
 * here, and the error's tracker takes it at LOCAL_OUT. The address is only
 * a key: the cause may be gone by then (the error never reached LOCAL_OUT,
 * or was queued), so the record found at it must still match the packet
 * the error quotes, as a packet matches its own record.
 */
static DEFINE_PER_CPU(unsigned long, nfct_icmp_cause);
static struct tracepoint *nfct_icmp_send_tp;

static void nfct_pkt_icmp_send(void *data, const struct sk_buff *skb_in,
			       int type, int code)
{
	this_cpu_write(nfct_icmp_cause, (unsigned long)skb_in);
}

static void nfct_pkt_find_icmp_send(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "icmp_send"))
		*(struct tracepoint **)priv = tp;
}

/* At LOCAL_OUT, for an ICMP error: this CPU's cause (0: none), taken. */
unsigned long nfct_pkt_take_cause(void)
{
	return this_cpu_xchg(nfct_icmp_cause, 0);
}

/* At LOCAL_OUT, for an ICMPv6 error: the key of the last record made on this CPU. */
unsigned long nfct_pkt_take_last(void)
{
	return this_cpu_xchg(nfct_last_record, 0);
}

/**
 * nfct_pkt_cause - the entry of the packet a local ICMP error is about
 * @cn: the netns the error is in
 * @key: the cause's address, from nfct_pkt_take_cause()
 * @quoted: the tuple of the packet the error quotes
 * @id: the quoted packet's IP id
 * @info: set to the error's IP_CT_RELATED* towards the entry
 *
 * Call under RCU.
 *
 * Return: the cause's entry, referenced, or NULL.
 */
struct nfct_conn *nfct_pkt_cause(const struct nfct_net *cn, unsigned long key,
				 const struct nfct_tuple *quoted, __be16 id,
				 u8 *info)
{
	struct nfct_conn *ct;
	struct nfct_pkt *p;

	if (!atomic_read(&nfct_pkt_count))
		return NULL;
	p = rhashtable_lookup(&nfct_pkts, &key, nfct_pkt_params);
	if (!p || p->cn != cn || !nfct_pkt_is(p, id, quoted->protonum, quoted))
		return NULL;
	ct = READ_ONCE(p->ct);
	/* An entry is freed a grace period after its last reference went. */
	if (!ct || !refcount_inc_not_zero(&ct->use))
		return NULL;
	/* The error goes the other way from its cause, as nf_conntrack_attach(). */
	*info = p->info >= IP_CT_IS_REPLY ? IP_CT_RELATED : IP_CT_RELATED_REPLY;
	return ct;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_pkt_cause);

/* Ends the records that match; @cn NULL matches all, @max_age 0 any age. */
static void nfct_pkt_sweep(const struct nfct_net *cn, unsigned long max_age)
{
	struct rhashtable_iter iter;
	struct nfct_pkt *p;

	rhashtable_walk_enter(&nfct_pkts, &iter);
	rhashtable_walk_start(&iter);
	while ((p = rhashtable_walk_next(&iter))) {
		if (IS_ERR(p))
			continue;	/* -EAGAIN: resized, the walk goes on */
		if (cn && p->cn != cn)
			continue;
		if (max_age && time_before(jiffies, p->stamp + max_age))
			continue;
		if (nfct_pkt_unlink(p))
			nfct_pkt_free(p);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

/* The reaper's pass, run at once: ends the records older than @max_age. */
void nfct_pkt_reap_aged(unsigned long max_age)
{
	nfct_pkt_sweep(NULL, max_age);
}
EXPORT_SYMBOL_IF_KUNIT(nfct_pkt_reap_aged);

static void nfct_pkt_reap(struct work_struct *work)
{
	nfct_pkt_sweep(NULL, NFCT_PKT_MAX_AGE);
	if (atomic_read(&nfct_pkt_count))
		queue_delayed_work(system_power_efficient_wq, &nfct_pkt_reaper,
				   NFCT_PKT_REAP_EVERY);
}

/*
 * Once no hook of @cn can run: its packets still alive keep no record. A
 * kfree_skb probe may still be freeing one that it unlinked first; the
 * caller waits a grace period before @cn's memory goes (nfct_net_exit_batch).
 */
void nfct_pkt_net_exit(struct nfct_net *cn)
{
	/* The reaper is not freeing one of ours after this. */
	cancel_delayed_work_sync(&nfct_pkt_reaper);
	nfct_pkt_sweep(cn, 0);
	if (atomic_read(&nfct_pkt_count))
		queue_delayed_work(system_power_efficient_wq, &nfct_pkt_reaper,
				   NFCT_PKT_REAP_EVERY);
}

int nfct_pkt_init(void)
{
	int err;

	nfct_pkt_cache = KMEM_CACHE(nfct_pkt, 0);
	if (!nfct_pkt_cache)
		return -ENOMEM;
	err = rhashtable_init(&nfct_pkts, &nfct_pkt_params);
	if (err) {
		kmem_cache_destroy(nfct_pkt_cache);
		return err;
	}
	/* Without the tracepoint, dropped packets' records wait for the reaper. */
	nfct_pkt_drop_probe = !register_trace_kfree_skb(nfct_pkt_dropped, NULL);
	if (!nfct_pkt_drop_probe)
		pr_info("nf_ct: kfree_skb tracepoint unavailable, dropped packets are reaped after %u s\n",
			NFCT_PKT_MAX_AGE / HZ);
	/* Not exported to modules by name: found among the kernel's. */
	for_each_kernel_tracepoint(nfct_pkt_find_icmp_send, &nfct_icmp_send_tp);
	if (!nfct_icmp_send_tp ||
	    tracepoint_probe_register(nfct_icmp_send_tp, nfct_pkt_icmp_send, NULL)) {
		nfct_icmp_send_tp = NULL;
		pr_info("nf_ct: icmp_send tracepoint unavailable, local errors about unconfirmed connections are INVALID\n");
	}
	return 0;
}

/* After every netns is gone: no record is left to free. */
void nfct_pkt_exit(void)
{
	if (nfct_icmp_send_tp)
		tracepoint_probe_unregister(nfct_icmp_send_tp, nfct_pkt_icmp_send, NULL);
	if (nfct_pkt_drop_probe)
		unregister_trace_kfree_skb(nfct_pkt_dropped, NULL);
	if (nfct_icmp_send_tp || nfct_pkt_drop_probe)
		tracepoint_synchronize_unregister();
	cancel_delayed_work_sync(&nfct_pkt_reaper);
	WARN_ON(atomic_read(&nfct_pkt_count));
	rhashtable_destroy(&nfct_pkts);
	rcu_barrier();	/* the last records' frees */
	kmem_cache_destroy(nfct_pkt_cache);
}
