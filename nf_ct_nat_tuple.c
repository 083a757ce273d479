// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing a connection's binding, nf_nat's way (nf_nat_core.c in 6.1):
 *
 *  1. Source NAT keeps the original tuple when it is in the range and its
 *     reply is free; otherwise it reuses a mapping the same source already
 *     has (nf_ct_bysrc.c), when that is in the range and free.
 *  2. The address comes from the range by a hash of the source and
 *     destination addresses (jhash2, seeded as nf_nat seeds it), so a client
 *     keeps its address across connections and the choice is the kernel's.
 *  3. The port (ICMP: the id) stays if it is in the range and free;
 *     otherwise up to 128 candidates from a random offset are tried, then
 *     ever fewer from new offsets.
 */
#include <linux/jhash.h>
#include <linux/random.h>

#include "nf_ct_nat.h"

/*
 * Is @t's reply another connection's tuple (either direction)? Not if that
 * connection has @ct's original tuple: it is the same flow (two packets of
 * one UDP socket racing), which confirmation resolves, as nf_conntrack's
 * nf_conntrack_tuple_taken says.
 */
static bool nfct_nat_used(struct nfct_net *cn, const struct nfct_tuple *t,
			  const struct nfct_conn *ct)
{
	const struct nfct_tuple *orig = nfct_tuple_of(ct, NFCT_DIR_ORIGINAL);
	struct nfct_tuple_node *n;
	struct nfct_tuple reply;
	struct nfct_conn *other;

	if (!nfct_tuple_invert(&reply, t))
		return false;
	n = nfct_table_lookup(cn, &reply);
	if (!n)
		return false;
	other = nfct_conn_of(n);
	return other != ct && !nfct_tuple_eq(nfct_tuple_of(other, NFCT_DIR_ORIGINAL), orig);
}

/* The part of @t the protocol lets NAT choose, or NULL. */
static __be16 *nfct_nat_key(struct nfct_tuple *t, enum nfct_nat_manip m)
{
	switch (t->protonum) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return &t->sport;	/* the id, the same both ways */
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
		return m == NFCT_NAT_SRC ? &t->sport : &t->dport;
	default:
		return NULL;
	}
}

static bool nfct_nat_key_in_range(const struct nfct_tuple *t,
				  enum nfct_nat_manip m,
				  const struct nf_nat_range2 *range)
{
	__be16 *key = nfct_nat_key((struct nfct_tuple *)t, m);
	u16 v;

	if (!key)
		return true;
	v = ntohs(*key);
	return v >= ntohs(range->min_proto.all) && v <= ntohs(range->max_proto.all);
}

/*
 * Would mapping the source to @t's source meet @range? Addresses compare
 * as numbers: their bytes in network order (ipv6_addr_cmp's order).
 */
static bool nfct_nat_src_in_range(const struct nfct_tuple *t,
				  const struct nf_nat_range2 *range)
{
	unsigned int len = nfct_addr_len(t);

	if ((range->flags & NF_NAT_RANGE_MAP_IPS) &&
	    (memcmp(nfct_src(t), &range->min_addr, len) < 0 ||
	     memcmp(nfct_src(t), &range->max_addr, len) > 0))
		return false;
	if (!(range->flags & NF_NAT_RANGE_PROTO_SPECIFIED))
		return true;
	return nfct_nat_key_in_range(t, NFCT_NAT_SRC, range);
}

static bool nfct_nat_src_fits(const struct nfct_tuple *cand, const void *range)
{
	return nfct_nat_src_in_range(cand, range);
}

/*
 * Step 2: the address, from a hash as nf_nat's find_best_ips_proto: word
 * by word from the first, within the range's words while the words so far
 * are the range's last, anywhere after that. The hash covers the source as
 * nf_inet_addr's 16 bytes and is seeded with the destination's last word,
 * each word of which then goes into it in turn (the new destination's, for
 * a destination manip: the kernel reads the words it has just written).
 */
static void nfct_nat_pick_addr(struct nfct_tuple *t,
			       const struct nf_nat_range2 *range,
			       enum nfct_nat_manip m)
{
	bool persistent = range->flags & NF_NAT_RANGE_PERSISTENT;
	unsigned int len = nfct_addr_len(t), last = len / 4 - 1, i;
	__be32 *addr = nfct_nat_addr(t, m);
	__be32 *dst = nfct_nat_addr(t, NFCT_NAT_DST);
	u32 words[4] = {};
	u32 min, dist, j;
	bool full = false;

	if (!(range->flags & NF_NAT_RANGE_MAP_IPS))
		return;
	if (nf_inet_addr_cmp(&range->min_addr, &range->max_addr)) {
		memcpy(addr, &range->min_addr, len);
		return;
	}
	memcpy(words, nfct_src(t), len);
	j = jhash2(words, ARRAY_SIZE(words), persistent ? 0 : (__force u32)dst[last]);
	for (i = 0; i <= last; i++) {
		if (full) {
			min = 0;
			dist = ~0U;
		} else {
			min = ntohl(range->min_addr.ip6[i]);
			dist = ntohl(range->max_addr.ip6[i]) - min + 1;
		}
		addr[i] = htonl(min + reciprocal_scale(j, dist));
		if (addr[i] != range->max_addr.ip6[i])
			full = true;
		if (!persistent)
			j ^= (__force u32)dst[i];
	}
}

/* Step 3: a free port (or id) in the range; false if none was found. */
static bool nfct_nat_pick_key(struct nfct_net *cn, struct nfct_tuple *t,
			      const struct nf_nat_range2 *range,
			      enum nfct_nat_manip m, const struct nfct_conn *ct)
{
	__be16 *key = nfct_nat_key(t, m);
	unsigned int min, max, size, i, attempts;
	u16 off;

	if (!key)
		return !nfct_nat_used(cn, t, ct);
	if (range->flags & NF_NAT_RANGE_PROTO_SPECIFIED) {
		min = ntohs(range->min_proto.all);
		max = ntohs(range->max_proto.all);
		if (max < min)
			swap(min, max);
		size = max - min + 1;
	} else if (t->protonum == IPPROTO_ICMP || t->protonum == IPPROTO_ICMPV6) {
		min = 0;
		size = 65536;
	} else if (m == NFCT_NAT_DST) {
		/* A destination port is never changed unless asked for. */
		return !nfct_nat_used(cn, t, ct);
	} else if (ntohs(*key) < 512) {
		/* Below 1024, stay in the same half: >= 512 is credential passing. */
		min = 1;
		size = 511;
	} else if (ntohs(*key) < 1024) {
		min = 600;
		size = 1023 - 600 + 1;
	} else {
		min = 1024;
		size = 65535 - 1024 + 1;
	}

	if (range->flags & NF_NAT_RANGE_PROTO_OFFSET)
		off = ntohs(*key) - ntohs(range->base_proto.all);
	else
		off = get_random_u16();
	/* A bounded search: this runs in softirq, and a full range must not lock up. */
	attempts = min(size, 128U);
	for (;;) {
		for (i = 0; i < attempts; i++, off++) {
			*key = htons(min + off % size);
			if (!nfct_nat_used(cn, t, ct))
				return true;
		}
		if (attempts >= size || attempts < 16)
			return false;
		attempts /= 2;
		off = get_random_u16();
	}
}

/**
 * nfct_nat_unique_tuple - map @t into @range with a reply no one else has
 * @cn: the netns
 * @t: the tuple as the packet has it now; changed in place
 * @range: what the rule allows
 * @m: which end is mapped
 * @ct: the connection being bound, whose own tuples do not count
 *
 * Return: false if no free tuple was found; @t then holds the last
 * candidate. As nf_nat, the caller binds it anyway (and a range of one port
 * is taken even if busy): confirmation then drops the packet, counted, or
 * joins it to an entry of the same flow, so no clashing tuple is sent.
 */
bool nfct_nat_unique_tuple(struct nfct_net *cn, struct nfct_tuple *t,
			   const struct nf_nat_range2 *range,
			   enum nfct_nat_manip m, const struct nfct_conn *ct)
{
	struct nfct_tuple mapped;

	if (m == NFCT_NAT_SRC && !(range->flags & NF_NAT_RANGE_PROTO_RANDOM_ALL)) {
		if (nfct_nat_src_in_range(t, range)) {
			if (!nfct_nat_used(cn, t, ct))
				return true;
		} else if (nfct_bysrc_find(cn, t, nfct_nat_src_fits, range, &mapped) &&
			   !nfct_nat_used(cn, &mapped, ct)) {
			*t = mapped;
			return true;
		}
	}

	nfct_nat_pick_addr(t, range, m);

	if (!(range->flags & NF_NAT_RANGE_PROTO_RANDOM_ALL)) {
		if (range->flags & NF_NAT_RANGE_PROTO_SPECIFIED) {
			if (!(range->flags & NF_NAT_RANGE_PROTO_OFFSET) &&
			    nfct_nat_key_in_range(t, m, range) &&
			    (range->min_proto.all == range->max_proto.all ||
			     !nfct_nat_used(cn, t, ct)))
				return true;
		} else if (!nfct_nat_used(cn, t, ct)) {
			return true;
		}
	}
	return nfct_nat_pick_key(cn, t, range, m, ct);
}
EXPORT_SYMBOL_IF_KUNIT(nfct_nat_unique_tuple);

/**
 * nfct_nat_setup - bind @ct's source or destination into @range
 * @cn: the netns
 * @ct: an unconfirmed entry, owned by the packet being handled
 * @range: what the rule allows
 * @m: which end
 *
 * Return: NF_ACCEPT, or NF_DROP if the binding cannot be expressed.
 */
unsigned int nfct_nat_setup(struct nfct_net *cn, struct nfct_conn *ct,
			    const struct nf_nat_range2 *range,
			    enum nfct_nat_manip m)
{
	struct nfct_tuple cur, t;

	/* A binding is chosen once, before the entry is in the table. */
	if (nfct_conn_confirmed(ct))
		return NF_ACCEPT;
	if (WARN_ON_ONCE(nfct_nat_initialized(ct, m)))
		return NF_DROP;

	/* The packet as earlier manips left it: the inverse of the reply. */
	if (!nfct_tuple_invert(&cur, nfct_tuple_of(ct, NFCT_DIR_REPLY)))
		return NF_DROP;
	t = cur;
	nfct_nat_unique_tuple(cn, &t, range, m, ct);
	if (!nfct_tuple_eq(&t, &cur)) {
		/* Unconfirmed: this packet's alone, no lookup can find it. */
		if (!nfct_tuple_invert(&nfct_node(ct, NFCT_DIR_REPLY)->tuple, &t))
			return NF_DROP;
		set_bit(m == NFCT_NAT_SRC ? NFCT_SRC_NAT : NFCT_DST_NAT, &ct->status);
	}
	set_bit(m == NFCT_NAT_SRC ? NFCT_SRC_NAT_DONE : NFCT_DST_NAT_DONE, &ct->status);
	return NF_ACCEPT;
}

/*
 * No rule bound this end: keep the address, but still make the reply
 * unique (a port may have to change), as nf_nat's null binding does.
 */
unsigned int nfct_nat_null_binding(struct nfct_net *cn, struct nfct_conn *ct,
				   enum nfct_nat_manip m)
{
	const struct nfct_tuple *reply = nfct_tuple_of(ct, NFCT_DIR_REPLY);
	struct nf_nat_range2 range = { .flags = NF_NAT_RANGE_MAP_IPS };

	memcpy(&range.min_addr, m == NFCT_NAT_SRC ? nfct_dst(reply) : nfct_src(reply),
	       nfct_addr_len(reply));
	range.max_addr = range.min_addr;
	return nfct_nat_setup(cn, ct, &range, m);
}
