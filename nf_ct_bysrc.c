// SPDX-License-Identifier: GPL-2.0
/*
 * Entries whose source NAT changed, by their original source (address,
 * port or ICMP id, protocol). nf_ct_nat asks it, as nf_nat's
 * find_appropriate_src does, whether a new connection's source is already
 * mapped, and reuses that mapping when the rule allows it: a client keeps
 * one outside address and port whatever it talks to.
 *
 * The index is the table's: an entry joins it when it is confirmed with
 * its source mapped and leaves it when it is deleted, so it never outlives
 * the entry, whichever module is loaded. It holds small records of its own
 * rather than a node in every entry: most entries are never SNAT'ed.
 */
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "nf_ct.h"

struct nfct_bysrc_key {
	union nf_inet_addr addr;	/* an IPv4 address in its first word */
	__be16 port;		/* TCP/UDP source port, ICMP id */
	u8 protonum;
	u8 l3;			/* NFCT_L3_*: the key is hashed whole, holes zero */
};

struct nfct_bysrc {
	struct rhlist_head node;
	struct nfct_bysrc_key key;
	struct nfct_conn *ct;
	struct rcu_head rcu;
};

static const struct rhashtable_params nfct_bysrc_params = {
	.head_offset		= offsetof(struct nfct_bysrc, node),
	.key_offset		= offsetof(struct nfct_bysrc, key),
	.key_len		= sizeof(struct nfct_bysrc_key),
	.automatic_shrinking	= true,
};

static struct nfct_bysrc_key nfct_bysrc_key_of(const struct nfct_tuple *t)
{
	struct nfct_bysrc_key key = {
		.port = t->sport,
		.protonum = t->protonum,
		.l3 = t->l3,
	};

	memcpy(&key.addr, nfct_src(t), nfct_addr_len(t));
	return key;
}

int nfct_bysrc_init(struct nfct_net *cn)
{
	return rhltable_init(&cn->bysrc, &nfct_bysrc_params);
}

static void nfct_bysrc_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/* With the table: no entry is left to delete, nobody looks any more. */
void nfct_bysrc_destroy(struct nfct_net *cn)
{
	rhltable_free_and_destroy(&cn->bysrc, nfct_bysrc_free, NULL);
}

/*
 * @ct is about to become visible, so no delete can race with this. Without
 * memory the entry is simply not indexed: a later connection from the same
 * source then gets a mapping by hash instead of this one.
 */
void nfct_bysrc_add(struct nfct_net *cn, struct nfct_conn *ct)
{
	struct nfct_bysrc *b;

	if (!test_bit(NFCT_SRC_NAT, &ct->status))
		return;
	b = kmalloc(sizeof(*b), GFP_ATOMIC);
	if (!b)
		return;
	b->key = nfct_bysrc_key_of(nfct_tuple_of(ct, NFCT_DIR_ORIGINAL));
	b->ct = ct;
	if (rhltable_insert(&cn->bysrc, &b->node, nfct_bysrc_params)) {
		kfree(b);
		return;
	}
	set_bit(NFCT_BYSRC, &ct->status);
}

/* Called once per entry, by the delete that unlinks it. */
void nfct_bysrc_del(struct nfct_net *cn, struct nfct_conn *ct)
{
	struct nfct_bysrc_key key;
	struct rhlist_head *list, *pos;
	struct nfct_bysrc *b;

	if (!test_and_clear_bit(NFCT_BYSRC, &ct->status))
		return;
	key = nfct_bysrc_key_of(nfct_tuple_of(ct, NFCT_DIR_ORIGINAL));
	rcu_read_lock();
	list = rhltable_lookup(&cn->bysrc, &key, nfct_bysrc_params);
	rhl_for_each_entry_rcu(b, pos, list, node) {
		if (b->ct != ct)
			continue;
		rhltable_remove(&cn->bysrc, &b->node, nfct_bysrc_params);
		/* A reader may still hold it; @ct outlives it (freed after RCU too). */
		kfree_rcu(b, rcu);
		break;
	}
	rcu_read_unlock();
}

/**
 * nfct_bysrc_find - a mapping that an entry from @t's source already has
 * @cn: the netns
 * @t: a new connection's original tuple
 * @fits: whether the rule allows a candidate: @t with its source replaced
 *	by the one an entry's replies are sent to
 * @data: passed to @fits
 * @found: set to the first candidate @fits accepts
 *
 * Newest entries first, as nf_nat's list. Caller holds rcu_read_lock().
 *
 * Return: whether a candidate was found.
 */
bool nfct_bysrc_find(struct nfct_net *cn, const struct nfct_tuple *t,
		     bool (*fits)(const struct nfct_tuple *cand, const void *data),
		     const void *data, struct nfct_tuple *found)
{
	struct nfct_bysrc_key key = nfct_bysrc_key_of(t);
	struct rhlist_head *list, *pos;
	struct nfct_tuple cand;
	struct nfct_bysrc *b;

	list = rhltable_lookup(&cn->bysrc, &key, nfct_bysrc_params);
	rhl_for_each_entry_rcu(b, pos, list, node) {
		if (!nfct_tuple_invert(&cand, nfct_tuple_of(b->ct, NFCT_DIR_REPLY)))
			continue;
		memcpy((u8 *)&cand.src + nfct_addr_len(t), nfct_dst(t), nfct_addr_len(t));
		cand.dport = t->dport;	/* ICMP: type and code */
		if (fits(&cand, data)) {
			*found = cand;
			return true;
		}
	}
	return false;
}
EXPORT_SYMBOL_GPL(nfct_bysrc_find);	/* for nf_ct_nat.ko */
