// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for nf_ct's internals: tuple extraction from crafted packets,
 * the TCP state table, and the proc line format.
 */
#include <kunit/test.h>
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/tcp.h>

#include "nf_ct.h"
#include "nf_ct_tcp.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define A_ADDR	htonl(0x0a010103)	/* 10.1.1.3 */
#define B_ADDR	htonl(0x0a010150)	/* 10.1.1.80 */

/* An IPv4 packet with @l4len bytes of @l4 after a 20-byte header. */
static struct sk_buff *build_ipv4(struct kunit *test, u8 proto,
				  const void *l4, unsigned int l4len)
{
	struct sk_buff *skb = alloc_skb(sizeof(struct iphdr) + l4len, GFP_KERNEL);
	struct iphdr *iph;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->protocol = proto;
	iph->saddr = A_ADDR;
	iph->daddr = B_ADDR;
	iph->tot_len = htons(sizeof(*iph) + l4len);
	skb_put_data(skb, l4, l4len);
	skb_reset_network_header(skb);
	return skb;
}

static void tuple_tcp(struct kunit *test)
{
	struct tcphdr th = { .source = htons(40000), .dest = htons(80), .doff = 5, .syn = 1 };
	struct sk_buff *skb = build_ipv4(test, IPPROTO_TCP, &th, sizeof(th));
	struct nfct_tuple t, r;
	unsigned int off;

	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, off, 20U);
	KUNIT_EXPECT_EQ(test, t.src, A_ADDR);
	KUNIT_EXPECT_EQ(test, t.dst, B_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 80);
	KUNIT_EXPECT_EQ(test, t.protonum, IPPROTO_TCP);

	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &t));
	KUNIT_EXPECT_EQ(test, r.src, B_ADDR);
	KUNIT_EXPECT_EQ(test, r.dst, A_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(r.sport), 80);
	KUNIT_EXPECT_EQ(test, ntohs(r.dport), 40000);
	kfree_skb(skb);
}

static void tuple_udp(struct kunit *test)
{
	struct udphdr uh = { .source = htons(5353), .dest = htons(53), .len = htons(8) };
	struct sk_buff *skb = build_ipv4(test, IPPROTO_UDP, &uh, sizeof(uh));
	struct nfct_tuple t;
	unsigned int off;

	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 5353);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 53);
	KUNIT_EXPECT_EQ(test, t.protonum, IPPROTO_UDP);
	kfree_skb(skb);
}

static void tuple_icmp_echo(struct kunit *test)
{
	struct icmphdr ih = { .type = ICMP_ECHO, .un.echo.id = htons(4660) };
	struct sk_buff *skb = build_ipv4(test, IPPROTO_ICMP, &ih, sizeof(ih));
	struct nfct_tuple t, r;
	unsigned int off;

	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, t.icmp.type, ICMP_ECHO);
	KUNIT_EXPECT_EQ(test, t.icmp.code, 0);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 4660);
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &t));
	KUNIT_EXPECT_EQ(test, r.icmp.type, ICMP_ECHOREPLY);
	KUNIT_EXPECT_EQ(test, ntohs(r.sport), 4660);
	kfree_skb(skb);
}

/* An ICMP type without an answer (here: destination unreachable) has no reply tuple. */
static void tuple_icmp_no_reply(struct kunit *test)
{
	struct icmphdr ih = { .type = ICMP_DEST_UNREACH, .code = ICMP_PORT_UNREACH };
	struct sk_buff *skb = build_ipv4(test, IPPROTO_ICMP, &ih, sizeof(ih));
	struct nfct_tuple t, r;
	unsigned int off;

	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_FALSE(test, nfct_tuple_invert(&r, &t));
	kfree_skb(skb);
}

static void tuple_malformed(struct kunit *test)
{
	struct tcphdr th = { .source = htons(1), .dest = htons(2), .doff = 5 };
	struct nfct_tuple t;
	struct sk_buff *skb;
	unsigned int off;

	/* TCP header cut short: 12 of 20 bytes. */
	skb = build_ipv4(test, IPPROTO_TCP, &th, 12);
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), -EINVAL);
	kfree_skb(skb);

	/* Data offset below the minimum header. */
	th.doff = 4;
	skb = build_ipv4(test, IPPROTO_TCP, &th, sizeof(th));
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), -EINVAL);
	kfree_skb(skb);

	/* IHL below 5. */
	th.doff = 5;
	skb = build_ipv4(test, IPPROTO_TCP, &th, sizeof(th));
	ip_hdr(skb)->ihl = 4;
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), -EINVAL);
	kfree_skb(skb);

	/* Total length beyond the packet. */
	skb = build_ipv4(test, IPPROTO_TCP, &th, sizeof(th));
	ip_hdr(skb)->tot_len = htons(1000);
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), -EINVAL);
	kfree_skb(skb);

	/* A fragment is left for defragmentation. */
	skb = build_ipv4(test, IPPROTO_TCP, &th, sizeof(th));
	ip_hdr(skb)->frag_off = htons(IP_MF);
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), -EAGAIN);
	kfree_skb(skb);
}

/* A protocol without a tracker: addresses only, no ports. */
static void tuple_generic(struct kunit *test)
{
	u8 payload[4] = { 1, 2, 3, 4 };
	struct sk_buff *skb = build_ipv4(test, 253, payload, sizeof(payload));
	struct nfct_tuple t, r;
	unsigned int off;

	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, t.protonum, 253);
	KUNIT_EXPECT_EQ(test, t.sport, 0);
	KUNIT_EXPECT_EQ(test, t.dport, 0);
	KUNIT_EXPECT_STREQ(test, nfct_l4proto_find(253)->name, "unknown");
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &t));
	KUNIT_EXPECT_EQ(test, r.src, B_ADDR);
	KUNIT_EXPECT_EQ(test, r.dst, A_ADDR);
	kfree_skb(skb);
}

/* UDP-Lite: ports as UDP; the coverage field must fit the datagram. */
static void tuple_udplite(struct kunit *test)
{
	struct udphdr uh = { .source = htons(7000), .dest = htons(7001) };
	struct nfct_tuple t;
	struct sk_buff *skb;
	unsigned int off;

	skb = build_ipv4(test, IPPROTO_UDPLITE, &uh, sizeof(uh));
	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 7000);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 7001);
	kfree_skb(skb);

	uh.len = htons(4);	/* coverage shorter than the header */
	skb = build_ipv4(test, IPPROTO_UDPLITE, &uh, sizeof(uh));
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), -EINVAL);
	kfree_skb(skb);

	uh.len = htons(9);	/* coverage beyond the datagram */
	skb = build_ipv4(test, IPPROTO_UDPLITE, &uh, sizeof(uh));
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), -EINVAL);
	kfree_skb(skb);
}

static struct kunit_case tuple_cases[] = {
	KUNIT_CASE(tuple_generic),
	KUNIT_CASE(tuple_udplite),
	KUNIT_CASE(tuple_tcp),
	KUNIT_CASE(tuple_udp),
	KUNIT_CASE(tuple_icmp_echo),
	KUNIT_CASE(tuple_icmp_no_reply),
	KUNIT_CASE(tuple_malformed),
	{}
};

static struct kunit_suite tuple_suite = {
	.name = "nf_ct_tuple",
	.test_cases = tuple_cases,
};

#define NEXT(dir, cls, state) nfct_tcp_next[NFCT_DIR_##dir][NFCT_TCP_##cls][NFCT_TCP_##state]

static void tcp_table_handshake(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, NEXT(ORIGINAL, SYN, NONE), NFCT_TCP_SYN_SENT);
	KUNIT_EXPECT_EQ(test, NEXT(REPLY, SYNACK, SYN_SENT), NFCT_TCP_SYN_RECV);
	KUNIT_EXPECT_EQ(test, NEXT(ORIGINAL, ACK, SYN_RECV), NFCT_TCP_ESTABLISHED);
	/* Simultaneous open. */
	KUNIT_EXPECT_EQ(test, NEXT(REPLY, SYN, SYN_SENT), NFCT_TCP_SYN_SENT2);
	KUNIT_EXPECT_EQ(test, NEXT(ORIGINAL, SYNACK, SYN_SENT2), NFCT_TCP_SYN_RECV);
}

static void tcp_table_close(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, NEXT(ORIGINAL, FIN, ESTABLISHED), NFCT_TCP_FIN_WAIT);
	KUNIT_EXPECT_EQ(test, NEXT(REPLY, ACK, FIN_WAIT), NFCT_TCP_CLOSE_WAIT);
	KUNIT_EXPECT_EQ(test, NEXT(REPLY, FIN, CLOSE_WAIT), NFCT_TCP_LAST_ACK);
	KUNIT_EXPECT_EQ(test, NEXT(ORIGINAL, ACK, LAST_ACK), NFCT_TCP_TIME_WAIT);
	/* A FIN answering a FIN goes straight to LAST_ACK. */
	KUNIT_EXPECT_EQ(test, NEXT(REPLY, FIN, FIN_WAIT), NFCT_TCP_LAST_ACK);
	/* A new SYN reopens a closed connection. */
	KUNIT_EXPECT_EQ(test, NEXT(ORIGINAL, SYN, TIME_WAIT), NFCT_TCP_SYN_SENT);
}

static void tcp_table_rst_and_invalid(struct kunit *test)
{
	int dir, state;

	for (dir = 0; dir < NFCT_DIR_MAX; dir++) {
		KUNIT_EXPECT_EQ(test, nfct_tcp_next[dir][NFCT_TCP_RST][NFCT_TCP_NONE],
				NFCT_TCP_INVALID);
		for (state = NFCT_TCP_SYN_SENT; state < NFCT_TCP_MAX; state++) {
			KUNIT_EXPECT_EQ(test, nfct_tcp_next[dir][NFCT_TCP_RST][state],
					NFCT_TCP_CLOSE);
			KUNIT_EXPECT_EQ(test, nfct_tcp_next[dir][NFCT_TCP_NOFLAG][state],
					NFCT_TCP_INVALID);
		}
	}
	/* Only SYN or (pickup) ACK may open from NONE. */
	KUNIT_EXPECT_EQ(test, NEXT(ORIGINAL, SYNACK, NONE), NFCT_TCP_INVALID);
	KUNIT_EXPECT_EQ(test, NEXT(ORIGINAL, FIN, NONE), NFCT_TCP_INVALID);
	KUNIT_EXPECT_EQ(test, NEXT(ORIGINAL, ACK, NONE), NFCT_TCP_ESTABLISHED);
	/* Stale SYN/ACK copies are ignored, not state changes. */
	KUNIT_EXPECT_EQ(test, NEXT(REPLY, SYNACK, ESTABLISHED), NFCT_TCP_IGNORE);
}

static void tcp_table_classify(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, nfct_tcp_classify(TCPHDR_SYN), NFCT_TCP_SYN);
	KUNIT_EXPECT_EQ(test, nfct_tcp_classify(TCPHDR_SYN | TCPHDR_ACK), NFCT_TCP_SYNACK);
	KUNIT_EXPECT_EQ(test, nfct_tcp_classify(TCPHDR_FIN | TCPHDR_ACK), NFCT_TCP_FIN);
	KUNIT_EXPECT_EQ(test, nfct_tcp_classify(TCPHDR_ACK | TCPHDR_PSH), NFCT_TCP_ACK);
	KUNIT_EXPECT_EQ(test, nfct_tcp_classify(TCPHDR_RST | TCPHDR_SYN), NFCT_TCP_RST);
	KUNIT_EXPECT_EQ(test, nfct_tcp_classify(0), NFCT_TCP_NOFLAG);
}

static struct kunit_case tcp_cases[] = {
	KUNIT_CASE(tcp_table_handshake),
	KUNIT_CASE(tcp_table_close),
	KUNIT_CASE(tcp_table_rst_and_invalid),
	KUNIT_CASE(tcp_table_classify),
	{}
};

static struct kunit_suite tcp_suite = {
	.name = "nf_ct_tcp",
	.test_cases = tcp_cases,
};

/* Formats @ct through a seq_file backed by a test buffer. */
static char *format_conn(struct kunit *test, struct nfct_conn *ct)
{
	struct seq_file m = { .size = 512 };

	m.buf = kunit_kzalloc(test, m.size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m.buf);
	nfct_seq_print_conn(&m, ct, 2);
	KUNIT_ASSERT_LT(test, m.count, m.size);
	return m.buf;
}

static struct nfct_conn *make_conn(struct kunit *test, u8 proto)
{
	struct nfct_tuple o = { .src = A_ADDR, .dst = B_ADDR, .protonum = proto };
	struct nfct_tuple r;
	struct nfct_conn *ct;

	if (proto == IPPROTO_ICMP) {
		o.sport = htons(4660);
		o.icmp.type = ICMP_ECHO;
	} else if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		/* generic: addresses only */
	} else {
		o.sport = htons(41297);
		o.dport = htons(proto == IPPROTO_TCP ? 80 : 53);
	}
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &o));
	ct = nfct_conn_alloc(&o, &r);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	/* Half a second past a whole number, so the floor is stable. */
	ct->timeout = (u32)jiffies + 30 * HZ + HZ / 2;
	ct->start_ns = ktime_get_real_ns();
	set_bit(NFCT_ACCT, &ct->status);
	set_bit(NFCT_TSTAMP, &ct->status);
	atomic64_set(&ct->acct[NFCT_DIR_ORIGINAL].packets, 1);
	atomic64_set(&ct->acct[NFCT_DIR_ORIGINAL].bytes, 29);
	return ct;
}

static void proc_udp_unreplied(struct kunit *test)
{
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP);

	KUNIT_EXPECT_STREQ(test, format_conn(test, ct),
		"ipv4     2 udp      17 30 src=10.1.1.3 dst=10.1.1.80 sport=41297 dport=53 packets=1 bytes=29 [UNREPLIED] src=10.1.1.80 dst=10.1.1.3 sport=53 dport=41297 packets=0 bytes=0 mark=0 zone=0 delta-time=0 use=2\n");
	nfct_conn_put(ct);
}

static void proc_tcp_assured(struct kunit *test)
{
	struct nfct_conn *ct = make_conn(test, IPPROTO_TCP);

	ct->proto.tcp.state = NFCT_TCP_ESTABLISHED;
	set_bit(NFCT_SEEN_REPLY, &ct->status);
	set_bit(NFCT_ASSURED, &ct->status);
	KUNIT_EXPECT_STREQ(test, format_conn(test, ct),
		"ipv4     2 tcp      6 30 ESTABLISHED src=10.1.1.3 dst=10.1.1.80 sport=41297 dport=80 packets=1 bytes=29 src=10.1.1.80 dst=10.1.1.3 sport=80 dport=41297 packets=0 bytes=0 [ASSURED] mark=0 zone=0 delta-time=0 use=2\n");
	nfct_conn_put(ct);
}

static void proc_icmp(struct kunit *test)
{
	struct nfct_conn *ct = make_conn(test, IPPROTO_ICMP);

	set_bit(NFCT_SEEN_REPLY, &ct->status);
	KUNIT_EXPECT_STREQ(test, format_conn(test, ct),
		"ipv4     2 icmp     1 30 src=10.1.1.3 dst=10.1.1.80 type=8 code=0 id=4660 packets=1 bytes=29 src=10.1.1.80 dst=10.1.1.3 type=0 code=0 id=4660 packets=0 bytes=0 mark=0 zone=0 delta-time=0 use=2\n");
	nfct_conn_put(ct);
}

/* With acct and timestamp off when the entry was made, neither is printed. */
static void proc_without_acct_and_timestamp(struct kunit *test)
{
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP);

	clear_bit(NFCT_ACCT, &ct->status);
	clear_bit(NFCT_TSTAMP, &ct->status);
	KUNIT_EXPECT_STREQ(test, format_conn(test, ct),
		"ipv4     2 udp      17 30 src=10.1.1.3 dst=10.1.1.80 sport=41297 dport=53 [UNREPLIED] src=10.1.1.80 dst=10.1.1.3 sport=53 dport=41297 mark=0 zone=0 use=2\n");
	nfct_conn_put(ct);
}

/* As nf_conntrack prints a protocol it has no tracker for. */
static void proc_generic(struct kunit *test)
{
	struct nfct_conn *ct = make_conn(test, 253);

	KUNIT_EXPECT_STREQ(test, format_conn(test, ct),
		"ipv4     2 unknown  253 30 src=10.1.1.3 dst=10.1.1.80 packets=1 bytes=29 [UNREPLIED] src=10.1.1.80 dst=10.1.1.3 packets=0 bytes=0 mark=0 zone=0 delta-time=0 use=2\n");
	nfct_conn_put(ct);
}

static struct kunit_case proc_cases[] = {
	KUNIT_CASE(proc_udp_unreplied),
	KUNIT_CASE(proc_generic),
	KUNIT_CASE(proc_without_acct_and_timestamp),
	KUNIT_CASE(proc_tcp_assured),
	KUNIT_CASE(proc_icmp),
	{}
};

static struct kunit_suite proc_suite = {
	.name = "nf_ct_proc",
	.test_cases = proc_cases,
};

/* A table of its own, outside any netns, for the table and GC cases. */
static struct nfct_net *table_new(struct kunit *test)
{
	struct nfct_net *cn = kunit_kzalloc(test, sizeof(*cn), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cn);
	KUNIT_ASSERT_EQ(test, nfct_table_init(cn), 0);
	return cn;
}

/* Inserts a UDP entry 10.0.x.y:@port -> 10.1.1.80:53 that expires in @timeout jiffies. */
static struct nfct_conn *table_add(struct kunit *test, struct nfct_net *cn,
				   u32 id, long timeout)
{
	struct nfct_tuple o = {
		.src = htonl(0x0a000000 | (id >> 16)),
		.dst = B_ADDR,
		.sport = htons(id & 0xffff),
		.dport = htons(53),
		.protonum = IPPROTO_UDP,
	};
	struct nfct_tuple r;
	struct nfct_conn *ct;

	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &o));
	ct = nfct_conn_alloc(&o, &r);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	ct->timeout = (u32)jiffies + timeout;
	KUNIT_ASSERT_EQ(test, nfct_table_insert(cn, ct), 0);
	return ct;
}

static bool table_has(struct nfct_net *cn, struct nfct_conn *ct, enum nfct_dir dir)
{
	bool found;

	rcu_read_lock();
	found = nfct_table_lookup(cn, &ct->tuplehash[dir].tuple) == &ct->tuplehash[dir];
	rcu_read_unlock();
	return found;
}

static void table_both_directions(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct nfct_conn *ct = table_add(test, cn, 1, 30 * HZ);
	struct nfct_conn *dup;

	KUNIT_EXPECT_TRUE(test, table_has(cn, ct, NFCT_DIR_ORIGINAL));
	KUNIT_EXPECT_TRUE(test, table_has(cn, ct, NFCT_DIR_REPLY));
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 1);

	/* The same tuples again clash and leave the table as it was. */
	dup = nfct_conn_alloc(&ct->tuplehash[0].tuple, &ct->tuplehash[1].tuple);
	KUNIT_ASSERT_NOT_NULL(test, dup);
	KUNIT_EXPECT_EQ(test, nfct_table_insert(cn, dup), -EEXIST);
	nfct_conn_put(dup);
	KUNIT_EXPECT_TRUE(test, table_has(cn, ct, NFCT_DIR_REPLY));
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 1);
	nfct_table_destroy(cn);
}

static void table_expired_is_invisible(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct nfct_conn *live = table_add(test, cn, 1, 30 * HZ);
	struct nfct_conn *old = table_add(test, cn, 2, -1);

	KUNIT_EXPECT_TRUE(test, table_has(cn, live, NFCT_DIR_ORIGINAL));
	KUNIT_EXPECT_FALSE(test, table_has(cn, old, NFCT_DIR_ORIGINAL));
	KUNIT_EXPECT_FALSE(test, table_has(cn, old, NFCT_DIR_REPLY));
	/* The lookup that met it unlinked it. */
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 1);
	nfct_table_destroy(cn);
}

static void gc_frees_only_expired(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct nfct_conn *ct[10];
	unsigned int expired = 0;
	int i, batches = 0;

	for (i = 0; i < 10; i++)
		ct[i] = table_add(test, cn, i, i % 3 ? 30 * HZ : -1);
	while (!nfct_gc_batch(cn, &expired))
		KUNIT_ASSERT_LT(test, ++batches, 100);
	KUNIT_EXPECT_EQ(test, expired, 4U);	/* 0, 3, 6, 9 */
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 6);
	KUNIT_EXPECT_TRUE(test, table_has(cn, ct[1], NFCT_DIR_REPLY));
	nfct_table_destroy(cn);
}

/* 2000 nodes take several batches: no single run walks the whole table. */
static void gc_batches_are_bounded(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	unsigned int expired = 0;
	int i, batches = 1;

	for (i = 0; i < 1000; i++)
		table_add(test, cn, i, 30 * HZ);
	while (!nfct_gc_batch(cn, &expired))
		KUNIT_ASSERT_LT(test, ++batches, 10000);
	KUNIT_EXPECT_GE(test, batches, 2000 / 256);
	KUNIT_EXPECT_EQ(test, expired, 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 1000);
	nfct_table_destroy(cn);
}

static struct kunit_case table_cases[] = {
	KUNIT_CASE(table_both_directions),
	KUNIT_CASE(table_expired_is_invisible),
	KUNIT_CASE(gc_frees_only_expired),
	KUNIT_CASE(gc_batches_are_bounded),
	{}
};

static struct kunit_suite table_suite = {
	.name = "nf_ct_table",
	.test_cases = table_cases,
};

kunit_test_suites(&tuple_suite, &tcp_suite, &proc_suite, &table_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for nf_ct");
