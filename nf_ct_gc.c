// SPDX-License-Identifier: GPL-2.0
/*
 * Garbage collection of expired entries, one worker per netns.
 *
 * Expiry itself is immediate: lookups and the proc listing ignore an entry
 * whose timeout has passed. The worker only unlinks and frees such entries,
 * walking the table in batches that stop after NFCT_GC_BATCH nodes or
 * NFCT_GC_BUDGET_NS, whichever comes first, so one run never holds the CPU
 * for long however big the table is. A walk that is not finished continues
 * at once; a finished one sleeps for an interval that shrinks while passes
 * find expired entries and grows while they find none.
 */
#include <linux/ktime.h>
#include <linux/workqueue.h>

#include "nf_ct.h"

#define NFCT_GC_BATCH		256
#define NFCT_GC_BUDGET_NS	(NSEC_PER_MSEC / 2)
#define NFCT_GC_INTERVAL_MIN	(HZ / 10)
#define NFCT_GC_INTERVAL_MAX	(60 * HZ)
#define NFCT_GC_INTERVAL_INIT	HZ

/* One batch. Returns true when the walk reached the end of the table. */
bool nfct_gc_batch(struct nfct_net *cn, unsigned int *expired)
{
	struct nfct_gc *gc = &cn->gc;
	u64 start = ktime_get_ns();
	struct nfct_tuple_node *n;
	unsigned int scanned = 0;
	bool done = false;

	if (!gc->walking) {
		rhashtable_walk_enter(&cn->table, &gc->iter);
		gc->walking = true;
	}
	rhashtable_walk_start(&gc->iter);
	while (scanned < NFCT_GC_BATCH) {
		n = rhashtable_walk_next(&gc->iter);
		if (IS_ERR(n)) {
			if (PTR_ERR(n) == -EAGAIN)
				continue;	/* resized: the walk goes on in the new table */
			break;
		}
		if (!n) {
			done = true;
			break;
		}
		scanned++;
		if (n->dir == NFCT_DIR_ORIGINAL && nfct_is_expired(nfct_conn_of(n))) {
			nfct_table_delete(cn, nfct_conn_of(n));
			(*expired)++;
		}
		if (ktime_get_ns() - start > NFCT_GC_BUDGET_NS)
			break;
	}
	rhashtable_walk_stop(&gc->iter);
	gc->longest_ns = max_t(u64, gc->longest_ns, ktime_get_ns() - start);
	if (done) {
		rhashtable_walk_exit(&gc->iter);
		gc->walking = false;
	}
	return done;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_gc_batch);

static void nfct_gc_work(struct work_struct *work)
{
	struct nfct_gc *gc = container_of(to_delayed_work(work), struct nfct_gc, dwork);
	struct nfct_net *cn = container_of(gc, struct nfct_net, gc);
	unsigned long delay = 0;

	if (nfct_gc_batch(cn, &gc->pass_expired)) {
		if (gc->pass_expired)
			gc->interval = max_t(unsigned long, gc->interval / 2, NFCT_GC_INTERVAL_MIN);
		else
			gc->interval = min_t(unsigned long, gc->interval * 2, NFCT_GC_INTERVAL_MAX);
		gc->pass_expired = 0;
		delay = gc->interval;
	}
	queue_delayed_work(system_power_efficient_wq, &gc->dwork, delay);
}

void nfct_gc_net_init(struct nfct_net *cn)
{
	cn->gc.interval = NFCT_GC_INTERVAL_INIT;
	INIT_DELAYED_WORK(&cn->gc.dwork, nfct_gc_work);
	queue_delayed_work(system_power_efficient_wq, &cn->gc.dwork, cn->gc.interval);
}

/* Before the table goes: the worker never runs again after this. */
void nfct_gc_net_exit(struct nfct_net *cn)
{
	cancel_delayed_work_sync(&cn->gc.dwork);
	if (cn->gc.walking) {
		rhashtable_walk_exit(&cn->gc.iter);
		cn->gc.walking = false;
	}
}
