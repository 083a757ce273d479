// SPDX-License-Identifier: GPL-2.0
/*
 * Garbage collection of expired entries, one worker per netns.
 *
 * Expiry itself is immediate: lookups and the proc listing ignore an entry
 * whose timeout has passed. The worker only unlinks and frees such entries.
 * It walks the table's buckets itself, in batches that stop after
 * NFCT_GC_BATCH nodes, NFCT_GC_BUCKETS buckets or NFCT_GC_BUDGET_NS,
 * whichever comes first, so one run never holds the CPU for long however
 * big or sparse the table is. (rhashtable's walker restarts from the first
 * bucket after every resize and crosses any run of empty buckets in one
 * call: measured at 1M entries, a single batch held the CPU for 134 ms and
 * the table took 573 s to drain.) A walk that is not finished continues at
 * once; a finished one sleeps for the average time its live entries had
 * left, between NFCT_GC_INTERVAL_MIN and NFCT_GC_INTERVAL_MAX.
 *
 * A pass that met none alive leaves an empty table: the worker then sleeps
 * 1 s, 2 s, 4 s... up to NFCT_GC_INTERVAL_MAX while passes go on finding
 * nothing (nf_conntrack's GC waits its full 60 s on an empty table), so an
 * idle namespace costs a wake-up a minute, not ten a second. The first
 * entry confirmed into the empty table brings the next pass forward to when
 * that entry expires (nfct_gc_confirmed), so short-lived entries still
 * leave the count and the memory in about their own timeout.
 *
 * After a new connection was dropped for want of room, the next pass also
 * evicts, while the table is at least 95% full, what nf_conntrack's GC
 * would: entries not ASSURED and closing TCP connections.
 */
#include <linux/ktime.h>
#include <linux/workqueue.h>

#include "nf_ct.h"

#define NFCT_GC_BATCH		1024
#define NFCT_GC_BUCKETS		4096
#define NFCT_GC_BUDGET_NS	(NSEC_PER_MSEC / 2)
#define NFCT_GC_INTERVAL_MIN	(HZ / 10)
#define NFCT_GC_INTERVAL_MAX	(60 * HZ)
#define NFCT_GC_INTERVAL_INIT	HZ
#define NFCT_GC_IDLE_MIN	HZ	/* first sleep on an empty table, then doubled */

/* From the first bucket again, as if the pass had just begun. */
static void nfct_gc_restart(struct nfct_gc *gc)
{
	gc->bucket = 0;
	gc->pass_live = 0;
	gc->pass_sum = 0;
}

static bool nfct_gc_can_early_drop(const struct nfct_conn *ct)
{
	const struct nfct_l4proto *l4;

	if (!test_bit(NFCT_ASSURED, &ct->status))
		return true;
	l4 = nfct_l4proto_find(nfct_tuple_of(ct, NFCT_DIR_ORIGINAL)->protonum);
	return l4->can_early_drop && l4->can_early_drop(ct);
}

/* One batch. Returns true when the walk reached the end of the table. */
bool nfct_gc_batch(struct nfct_net *cn, unsigned int *expired)
{
	struct nfct_gc *gc = &cn->gc;
	u64 start = ktime_get_ns(), took;
	unsigned int buckets = 0, nodes = 0, seen;
	struct nfct_tuple_node *n;
	struct bucket_table *tbl;
	struct rhash_head *pos;
	struct nfct_conn *ct;
	bool done = false;
	int max95 = 0;

	if (READ_ONCE(gc->early_drop))
		max95 = READ_ONCE(cn->max) / 100 * 95;
	rcu_read_lock();
	tbl = rht_dereference_rcu(cn->table.tbl, &cn->table);
	/*
	 * Resized since the last batch: a bucket's entries are now spread by
	 * other bits of their hash, so only a walk from the start is sure to
	 * meet every entry. Sizes double or halve: this happens rarely.
	 */
	if (gc->size != tbl->size) {
		nfct_gc_restart(gc);
		gc->size = tbl->size;
	}
	for (;;) {
		if (gc->bucket >= tbl->size) {
			/* Entries are moving to a new table: walk that one once it is in. */
			gc->resizing = rcu_access_pointer(tbl->future_tbl);
			if (gc->resizing)
				nfct_gc_restart(gc);
			else
				gc->bucket = 0;
			done = !gc->resizing;
			break;
		}
		seen = nodes;
		rht_for_each_entry_rcu(n, pos, tbl, gc->bucket, node) {
			nodes++;
			ct = nfct_conn_of(n);
			if (!nfct_node_is_primary(n))
				continue;
			if (nfct_is_expired(ct)) {
				nfct_table_delete(cn, ct);
				(*expired)++;
			} else if (max95 && atomic_read(&cn->count) >= max95 &&
				   nfct_gc_can_early_drop(ct)) {
				nfct_table_delete(cn, ct);
			} else {
				gc->pass_sum += clamp_t(u32, nfct_expires(ct),
							NFCT_GC_INTERVAL_MIN,
							NFCT_GC_INTERVAL_MAX);
				gc->pass_live++;
			}
		}
		gc->bucket++;
		if (++buckets >= NFCT_GC_BUCKETS || nodes >= NFCT_GC_BATCH)
			break;
		/* The clock after every bucket with entries, and every 16 empty ones. */
		if ((nodes != seen || buckets % 16 == 0) &&
		    ktime_get_ns() - start > NFCT_GC_BUDGET_NS)
			break;
	}
	rcu_read_unlock();
	took = ktime_get_ns() - start;
	/* Saturates rather than wraps where unsigned long is 32 bits. */
	gc->longest_ns = max_t(unsigned long, gc->longest_ns,
			       min_t(u64, took, ULONG_MAX));
	gc->batches++;
	if (took > NSEC_PER_MSEC)
		gc->slow_batches++;
	return done;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_gc_batch);

/*
 * The sleep after a pass that met no live entry, and the idle mark that lets
 * the next confirmed entry cut it short.
 *
 * gc->idle is the only field shared with the insert path, which tests and
 * clears it with xchg(): of the worker and any number of inserts, one clears
 * it and only that one acts. The race to close is an entry inserted behind
 * the walk (in a bucket already passed) while the worker is about to set
 * idle: the insert reads idle still false and does not kick, and the worker
 * would sleep up to a minute with a live entry in the table. Both sides
 * write first and read second with a full barrier between (store buffering):
 * the insert adds its node (table.nelems) then reads idle, the worker sets
 * idle then reads nelems. At least one of them sees the other's write: the
 * insert sees idle and kicks, or the worker sees the node, takes idle back
 * and comes again soon. (table.nelems, not count: it moves with the nodes
 * the walk meets, whatever count is made to mean.)
 */
static unsigned long nfct_gc_sleep(struct nfct_net *cn)
{
	struct nfct_gc *gc = &cn->gc;

	WRITE_ONCE(gc->idle, true);
	smp_mb();	/* pairs with nfct_gc_confirmed() */
	if (atomic_read(&cn->table.nelems) && xchg(&gc->idle, false)) {
		gc->idle_delay = 0;
		return NFCT_GC_INTERVAL_MIN;
	}
	/* Still idle, or an insert took the mark and is moving the work up. */
	gc->idle_delay = clamp_t(unsigned long, gc->idle_delay * 2,
				 NFCT_GC_IDLE_MIN, NFCT_GC_INTERVAL_MAX);
	return gc->idle_delay;
}

/**
 * nfct_gc_confirmed - a new entry is in the table: wake an idle GC for it
 * @cn: the entry's netns
 * @ct: the entry, in the table and counted
 *
 * A worker asleep on an empty table (up to NFCT_GC_INTERVAL_MAX) comes back
 * when @ct expires instead. Otherwise the pass already due was set by the
 * entries alive at the last pass, as in nf_conntrack, and nothing is done:
 * the cost per insert is one barrier and one read of a shared flag, and only
 * the first insert into an idle table touches the timer.
 */
void nfct_gc_confirmed(struct nfct_net *cn, const struct nfct_conn *ct)
{
	struct nfct_gc *gc = &cn->gc;

	smp_mb();	/* the node in before idle is read: see nfct_gc_sleep() */
	if (likely(!READ_ONCE(gc->idle)) || !xchg(&gc->idle, false))
		return;
	/*
	 * The work is pending or running: the netns's hooks, the only
	 * callers, are unregistered before nfct_gc_net_exit() cancels it.
	 */
	mod_delayed_work(system_power_efficient_wq, &gc->dwork,
			 clamp_t(unsigned long, nfct_expires(ct),
				 NFCT_GC_INTERVAL_MIN, NFCT_GC_INTERVAL_MAX));
}

static void nfct_gc_work(struct work_struct *work)
{
	struct nfct_gc *gc = container_of(to_delayed_work(work), struct nfct_gc, dwork);
	struct nfct_net *cn = container_of(gc, struct nfct_net, gc);
	unsigned int expired = 0;
	unsigned long delay = 0;

	if (nfct_gc_batch(cn, &expired)) {
		/*
		 * As nf_conntrack: next pass when the average entry left
		 * would expire, so short-lived entries are reaped soon and a
		 * table of long-lived ones is walked about once a minute.
		 */
		if (gc->pass_live) {
			delay = div_u64(gc->pass_sum, gc->pass_live);
			gc->idle_delay = 0;
		} else {
			delay = nfct_gc_sleep(cn);
		}
		nfct_gc_restart(gc);
		WRITE_ONCE(gc->early_drop, false);
	} else if (gc->resizing) {
		delay = 1;	/* let the rehash finish first */
	}
	queue_delayed_work(system_power_efficient_wq, &gc->dwork, delay);
}

void nfct_gc_net_init(struct nfct_net *cn)
{
	INIT_DELAYED_WORK(&cn->gc.dwork, nfct_gc_work);
	queue_delayed_work(system_power_efficient_wq, &cn->gc.dwork,
			   NFCT_GC_INTERVAL_INIT);
}

/* Before the table goes: the worker never runs again after this. */
void nfct_gc_net_exit(struct nfct_net *cn)
{
	cancel_delayed_work_sync(&cn->gc.dwork);
}
