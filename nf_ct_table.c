// SPDX-License-Identifier: GPL-2.0
/*
 * The connection table: one rhashtable per netns holding two nodes per
 * connection, one keyed by each direction's tuple, so a packet from either
 * side finds its entry with one lookup.
 *
 * rhashtable gives lockless RCU lookups, per-bucket locks for writers and
 * growth/shrink with the number of entries, so nobody tunes a bucket count.
 * Measured against nf_conntrack's fixed hlist_nulls table (its default 65536
 * buckets, max raised), 1M UDP flows from one socket on Debian's 6.1 in the
 * test VM (tests/bench/scale.sh): rhashtable inserted 31,950 entries/s to
 * nf_conntrack's 29,898, and the 1M entries listed through /proc in 16 s,
 * where nf_conntrack's listing had not finished after 8 minutes.
 * Entries are freed after an RCU grace period; hooks run under RCU and need
 * no reference of their own.
 */
#include <linux/bitrev.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/timekeeping.h>

#include "nf_ct.h"

/*
 * Two sizes of entry per family: TCP's carries the window tracking state,
 * and SCTP and DCCP use it for theirs; the others stop before it. Not cache-line aligned: the rounding (208 to
 * 256, 152 to 192 bytes) would add a quarter to every entry. What sharing a
 * line with a neighbour entry costs in time, make bench has not isolated yet.
 */
static struct kmem_cache *nfct_conn_caches[NFCT_L3_MAX][2];	/* [l3][big?] */
static const char *const nfct_conn_cache_names[NFCT_L3_MAX][2] = {
	[NFCT_L3_IPV4] = { "nf_ct_small", "nf_ct" },
	[NFCT_L3_IPV6] = { "nf_ct6_small", "nf_ct6" },
};

static unsigned int nfct_conn_size(const struct nfct_l3proto *l3, bool tcp)
{
	/* UDP's and GRE's state fit in the small entry, the others in TCP's. */
	BUILD_BUG_ON(sizeof(struct nfct_gre_state) > sizeof(struct nfct_udp_state));
	BUILD_BUG_ON(sizeof(struct nfct_sctp_state) > sizeof(struct nfct_tcp_state));
	BUILD_BUG_ON(sizeof(struct nfct_dccp_state) > sizeof(struct nfct_tcp_state));
	return offsetof(struct nfct_conn, tail) + 2 * l3->node_size +
	       (tcp ? sizeof(struct nfct_tcp_state) : sizeof(struct nfct_udp_state));
}

static struct kmem_cache *nfct_conn_cache_of(const struct nfct_tuple *t)
{
	bool big = t->protonum == IPPROTO_TCP || t->protonum == IPPROTO_SCTP ||
		   t->protonum == IPPROTO_DCCP;

	return nfct_conn_caches[t->l3][big];
}

static siphash_key_t nfct_hash_key __read_mostly;

/*
 * SipHash of the key's bytes, keyed once per module load: remote peers
 * cannot aim tuples at one bucket. The family is in the first word, so the
 * two families' keys never meet.
 */
static u32 nfct_tuple_siphash(const struct nfct_tuple *t)
{
	const u64 *w = (const u64 *)t;

	BUILD_BUG_ON(NFCT_TUPLE_LEN_IPV4 != 2 * sizeof(u64));
	BUILD_BUG_ON(NFCT_TUPLE_LEN_IPV6 % sizeof(u64));
	if (t->l3 == NFCT_L3_IPV4)	/* the common case, without a call */
		return (u32)siphash_2u64(w[0], w[1], &nfct_hash_key);
	return (u32)siphash(t, nfct_tuple_len(t), &nfct_hash_key);
}

/*
 * The bucket hash is the tuple's SipHash alone; rhashtable's per-table seed
 * is not mixed in. The key, random per module load, already keeps remote
 * peers from aiming tuples at one bucket, and a hash that is the same in
 * every table gives the walk (nfct_table_walk_next) an order that survives
 * resizes. A node keeps its SipHash (nfct_tuple_node.hash, set at insert),
 * so that growing the table, which moves every node each time it doubles,
 * and removing a node compute nothing: measured with the table growing to
 * 100k entries, the rehash worker was the largest single cost of making
 * new entries.
 */
u32 nfct_tuple_hash(const void *data, u32 len, u32 seed)
{
	return nfct_tuple_siphash(data);
}
EXPORT_SYMBOL_IF_KUNIT(nfct_tuple_hash);

/* The same for a node in the table, from its kept SipHash. */
u32 nfct_node_hash(const void *data, u32 len, u32 seed)
{
	return ((const struct nfct_tuple_node *)data)->hash;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_node_hash);

/*
 * Word compares; rhashtable's default is a memcmp() call (5% of a lookup).
 * The first word holds the family: a key of the other family differs there
 * and its second word is never read past a stored IPv4 key.
 */
static int nfct_tuple_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const u64 *k = arg->key;
	const u64 *t = (const u64 *)&((const struct nfct_tuple_node *)obj)->tuple;
	unsigned int i;

	if (k[0] != t[0])
		return 1;
	for (i = 1; i < nfct_tuple_len(arg->key) / sizeof(u64); i++)
		if (k[i] != t[i])
			return 1;
	return 0;
}

const struct rhashtable_params nfct_table_params = {
	.key_len = sizeof(struct nfct_tuple),	/* unused: hashfn knows the length */
	.hashfn = nfct_tuple_hash,
	.obj_hashfn = nfct_node_hash,
	.obj_cmpfn = nfct_tuple_cmp,
	.key_offset = offsetof(struct nfct_tuple_node, tuple),
	.head_offset = offsetof(struct nfct_tuple_node, node),
	.automatic_shrinking = true,
};

/* Before a node goes in: its tuple is fixed from now on, as its hash. */
static void nfct_node_prepare(struct nfct_tuple_node *n)
{
	n->hash = nfct_tuple_siphash(&n->tuple);
}

int nfct_conn_cache_init(void)
{
	unsigned int l3, tcp;

	get_random_bytes(&nfct_hash_key, sizeof(nfct_hash_key));
	for (l3 = 0; l3 < NFCT_L3_MAX; l3++) {
		if (!nfct_l3protos[l3])
			continue;
		for (tcp = 0; tcp < 2; tcp++) {
			nfct_conn_caches[l3][tcp] =
				kmem_cache_create(nfct_conn_cache_names[l3][tcp],
						  nfct_conn_size(nfct_l3protos[l3], tcp),
						  0, 0, NULL);
			if (!nfct_conn_caches[l3][tcp]) {
				nfct_conn_cache_destroy();
				return -ENOMEM;
			}
		}
	}
	return 0;
}

void nfct_conn_cache_destroy(void)
{
	unsigned int l3, tcp;

	/* Entries still waiting for their grace period must be freed first. */
	rcu_barrier();
	for (l3 = 0; l3 < NFCT_L3_MAX; l3++)
		for (tcp = 0; tcp < 2; tcp++) {
			kmem_cache_destroy(nfct_conn_caches[l3][tcp]);
			nfct_conn_caches[l3][tcp] = NULL;
		}
}

struct nfct_conn *nfct_conn_alloc(const struct nfct_tuple *orig,
				  const struct nfct_tuple *reply)
{
	struct nfct_tuple_node *n;
	struct nfct_conn *ct;

	ct = kmem_cache_zalloc(nfct_conn_cache_of(orig), GFP_ATOMIC);
	if (!ct)
		return NULL;
	/* The original node first: it tells where the reply node is. */
	n = nfct_node(ct, NFCT_DIR_ORIGINAL);
	nfct_tuple_copy(&n->tuple, orig);
	n->dir = NFCT_DIR_ORIGINAL;
	n = nfct_node(ct, NFCT_DIR_REPLY);
	nfct_tuple_copy(&n->tuple, reply);
	n->dir = NFCT_DIR_REPLY;
	refcount_set(&ct->use, 1);
	spin_lock_init(&ct->lock);
	return ct;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_conn_alloc);

static void nfct_conn_free_rcu(struct rcu_head *head)
{
	struct nfct_conn *ct = container_of(head, struct nfct_conn, rcu);

	kmem_cache_free(nfct_conn_cache_of(nfct_tuple_of(ct, NFCT_DIR_ORIGINAL)), ct);
}

void nfct_conn_put(struct nfct_conn *ct)
{
	if (refcount_dec_and_test(&ct->use))
		call_rcu(&ct->rcu, nfct_conn_free_rcu);
}
EXPORT_SYMBOL_GPL(nfct_conn_put);	/* for nf_ct_nat.ko */

/* Room for one more entry: evict what nf_conntrack would, or say there is none. */
static bool nfct_table_make_room(struct nfct_net *cn, const struct nfct_tuple *t,
				 int max)
{
	unsigned int evicted = nfct_table_early_drop(cn, t);

	if (evicted)
		NFCT_STAT_ADD(cn, early_drop, evicted);
	return atomic_read(&cn->count) + atomic_read(&cn->unconfirmed) <= max;
}

/**
 * nfct_conn_new - a new entry of @cn, counted against its max from now on
 * @cn: the netns
 * @orig: the entry's original tuple
 * @reply: its reply tuple
 *
 * nf_conntrack counts an entry when it is allocated, not when it is
 * confirmed: a burst of first packets all waiting for their confirmation
 * (queued to userspace, say) cannot make more entries than max.
 * An entry that never gets in is given back with nfct_conn_release().
 *
 * Return: the entry, or NULL (counted in drop) if the table is full after
 * eviction or there is no memory.
 */
struct nfct_conn *nfct_conn_new(struct nfct_net *cn, const struct nfct_tuple *orig,
				const struct nfct_tuple *reply)
{
	int max = READ_ONCE(cn->max);
	struct nfct_conn *ct;

	if (max && atomic_inc_return(&cn->unconfirmed) + atomic_read(&cn->count) > max &&
	    !nfct_table_make_room(cn, orig, max)) {
		atomic_dec(&cn->unconfirmed);
		/* As nf_conntrack: the GC's next pass evicts harder. */
		WRITE_ONCE(cn->gc.early_drop, true);
		NFCT_STAT_INC(cn, drop);
		net_warn_ratelimited("nf_ct: table full, dropping packet\n");
		return NULL;
	}
	if (!max)
		atomic_inc(&cn->unconfirmed);
	ct = nfct_fault_inject(&cn->fault, NFCT_FAULT_CONN_ALLOC) ? NULL :
	     nfct_conn_alloc(orig, reply);
	if (!ct) {
		atomic_dec(&cn->unconfirmed);
		NFCT_STAT_INC(cn, drop);
		return NULL;
	}
	__set_bit(NFCT_UNCONFIRMED, &ct->status);
	return ct;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_conn_new);

/* Give up a reference; an entry that never got in no longer counts against max. */
void nfct_conn_release(struct nfct_net *cn, struct nfct_conn *ct)
{
	/*
	 * Only the one holder of an unconfirmed entry has the bit to clear;
	 * the plain test first spares shared entries a locked write.
	 */
	if (test_bit(NFCT_UNCONFIRMED, &ct->status) &&
	    test_and_clear_bit(NFCT_UNCONFIRMED, &ct->status))
		atomic_dec(&cn->unconfirmed);
	nfct_conn_put(ct);
}
EXPORT_SYMBOL_GPL(nfct_conn_release);	/* for nf_ct_nat.ko */

int nfct_table_init(struct nfct_net *cn)
{
	int err = rhashtable_init(&cn->table, &nfct_table_params);

	if (err)
		return err;
	err = nfct_bysrc_init(cn);
	if (err)
		rhashtable_destroy(&cn->table);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_table_init);

/* The table's bucket count now: it grows and shrinks with the entries. */
unsigned int nfct_table_buckets(struct nfct_net *cn)
{
	unsigned int size;

	rcu_read_lock();
	size = rcu_dereference(cn->table.tbl)->size;
	rcu_read_unlock();
	return size;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_table_buckets);

/* In the table by one node: by its reply only, or the same tuple both ways. */
static bool nfct_conn_one_node(const struct nfct_conn *ct)
{
	if (test_bit(NFCT_NAT_CLASH, &ct->status))
		return true;
	return nfct_tuple_eq(nfct_tuple_of(ct, NFCT_DIR_ORIGINAL),
			     nfct_tuple_of(ct, NFCT_DIR_REPLY));
}

static void nfct_table_free_node(void *ptr, void *arg)
{
	struct nfct_conn *ct = nfct_conn_of(ptr);

	/*
	 * Each connection is in the table twice, and the destroy walk may
	 * sleep between its two nodes: drop it only at the second, or its
	 * memory could be reused while the other node is still linked.
	 */
	if (nfct_conn_one_node(ct) ||
	    test_and_set_bit(NFCT_FREE_HALF, &ct->status))
		nfct_conn_put(ct);
}

/* Called once no hook can run for this netns any more. */
void nfct_table_destroy(struct nfct_net *cn)
{
	nfct_bysrc_destroy(cn);
	rhashtable_free_and_destroy(&cn->table, nfct_table_free_node, NULL);
}
EXPORT_SYMBOL_IF_KUNIT(nfct_table_destroy);

/*
 * Lookup under RCU. Only confirmed, live entries are found: a connection
 * whose second node is still being inserted, or that is being deleted, is
 * invisible, and so is one whose timeout has passed; such an entry is
 * unlinked on the spot instead of waiting for the GC.
 */
struct nfct_tuple_node *nfct_table_lookup(struct nfct_net *cn,
					  const struct nfct_tuple *t)
{
	struct nfct_tuple_node *n;
	struct nfct_conn *ct;

	n = rhashtable_lookup(&cn->table, t, nfct_table_params);
	if (!n)
		return NULL;
	ct = nfct_conn_of(n);
	if (!nfct_conn_confirmed(ct) ||
	    test_bit(NFCT_DYING, &ct->status))
		return NULL;
	if (nfct_is_expired(ct)) {
		nfct_table_delete(cn, ct);
		return NULL;
	}
	return n;
}
EXPORT_SYMBOL_GPL(nfct_table_lookup);	/* for nf_ct_nat.ko */

/* How often a losing confirmation looks again for the insert it lost to. */
#define NFCT_SETTLE_SPINS	(1U << 16)

/*
 * nfct_table_lookup, except that an entry another CPU is inserting at this
 * moment is waited for rather than passed over. The confirmation that lost
 * a race to it must find it, or it would drop a packet nf_conntrack lets
 * through (nf_conntrack decides clashes under the buckets' locks). Inserts
 * run with BH off, so the wait is short; it is bounded all the same.
 */
struct nfct_tuple_node *nfct_table_lookup_settled(struct nfct_net *cn,
						  const struct nfct_tuple *t)
{
	struct nfct_tuple_node *n;
	unsigned int spins;

	for (spins = 0; spins < NFCT_SETTLE_SPINS; spins++) {
		n = rhashtable_lookup(&cn->table, t, nfct_table_params);
		if (!n || nfct_conn_confirmed(nfct_conn_of(n)))
			break;
		cpu_relax();
	}
	return nfct_table_lookup(cn, t);
}

/* @ct is in the table: count and index it, and only then let lookups find it. */
static void nfct_table_confirmed(struct nfct_net *cn, struct nfct_conn *ct)
{
	ct->start_ns = ktime_get_real_ns();
	nfct_bysrc_add(cn, ct);
	/* Counted in the table before it leaves the unconfirmed: never under. */
	atomic_inc(&cn->count);
	if (test_and_clear_bit(NFCT_UNCONFIRMED, &ct->status))
		atomic_dec(&cn->unconfirmed);
	/*
	 * Release: lockless readers test the bit with acquire
	 * (nfct_conn_confirmed) and then read what was written above.
	 */
	smp_mb__before_atomic();
	set_bit(NFCT_CONFIRMED, &ct->status);
	nfct_gc_confirmed(cn, ct);
}

/*
 * Insert both directions. -EEXIST if either tuple is already taken by
 * another entry; the table is then unchanged.
 */
static int nfct_table_insert_both(struct nfct_net *cn, struct nfct_conn *ct)
{
	struct nfct_tuple_node *orig = nfct_node(ct, NFCT_DIR_ORIGINAL);
	struct nfct_tuple_node *reply = nfct_node(ct, NFCT_DIR_REPLY);
	int err;

	nfct_node_prepare(orig);
	nfct_node_prepare(reply);
	err = rhashtable_lookup_insert_key(&cn->table, &orig->tuple, &orig->node,
					   nfct_table_params);
	if (err)
		return err;
	/*
	 * A connection to itself (same address and port both ways) has one
	 * tuple for both directions: one node finds it.
	 */
	if (!nfct_conn_one_node(ct)) {
		err = rhashtable_lookup_insert_key(&cn->table, &reply->tuple,
						   &reply->node, nfct_table_params);
		if (err) {
			rhashtable_remove_fast(&cn->table, &orig->node,
					       nfct_table_params);
			return err;
		}
	}
	nfct_table_confirmed(cn, ct);
	return 0;
}

int nfct_table_insert(struct nfct_net *cn, struct nfct_conn *ct)
{
	int err;

	/* Not interrupted half-way: see nfct_table_lookup_settled. */
	local_bh_disable();
	err = nfct_table_insert_both(cn, ct);
	local_bh_enable();
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_table_insert);

/**
 * nfct_table_insert_reply - insert the loser of a NAT'ed UDP race by its reply
 * @cn: the netns
 * @ct: an unconfirmed entry whose original tuple another entry holds, and
 *	whose NAT binding (reply tuple) differs from that entry's
 *
 * As nf_conntrack's clash resolution: lookups of the original tuple keep
 * finding the winner, the answers to this packet's own binding find this
 * entry, and it goes after a second (fixed: no refresh, never ASSURED).
 *
 * Return: 0, or -EEXIST if the reply tuple is taken too.
 */
int nfct_table_insert_reply(struct nfct_net *cn, struct nfct_conn *ct)
{
	struct nfct_tuple_node *reply = nfct_node(ct, NFCT_DIR_REPLY);
	int err;

	set_bit(NFCT_NAT_CLASH, &ct->status);
	set_bit(NFCT_FIXED_TIMEOUT, &ct->status);
	WRITE_ONCE(ct->timeout, (u32)jiffies + HZ);
	nfct_node_prepare(reply);
	local_bh_disable();
	err = rhashtable_lookup_insert_key(&cn->table, &reply->tuple, &reply->node,
					   nfct_table_params);
	if (!err)
		nfct_table_confirmed(cn, ct);
	local_bh_enable();
	if (err) {
		clear_bit(NFCT_NAT_CLASH, &ct->status);
		clear_bit(NFCT_FIXED_TIMEOUT, &ct->status);
	}
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_table_insert_reply);

/*
 * The default limit, nf_conntrack's: its default bucket count (RAM / 128 KiB
 * on 64-bit, 65536 above 1 GiB, 262144 above 4 GiB, at least 1024, rounded up
 * to a page of buckets), one entry per bucket.
 */
int nfct_default_max(void)
{
	unsigned long pages = totalram_pages();
	unsigned long n = (pages << PAGE_SHIFT) / 16384 / sizeof(struct hlist_head);

	if (BITS_PER_LONG >= 64 && pages > 4UL * (SZ_1G / PAGE_SIZE))
		n = 262144;
	else if (pages > SZ_1G / PAGE_SIZE)
		n = 65536;
	n = max(n, 1024UL);
	return roundup(n, PAGE_SIZE / sizeof(struct hlist_head));
}
EXPORT_SYMBOL_IF_KUNIT(nfct_default_max);

#define NFCT_EVICTION_RANGE	8

/*
 * Make room in a full table as nf_conntrack does: look at the buckets where
 * @t would go and the next few, and in the first that has any, evict every
 * entry not yet ASSURED. Returns how many were evicted.
 */
unsigned int nfct_table_early_drop(struct nfct_net *cn, const struct nfct_tuple *t)
{
	struct nfct_tuple_node *n;
	struct bucket_table *tbl;
	struct rhash_head *pos;
	unsigned int hash, i, dropped = 0;
	struct nfct_conn *ct;

	rcu_read_lock();
	tbl = rht_dereference_rcu(cn->table.tbl, &cn->table);
	hash = rht_key_hashfn(&cn->table, tbl, t, nfct_table_params);
	for (i = 0; i < NFCT_EVICTION_RANGE && !dropped; i++) {
		rht_for_each_entry_rcu(n, pos, tbl, (hash + i) & (tbl->size - 1), node) {
			ct = nfct_conn_of(n);
			if (!nfct_conn_confirmed(ct) ||
			    test_bit(NFCT_DYING, &ct->status))
				continue;
			if (nfct_is_expired(ct)) {
				nfct_table_delete(cn, ct);
				continue;
			}
			if (test_bit(NFCT_ASSURED, &ct->status))
				continue;
			nfct_table_delete(cn, ct);
			dropped++;
		}
	}
	rcu_read_unlock();
	return dropped;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_table_early_drop);

/*
 * Unlink and drop the table's reference; safe to race with itself: only
 * the caller that returns true deleted the entry.
 */
bool nfct_table_delete(struct nfct_net *cn, struct nfct_conn *ct)
{
	/* A walk can meet an entry whose insert has not finished. */
	if (!nfct_conn_confirmed(ct) ||
	    test_and_set_bit(NFCT_DYING, &ct->status))
		return false;
	nfct_bysrc_del(cn, ct);
	rhashtable_remove_fast(&cn->table, &nfct_node(ct, NFCT_DIR_ORIGINAL)->node,
			       nfct_table_params);
	rhashtable_remove_fast(&cn->table, &nfct_node(ct, NFCT_DIR_REPLY)->node,
			       nfct_table_params);
	atomic_dec(&cn->count);
	nfct_conn_put(ct);
	return true;
}
EXPORT_SYMBOL_GPL(nfct_table_delete);	/* for nf_ct_nat.ko */

/*
 * The walk's order: by the bit-reversed SipHash of the node, then by its
 * address. A table of 2^s buckets keeps a node in the bucket of its hash's
 * low s bits, so its buckets taken in bit-reversed index order hold the
 * nodes in this order of their keys' top s bits, at any size. A walk that
 * remembers the last node it gave resumes after it in whatever table there
 * is by then: a resize neither repeats nor skips a node that stays in.
 */
static bool nfct_walk_before(u32 key, unsigned long addr, u32 key2,
			     unsigned long addr2)
{
	return key < key2 || (key == key2 && addr < addr2);
}

/* The first node after @from in one bucket table that @want accepts. */
static struct nfct_tuple_node *
nfct_walk_tbl(const struct bucket_table *tbl, const struct nfct_walk_pos *from,
	      bool (*want)(const struct nfct_tuple_node *n))
{
	unsigned int bits = ilog2(tbl->size), mask = tbl->size - 1;
	struct nfct_tuple_node *n, *best = NULL;
	unsigned int prefix, b;
	struct rhash_head *pos;
	u32 key, best_key = 0;

	/* A table has at least 4 buckets (rhashtable's HASH_MIN_SIZE). */
	prefix = from->started ? from->key >> (32 - bits) : 0;
	for (; prefix <= mask; prefix++) {
		b = bitrev32(prefix << (32 - bits));
		rht_for_each_entry_rcu(n, pos, tbl, b, node) {
			/*
			 * A node that the rehash moves while we walk leads
			 * on into its new table's chain: not this bucket's.
			 */
			if ((n->hash & mask) != b)
				continue;
			key = bitrev32(n->hash);
			if (from->started &&
			    !nfct_walk_before(from->key, from->addr, key, (unsigned long)n))
				continue;
			if (best && !nfct_walk_before(key, (unsigned long)n, best_key,
						      (unsigned long)best))
				continue;
			if (want(n)) {
				best = n;
				best_key = key;
			}
		}
		if (best)
			return best;
	}
	return NULL;
}

/**
 * nfct_table_walk_next - the node after @from that @want accepts
 * @cn: the netns
 * @from: where the walk is; a zeroed one is before the first node
 * @at: set to the position of the node returned
 * @want: which nodes the walk is for; called under RCU
 *
 * Call under RCU; the node is valid until the read section ends, and the
 * walk may go on in a later one from @at. A node inserted behind the walk
 * is not seen; every node in the table all along is returned exactly once.
 *
 * Return: the node, or NULL at the end.
 */
struct nfct_tuple_node *nfct_table_walk_next(struct nfct_net *cn,
					     const struct nfct_walk_pos *from,
					     struct nfct_walk_pos *at,
					     bool (*want)(const struct nfct_tuple_node *n))
{
	struct nfct_tuple_node *n, *best = NULL;
	const struct bucket_table *tbl;

	tbl = rht_dereference_rcu(cn->table.tbl, &cn->table);
	do {
		n = nfct_walk_tbl(tbl, from, want);
		if (n && (!best || nfct_walk_before(bitrev32(n->hash), (unsigned long)n,
						    bitrev32(best->hash),
						    (unsigned long)best)))
			best = n;
		/*
		 * During a rehash a node is linked into the future table
		 * before it is unlinked from this one: one we did not meet
		 * here is there. The barrier is the one rhashtable's lookups
		 * take before they read future_tbl.
		 */
		smp_rmb();
		tbl = rht_dereference_rcu(tbl->future_tbl, &cn->table);
	} while (tbl);
	if (best) {
		at->key = bitrev32(best->hash);
		at->addr = (unsigned long)best;
		at->started = true;
	}
	return best;
}
EXPORT_SYMBOL_IF_KUNIT(nfct_table_walk_next);

/* Entries looked at per RCU read section of a kill, between reschedules. */
#define NFCT_KILL_BATCH		256

/**
 * nfct_table_kill - delete every entry of @cn that @match selects
 * @cn: the netns
 * @match: called under RCU for each entry, once
 * @data: passed to @match
 *
 * For events that end connections wholesale (an interface going down
 * under MASQUERADE). Process context: it walks the whole table, leaving
 * its RCU read section and rescheduling every NFCT_KILL_BATCH entries, so
 * that a table of a million entries holds back neither grace periods nor
 * other tasks.
 *
 * Return: the number of entries deleted.
 */
unsigned int nfct_table_kill(struct nfct_net *cn,
			     bool (*match)(const struct nfct_conn *ct, void *data),
			     void *data)
{
	struct nfct_walk_pos pos = {}, at;
	struct nfct_tuple_node *n;
	unsigned int killed = 0, i;

	might_sleep();
	do {
		rcu_read_lock();
		for (i = 0; i < NFCT_KILL_BATCH; i++) {
			n = nfct_table_walk_next(cn, &pos, &at, nfct_node_is_primary);
			if (!n)
				break;
			pos = at;
			if (match(nfct_conn_of(n), data) &&
			    nfct_table_delete(cn, nfct_conn_of(n)))
				killed++;
		}
		rcu_read_unlock();
		cond_resched();
	} while (n);
	return killed;
}
EXPORT_SYMBOL_GPL(nfct_table_kill);	/* for nf_ct_nat.ko */
