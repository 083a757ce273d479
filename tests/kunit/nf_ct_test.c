// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for nf_ct's internals: tuple extraction from crafted packets,
 * the TCP state table, the proc line format, the table and its GC, hashing,
 * the timeout each tracker picks, TCP window tracking, the TCP packet
 * function's special cases and the iptables matches' evaluation.
 */
#include <kunit/test.h>
#include <linux/dccp.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/sctp.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_state.h>
#include <net/ipv6.h>
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

/*
 * ICMPv6 in an IPv4 packet: nf_conntrack's tuple (type, code, id), echo and
 * node information inverting, and no entry ever, as nf_conntrack refuses
 * them all outside IPv6 (not the generic tracker's one per address pair).
 */
static void tuple_icmpv6_over_ipv4(struct kunit *test)
{
	struct icmp6hdr ih = { .icmp6_type = ICMPV6_ECHO_REQUEST,
			       .icmp6_identifier = htons(9) };
	const struct nfct_l4proto *l4 = nfct_l4proto_find(IPPROTO_ICMPV6);
	struct sk_buff *skb = build_ipv4(test, IPPROTO_ICMPV6, &ih, sizeof(ih));
	struct nfct_tuple t, r;
	unsigned int off;

	KUNIT_EXPECT_STREQ(test, l4->name, "icmpv6");
	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, t.icmp.type, ICMPV6_ECHO_REQUEST);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 9);
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &t));
	KUNIT_EXPECT_EQ(test, r.icmp.type, ICMPV6_ECHO_REPLY);
	/* The hooks refuse it: the tracker is IPv6's, the packet IPv4. */
	KUNIT_EXPECT_PTR_EQ(test, l4->l3, &nfct_l3proto_ipv6);
	KUNIT_EXPECT_PTR_EQ(test, nfct_l3_of(&t), &nfct_l3proto_ipv4);
	t.icmp.type = ICMPV6_NI_REPLY;
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &t));
	KUNIT_EXPECT_EQ(test, r.icmp.type, ICMPV6_NI_QUERY);
	t.icmp.type = ICMPV6_DEST_UNREACH;
	KUNIT_EXPECT_FALSE(test, nfct_tuple_invert(&r, &t));
	t.icmp.type = 135;	/* neighbour solicitation */
	KUNIT_EXPECT_FALSE(test, nfct_tuple_invert(&r, &t));
	kfree_skb(skb);

	/* Shorter than an ICMPv6 header: no tuple, as nf_conntrack's. */
	skb = build_ipv4(test, IPPROTO_ICMPV6, &ih, 4);
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), -EINVAL);
	KUNIT_EXPECT_EQ(test, t.protonum, IPPROTO_ICMPV6);
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

/* An ICMP error's quote: an IPv4 header and @l4len bytes of its L4 header. */
static struct sk_buff *build_quote(struct kunit *test, u8 proto, const void *l4,
				   unsigned int l4len, __be16 frag_off)
{
	struct {
		struct icmphdr ih;
		struct iphdr iph;
		u8 l4[8];
	} __packed q = {
		.ih = { .type = ICMP_DEST_UNREACH, .code = ICMP_PORT_UNREACH },
		.iph = {
			.version = 4, .ihl = 5, .ttl = 64, .protocol = proto,
			.saddr = B_ADDR, .daddr = A_ADDR, .frag_off = frag_off,
			.tot_len = htons(1500),	/* the original's, not the quote's */
		},
	};

	memcpy(q.l4, l4, min_t(unsigned int, l4len, sizeof(q.l4)));
	return build_ipv4(test, IPPROTO_ICMP, &q, sizeof(q.ih) + sizeof(q.iph) + l4len);
}

static void tuple_quote_eight_bytes_suffice(struct kunit *test)
{
	struct udphdr uh = { .source = htons(41297), .dest = htons(53), .len = htons(8) };
	struct icmphdr echo = { .type = ICMP_ECHO, .un.echo.id = htons(77) };
	struct sk_buff *skb = build_quote(test, IPPROTO_UDP, &uh, 8, 0);
	struct nfct_tuple t;

	KUNIT_ASSERT_EQ(test, nfct_tuple_from_quote(skb, 20 + 8, &t), 0);
	KUNIT_EXPECT_EQ(test, t.src, B_ADDR);
	KUNIT_EXPECT_EQ(test, t.dst, A_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 41297);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 53);
	KUNIT_EXPECT_EQ(test, t.protonum, IPPROTO_UDP);
	kfree_skb(skb);

	skb = build_quote(test, IPPROTO_ICMP, &echo, 8, 0);
	KUNIT_ASSERT_EQ(test, nfct_tuple_from_quote(skb, 20 + 8, &t), 0);
	KUNIT_EXPECT_EQ(test, t.icmp.type, ICMP_ECHO);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 77);
	kfree_skb(skb);
}

static void tuple_quote_truncated(struct kunit *test)
{
	struct udphdr uh = { .source = htons(41297), .dest = htons(53) };
	struct icmphdr echo = { .type = ICMP_ECHO, .un.echo.id = htons(77) };
	struct sk_buff *skb;
	struct nfct_tuple t;

	/* Ports cut in half. */
	skb = build_quote(test, IPPROTO_UDP, &uh, 3, 0);
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_quote(skb, 20 + 8, &t), -EINVAL);
	kfree_skb(skb);
	/* An ICMP quote needs its 8 bytes. */
	skb = build_quote(test, IPPROTO_ICMP, &echo, 6, 0);
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_quote(skb, 20 + 8, &t), -EINVAL);
	kfree_skb(skb);
	/* The inner IPv4 header itself cut short. */
	skb = build_quote(test, IPPROTO_UDP, &uh, 0, 0);
	skb_trim(skb, 20 + 8 + 12);
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_quote(skb, 20 + 8, &t), -EINVAL);
	kfree_skb(skb);
	/* A later fragment has no ports to quote. */
	skb = build_quote(test, IPPROTO_UDP, &uh, 8, htons(185));
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_quote(skb, 20 + 8, &t), -EINVAL);
	kfree_skb(skb);
}

static struct kunit_case tuple_cases[] = {
	KUNIT_CASE(tuple_quote_eight_bytes_suffice),
	KUNIT_CASE(tuple_quote_truncated),
	KUNIT_CASE(tuple_generic),
	KUNIT_CASE(tuple_udplite),
	KUNIT_CASE(tuple_icmpv6_over_ipv4),
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

	nfct_conn_proto(ct)->tcp.state = NFCT_TCP_ESTABLISHED;
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

/*
 * Inserts an entry 10.0.x.y:@id -> 10.1.1.80:53 of protocol @proto (UDP or
 * TCP) that expires in @timeout jiffies.
 */
static struct nfct_conn *table_add_proto(struct kunit *test, struct nfct_net *cn,
					 u32 id, long timeout, u8 proto)
{
	struct nfct_tuple o = {
		.src = htonl(0x0a000000 | (id >> 16)),
		.dst = B_ADDR,
		.sport = htons(id & 0xffff),
		.dport = htons(53),
		.protonum = proto,
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

static struct nfct_conn *table_add(struct kunit *test, struct nfct_net *cn,
				   u32 id, long timeout)
{
	return table_add_proto(test, cn, id, timeout, IPPROTO_UDP);
}

static bool table_has(struct nfct_net *cn, struct nfct_conn *ct, enum nfct_dir dir)
{
	bool found;

	rcu_read_lock();
	found = nfct_table_lookup(cn, &nfct_node(ct, dir)->tuple) == nfct_node(ct, dir);
	rcu_read_unlock();
	return found;
}

/* The entry @t finds, without a reference: the test owns the table. */
static struct nfct_conn *table_lookup_conn(struct nfct_net *cn,
					   const struct nfct_tuple *t)
{
	struct nfct_tuple_node *n;

	rcu_read_lock();
	n = nfct_table_lookup(cn, t);
	rcu_read_unlock();
	return n ? nfct_conn_of(n) : NULL;
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
	dup = nfct_conn_alloc(&nfct_node(ct, 0)->tuple, &nfct_node(ct, 1)->tuple);
	KUNIT_ASSERT_NOT_NULL(test, dup);
	KUNIT_EXPECT_EQ(test, nfct_table_insert(cn, dup), -EEXIST);
	nfct_conn_put(dup);
	KUNIT_EXPECT_TRUE(test, table_has(cn, ct, NFCT_DIR_REPLY));
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 1);
	nfct_table_destroy(cn);
}

/* Until the table's deferred worker has no resize left to do. */
static void table_settle(struct nfct_net *cn)
{
	unsigned int i, size = 0;

	for (i = 0; i < 64 && size != nfct_table_buckets(cn); i++) {
		size = nfct_table_buckets(cn);
		flush_work(&cn->table.run_work);
	}
}

/*
 * Nodes keep their tuple's SipHash and the table rehashes from it: after
 * the table has doubled several times, every entry is found both ways,
 * and half of them deleted leave the other half found and nothing behind.
 */
static void table_found_after_growth(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct nfct_conn **ct = kunit_kcalloc(test, 3000, sizeof(*ct), GFP_KERNEL);
	const u32 len = sizeof(struct nfct_tuple);
	int i, d, lost = 0;

	KUNIT_ASSERT_NOT_NULL(test, ct);
	for (i = 0; i < 3000; i++) {
		ct[i] = table_add(test, cn, i, 30 * HZ);
		refcount_inc(&ct[i]->use);	/* looked at after deletion */
	}
	table_settle(cn);
	KUNIT_EXPECT_GE(test, nfct_table_buckets(cn), 4096U);
	for (i = 0; i < 3000; i++) {
		for (d = NFCT_DIR_ORIGINAL; d < NFCT_DIR_MAX; d++) {
			struct nfct_tuple_node *n = nfct_node(ct[i], d);

			if (!table_has(cn, ct[i], d) ||
			    nfct_node_hash(n, len, 12345) != nfct_tuple_hash(&n->tuple, len, 12345))
				lost++;
		}
	}
	KUNIT_EXPECT_EQ(test, lost, 0);
	for (i = 0; i < 3000; i += 2)
		KUNIT_EXPECT_TRUE(test, nfct_table_delete(cn, ct[i]));
	table_settle(cn);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 1500);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->table.nelems), 3000);
	for (i = 0; i < 3000; i++) {
		if (table_has(cn, ct[i], NFCT_DIR_REPLY) != (i % 2 == 1))
			lost++;
		nfct_conn_put(ct[i]);
	}
	KUNIT_EXPECT_EQ(test, lost, 0);
	nfct_table_destroy(cn);
}

/*
 * automatic_shrinking: once most entries are gone the table halves (or
 * more) down to what the rest need, and the rest are still found.
 */
static void table_shrinks_when_emptied(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct nfct_conn **ct = kunit_kcalloc(test, 3000, sizeof(*ct), GFP_KERNEL);
	unsigned int grown;
	int i, lost = 0;

	KUNIT_ASSERT_NOT_NULL(test, ct);
	for (i = 0; i < 3000; i++)
		ct[i] = table_add(test, cn, i, 30 * HZ);
	table_settle(cn);
	grown = nfct_table_buckets(cn);
	KUNIT_EXPECT_GE(test, grown, 4096U);
	/* Ten entries left: 20 nodes fit in 32 buckets. */
	for (i = 10; i < 3000; i++)
		KUNIT_EXPECT_TRUE(test, nfct_table_delete(cn, ct[i]));
	table_settle(cn);
	KUNIT_EXPECT_LE(test, nfct_table_buckets(cn), 64U);
	KUNIT_EXPECT_GE(test, nfct_table_buckets(cn), 20U);
	for (i = 0; i < 10; i++)
		if (!table_has(cn, ct[i], NFCT_DIR_ORIGINAL) || !table_has(cn, ct[i], NFCT_DIR_REPLY))
			lost++;
	KUNIT_EXPECT_EQ(test, lost, 0);
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

/*
 * Two packets of one new UDP flow given different NAT bindings: the loser is
 * in by its reply tuple only, for a fixed second, and the GC still frees it.
 */
static void table_nat_clash_reply_only(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct nfct_conn *winner = table_add(test, cn, 7, 30 * HZ);
	struct nfct_tuple reply = {};
	unsigned int expired = 0;
	struct nfct_conn *loser;
	int batches = 0;

	nfct_tuple_copy(&reply, nfct_tuple_of(winner, NFCT_DIR_REPLY));

	reply.src = htonl(0x0a010151);	/* another endpoint: 10.1.1.81 */
	loser = nfct_conn_alloc(&nfct_node(winner, NFCT_DIR_ORIGINAL)->tuple, &reply);
	KUNIT_ASSERT_NOT_NULL(test, loser);
	KUNIT_EXPECT_EQ(test, nfct_table_insert(cn, loser), -EEXIST);
	KUNIT_ASSERT_EQ(test, nfct_table_insert_reply(cn, loser), 0);
	KUNIT_EXPECT_TRUE(test, table_has(cn, winner, NFCT_DIR_ORIGINAL));
	KUNIT_EXPECT_TRUE(test, table_has(cn, loser, NFCT_DIR_REPLY));
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 2);
	KUNIT_EXPECT_LE(test, nfct_expires(loser), HZ);
	nfct_refresh(loser, 30 * HZ);
	KUNIT_EXPECT_LE(test, nfct_expires(loser), HZ);

	/* Its reply tuple taken, a second loser cannot go in either. */
	loser = nfct_conn_alloc(&nfct_node(winner, NFCT_DIR_ORIGINAL)->tuple, &reply);
	KUNIT_ASSERT_NOT_NULL(test, loser);
	KUNIT_EXPECT_EQ(test, nfct_table_insert_reply(cn, loser), -EEXIST);
	KUNIT_EXPECT_FALSE(test, test_bit(NFCT_NAT_CLASH, &loser->status));
	nfct_conn_put(loser);

	WRITE_ONCE(table_lookup_conn(cn, &reply)->timeout, (u32)jiffies - 1);
	while (!nfct_gc_batch(cn, &expired))
		KUNIT_ASSERT_LT(test, ++batches, 100);
	KUNIT_EXPECT_EQ(test, expired, 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 1);
	nfct_table_destroy(cn);
}

/* 5000 nodes take several batches: no single run walks the whole table. */
static void gc_batches_are_bounded(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	unsigned int expired = 0;
	int i, batches = 1;

	for (i = 0; i < 2500; i++)
		table_add(test, cn, i, 30 * HZ);
	/* The table grows meanwhile; the walk waits for each rehash. */
	while (!nfct_gc_batch(cn, &expired)) {
		KUNIT_ASSERT_LT(test, ++batches, 100000);
		cond_resched();
	}
	KUNIT_EXPECT_GE(test, batches, 5000 / 1024);
	KUNIT_EXPECT_EQ(test, expired, 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 2500);
	/* The live entries' average time left sets the next pass. */
	KUNIT_EXPECT_EQ(test, cn->gc.pass_live, 2500U);
	nfct_table_destroy(cn);
}

/* A full table gives up entries that are not ASSURED, and only those. */
static void early_drop_spares_assured(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct nfct_conn *ct[64];
	int i;

	for (i = 0; i < 64; i++) {
		ct[i] = table_add(test, cn, i, 30 * HZ);
		set_bit(NFCT_ASSURED, &ct[i]->status);
	}
	/* All assured: nothing to evict, wherever the new tuple falls. */
	for (i = 0; i < 64; i++)
		KUNIT_EXPECT_EQ(test, nfct_table_early_drop(cn, &nfct_node(ct[i], 0)->tuple), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 64);

	/* One not assured: a tuple in its bucket evicts it, and nothing else. */
	clear_bit(NFCT_ASSURED, &ct[7]->status);
	refcount_inc(&ct[7]->use);	/* looked for after its eviction */
	KUNIT_EXPECT_EQ(test, nfct_table_early_drop(cn, &nfct_node(ct[7], 0)->tuple), 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 63);
	KUNIT_EXPECT_FALSE(test, table_has(cn, ct[7], NFCT_DIR_ORIGINAL));
	KUNIT_EXPECT_TRUE(test, table_has(cn, ct[8], NFCT_DIR_ORIGINAL));
	nfct_conn_put(ct[7]);
	nfct_table_destroy(cn);
}

/* A TCP entry for table_add's @id, in @state, ASSURED. */
static struct nfct_conn *table_add_tcp(struct kunit *test, struct nfct_net *cn,
				       u32 id, u8 state)
{
	struct nfct_conn *ct = table_add_proto(test, cn, id, 300 * HZ, IPPROTO_TCP);

	nfct_conn_proto(ct)->tcp.state = state;
	set_bit(NFCT_ASSURED, &ct->status);
	return ct;
}

/*
 * After a drop for want of room, the GC's next pass evicts, while the table
 * is 95% full or more, what is not ASSURED and closing TCP connections; the
 * pass after it is back to expiry alone.
 */
static void gc_early_drop_after_full(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct nfct_conn *closing, *open, *unassured;
	unsigned int expired = 0;
	int i, batches = 0;

	cn->max = 200;
	for (i = 0; i < 190; i++)
		set_bit(NFCT_ASSURED, &table_add(test, cn, i, 30 * HZ)->status);
	unassured = table_add(test, cn, 1000, 30 * HZ);
	closing = table_add_tcp(test, cn, 1, NFCT_TCP_TIME_WAIT);
	open = table_add_tcp(test, cn, 2, NFCT_TCP_ESTABLISHED);
	for (i = 3; i < 10; i++)
		table_add_tcp(test, cn, i, i % 2 ? NFCT_TCP_FIN_WAIT : NFCT_TCP_CLOSE_WAIT);
	KUNIT_ASSERT_EQ(test, atomic_read(&cn->count), 200);

	/* Without a drop, a full table is left alone. The walk waits for
	 * the rehash the inserts started.
	 */
	while (!nfct_gc_batch(cn, &expired)) {
		KUNIT_ASSERT_LT(test, ++batches, 100000);
		cond_resched();
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 200);

	/* Kept alive past their eviction, to be looked for. */
	refcount_inc(&closing->use);
	refcount_inc(&unassured->use);
	cn->gc.early_drop = true;
	while (!nfct_gc_batch(cn, &expired)) {
		KUNIT_ASSERT_LT(test, ++batches, 200000);
		cond_resched();
	}
	/* The 9 candidates go (200 - 9 is still 95% full); nothing else. */
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 191);
	KUNIT_EXPECT_FALSE(test, table_has(cn, closing, NFCT_DIR_ORIGINAL));
	KUNIT_EXPECT_FALSE(test, table_has(cn, unassured, NFCT_DIR_REPLY));
	KUNIT_EXPECT_TRUE(test, table_has(cn, open, NFCT_DIR_ORIGINAL));
	KUNIT_EXPECT_EQ(test, expired, 0U);
	nfct_conn_put(closing);
	nfct_conn_put(unassured);
	nfct_table_destroy(cn);
}

/* A table with per-CPU counters, for the cases that go through the stats. */
static struct nfct_net *table_new_counted(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);

	cn->stat = alloc_percpu(struct nfct_stat);
	KUNIT_ASSERT_NOT_NULL(test, cn->stat);
	return cn;
}

static void table_free_counted(struct nfct_net *cn)
{
	nfct_table_destroy(cn);
	free_percpu(cn->stat);
}

#define STAT_SUM(cn, field) ({					\
	unsigned int __sum = 0;					\
	int __cpu;						\
	for_each_possible_cpu(__cpu)				\
		__sum += per_cpu_ptr((cn)->stat, __cpu)->field;	\
	__sum;							\
})

/* nfct_confirm under RCU, as the hooks run it. */
static unsigned int confirm(struct nfct_net *cn, struct nfct_conn *ct)
{
	unsigned int verdict;

	rcu_read_lock();
	verdict = nfct_confirm(cn, ct);
	rcu_read_unlock();
	return verdict;
}

/* table_add's tuples for @id, without an entry. */
static void table_tuples(struct kunit *test, u32 id, struct nfct_tuple *o,
			 struct nfct_tuple *r)
{
	*o = (struct nfct_tuple){
		.src = htonl(0x0a000000 | (id >> 16)),
		.dst = B_ADDR,
		.sport = htons(id & 0xffff),
		.dport = htons(53),
		.protonum = IPPROTO_UDP,
	};
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(r, o));
}

/*
 * Entries count against max from their allocation: first packets waiting
 * for confirmation cannot make more entries than max between them. Giving
 * one up, or confirming it, moves it out of the unconfirmed count.
 */
static void max_counts_unconfirmed(struct kunit *test)
{
	struct nfct_net *cn = table_new_counted(test);
	struct nfct_conn *ct[4];
	struct nfct_tuple o, r;
	int i;

	cn->max = 3;
	for (i = 0; i < 3; i++) {
		table_tuples(test, i, &o, &r);
		ct[i] = nfct_conn_new(cn, &o, &r);
		KUNIT_ASSERT_NOT_NULL(test, ct[i]);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->unconfirmed), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 0);
	table_tuples(test, 3, &o, &r);
	KUNIT_EXPECT_NULL(test, nfct_conn_new(cn, &o, &r));
	KUNIT_EXPECT_EQ(test, STAT_SUM(cn, drop), 1U);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->unconfirmed), 3);

	/* One given up: room for one more. */
	nfct_conn_release(cn, ct[2]);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->unconfirmed), 2);
	ct[3] = nfct_conn_new(cn, &o, &r);
	KUNIT_ASSERT_NOT_NULL(test, ct[3]);

	/*
	 * Confirmed ones move to the table's count; the sum stays at max.
	 * ASSURED, so that making room cannot evict them.
	 */
	KUNIT_EXPECT_EQ(test, confirm(cn, ct[0]), (unsigned int)NF_ACCEPT);
	KUNIT_EXPECT_EQ(test, confirm(cn, ct[1]), (unsigned int)NF_ACCEPT);
	set_bit(NFCT_ASSURED, &ct[0]->status);
	set_bit(NFCT_ASSURED, &ct[1]->status);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->unconfirmed), 1);
	table_tuples(test, 4, &o, &r);
	KUNIT_EXPECT_NULL(test, nfct_conn_new(cn, &o, &r));
	nfct_conn_release(cn, ct[3]);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->unconfirmed), 0);
	/* An entry not made by nfct_conn_new is not in the count to leave it. */
	nfct_conn_release(cn, make_conn(test, IPPROTO_UDP));
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->unconfirmed), 0);
	table_free_counted(cn);
}

/*
 * Only a tuple already taken is a clash. A table that cannot take the
 * entry (here at rhashtable's element limit, -E2BIG, as at -ENOMEM) drops
 * the packet and counts it in drop, not in insert_failed; nothing leaks.
 */
static void confirm_table_refusal_is_no_clash(struct kunit *test)
{
	struct nfct_net *cn = table_new_counted(test);
	struct nfct_tuple o, r;
	struct nfct_conn *ct;

	table_add(test, cn, 1, 30 * HZ);
	cn->table.max_elems = 2;	/* the two nodes of the entry in */
	table_tuples(test, 2, &o, &r);
	ct = nfct_conn_new(cn, &o, &r);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_EXPECT_EQ(test, confirm(cn, ct), (unsigned int)NF_DROP);
	KUNIT_EXPECT_EQ(test, STAT_SUM(cn, drop), 1U);
	KUNIT_EXPECT_EQ(test, STAT_SUM(cn, insert_failed), 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->unconfirmed), 0);

	/* A real clash still is one. */
	cn->table.max_elems = 1U << 31;
	table_tuples(test, 1, &o, &r);
	o.protonum = r.protonum = IPPROTO_TCP;	/* no clash resolution for TCP */
	ct = nfct_conn_new(cn, &o, &r);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_EXPECT_EQ(test, confirm(cn, ct), (unsigned int)NF_ACCEPT);
	ct = nfct_conn_new(cn, &o, &r);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_EXPECT_EQ(test, confirm(cn, ct), (unsigned int)NF_DROP);
	KUNIT_EXPECT_EQ(test, STAT_SUM(cn, insert_failed), 1U);
	KUNIT_EXPECT_EQ(test, STAT_SUM(cn, drop), 2U);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->unconfirmed), 0);
	table_free_counted(cn);
}

static bool walk_original(const struct nfct_tuple_node *n)
{
	return n->dir == NFCT_DIR_ORIGINAL;
}

/*
 * A walk that resizes interrupt goes on where it was: with the table grown
 * many times over between two steps, and shrunk again between two later
 * ones, every entry that was in all along is met exactly once. (The
 * rhashtable walker that the proc listing used before starts again at the
 * top of the new table, and meets again all it had met.)
 */
static void table_walk_survives_resize(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct nfct_conn **ct = kunit_kcalloc(test, 3200, sizeof(*ct), GFP_KERNEL);
	u8 *seen = kunit_kzalloc(test, 3200, GFP_KERNEL);
	struct nfct_walk_pos pos = {}, at;
	unsigned int i, steps = 0, twice = 0, missed = 0, small, big = 0;
	struct nfct_tuple_node *n;
	u16 id;

	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	for (i = 0; i < 200; i++)
		ct[i] = table_add(test, cn, i, 30 * HZ);
	table_settle(cn);
	small = nfct_table_buckets(cn);
	for (;;) {
		rcu_read_lock();
		n = nfct_table_walk_next(cn, &pos, &at, walk_original);
		id = n ? ntohs(n->tuple.sport) : 0;
		rcu_read_unlock();
		if (!n)
			break;
		KUNIT_ASSERT_LT(test, ++steps, 4000U);
		pos = at;
		if (id < 200 && seen[id]++)
			twice++;
		if (steps == 50) {
			for (i = 200; i < 3200; i++)
				ct[i] = table_add(test, cn, i, 30 * HZ);
			table_settle(cn);
			big = nfct_table_buckets(cn);
		}
		if (steps == 120) {
			for (i = 200; i < 3200; i++)
				KUNIT_EXPECT_TRUE(test, nfct_table_delete(cn, ct[i]));
			table_settle(cn);
		}
	}
	for (i = 0; i < 200; i++)
		missed += !seen[i];
	KUNIT_EXPECT_GE(test, big, 8 * small);
	KUNIT_EXPECT_LT(test, nfct_table_buckets(cn), big);
	KUNIT_EXPECT_EQ(test, twice, 0U);
	KUNIT_EXPECT_EQ(test, missed, 0U);
	nfct_table_destroy(cn);
}

/* A kill walks the table once, whatever it deletes: each match, once. */
static bool kill_odd(const struct nfct_conn *ct, void *data)
{
	unsigned int *calls = data;

	(*calls)++;
	return ntohs(nfct_tuple_of(ct, NFCT_DIR_ORIGINAL)->sport) % 2;
}

static void table_kill_in_batches(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	unsigned int i, calls = 0;

	for (i = 0; i < 1000; i++)
		table_add(test, cn, i, 30 * HZ);
	KUNIT_EXPECT_EQ(test, nfct_table_kill(cn, kill_odd, &calls), 500U);
	KUNIT_EXPECT_EQ(test, calls, 1000U);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->count), 500);
	nfct_table_destroy(cn);
}

/* nf_conntrack's default: one entry per bucket of its RAM-sized table. */
static void default_max_from_ram(struct kunit *test)
{
	int max = nfct_default_max();

	KUNIT_EXPECT_GE(test, max, 1024);
	KUNIT_EXPECT_LE(test, max, 262144);
	KUNIT_EXPECT_EQ(test, max % 512, 0);
	if (totalram_pages() > SZ_1G / PAGE_SIZE)
		KUNIT_EXPECT_GE(test, max, 65536);
}

/* Only TCP entries carry the TCP state; the others are allocated without. */
static void entry_size_by_protocol(struct kunit *test)
{
	struct nfct_conn *tcp = make_conn(test, IPPROTO_TCP);
	struct nfct_conn *udp = make_conn(test, IPPROTO_UDP);
	struct nfct_conn *icmp = make_conn(test, IPPROTO_ICMP);

	unsigned int proto_off = (u8 *)nfct_conn_proto(udp) - (u8 *)udp;

	/* IPv4 entries are what they were before IPv6: 152 and 208 bytes. */
	KUNIT_EXPECT_EQ(test, proto_off, offsetof(struct nfct_conn, tail) + 2 * 32);
	KUNIT_EXPECT_GE(test, ksize(tcp), proto_off + sizeof(struct nfct_tcp_state));
	KUNIT_EXPECT_LT(test, ksize(udp), proto_off + sizeof(struct nfct_tcp_state));
	KUNIT_EXPECT_GE(test, ksize(udp), proto_off + sizeof(struct nfct_udp_state));
	KUNIT_EXPECT_EQ(test, ksize(icmp), ksize(udp));
	nfct_conn_put(icmp);
	nfct_conn_put(udp);
	nfct_conn_put(tcp);
}

static struct kunit_case table_cases[] = {
	KUNIT_CASE(entry_size_by_protocol),
	KUNIT_CASE(gc_early_drop_after_full),
	KUNIT_CASE(early_drop_spares_assured),
	KUNIT_CASE(default_max_from_ram),
	KUNIT_CASE(table_both_directions),
	KUNIT_CASE(table_found_after_growth),
	KUNIT_CASE(table_shrinks_when_emptied),
	KUNIT_CASE(table_expired_is_invisible),
	KUNIT_CASE(gc_frees_only_expired),
	KUNIT_CASE(gc_batches_are_bounded),
	KUNIT_CASE(table_nat_clash_reply_only),
	KUNIT_CASE(max_counts_unconfirmed),
	KUNIT_CASE(confirm_table_refusal_is_no_clash),
	KUNIT_CASE(table_walk_survives_resize),
	KUNIT_CASE(table_kill_in_batches),
	{}
};

static struct kunit_suite table_suite = {
	.name = "nf_ct_table",
	.test_cases = table_cases,
};

static void hash_is_a_function_of_the_tuple(struct kunit *test)
{
	struct nfct_tuple a = {
		.src = A_ADDR, .dst = B_ADDR, .sport = htons(40000),
		.dport = htons(80), .protonum = IPPROTO_TCP,
	};
	struct nfct_tuple b = a;
	u32 h = nfct_tuple_hash(&a, sizeof(a), 7);

	KUNIT_EXPECT_EQ(test, nfct_tuple_hash(&b, sizeof(b), 7), h);
	/*
	 * The table's seed takes no part: a node keeps its hash's low bits
	 * as its bucket in every table (the walk's order). Every field does.
	 */
	KUNIT_EXPECT_EQ(test, nfct_tuple_hash(&a, sizeof(a), 8), h);
	b.src ^= htonl(1);
	KUNIT_EXPECT_NE(test, nfct_tuple_hash(&b, sizeof(b), 7), h);
	b = a;
	b.dst ^= htonl(1);
	KUNIT_EXPECT_NE(test, nfct_tuple_hash(&b, sizeof(b), 7), h);
	b = a;
	b.sport ^= htons(1);
	KUNIT_EXPECT_NE(test, nfct_tuple_hash(&b, sizeof(b), 7), h);
	b = a;
	b.dport ^= htons(1);
	KUNIT_EXPECT_NE(test, nfct_tuple_hash(&b, sizeof(b), 7), h);
	b = a;
	b.protonum = IPPROTO_UDP;
	KUNIT_EXPECT_NE(test, nfct_tuple_hash(&b, sizeof(b), 7), h);
	/* The reverse direction lands elsewhere. */
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&b, &a));
	KUNIT_EXPECT_NE(test, nfct_tuple_hash(&b, sizeof(b), 7), h);
}

/*
 * Sequential source ports from one client, the pattern a NAT gateway or a
 * port scan produces, spread evenly: with 16 per bucket on average, no
 * bucket of 256 gets more than 3 times that.
 */
static void hash_spreads_sequential_ports(struct kunit *test)
{
	unsigned int *load = kunit_kcalloc(test, 256, sizeof(*load), GFP_KERNEL);
	struct nfct_tuple t = {
		.src = A_ADDR, .dst = B_ADDR, .dport = htons(443),
		.protonum = IPPROTO_TCP,
	};
	unsigned int i, worst = 0;

	KUNIT_ASSERT_NOT_NULL(test, load);
	for (i = 0; i < 4096; i++) {
		t.sport = htons(32768 + i);
		load[nfct_tuple_hash(&t, sizeof(t), 0) & 255]++;
	}
	for (i = 0; i < 256; i++)
		worst = max(worst, load[i]);
	KUNIT_EXPECT_LE(test, worst, 48U);
}

static struct kunit_case hash_cases[] = {
	KUNIT_CASE(hash_is_a_function_of_the_tuple),
	KUNIT_CASE(hash_spreads_sequential_ports),
	{}
};

static struct kunit_suite hash_suite = {
	.name = "nf_ct_hash",
	.test_cases = hash_cases,
};

/* Every timeout distinct, so the one a packet picked is known from its value. */
static struct nfct_net *timeouts_net(struct kunit *test)
{
	struct nfct_net *cn = kunit_kzalloc(test, sizeof(*cn), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, cn);
	for (i = 0; i < NFCT_TCP_STATE_COUNT; i++)
		cn->timeouts.tcp[i] = 1000 + i;
	cn->timeouts.tcp_unack = 500;
	cn->timeouts.tcp_retrans = 6000;	/* above every state's: no cap */
	cn->tcp.loose = 1;
	cn->tcp.max_retrans = 3;
	cn->timeouts.udp = 2000;
	cn->timeouts.udp_stream = 3000;
	cn->timeouts.icmp = 4000;
	cn->timeouts.icmpv6 = 4500;
	cn->timeouts.gre = 7000;
	cn->timeouts.gre_stream = 8000;
	cn->timeouts.generic = 5000;
	return cn;
}

/* Runs one packet through its tracker, creating the entry if @ct is NULL. */
static struct nfct_conn *track(struct kunit *test, struct nfct_net *cn,
			       struct nfct_conn *ct, u8 proto,
			       const void *l4, unsigned int l4len,
			       enum nfct_dir dir)
{
	struct sk_buff *skb = build_ipv4(test, proto, l4, l4len);
	const struct nfct_l4proto *l4p = nfct_l4proto_find(proto);
	struct nfct_tuple t, r;
	unsigned int off;

	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	if (!ct) {
		KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &t));
		ct = nfct_conn_alloc(&t, &r);
		KUNIT_ASSERT_NOT_NULL(test, ct);
		KUNIT_ASSERT_TRUE(test, l4p->new(ct, skb, off, cn));
	}
	KUNIT_EXPECT_EQ(test, l4p->packet(ct, skb, off, dir, cn), NFCT_TRACK_ACCEPT);
	kfree_skb(skb);
	return ct;
}

/*
 * The timeout set, allowing for time passing meanwhile: up to 100 ms on a
 * loaded debug kernel under TCG (3 jiffies were seen).
 */
static void expect_timeout(struct kunit *test, struct nfct_conn *ct, int want)
{
	s32 left = nfct_expires(ct);

	KUNIT_EXPECT_LE(test, left, want);
	KUNIT_EXPECT_GE(test, left, want - HZ / 10);
}

static void timeout_udp_unreplied_then_stream(struct kunit *test)
{
	struct nfct_net *cn = timeouts_net(test);
	struct udphdr uh = { .source = htons(41297), .dest = htons(53), .len = htons(8) };
	struct nfct_conn *ct = track(test, cn, NULL, IPPROTO_UDP, &uh, sizeof(uh),
				     NFCT_DIR_ORIGINAL);

	expect_timeout(test, ct, 2000);
	set_bit(NFCT_SEEN_REPLY, &ct->status);
	track(test, cn, ct, IPPROTO_UDP, &uh, sizeof(uh), NFCT_DIR_ORIGINAL);
	/* Replied, but within 2 s of the first packet: not yet a stream. */
	expect_timeout(test, ct, 2000);
	KUNIT_EXPECT_FALSE(test, test_bit(NFCT_ASSURED, &ct->status));
	nfct_conn_proto(ct)->udp.stream_ts = jiffies - 1;
	track(test, cn, ct, IPPROTO_UDP, &uh, sizeof(uh), NFCT_DIR_ORIGINAL);
	expect_timeout(test, ct, 3000);
	KUNIT_EXPECT_TRUE(test, test_bit(NFCT_ASSURED, &ct->status));
	nfct_conn_put(ct);
}

static void timeout_tcp_by_state(struct kunit *test)
{
	struct nfct_net *cn = timeouts_net(test);
	struct tcphdr th = { .source = htons(40000), .dest = htons(80), .doff = 5, .syn = 1 };
	struct nfct_conn *ct = track(test, cn, NULL, IPPROTO_TCP, &th, sizeof(th),
				     NFCT_DIR_ORIGINAL);

	expect_timeout(test, ct, 1000 + NFCT_TCP_SYN_SENT);
	th.ack = 1;
	track(test, cn, ct, IPPROTO_TCP, &th, sizeof(th), NFCT_DIR_REPLY);
	expect_timeout(test, ct, 1000 + NFCT_TCP_SYN_RECV);
	set_bit(NFCT_SEEN_REPLY, &ct->status);
	th.syn = 0;
	track(test, cn, ct, IPPROTO_TCP, &th, sizeof(th), NFCT_DIR_ORIGINAL);
	expect_timeout(test, ct, 1000 + NFCT_TCP_ESTABLISHED);
	th.fin = 1;
	track(test, cn, ct, IPPROTO_TCP, &th, sizeof(th), NFCT_DIR_ORIGINAL);
	expect_timeout(test, ct, 1000 + NFCT_TCP_FIN_WAIT);
	nfct_conn_put(ct);
}

/* A flow picked up mid-stream gets the short unacknowledged timeout until a reply. */
static void timeout_tcp_pickup_unacknowledged(struct kunit *test)
{
	struct nfct_net *cn = timeouts_net(test);
	struct tcphdr th = { .source = htons(40000), .dest = htons(80), .doff = 5, .ack = 1 };
	struct nfct_conn *ct = track(test, cn, NULL, IPPROTO_TCP, &th, sizeof(th),
				     NFCT_DIR_ORIGINAL);

	expect_timeout(test, ct, 500);
	nfct_conn_put(ct);
}

static void timeout_icmp_and_generic(struct kunit *test)
{
	struct nfct_net *cn = timeouts_net(test);
	struct icmphdr ih = { .type = ICMP_ECHO, .un.echo.id = htons(7) };
	u8 gre[4] = {}, other[4] = {};
	struct nfct_conn *ct;

	ct = track(test, cn, NULL, IPPROTO_ICMP, &ih, sizeof(ih), NFCT_DIR_ORIGINAL);
	expect_timeout(test, ct, 4000);
	nfct_conn_put(ct);
	/* An experimental protocol (253) is generic; GRE has its own. */
	ct = track(test, cn, NULL, 253, other, sizeof(other), NFCT_DIR_ORIGINAL);
	expect_timeout(test, ct, 5000);
	nfct_conn_put(ct);
	ct = track(test, cn, NULL, IPPROTO_GRE, gre, sizeof(gre), NFCT_DIR_ORIGINAL);
	expect_timeout(test, ct, 7000);
	nfct_conn_put(ct);
}

static struct kunit_case timeout_cases[] = {
	KUNIT_CASE(timeout_udp_unreplied_then_stream),
	KUNIT_CASE(timeout_tcp_by_state),
	KUNIT_CASE(timeout_tcp_pickup_unacknowledged),
	KUNIT_CASE(timeout_icmp_and_generic),
	{}
};

static struct kunit_suite timeout_suite = {
	.name = "nf_ct_timeout",
	.test_cases = timeout_cases,
};

/* The packet that make_conn(test, IPPROTO_UDP)'s original direction carries. */
static struct sk_buff *build_udp_query(struct kunit *test)
{
	struct udphdr uh = { .source = htons(41297), .dest = htons(53), .len = htons(8) };

	return build_ipv4(test, IPPROTO_UDP, &uh, sizeof(uh));
}

/* A packet's record: found by the same skb only, taken once. */
static void pkt_record_follows_the_skb(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct sk_buff *skb = build_udp_query(test);
	struct sk_buff *other = build_udp_query(test);
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP), *got = NULL;
	u8 info = 0;

	KUNIT_ASSERT_EQ(test, nfct_pkt_attach(cn, skb, ct, IP_CT_NEW), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->pending), 1);
	rcu_read_lock();
	KUNIT_EXPECT_NOT_NULL(test, nfct_pkt_find(cn, skb));
	KUNIT_EXPECT_NULL(test, nfct_pkt_find(cn, other));
	rcu_read_unlock();

	KUNIT_EXPECT_FALSE(test, nfct_pkt_take(cn, other, &got, &info));
	KUNIT_ASSERT_TRUE(test, nfct_pkt_take(cn, skb, &got, &info));
	KUNIT_EXPECT_PTR_EQ(test, got, ct);
	KUNIT_EXPECT_EQ(test, info, (u8)IP_CT_NEW);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->pending), 0);
	KUNIT_EXPECT_FALSE(test, nfct_pkt_take(cn, skb, &got, &info));
	nfct_conn_put(ct);
	kfree_skb(other);
	kfree_skb(skb);
	nfct_table_destroy(cn);
}

/*
 * A record whose packet vanished unseen must not be taken by the next skb
 * at that address: another flow's packet, even with IP id 0 (DF) and the
 * same length, does not match it, and its own record replaces it.
 */
static void pkt_record_recycled_address(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct sk_buff *skb = build_udp_query(test);
	struct udphdr *uh = (struct udphdr *)(skb->data + sizeof(struct iphdr));
	struct nfct_conn *got = NULL;
	u8 info = 0;

	KUNIT_ASSERT_EQ(test, ip_hdr(skb)->id, 0);
	KUNIT_ASSERT_EQ(test, nfct_pkt_attach(cn, skb, make_conn(test, IPPROTO_UDP),
					      IP_CT_NEW), 0);
	uh->source = htons(41298);	/* the "next" packet at this address */
	KUNIT_EXPECT_FALSE(test, nfct_pkt_take(cn, skb, &got, &info));
	ip_hdr(skb)->id = htons(4242);
	uh->source = htons(41297);	/* the same flow, not the same packet */
	KUNIT_EXPECT_FALSE(test, nfct_pkt_take(cn, skb, &got, &info));
	KUNIT_ASSERT_EQ(test, nfct_pkt_attach(cn, skb, NULL, NFCT_INFO_INVALID), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->pending), 1);
	KUNIT_ASSERT_TRUE(test, nfct_pkt_take(cn, skb, &got, &info));
	KUNIT_EXPECT_NULL(test, got);
	KUNIT_EXPECT_EQ(test, info, (u8)NFCT_INFO_INVALID);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->pending), 0);
	kfree_skb(skb);
	nfct_table_destroy(cn);
}

/*
 * A local ICMP error finds its cause's entry by the cause's address, but
 * only if the record there is the packet the error quotes: the address may
 * be stale (the cause gone, another packet there now), so another flow's
 * quote, another IP id or another netns gets nothing.
 */
static void pkt_cause_matches_the_quote(struct kunit *test)
{
	struct nfct_net *cn = table_new(test), *other_net = table_new(test);
	struct sk_buff *skb = build_udp_query(test);
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP), *got;
	struct nfct_tuple quoted = {};
	unsigned long key = (unsigned long)skb;
	u8 info = 0;

	nfct_tuple_copy(&quoted, nfct_tuple_of(ct, NFCT_DIR_ORIGINAL));
	refcount_inc(&ct->use);		/* the test's, beside the record's */
	KUNIT_ASSERT_EQ(test, nfct_pkt_attach(cn, skb, ct, IP_CT_NEW), 0);
	rcu_read_lock();
	got = nfct_pkt_cause(cn, key, &quoted, ip_hdr(skb)->id, &info);
	KUNIT_EXPECT_PTR_EQ(test, got, ct);
	/* The error goes back towards the cause's sender. */
	KUNIT_EXPECT_EQ(test, info, (u8)IP_CT_RELATED_REPLY);
	if (got)
		nfct_conn_put(got);
	KUNIT_EXPECT_NULL(test, nfct_pkt_cause(other_net, key, &quoted, ip_hdr(skb)->id, &info));
	KUNIT_EXPECT_NULL(test, nfct_pkt_cause(cn, key, &quoted, htons(7), &info));
	KUNIT_EXPECT_NULL(test, nfct_pkt_cause(cn, key + 64, &quoted, ip_hdr(skb)->id, &info));
	quoted.sport = htons(41298);
	KUNIT_EXPECT_NULL(test, nfct_pkt_cause(cn, key, &quoted, ip_hdr(skb)->id, &info));
	rcu_read_unlock();
	/* The error's reference given back, the record's and the test's remain. */
	KUNIT_EXPECT_EQ(test, refcount_read(&ct->use), 2);
	KUNIT_ASSERT_TRUE(test, nfct_pkt_take(cn, skb, &got, &info));
	nfct_conn_put(got);
	nfct_conn_put(ct);
	kfree_skb(skb);
	nfct_table_destroy(other_net);
	nfct_table_destroy(cn);
}

/*
 * What hooks do to a packet before its confirmation keeps its record: a
 * longer packet (TCPMSS adding an option, an NFQUEUE verdict with a new
 * payload), its data moved by pskb_expand_head, and NAT rewriting either
 * end or both as the entry says.
 */
static void pkt_record_survives_rewrites(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct sk_buff *skb = build_udp_query(test);
	struct nfct_tuple o, r;
	struct nfct_conn *ct, *got = NULL;
	struct udphdr *uh;
	unsigned int off;
	u8 info = 0;

	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &o, &off), 0);
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &o));
	/* As DNAT to 10.9.9.9:5353 and SNAT to 10.1.1.200:1024 bind it. */
	r.src = htonl(0x0a090909);
	r.sport = htons(5353);
	r.dst = htonl(0x0a0101c8);
	r.dport = htons(1024);
	ct = nfct_conn_alloc(&o, &r);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_ASSERT_EQ(test, nfct_pkt_attach(cn, skb, ct, IP_CT_NEW), 0);

	KUNIT_ASSERT_EQ(test, pskb_expand_head(skb, 0, 64, GFP_KERNEL), 0);
	skb_put_zero(skb, 4);
	ip_hdr(skb)->tot_len = htons(ntohs(ip_hdr(skb)->tot_len) + 4);
	uh = (struct udphdr *)(skb->data + sizeof(struct iphdr));
	rcu_read_lock();
	KUNIT_EXPECT_NOT_NULL(test, nfct_pkt_find(cn, skb));
	/* DNAT'ed: the destination as the reply's source. */
	ip_hdr(skb)->daddr = r.src;
	uh->dest = r.sport;
	KUNIT_EXPECT_NOT_NULL(test, nfct_pkt_find(cn, skb));
	/* And SNAT'ed: the source as the reply's destination. */
	ip_hdr(skb)->saddr = r.dst;
	uh->source = r.dport;
	KUNIT_EXPECT_NOT_NULL(test, nfct_pkt_find(cn, skb));
	/* A source the entry does not know is another packet. */
	uh->source = htons(1025);
	KUNIT_EXPECT_NULL(test, nfct_pkt_find(cn, skb));
	uh->source = r.dport;
	rcu_read_unlock();
	KUNIT_ASSERT_TRUE(test, nfct_pkt_take(cn, skb, &got, &info));
	KUNIT_EXPECT_PTR_EQ(test, got, ct);
	nfct_conn_put(ct);
	kfree_skb(skb);
	nfct_table_destroy(cn);
}

/*
 * A packet that vanishes without a drop (consumed, no kfree_skb event)
 * keeps its record until the reaper ends it for its age; its entry then
 * stops counting against max. A younger record stays.
 */
static void pkt_record_reaped_when_vanished(struct kunit *test)
{
	struct nfct_net *cn = table_new_counted(test);
	struct sk_buff *gone = build_udp_query(test);
	struct sk_buff *young = build_udp_query(test);
	struct nfct_conn *got = NULL;
	struct nfct_tuple o, r;
	struct nfct_pkt *p;
	u8 info;

	table_tuples(test, 1, &o, &r);
	KUNIT_ASSERT_EQ(test, nfct_pkt_attach(cn, gone, nfct_conn_new(cn, &o, &r),
					      IP_CT_NEW), 0);
	KUNIT_ASSERT_EQ(test, nfct_pkt_attach(cn, young, NULL, NFCT_INFO_INVALID), 0);
	rcu_read_lock();
	p = nfct_pkt_find(cn, gone);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p->stamp -= 11 * HZ;
	rcu_read_unlock();
	consume_skb(gone);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->pending), 2);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->unconfirmed), 1);
	nfct_pkt_reap_aged(10 * HZ);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->pending), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->unconfirmed), 0);
	KUNIT_EXPECT_TRUE(test, nfct_pkt_take(cn, young, &got, &info));
	kfree_skb(young);
	table_free_counted(cn);
}

/* The kfree_skb tracepoint ends the record of a dropped packet. */
static void pkt_record_ends_when_dropped(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct sk_buff *skb = build_udp_query(test);

	KUNIT_ASSERT_EQ(test, nfct_pkt_attach(cn, skb, make_conn(test, IPPROTO_UDP),
					      IP_CT_NEW), 0);
	kfree_skb(skb);
	KUNIT_EXPECT_EQ(test, atomic_read(&cn->pending), 0);
	nfct_table_destroy(cn);
}

/* NEW, ESTABLISHED, ESTABLISHED_REPLY and INVALID, as nf_conntrack says them. */
static void packet_info_like_ctinfo(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct udphdr back = { .source = htons(53), .dest = htons(41297), .len = htons(8) };
	struct udphdr none = { .source = htons(1), .dest = htons(2), .len = htons(8) };
	struct sk_buff *skb = build_udp_query(test);
	struct sk_buff *reply = build_ipv4(test, IPPROTO_UDP, &back, sizeof(back));
	struct sk_buff *stray = build_ipv4(test, IPPROTO_UDP, &none, sizeof(none));
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP), *got;
	u8 info;

	swap(ip_hdr(reply)->saddr, ip_hdr(reply)->daddr);
	/* Unconfirmed, travelling with its first packet: NEW. */
	KUNIT_ASSERT_EQ(test, nfct_pkt_attach(cn, skb, ct, IP_CT_NEW), 0);
	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, nfct_packet_info(cn, skb, &got), (u8)IP_CT_NEW);
	KUNIT_EXPECT_PTR_EQ(test, got, ct);
	rcu_read_unlock();
	KUNIT_ASSERT_TRUE(test, nfct_pkt_take(cn, skb, &got, &info));
	KUNIT_ASSERT_EQ(test, nfct_table_insert(cn, ct), 0);

	rcu_read_lock();
	/* Confirmed, no reply yet: the original direction is still NEW. */
	KUNIT_EXPECT_EQ(test, nfct_packet_info(cn, skb, &got), (u8)IP_CT_NEW);
	KUNIT_EXPECT_PTR_EQ(test, got, ct);
	KUNIT_EXPECT_EQ(test, nfct_packet_info(cn, reply, &got), (u8)IP_CT_ESTABLISHED_REPLY);
	set_bit(NFCT_SEEN_REPLY, &ct->status);
	KUNIT_EXPECT_EQ(test, nfct_packet_info(cn, skb, &got), (u8)IP_CT_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, nfct_packet_info(cn, stray, &got), (u8)NFCT_INFO_INVALID);
	KUNIT_EXPECT_NULL(test, got);
	rcu_read_unlock();

	/* The tracker's INVALID on a known entry overrides the table's answer. */
	KUNIT_ASSERT_EQ(test, nfct_pkt_attach(cn, skb, NULL, NFCT_INFO_INVALID), 0);
	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, nfct_packet_info(cn, skb, &got), (u8)NFCT_INFO_INVALID);
	rcu_read_unlock();
	kfree_skb(skb);
	kfree_skb(reply);
	kfree_skb(stray);
	nfct_table_destroy(cn);
}

/*
 * A packet DNAT rewrote before routing has no record and its tuple is in
 * no entry: it is found by its inverted tuple, the entry's reply, as a
 * packet of the original direction. One only half-way rewritten is not.
 */
static void packet_info_after_nat(struct kunit *test)
{
	struct udphdr uh = { .source = htons(41297), .dest = htons(5353), .len = htons(8) };
	struct nfct_net *cn = table_new(test);
	struct sk_buff *dnated = build_ipv4(test, IPPROTO_UDP, &uh, sizeof(uh));
	struct sk_buff *half = build_ipv4(test, IPPROTO_UDP, &uh, sizeof(uh));
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP), *got;
	struct nfct_tuple *reply = &nfct_node(ct, NFCT_DIR_REPLY)->tuple;

	/* 10.1.1.3:41297 -> 10.1.1.80:53 DNAT'ed to 10.1.1.90:5353. */
	reply->src = htonl(0x0a01015a);
	reply->sport = htons(5353);
	ip_hdr(dnated)->daddr = reply->src;
	/* Also SNAT'ed to 10.1.1.4: its source is still to rewrite. */
	ip_hdr(half)->daddr = reply->src;
	KUNIT_ASSERT_EQ(test, nfct_table_insert(cn, ct), 0);

	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, nfct_packet_info(cn, dnated, &got), (u8)IP_CT_NEW);
	KUNIT_EXPECT_PTR_EQ(test, got, ct);
	set_bit(NFCT_SEEN_REPLY, &ct->status);
	KUNIT_EXPECT_EQ(test, nfct_packet_info(cn, dnated, &got), (u8)IP_CT_ESTABLISHED);
	KUNIT_EXPECT_PTR_EQ(test, got, ct);
	rcu_read_unlock();

	KUNIT_ASSERT_TRUE(test, nfct_table_delete(cn, ct));
	ct = make_conn(test, IPPROTO_UDP);
	reply = &nfct_node(ct, NFCT_DIR_REPLY)->tuple;
	reply->src = htonl(0x0a01015a);
	reply->sport = htons(5353);
	reply->dst = htonl(0x0a010104);
	KUNIT_ASSERT_EQ(test, nfct_table_insert(cn, ct), 0);
	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, nfct_packet_info(cn, half, &got), (u8)NFCT_INFO_INVALID);
	KUNIT_EXPECT_NULL(test, got);
	rcu_read_unlock();
	kfree_skb(dnated);
	kfree_skb(half);
	nfct_table_destroy(cn);
}

static struct kunit_case pkt_cases[] = {
	KUNIT_CASE(packet_info_like_ctinfo),
	KUNIT_CASE(packet_info_after_nat),
	KUNIT_CASE(pkt_record_follows_the_skb),
	KUNIT_CASE(pkt_record_recycled_address),
	KUNIT_CASE(pkt_cause_matches_the_quote),
	KUNIT_CASE(pkt_record_survives_rewrites),
	KUNIT_CASE(pkt_record_reaped_when_vanished),
	KUNIT_CASE(pkt_record_ends_when_dropped),
	{}
};

static struct kunit_suite pkt_suite = {
	.name = "nf_ct_pkt",
	.test_cases = pkt_cases,
};

/* --- TCP window tracking: nfct_tcp_in_window() on states built by hand --- */

#define ORIG	NFCT_DIR_ORIGINAL
#define REPLY	NFCT_DIR_REPLY
#define WS	IP_CT_TCP_FLAG_WINDOW_SCALE
#define SACKOK	IP_CT_TCP_FLAG_SACK_PERM
#define UNACKED	IP_CT_TCP_FLAG_DATA_UNACKNOWLEDGED

/* A segment as nfct_tcp_parse() reads it, without options. */
static struct nfct_tcp_seg seg_of(u8 flags, u32 seq, u32 ack, u32 len, u16 win)
{
	struct nfct_tcp_seg seg = {
		.seq = seq, .ack = ack, .sack = ack, .win = win, .flags = flags,
	};

	seg.end = seq + len + !!(flags & TCPHDR_SYN) + !!(flags & TCPHDR_FIN);
	return seg;
}

/* With a window scale option (@wscale >= 0) and/or SACK permitted. */
static struct nfct_tcp_seg syn_of(u8 flags, u32 seq, u32 ack, u16 win,
				  int wscale, bool sack_perm)
{
	struct nfct_tcp_seg seg = seg_of(flags, seq, ack, 0, win);

	seg.has_opts = wscale >= 0 || sack_perm;
	if (wscale >= 0) {
		seg.wscale = wscale;
		seg.opt_flags |= WS;
	}
	if (sack_perm)
		seg.opt_flags |= SACKOK;
	return seg;
}

/* Runs @seg through the window check as the table would move @st. */
static enum nfct_track window(struct nfct_tcp_state *st, enum nfct_dir dir,
			      const struct nfct_tcp_seg *seg, u8 next)
{
	enum nfct_track res;

	res = nfct_tcp_in_window(st, dir, nfct_tcp_classify(seg->flags), seg, false);
	if (res == NFCT_TRACK_ACCEPT)
		st->state = next;
	return res;
}

/* SYN from @ci and SYN/ACK from @si, as given; the handshake's last ACK is the test's. */
static void window_open(struct kunit *test, struct nfct_tcp_state *st,
			const struct nfct_tcp_seg *syn, const struct nfct_tcp_seg *synack)
{
	memset(st, 0, sizeof(*st));
	nfct_tcp_window_new(st, syn, false);
	KUNIT_ASSERT_EQ(test, window(st, ORIG, syn, NFCT_TCP_SYN_SENT), NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, window(st, REPLY, synack, NFCT_TCP_SYN_RECV), NFCT_TRACK_ACCEPT);
}

static void window_handshake(struct kunit *test, struct nfct_tcp_state *st,
			     u32 ci, u32 si, u16 win)
{
	struct nfct_tcp_seg syn = seg_of(TCPHDR_SYN, ci, 0, 0, win);
	struct nfct_tcp_seg synack = seg_of(TCPHDR_SYN | TCPHDR_ACK, si, ci + 1, 0, win);
	struct nfct_tcp_seg ack = seg_of(TCPHDR_ACK, ci + 1, si + 1, 0, win);

	window_open(test, st, &syn, &synack);
	KUNIT_ASSERT_EQ(test, window(st, ORIG, &ack, NFCT_TCP_ESTABLISHED), NFCT_TRACK_ACCEPT);
}

/* Both sequence spaces cross 2^32 mid-connection. */
static void window_wraparound(struct kunit *test)
{
	const u32 ci = 0xffffff00, si = 0xfffffff0;
	struct nfct_tcp_state st;
	struct nfct_tcp_seg seg;

	window_handshake(test, &st, ci, si, 65535);
	seg = seg_of(TCPHDR_ACK, ci + 1, si + 1, 1000, 65535);
	KUNIT_EXPECT_EQ(test, window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].end, 0x2e9U);	/* ci + 1001, wrapped */
	KUNIT_EXPECT_TRUE(test, st.seen[ORIG].flags & UNACKED);

	seg = seg_of(TCPHDR_ACK, si + 1, ci + 1001, 100, 65535);
	KUNIT_EXPECT_EQ(test, window(&st, REPLY, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_FALSE(test, st.seen[ORIG].flags & UNACKED);
	KUNIT_EXPECT_EQ(test, st.seen[REPLY].maxack, ci + 1001);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].maxend, ci + 1001 + 65535);
	KUNIT_EXPECT_EQ(test, st.seen[REPLY].end, si + 101);

	/* A retransmission from before the wrap is still in the window. */
	seg = seg_of(TCPHDR_ACK, ci + 1, si + 101, 1000, 65535);
	KUNIT_EXPECT_EQ(test, window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_ACCEPT);
	/* Data far past what the server allowed, and an ACK of unsent data. */
	seg = seg_of(TCPHDR_ACK, ci + 1001 + 65535 + 70000, si + 101, 10, 65535);
	KUNIT_EXPECT_EQ(test, window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_INVALID);
	seg = seg_of(TCPHDR_ACK, ci + 1001, si + 102, 0, 65535);
	KUNIT_EXPECT_EQ(test, window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_INVALID);
}

/* Scaled windows when both SYNs offer scaling; the SYNs' own are not scaled. */
static void window_scale_both_sides(struct kunit *test)
{
	struct nfct_tcp_seg syn = syn_of(TCPHDR_SYN, 1000, 0, 65535, 7, false);
	struct nfct_tcp_seg synack = syn_of(TCPHDR_SYN | TCPHDR_ACK, 5000, 1001, 65535, 8, false);
	struct nfct_tcp_state st;
	struct nfct_tcp_seg seg;

	window_open(test, &st, &syn, &synack);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].scale, 7);
	KUNIT_EXPECT_EQ(test, st.seen[REPLY].scale, 8);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].maxend, 1001U + 65535);
	seg = seg_of(TCPHDR_ACK, 1001, 5001, 0, 100);
	KUNIT_EXPECT_EQ(test, window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st.seen[REPLY].maxend, 5001U + (100 << 7));
	seg = seg_of(TCPHDR_ACK, 5001, 1001, 0, 1000);
	KUNIT_EXPECT_EQ(test, window(&st, REPLY, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].maxend, 1001U + (1000 << 8));
	KUNIT_EXPECT_EQ(test, st.seen[REPLY].maxwin, 1000U << 8);
}

/* One SYN without the option: neither side scales (RFC 7323). */
static void window_scale_one_side(struct kunit *test)
{
	struct nfct_tcp_seg syn = syn_of(TCPHDR_SYN, 1000, 0, 65535, 7, false);
	struct nfct_tcp_seg synack = seg_of(TCPHDR_SYN | TCPHDR_ACK, 5000, 1001, 0, 65535);
	struct nfct_tcp_state st;
	struct nfct_tcp_seg seg;

	window_open(test, &st, &syn, &synack);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].scale, 0);
	KUNIT_EXPECT_EQ(test, st.seen[REPLY].scale, 0);
	seg = seg_of(TCPHDR_ACK, 1001, 5001, 0, 100);
	KUNIT_EXPECT_EQ(test, window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st.seen[REPLY].maxend, 5001U + 100);

	/* The other way round. */
	syn = seg_of(TCPHDR_SYN, 1000, 0, 0, 65535);
	synack = syn_of(TCPHDR_SYN | TCPHDR_ACK, 5000, 1001, 65535, 8, false);
	window_open(test, &st, &syn, &synack);
	KUNIT_EXPECT_EQ(test, st.seen[REPLY].scale, 0);
}

/* A TCP segment in an IPv4 packet: @optlen bytes of @opt, then @len zero bytes. */
static struct sk_buff *build_tcp(struct kunit *test, u8 flags, u32 seq, u32 ack,
				 u16 win, const u8 *opt, unsigned int optlen,
				 unsigned int len)
{
	unsigned int l4len = sizeof(struct tcphdr) + optlen + len;
	u8 *buf = kunit_kzalloc(test, l4len, GFP_KERNEL);
	struct tcphdr *th = (struct tcphdr *)buf;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	th->source = htons(40000);
	th->dest = htons(80);
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->window = htons(win);
	th->doff = (sizeof(*th) + optlen) / 4;
	tcp_flag_byte(th) = flags;
	memcpy(buf + sizeof(*th), opt, optlen);
	return build_ipv4(test, IPPROTO_TCP, buf, l4len);
}

/* Options as a stack writes them: scale clamped to 14, the highest SACK edge. */
static void window_parse_options(struct kunit *test)
{
	static const u8 syn_opts[] = {
		TCPOPT_MSS, TCPOLEN_MSS, 0x05, 0xb4,
		TCPOPT_NOP, TCPOPT_WINDOW, TCPOLEN_WINDOW, 15,
		TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM, TCPOPT_NOP, TCPOPT_NOP,
	};
	static const u8 sack_opts[] = {
		TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 2 + 3 * 8,
		0, 0, 0x03, 0xe8,	0, 0, 0x07, 0xd0,	/* 1000-2000 */
		0, 0, 0x13, 0x88,	0, 0, 0x17, 0x70,	/* 5000-6000 */
		0, 0, 0x0b, 0xb8,	0, 0, 0x0f, 0xa0,	/* 3000-4000 */
	};
	struct nfct_tcp_seg seg;
	struct sk_buff *skb;

	skb = build_tcp(test, TCPHDR_SYN, 77, 0, 65535, syn_opts, sizeof(syn_opts), 0);
	nfct_tcp_parse(skb, 20, (struct tcphdr *)(skb->data + 20), &seg);
	KUNIT_EXPECT_TRUE(test, seg.has_opts);
	KUNIT_EXPECT_EQ(test, seg.wscale, TCP_MAX_WSCALE);
	KUNIT_EXPECT_EQ(test, seg.opt_flags, WS | SACKOK);
	KUNIT_EXPECT_EQ(test, seg.end, 78U);
	kfree_skb(skb);

	skb = build_tcp(test, TCPHDR_ACK | TCPHDR_FIN, 100, 500, 1, sack_opts,
			sizeof(sack_opts), 30);
	nfct_tcp_parse(skb, 20, (struct tcphdr *)(skb->data + 20), &seg);
	KUNIT_EXPECT_EQ(test, seg.ack, 500U);
	KUNIT_EXPECT_EQ(test, seg.sack, 6000U);
	KUNIT_EXPECT_EQ(test, seg.end, 131U);	/* 30 bytes and the FIN */
	KUNIT_EXPECT_EQ(test, seg.opt_flags, 0);
	kfree_skb(skb);

	/* Blocks below the ACK leave it as it is. */
	skb = build_tcp(test, TCPHDR_ACK, 100, 9000, 1, sack_opts, sizeof(sack_opts), 0);
	nfct_tcp_parse(skb, 20, (struct tcphdr *)(skb->data + 20), &seg);
	KUNIT_EXPECT_EQ(test, seg.sack, 9000U);
	kfree_skb(skb);
}

/* A zero window lets one byte probe it and no more. */
static void window_zero(struct kunit *test)
{
	struct nfct_tcp_seg syn = seg_of(TCPHDR_SYN, 1000, 0, 0, 65535);
	struct nfct_tcp_seg synack = seg_of(TCPHDR_SYN | TCPHDR_ACK, 5000, 1001, 0, 0);
	struct nfct_tcp_state st;
	struct nfct_tcp_seg seg;

	window_open(test, &st, &syn, &synack);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].maxend, 1002U);
	KUNIT_EXPECT_EQ(test, st.seen[REPLY].maxwin, 1U);
	seg = seg_of(TCPHDR_ACK, 1001, 5001, 1, 65535);
	KUNIT_EXPECT_EQ(test, window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_ACCEPT);
	seg = seg_of(TCPHDR_ACK, 1003, 5001, 100, 65535);
	KUNIT_EXPECT_EQ(test, window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, st.last_win, 65535);
}

/* SACK blocks extend the ACK, if the receiver allowed them. */
static void window_sack_extends_ack(struct kunit *test)
{
	struct nfct_tcp_seg syn = syn_of(TCPHDR_SYN, 1000, 0, 65535, -1, true);
	struct nfct_tcp_seg synack = syn_of(TCPHDR_SYN | TCPHDR_ACK, 5000, 1001, 65535, -1, true);
	struct nfct_tcp_state st, copy;
	struct nfct_tcp_seg seg;

	window_open(test, &st, &syn, &synack);
	seg = seg_of(TCPHDR_ACK, 1001, 5001, 2000, 65535);
	KUNIT_ASSERT_EQ(test, window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_ACCEPT);

	/* The first 1000 bytes lost, the next 1000 selectively acknowledged. */
	seg = seg_of(TCPHDR_ACK, 5001, 1001, 0, 65535);
	seg.sack = 3001;
	copy = st;
	KUNIT_EXPECT_EQ(test, window(&st, REPLY, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].maxend, 3001U + 65535);
	KUNIT_EXPECT_EQ(test, st.seen[REPLY].maxwin, 65535U + 2000);
	KUNIT_EXPECT_EQ(test, st.seen[REPLY].maxack, 1001U);

	/* A SACK edge past the data sent fails III... */
	seg.sack = 3002;
	st = copy;
	KUNIT_EXPECT_EQ(test, window(&st, REPLY, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_INVALID);
	/* ...unless the client never allowed SACK: then only the ACK counts. */
	st = copy;
	st.seen[ORIG].flags &= ~SACKOK;
	KUNIT_EXPECT_EQ(test, window(&st, REPLY, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].maxend, 1001U + 65535);
}

/*
 * An established connection, built by hand: the client has sent up to C and
 * may send to C + 2000, the server up to S and to S + 2000; windows 1000.
 */
#define C	0x10000U
#define S	0x50000U

static void window_state(struct nfct_tcp_state *st)
{
	memset(st, 0, sizeof(*st));
	st->state = NFCT_TCP_ESTABLISHED;
	st->seen[ORIG] = (struct nfct_tcp_seen){ .end = C, .maxend = C + 2000, .maxwin = 1000 };
	st->seen[REPLY] = (struct nfct_tcp_seen){ .end = S, .maxend = S + 2000, .maxwin = 1000 };
}

/* The verdict on a client segment, and whether the state changed. */
static enum nfct_track client_says(u8 flags, u32 seq, u32 ack, u32 len,
				   bool liberal, bool *changed)
{
	struct nfct_tcp_seg seg = seg_of(flags, seq, ack, len, 1000);
	struct nfct_tcp_state st, before;
	enum nfct_track res;

	window_state(&st);
	before = st;
	res = nfct_tcp_in_window(&st, ORIG, nfct_tcp_classify(flags), &seg, liberal);
	*changed = memcmp(&st, &before, sizeof(st));
	return res;
}

/* Each bound, just inside and just outside, and what be_liberal makes of it. */
static void window_bounds(struct kunit *test)
{
	const u8 A = TCPHDR_ACK;
	bool changed;

	KUNIT_EXPECT_EQ(test, client_says(A, C, S, 10, false, &changed), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_TRUE(test, changed);

	/* I: seq <= sender.maxend, INVALID beyond (past the overshot allowance). */
	KUNIT_EXPECT_EQ(test, client_says(A, C + 2000, S, 10, false, &changed), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, client_says(A, C + 3000, S, 10, false, &changed), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_FALSE(test, changed);
	/* III: sack <= receiver.end, INVALID beyond. */
	KUNIT_EXPECT_EQ(test, client_says(A, C, S + 1, 0, false, &changed), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_FALSE(test, changed);
	/* II: end >= sender.end - receiver.maxwin, IGNORE below. */
	KUNIT_EXPECT_EQ(test, client_says(A, C - 1010, S, 10, false, &changed), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, client_says(A, C - 1011, S, 10, false, &changed), NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_FALSE(test, changed);
	/* IV: sack >= receiver.end - max(sender.maxwin, 66000), IGNORE below. */
	KUNIT_EXPECT_EQ(test, client_says(A, C, S - 66000, 0, false, &changed), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, client_says(A, C, S - 66001, 0, false, &changed), NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_FALSE(test, changed);

	/* be_liberal: every failure passes, and teaches nothing. */
	KUNIT_EXPECT_EQ(test, client_says(A, C + 3000, S, 10, true, &changed), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_FALSE(test, changed);
	KUNIT_EXPECT_EQ(test, client_says(A, C, S + 1, 0, true, &changed), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_FALSE(test, changed);
	KUNIT_EXPECT_EQ(test, client_says(A, C - 1011, S, 10, true, &changed), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_FALSE(test, changed);
	KUNIT_EXPECT_EQ(test, client_says(A, C, S - 66001, 0, true, &changed), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_FALSE(test, changed);
}

/* A segment past the window by less than the receiver's largest window. */
static void window_overshot(struct kunit *test)
{
	struct nfct_tcp_state st;
	struct nfct_tcp_seg seg;

	/* Starts 1 past maxend: overshoots by 102, within maxwin 1000. */
	window_state(&st);
	seg = seg_of(TCPHDR_ACK, C + 2001, S, 100, 1000);
	KUNIT_EXPECT_EQ(test, window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].end, C + 2101);
	KUNIT_EXPECT_TRUE(test, st.seen[ORIG].flags & UNACKED);
	/* So the ACK for it is not over III's bound. */
	seg = seg_of(TCPHDR_ACK, S, C + 2101, 0, 1000);
	KUNIT_EXPECT_EQ(test, window(&st, REPLY, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_ACCEPT);

	/* Overshooting by more than maxwin is INVALID. */
	window_state(&st);
	seg = seg_of(TCPHDR_ACK, C + 2001, S, 999, 1000);
	KUNIT_EXPECT_EQ(test, window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].end, C);

	/* The sender's BE_LIBERAL (a picked-up flow) accepts it. */
	window_state(&st);
	st.seen[ORIG].flags |= IP_CT_TCP_FLAG_BE_LIBERAL;
	seg = seg_of(TCPHDR_ACK, C + 2001, S, 100, 1000);
	KUNIT_EXPECT_EQ(test, window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED), NFCT_TRACK_ACCEPT);
}

/* Identical pure ACKs in a row count as retransmissions. */
static void window_retrans_counting(struct kunit *test)
{
	struct nfct_tcp_seg seg = seg_of(TCPHDR_ACK, C, S, 0, 1000);
	struct nfct_tcp_state st;
	int i;

	window_state(&st);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED),
				NFCT_TRACK_ACCEPT);
		KUNIT_EXPECT_EQ(test, st.retrans, i);
	}
	/* Another window, or the other side speaking, starts over. */
	seg.win = 999;
	window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, st.retrans, 0);
	window(&st, ORIG, &seg, NFCT_TCP_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, st.retrans, 1);
	seg = seg_of(TCPHDR_ACK, S, C, 0, 1000);
	window(&st, REPLY, &seg, NFCT_TCP_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, st.retrans, 0);
	/* A FIN is never counted. */
	seg = seg_of(TCPHDR_ACK | TCPHDR_FIN, S, C, 0, 1000);
	window(&st, REPLY, &seg, NFCT_TCP_FIN_WAIT);
	window(&st, REPLY, &seg, NFCT_TCP_FIN_WAIT);
	KUNIT_EXPECT_EQ(test, st.retrans, 0);
}

/* A new SYN with a higher sequence in SYN_SENT starts the side afresh. */
static void window_syn_reinit(struct kunit *test)
{
	struct nfct_tcp_seg syn = syn_of(TCPHDR_SYN, 1000, 0, 2000, 5, true);
	struct nfct_tcp_state st = {};

	nfct_tcp_window_new(&st, &syn, false);
	KUNIT_ASSERT_EQ(test, window(&st, ORIG, &syn, NFCT_TCP_SYN_SENT), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].flags & (WS | SACKOK), WS | SACKOK);

	syn = seg_of(TCPHDR_SYN, 900, 0, 0, 3000);
	KUNIT_EXPECT_EQ(test, window(&st, ORIG, &syn, NFCT_TCP_SYN_SENT), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].end, 1001U);

	/* Options, but neither scaling nor SACK: both are forgotten. */
	syn = syn_of(TCPHDR_SYN, 8000, 0, 3000, -1, false);
	syn.has_opts = true;
	KUNIT_EXPECT_EQ(test, window(&st, ORIG, &syn, NFCT_TCP_SYN_SENT), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].end, 8001U);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].maxwin, 3000U);
	KUNIT_EXPECT_EQ(test, st.seen[ORIG].flags & (WS | SACKOK), 0);
}

static struct kunit_case tcp_window_cases[] = {
	KUNIT_CASE(window_wraparound),
	KUNIT_CASE(window_scale_both_sides),
	KUNIT_CASE(window_scale_one_side),
	KUNIT_CASE(window_parse_options),
	KUNIT_CASE(window_zero),
	KUNIT_CASE(window_sack_extends_ack),
	KUNIT_CASE(window_bounds),
	KUNIT_CASE(window_overshot),
	KUNIT_CASE(window_retrans_counting),
	KUNIT_CASE(window_syn_reinit),
	{}
};

static struct kunit_suite tcp_window_suite = {
	.name = "nf_ct_tcp_window",
	.test_cases = tcp_window_cases,
};

/* --- The TCP packet function: whole segments through nfct_l4proto_tcp --- */

#define TCP_TRACKER	nfct_l4proto_find(IPPROTO_TCP)

/* nf_conntrack's defaults. */
static struct nfct_net *tcp_net(struct kunit *test)
{
	static const int secs[NFCT_TCP_STATE_COUNT] = {
		120, 120, 60, 432000, 120, 60, 30, 120, 10, 120,
	};
	struct nfct_net *cn = kunit_kzalloc(test, sizeof(*cn), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, cn);
	for (i = 0; i < NFCT_TCP_STATE_COUNT; i++)
		cn->timeouts.tcp[i] = secs[i] * HZ;
	cn->timeouts.tcp_unack = 300 * HZ;
	cn->timeouts.tcp_retrans = 300 * HZ;
	cn->tcp.loose = 1;
	cn->tcp.max_retrans = 3;
	return cn;
}

/* One segment of @ct's connection from @dir; a reply sets SEEN_REPLY as the hook does. */
static enum nfct_track conn_seg(struct kunit *test, struct nfct_net *cn,
				struct nfct_conn *ct, enum nfct_dir dir, u8 flags,
				u32 seq, u32 ack, unsigned int len)
{
	struct sk_buff *skb = build_tcp(test, flags, seq, ack, 64000, NULL, 0, len);
	enum nfct_track res = TCP_TRACKER->packet(ct, skb, 20, dir, cn);

	kfree_skb(skb);
	if (dir == REPLY && (res == NFCT_TRACK_ACCEPT || res == NFCT_TRACK_IGNORE))
		set_bit(NFCT_SEEN_REPLY, &ct->status);
	return res;
}

/* A new entry from its first segment, as nfct_new() makes it. */
static struct nfct_conn *conn_first(struct kunit *test, struct nfct_net *cn,
				    u8 flags, u32 seq, u32 ack)
{
	struct sk_buff *skb = build_tcp(test, flags, seq, ack, 64000, NULL, 0, 0);
	struct nfct_tuple t, r;
	struct nfct_conn *ct;
	unsigned int off;

	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &t));
	ct = nfct_conn_alloc(&t, &r);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	if (!TCP_TRACKER->new(ct, skb, off, cn)) {
		kfree_skb(skb);
		nfct_conn_put(ct);
		return NULL;
	}
	KUNIT_EXPECT_EQ(test, TCP_TRACKER->packet(ct, skb, off, ORIG, cn),
			NFCT_TRACK_ACCEPT);
	kfree_skb(skb);
	return ct;
}

/* Client ISN 1000, server ISN 5000, handshake done: ESTABLISHED and ASSURED. */
static struct nfct_conn *conn_established(struct kunit *test, struct nfct_net *cn)
{
	struct nfct_conn *ct = conn_first(test, cn, TCPHDR_SYN, 1000, 0);

	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_ASSERT_EQ(test, conn_seg(test, cn, ct, REPLY, TCPHDR_SYN | TCPHDR_ACK, 5000, 1001, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_ACK, 1001, 5001, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_ESTABLISHED);
	KUNIT_ASSERT_TRUE(test, test_bit(NFCT_ASSURED, &ct->status));
	return ct;
}

/* The client closes first; the server's last ACK leaves TIME_WAIT. */
static void conn_close(struct kunit *test, struct nfct_net *cn, struct nfct_conn *ct)
{
	KUNIT_ASSERT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_FIN | TCPHDR_ACK, 1001, 5001, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, conn_seg(test, cn, ct, REPLY, TCPHDR_ACK, 5001, 1002, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, conn_seg(test, cn, ct, REPLY, TCPHDR_FIN | TCPHDR_ACK, 5001, 1002, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_LAST_ACK);
}

/* Before any reply, a retransmitted SYN neither refreshes nor counts. */
static void packet_syn_retransmit_no_refresh(struct kunit *test)
{
	struct nfct_net *cn = tcp_net(test);
	struct nfct_conn *ct = conn_first(test, cn, TCPHDR_SYN, 1000, 0);

	KUNIT_ASSERT_NOT_NULL(test, ct);
	expect_timeout(test, ct, 120 * HZ);
	nfct_refresh(ct, 5 * HZ);	/* time passes */
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_SYN, 1000, 0, 0),
			NFCT_TRACK_IGNORE);
	expect_timeout(test, ct, 5 * HZ);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_SYN_SENT);
	nfct_conn_put(ct);
}

/* A connection refused by an RST goes at once. */
static void packet_rst_before_reply_closes(struct kunit *test)
{
	struct nfct_net *cn = tcp_net(test);
	struct nfct_conn *ct = conn_first(test, cn, TCPHDR_SYN, 1000, 0);

	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, REPLY, TCPHDR_RST | TCPHDR_ACK, 0, 1001, 0),
			NFCT_TRACK_CLOSE);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_CLOSE);
	nfct_conn_put(ct);
}

/* RSTs before the peer's last ACK are INVALID; inexact ones keep ESTABLISHED. */
static void packet_rst_validation(struct kunit *test)
{
	struct nfct_net *cn = tcp_net(test);
	struct nfct_conn *ct = conn_established(test, cn);

	/* The server acknowledged up to 1001. */
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_RST, 1000, 0, 0),
			NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_ESTABLISHED);
	/* In the window, not exact: maybe spoofed; the endpoint will challenge it. */
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_RST, 1500, 0, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_ESTABLISHED);
	expect_timeout(test, ct, 10 * HZ);
	/* Exactly at the peer's ACK: closes. */
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_RST, 1001, 0, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_CLOSE);
	nfct_conn_put(ct);

	/* tcp_ignore_invalid_rst lets the early one through. */
	cn->tcp.ignore_invalid_rst = 1;
	ct = conn_established(test, cn);
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_RST, 1000, 0, 0),
			NFCT_TRACK_ACCEPT);
	nfct_conn_put(ct);
}

/* While closing, an RST is not checked at all: the tuple may be reused. */
static void packet_rst_unchecked_when_closing(struct kunit *test)
{
	struct nfct_net *cn = tcp_net(test);
	struct nfct_conn *ct = conn_established(test, cn);

	KUNIT_ASSERT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_FIN | TCPHDR_ACK, 1001, 5001, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_FIN_WAIT);
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_RST, 7, 0, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_CLOSE);
	nfct_conn_put(ct);
}

/* A SYN after a close seen whole reopens; after an unexplained TIME_WAIT it is ignored. */
static void packet_reopen(struct kunit *test)
{
	struct nfct_net *cn = tcp_net(test);
	struct nfct_conn *ct = conn_established(test, cn);

	conn_close(test, cn, ct);
	KUNIT_ASSERT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_ACK, 1002, 5002, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_TIME_WAIT);
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_SYN, 90000, 0, 0),
			NFCT_TRACK_REOPEN);

	/* Nobody was seen closing first, and no RST: the endpoints may disagree. */
	nfct_conn_proto(ct)->tcp.seen[ORIG].flags &= ~IP_CT_TCP_FLAG_CLOSE_INIT;
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_SYN, 90000, 0, 0),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_TIME_WAIT);
	nfct_conn_put(ct);
}

/* A SYN/ACK answering an ignored SYN resynchronises the entry. */
static void packet_ignored_syn_resync(struct kunit *test)
{
	struct nfct_net *cn = tcp_net(test);
	struct nfct_conn *ct = conn_established(test, cn);

	/* The client restarted; we still think the old connection is open. */
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_SYN, 70000, 0, 0),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_ESTABLISHED);
	/* A SYN/ACK for another SYN changes nothing. */
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, REPLY, TCPHDR_SYN | TCPHDR_ACK, 9000, 123, 0),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_SYN, 70000, 0, 0),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, REPLY, TCPHDR_SYN | TCPHDR_ACK, 9000, 70001, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_SYN_RECV);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.seen[ORIG].end, 70001U);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.seen[REPLY].end, 9001U);
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_ACK, 70001, 9001, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_ESTABLISHED);
	nfct_conn_put(ct);
}

/* In LAST_ACK, the ACK answering a SYN is a challenge ACK, not the last ACK. */
static void packet_challenge_ack_in_last_ack(struct kunit *test)
{
	struct nfct_net *cn = tcp_net(test);
	struct nfct_conn *ct = conn_established(test, cn);

	conn_close(test, cn, ct);
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_SYN, 90000, 0, 0),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_TRUE(test, nfct_conn_proto(ct)->tcp.last_flags & IP_CT_EXP_CHALLENGE_ACK);
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, REPLY, TCPHDR_ACK, 5002, 1002, 0),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_LAST_ACK);
	/* The real last ACK still ends it. */
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_ACK, 1002, 5002, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_TIME_WAIT);
	nfct_conn_put(ct);
}

/* Both sides send a SYN: SYN_SENT2, then the reply's ACK establishes. */
static void packet_simultaneous_open(struct kunit *test)
{
	struct nfct_net *cn = tcp_net(test);
	struct nfct_conn *ct = conn_first(test, cn, TCPHDR_SYN, 1000, 0);

	KUNIT_ASSERT_NOT_NULL(test, ct);
	/* Like a retransmitted SYN, the reply's SYN refreshes nothing. */
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, REPLY, TCPHDR_SYN, 5000, 0, 0),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_SYN_SENT2);
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_SYN | TCPHDR_ACK, 1000, 5001, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_SYN_RECV);
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, REPLY, TCPHDR_ACK, 5001, 1001, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.state, NFCT_TCP_ESTABLISHED);
	KUNIT_EXPECT_TRUE(test, test_bit(NFCT_ASSURED, &ct->status));
	nfct_conn_put(ct);
}

/* Mid-stream pickup only with tcp_loose, and then without window checks. */
static void packet_pickup_needs_loose(struct kunit *test)
{
	struct nfct_net *cn = tcp_net(test);
	const u8 both = IP_CT_TCP_FLAG_SACK_PERM | IP_CT_TCP_FLAG_BE_LIBERAL;
	struct nfct_conn *ct;

	cn->tcp.loose = 0;
	KUNIT_EXPECT_NULL(test, conn_first(test, cn, TCPHDR_ACK, 1000, 5000));
	cn->tcp.loose = 1;
	ct = conn_first(test, cn, TCPHDR_ACK, 1000, 5000);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.seen[ORIG].flags & both, both);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->tcp.seen[REPLY].flags & both, both);
	expect_timeout(test, ct, 300 * HZ);
	/* Far out of any window, still accepted. */
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_ACK, 1000 + (1U << 30), 5000, 0),
			NFCT_TRACK_ACCEPT);
	nfct_conn_put(ct);
}

/* An out-of-window FIN, then RST, on an assured flow shortens it to UNACK. */
static void packet_invalid_close_lowers_timeout(struct kunit *test)
{
	struct nfct_net *cn = tcp_net(test);
	struct nfct_conn *ct = conn_established(test, cn);

	expect_timeout(test, ct, 432000 * HZ);
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, ORIG, TCPHDR_FIN | TCPHDR_ACK,
				      1001 + 200000, 5001, 0), NFCT_TRACK_INVALID);
	expect_timeout(test, ct, 432000 * HZ);
	KUNIT_EXPECT_EQ(test, conn_seg(test, cn, ct, REPLY, TCPHDR_RST, 5001 + 200000, 0, 0),
			NFCT_TRACK_INVALID);
	expect_timeout(test, ct, 300 * HZ);
	nfct_conn_put(ct);
}

/* A corrupt segment is INVALID where packets arrive; what we send is trusted. */
static void packet_bad_checksum(struct kunit *test)
{
	struct nfct_net *cn = tcp_net(test);
	struct sk_buff *skb = build_tcp(test, TCPHDR_SYN, 1000, 0, 64000, NULL, 0, 0);
	struct tcphdr *th = (struct tcphdr *)(skb->data + 20);
	unsigned int invalid = 0;
	struct nfct_conn *got;
	u8 info;
	int cpu;

	cn->stat = alloc_percpu(struct nfct_stat);
	KUNIT_ASSERT_NOT_NULL(test, cn->stat);
	ip_send_check(ip_hdr(skb));
	th->check = tcp_v4_check(sizeof(*th), A_ADDR, B_ADDR,
				 csum_partial(th, sizeof(*th), 0));
	KUNIT_EXPECT_EQ(test, TCP_TRACKER->error(cn, skb, 20, NF_INET_PRE_ROUTING), NFCT_TRACK_IT);
	skb->ip_summed = CHECKSUM_NONE;
	th->check ^= htons(1);
	KUNIT_EXPECT_EQ(test, TCP_TRACKER->error(cn, skb, 20, NF_INET_LOCAL_OUT), NFCT_TRACK_IT);
	skb->ip_summed = CHECKSUM_NONE;
	KUNIT_EXPECT_EQ(test, TCP_TRACKER->error(cn, skb, 20, NF_INET_PRE_ROUTING), NF_ACCEPT);
	for_each_possible_cpu(cpu)
		invalid += per_cpu_ptr(cn->stat, cpu)->invalid;
	KUNIT_EXPECT_EQ(test, invalid, 1U);
	KUNIT_ASSERT_TRUE(test, nfct_pkt_take(cn, skb, &got, &info));
	KUNIT_EXPECT_EQ(test, info, (u8)NFCT_INFO_INVALID);
	kfree_skb(skb);
	free_percpu(cn->stat);
}

/* The invalid and error columns of @cn's stats, summed over CPUs. */
static void stat_sums(struct nfct_net *cn, unsigned int *invalid, unsigned int *error)
{
	int cpu;

	*invalid = 0;
	*error = 0;
	for_each_possible_cpu(cpu) {
		*invalid += per_cpu_ptr(cn->stat, cpu)->invalid;
		*error += per_cpu_ptr(cn->stat, cpu)->error;
	}
}

/*
 * UDP's checks sit beside TCP's: a corrupt datagram arriving is INVALID (its
 * flow's counters stay), one sent is trusted, a zero sum is no sum, and a
 * length field beyond the packet is INVALID anywhere (udp_error()).
 */
static void packet_udp_bad_checksum(struct kunit *test)
{
	struct {
		struct udphdr uh;
		char data[4];
	} __packed d = {
		.uh = { .source = htons(41297), .dest = htons(53), .len = htons(12) },
		.data = "abc",
	};
	struct nfct_net *cn = tcp_net(test);
	const struct nfct_l4proto *udp = nfct_l4proto_find(IPPROTO_UDP);
	struct sk_buff *skb;
	struct udphdr *uh;
	unsigned int invalid, error;
	struct nfct_conn *got;
	u8 info;

	cn->stat = alloc_percpu(struct nfct_stat);
	KUNIT_ASSERT_NOT_NULL(test, cn->stat);
	skb = build_ipv4(test, IPPROTO_UDP, &d, sizeof(d));
	/* The sum is checked over the IP header too: it must be right. */
	ip_send_check(ip_hdr(skb));
	uh = (struct udphdr *)(skb->data + 20);
	uh->check = csum_tcpudp_magic(A_ADDR, B_ADDR, sizeof(d), IPPROTO_UDP,
				      csum_partial(uh, sizeof(d), 0));
	KUNIT_EXPECT_EQ(test, udp->error(cn, skb, 20, NF_INET_PRE_ROUTING), NFCT_TRACK_IT);
	skb->ip_summed = CHECKSUM_NONE;
	uh->check ^= htons(1);
	KUNIT_EXPECT_EQ(test, udp->error(cn, skb, 20, NF_INET_LOCAL_OUT), NFCT_TRACK_IT);
	skb->ip_summed = CHECKSUM_NONE;
	KUNIT_EXPECT_EQ(test, udp->error(cn, skb, 20, NF_INET_PRE_ROUTING), NF_ACCEPT);
	KUNIT_ASSERT_TRUE(test, nfct_pkt_take(cn, skb, &got, &info));
	KUNIT_EXPECT_EQ(test, info, (u8)NFCT_INFO_INVALID);
	uh->check = 0;
	skb->ip_summed = CHECKSUM_NONE;
	KUNIT_EXPECT_EQ(test, udp->error(cn, skb, 20, NF_INET_PRE_ROUTING), NFCT_TRACK_IT);
	uh->len = htons(13);
	KUNIT_EXPECT_EQ(test, udp->error(cn, skb, 20, NF_INET_LOCAL_OUT), NF_ACCEPT);
	KUNIT_ASSERT_TRUE(test, nfct_pkt_take(cn, skb, &got, &info));
	stat_sums(cn, &invalid, &error);
	KUNIT_EXPECT_EQ(test, invalid, 2U);
	KUNIT_EXPECT_EQ(test, error, 0U);
	kfree_skb(skb);
	free_percpu(cn->stat);
}

/*
 * A corrupt ICMP query arriving is an ICMP error and tracked by nobody; its
 * verdict goes with it, or the entry of its id would speak for it later.
 */
static void packet_icmp_bad_checksum(struct kunit *test)
{
	struct icmphdr ih = { .type = ICMP_ECHO, .un.echo.id = htons(7) };
	const struct nfct_l4proto *icmp = nfct_l4proto_find(IPPROTO_ICMP);
	struct nfct_net *cn = tcp_net(test);
	unsigned int invalid, error;
	struct nfct_conn *got;
	struct sk_buff *skb;
	struct icmphdr *h;
	u8 info;

	cn->stat = alloc_percpu(struct nfct_stat);
	KUNIT_ASSERT_NOT_NULL(test, cn->stat);
	skb = build_ipv4(test, IPPROTO_ICMP, &ih, sizeof(ih));
	ip_send_check(ip_hdr(skb));
	h = (struct icmphdr *)(skb->data + 20);
	h->checksum = ip_compute_csum(h, sizeof(*h));
	KUNIT_EXPECT_EQ(test, icmp->error(cn, skb, 20, NF_INET_PRE_ROUTING), NFCT_TRACK_IT);
	skb->ip_summed = CHECKSUM_NONE;
	h->checksum ^= htons(1);
	KUNIT_EXPECT_EQ(test, icmp->error(cn, skb, 20, NF_INET_LOCAL_OUT), NFCT_TRACK_IT);
	skb->ip_summed = CHECKSUM_NONE;
	KUNIT_EXPECT_EQ(test, icmp->error(cn, skb, 20, NF_INET_PRE_ROUTING), NF_ACCEPT);
	stat_sums(cn, &invalid, &error);
	KUNIT_EXPECT_EQ(test, invalid, 0U);
	KUNIT_EXPECT_EQ(test, error, 1U);
	KUNIT_ASSERT_TRUE(test, nfct_pkt_take(cn, skb, &got, &info));
	KUNIT_EXPECT_EQ(test, info, (u8)NFCT_INFO_INVALID);
	KUNIT_EXPECT_NULL(test, got);
	kfree_skb(skb);
	free_percpu(cn->stat);
}

/* The timeout an accepted packet sets, rule by rule, in nf_conntrack's order. */
static void packet_timeout_choice(struct kunit *test)
{
	struct nfct_net *cn = timeouts_net(test);
	struct nfct_tcp_state st = { .last_win = 1000 };
	const int es = 1000 + NFCT_TCP_ESTABLISHED;

	cn->timeouts.tcp_retrans = 600;
	KUNIT_EXPECT_EQ(test, nfct_tcp_timeout(&st, NFCT_TCP_ESTABLISHED, NFCT_TCP_ACK, cn), es);
	st.last_win = 0;
	KUNIT_EXPECT_EQ(test, nfct_tcp_timeout(&st, NFCT_TCP_ESTABLISHED, NFCT_TCP_ACK, cn), 600);
	st.seen[REPLY].flags |= UNACKED;
	KUNIT_EXPECT_EQ(test, nfct_tcp_timeout(&st, NFCT_TCP_ESTABLISHED, NFCT_TCP_ACK, cn), 500);
	KUNIT_EXPECT_EQ(test, nfct_tcp_timeout(&st, NFCT_TCP_ESTABLISHED, NFCT_TCP_RST, cn),
			1000 + NFCT_TCP_CLOSE);
	st.retrans = 2;
	KUNIT_EXPECT_EQ(test, nfct_tcp_timeout(&st, NFCT_TCP_ESTABLISHED, NFCT_TCP_ACK, cn), 500);
	st.retrans = 3;
	KUNIT_EXPECT_EQ(test, nfct_tcp_timeout(&st, NFCT_TCP_ESTABLISHED, NFCT_TCP_RST, cn), 600);
	/* The caps only ever shorten. */
	cn->timeouts.tcp[NFCT_TCP_SYN_RECV] = 100;
	KUNIT_EXPECT_EQ(test, nfct_tcp_timeout(&st, NFCT_TCP_SYN_RECV, NFCT_TCP_ACK, cn), 100);
	st.retrans = 0;
	KUNIT_EXPECT_EQ(test, nfct_tcp_timeout(&st, NFCT_TCP_SYN_RECV, NFCT_TCP_ACK, cn), 100);
}

static struct kunit_case tcp_packet_cases[] = {
	KUNIT_CASE(packet_syn_retransmit_no_refresh),
	KUNIT_CASE(packet_rst_before_reply_closes),
	KUNIT_CASE(packet_rst_validation),
	KUNIT_CASE(packet_rst_unchecked_when_closing),
	KUNIT_CASE(packet_reopen),
	KUNIT_CASE(packet_ignored_syn_resync),
	KUNIT_CASE(packet_challenge_ack_in_last_ack),
	KUNIT_CASE(packet_simultaneous_open),
	KUNIT_CASE(packet_pickup_needs_loose),
	KUNIT_CASE(packet_invalid_close_lowers_timeout),
	KUNIT_CASE(packet_bad_checksum),
	KUNIT_CASE(packet_udp_bad_checksum),
	KUNIT_CASE(packet_icmp_bad_checksum),
	KUNIT_CASE(packet_timeout_choice),
	{}
};

static struct kunit_suite tcp_packet_suite = {
	.name = "nf_ct_tcp_packet",
	.test_cases = tcp_packet_cases,
};

/*
 * nf_ct_xt: rules evaluated on constructed entries and verdicts, each
 * expectation what xt_conntrack/xt_state say for the same ct and ctinfo.
 */
static struct xt_conntrack_mtinfo3 xt_rule(u16 flags, u16 invert)
{
	return (struct xt_conntrack_mtinfo3){ .match_flags = flags, .invert_flags = invert };
}

static bool xt_eval(const struct xt_conntrack_mtinfo3 *r, u8 info,
		    const struct nfct_conn *ct)
{
	return nfct_xt_conntrack_eval(r, 3, info, ct);
}

#define ST(ctinfo)	XT_CONNTRACK_STATE_BIT(ctinfo)

/* Each verdict sets exactly its own --ctstate bit; replies fold onto theirs. */
static void xt_ctstate_of_each_verdict(struct kunit *test)
{
	static const struct { u8 info; bool entry; u16 bit; } cases[] = {
		{ IP_CT_NEW, true, ST(IP_CT_NEW) },
		{ IP_CT_ESTABLISHED, true, ST(IP_CT_ESTABLISHED) },
		{ IP_CT_ESTABLISHED_REPLY, true, ST(IP_CT_ESTABLISHED) },
		{ IP_CT_RELATED, true, ST(IP_CT_RELATED) },
		{ IP_CT_RELATED_REPLY, true, ST(IP_CT_RELATED) },
		{ NFCT_INFO_INVALID, false, XT_CONNTRACK_STATE_INVALID },
		{ IP_CT_UNTRACKED, false, XT_CONNTRACK_STATE_UNTRACKED },
	};
	static const u16 all[] = {
		ST(IP_CT_NEW), ST(IP_CT_ESTABLISHED), ST(IP_CT_RELATED),
		XT_CONNTRACK_STATE_INVALID, XT_CONNTRACK_STATE_UNTRACKED,
		XT_CONNTRACK_STATE_SNAT, XT_CONNTRACK_STATE_DNAT,
	};
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP);
	struct xt_conntrack_mtinfo3 r;
	int i, j;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct nfct_conn *c = NULL;

		if (cases[i].entry)
			c = ct;
		for (j = 0; j < ARRAY_SIZE(all); j++) {
			r = xt_rule(XT_CONNTRACK_STATE, 0);
			r.state_mask = all[j];
			KUNIT_EXPECT_EQ_MSG(test, xt_eval(&r, cases[i].info, c),
					    all[j] == cases[i].bit, "info %u state 0x%x",
					    cases[i].info, all[j]);
			r.invert_flags = XT_CONNTRACK_STATE;
			KUNIT_EXPECT_EQ_MSG(test, xt_eval(&r, cases[i].info, c),
					    all[j] != cases[i].bit, "info %u ! state 0x%x",
					    cases[i].info, all[j]);
		}
	}
	/* An INVALID verdict on an entry (the tracker said no) is INVALID. */
	r = xt_rule(XT_CONNTRACK_STATE, 0);
	r.state_mask = XT_CONNTRACK_STATE_INVALID;
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, NFCT_INFO_INVALID, ct));
	nfct_conn_put(ct);
}

/* SNAT and DNAT are the entry's IPS_SRC_NAT/IPS_DST_NAT, beside its state. */
static void xt_ctstate_snat_dnat(struct kunit *test)
{
	struct nfct_conn *ct = make_conn(test, IPPROTO_TCP);
	struct xt_conntrack_mtinfo3 r = xt_rule(XT_CONNTRACK_STATE, 0);

	r.state_mask = XT_CONNTRACK_STATE_SNAT;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));
	set_bit(IPS_SRC_NAT_BIT, &ct->status);
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));
	r.state_mask = XT_CONNTRACK_STATE_DNAT;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));
	set_bit(IPS_DST_NAT_BIT, &ct->status);
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_ESTABLISHED_REPLY, ct));
	r.state_mask = ST(IP_CT_ESTABLISHED);
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));
	nfct_conn_put(ct);
}

/* The state match (revision 0) has its own UNTRACKED bit and no NAT bits. */
static void xt_state_rev0(struct kunit *test)
{
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP);
	struct xt_state_info s = { .statemask = XT_STATE_BIT(IP_CT_ESTABLISHED) |
						XT_STATE_BIT(IP_CT_RELATED) };

	KUNIT_EXPECT_TRUE(test, nfct_xt_state_eval(&s, IP_CT_ESTABLISHED, ct));
	KUNIT_EXPECT_TRUE(test, nfct_xt_state_eval(&s, IP_CT_ESTABLISHED_REPLY, ct));
	KUNIT_EXPECT_TRUE(test, nfct_xt_state_eval(&s, IP_CT_RELATED_REPLY, ct));
	KUNIT_EXPECT_FALSE(test, nfct_xt_state_eval(&s, IP_CT_NEW, ct));
	KUNIT_EXPECT_FALSE(test, nfct_xt_state_eval(&s, NFCT_INFO_INVALID, NULL));
	KUNIT_EXPECT_FALSE(test, nfct_xt_state_eval(&s, IP_CT_UNTRACKED, NULL));
	s.statemask = XT_STATE_INVALID;
	KUNIT_EXPECT_TRUE(test, nfct_xt_state_eval(&s, NFCT_INFO_INVALID, NULL));
	KUNIT_EXPECT_TRUE(test, nfct_xt_state_eval(&s, NFCT_INFO_INVALID, ct));
	KUNIT_EXPECT_FALSE(test, nfct_xt_state_eval(&s, IP_CT_UNTRACKED, NULL));
	s.statemask = XT_STATE_UNTRACKED;
	KUNIT_EXPECT_TRUE(test, nfct_xt_state_eval(&s, IP_CT_UNTRACKED, NULL));
	s.statemask = XT_STATE_BIT(IP_CT_NEW);
	KUNIT_EXPECT_TRUE(test, nfct_xt_state_eval(&s, IP_CT_NEW, ct));
	/* `! --state NEW`, as iptables writes it: the complement. */
	s.statemask = ~XT_STATE_BIT(IP_CT_NEW);
	KUNIT_EXPECT_FALSE(test, nfct_xt_state_eval(&s, IP_CT_NEW, ct));
	KUNIT_EXPECT_TRUE(test, nfct_xt_state_eval(&s, IP_CT_ESTABLISHED, ct));
	KUNIT_EXPECT_TRUE(test, nfct_xt_state_eval(&s, NFCT_INFO_INVALID, NULL));
	nfct_conn_put(ct);
}

/* Addresses under masks, in both tuples, and negated. */
static void xt_addresses(struct kunit *test)
{
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP);	/* A -> B */
	struct xt_conntrack_mtinfo3 r;

	r = xt_rule(XT_CONNTRACK_ORIGSRC, 0);
	r.origsrc_addr.ip = A_ADDR;
	r.origsrc_mask.ip = htonl(0xffffffff);
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_NEW, ct));
	r.origsrc_addr.ip = B_ADDR;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_NEW, ct));
	r.origsrc_mask.ip = htonl(0xff000000);	/* 10.0.0.0/8 holds both */
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_NEW, ct));
	r.invert_flags = XT_CONNTRACK_ORIGSRC;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_NEW, ct));

	r = xt_rule(XT_CONNTRACK_ORIGDST, 0);
	r.origdst_addr.ip = B_ADDR;
	r.origdst_mask.ip = htonl(0xffffffff);
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_ESTABLISHED_REPLY, ct));
	r.invert_flags = XT_CONNTRACK_ORIGDST;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_ESTABLISHED_REPLY, ct));

	/* The reply tuple: B answers A. */
	r = xt_rule(XT_CONNTRACK_REPLSRC | XT_CONNTRACK_REPLDST, 0);
	r.replsrc_addr.ip = B_ADDR;
	r.replsrc_mask.ip = htonl(0xffffffff);
	r.repldst_addr.ip = A_ADDR;
	r.repldst_mask.ip = htonl(0xffffffff);
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_NEW, ct));
	r.repldst_addr.ip = B_ADDR;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_NEW, ct));
	r.invert_flags = XT_CONNTRACK_REPLDST;
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_NEW, ct));
	nfct_conn_put(ct);
}

/* --ctproto; ports exact and in network order before revision 3, ranges after. */
static void xt_proto_and_ports(struct kunit *test)
{
	struct nfct_conn *ct = make_conn(test, IPPROTO_TCP);	/* 41297 -> 80 */
	struct nfct_conn *icmp = make_conn(test, IPPROTO_ICMP);	/* echo, id 4660 */
	struct xt_conntrack_mtinfo2 r2 = { .match_flags = XT_CONNTRACK_PROTO };
	struct xt_conntrack_mtinfo3 r;

	r2.l4proto = IPPROTO_TCP;
	KUNIT_EXPECT_TRUE(test, nfct_xt_conntrack_eval(&r2, 2, IP_CT_NEW, ct));
	r2.l4proto = IPPROTO_UDP;
	KUNIT_EXPECT_FALSE(test, nfct_xt_conntrack_eval(&r2, 2, IP_CT_NEW, ct));
	r2.invert_flags = XT_CONNTRACK_PROTO;
	KUNIT_EXPECT_TRUE(test, nfct_xt_conntrack_eval(&r2, 2, IP_CT_NEW, ct));

	r2 = (struct xt_conntrack_mtinfo2){ .match_flags = XT_CONNTRACK_ORIGDST_PORT |
							   XT_CONNTRACK_REPLSRC_PORT };
	r2.origdst_port = htons(80);
	r2.replsrc_port = htons(80);
	KUNIT_EXPECT_TRUE(test, nfct_xt_conntrack_eval(&r2, 2, IP_CT_NEW, ct));
	r2.replsrc_port = htons(41297);
	KUNIT_EXPECT_FALSE(test, nfct_xt_conntrack_eval(&r2, 2, IP_CT_NEW, ct));
	r2.invert_flags = XT_CONNTRACK_REPLSRC_PORT;
	KUNIT_EXPECT_TRUE(test, nfct_xt_conntrack_eval(&r2, 2, IP_CT_NEW, ct));

	r = xt_rule(XT_CONNTRACK_ORIGSRC_PORT | XT_CONNTRACK_REPLDST_PORT, 0);
	r.origsrc_port = 41000;
	r.origsrc_port_high = 41297;	/* inclusive */
	r.repldst_port = 41297;
	r.repldst_port_high = 41297;
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));
	r.origsrc_port_high = 41296;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));
	r.invert_flags = XT_CONNTRACK_ORIGSRC_PORT;
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));

	/* ICMP: the id is the source port, type and code the destination's. */
	r = xt_rule(XT_CONNTRACK_ORIGSRC_PORT | XT_CONNTRACK_ORIGDST_PORT, 0);
	r.origsrc_port = 4660;
	r.origsrc_port_high = 4660;
	r.origdst_port = ICMP_ECHO << 8;
	r.origdst_port_high = ICMP_ECHO << 8;
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_NEW, icmp));
	r.origdst_port = ICMP_ECHOREPLY << 8;
	r.origdst_port_high = ICMP_ECHOREPLY << 8;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_NEW, icmp));
	nfct_conn_put(icmp);
	nfct_conn_put(ct);
}

/* --ctstatus: any of the bits asked for; nf_ct never sets EXPECTED. */
static void xt_status(struct kunit *test)
{
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP);
	struct xt_conntrack_mtinfo3 r = xt_rule(XT_CONNTRACK_STATUS, 0);

	r.status_mask = IPS_SEEN_REPLY | IPS_ASSURED;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_NEW, ct));
	set_bit(IPS_SEEN_REPLY_BIT, &ct->status);
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));
	r.status_mask = IPS_CONFIRMED;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));
	set_bit(NFCT_CONFIRMED, &ct->status);
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));
	r.status_mask = IPS_EXPECTED;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));
	r.invert_flags = XT_CONNTRACK_STATUS;
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));
	/* nf_ct's own bits (accounting, above the uapi's) are never asked. */
	r = xt_rule(XT_CONNTRACK_STATUS, 0);
	r.status_mask = IPS_ASSURED;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));
	nfct_conn_put(ct);
}

/* --ctexpire in whole seconds left, bounds included; the entry has 30.5 s. */
static void xt_expire(struct kunit *test)
{
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP);
	struct xt_conntrack_mtinfo3 r = xt_rule(XT_CONNTRACK_EXPIRES, 0);

	r.expires_min = 30;
	r.expires_max = 30;
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_NEW, ct));
	r.expires_min = 31;
	r.expires_max = 100;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_NEW, ct));
	r.invert_flags = XT_CONNTRACK_EXPIRES;
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_NEW, ct));
	r = xt_rule(XT_CONNTRACK_EXPIRES, 0);
	r.expires_max = 29;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_NEW, ct));
	ct->timeout = (u32)jiffies - HZ;	/* expired: 0 s left */
	r.expires_max = 0;
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_NEW, ct));
	nfct_conn_put(ct);
}

/* --ctdir ORIGINAL is the verdicts below IP_CT_IS_REPLY; ! means REPLY. */
static void xt_direction(struct kunit *test)
{
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP);
	struct xt_conntrack_mtinfo3 r = xt_rule(XT_CONNTRACK_DIRECTION, 0);

	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_NEW, ct));
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_RELATED, ct));
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_ESTABLISHED_REPLY, ct));
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_RELATED_REPLY, ct));
	r.invert_flags = XT_CONNTRACK_DIRECTION;
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_ESTABLISHED_REPLY, ct));
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_ESTABLISHED, ct));
	nfct_conn_put(ct);
}

/*
 * A packet without an entry matches a rule only through --ctstate, and then
 * whatever else the rule asks: xt_conntrack's "if (ct == NULL)" shortcut.
 */
static void xt_no_entry_only_state(struct kunit *test)
{
	struct xt_conntrack_mtinfo3 r = xt_rule(XT_CONNTRACK_PROTO, 0);

	r.l4proto = IPPROTO_UDP;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, NFCT_INFO_INVALID, NULL));
	r.invert_flags = XT_CONNTRACK_PROTO;
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, NFCT_INFO_INVALID, NULL));
	r = xt_rule(XT_CONNTRACK_STATE | XT_CONNTRACK_PROTO | XT_CONNTRACK_EXPIRES, 0);
	r.state_mask = XT_CONNTRACK_STATE_UNTRACKED;
	r.l4proto = IPPROTO_TCP;
	KUNIT_EXPECT_TRUE(test, xt_eval(&r, IP_CT_UNTRACKED, NULL));
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, NFCT_INFO_INVALID, NULL));
	r = xt_rule(XT_CONNTRACK_DIRECTION, XT_CONNTRACK_DIRECTION);
	KUNIT_EXPECT_FALSE(test, xt_eval(&r, IP_CT_UNTRACKED, NULL));
}

/* Revision 1 keeps its state and status masks in single bytes. */
static void xt_rev1_masks(struct kunit *test)
{
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP);
	struct xt_conntrack_mtinfo1 r1 = {
		.match_flags = XT_CONNTRACK_STATE | XT_CONNTRACK_STATUS,
		.state_mask = ST(IP_CT_ESTABLISHED),
		.status_mask = IPS_SEEN_REPLY,
	};

	KUNIT_EXPECT_FALSE(test, nfct_xt_conntrack_eval(&r1, 1, IP_CT_ESTABLISHED, ct));
	set_bit(IPS_SEEN_REPLY_BIT, &ct->status);
	KUNIT_EXPECT_TRUE(test, nfct_xt_conntrack_eval(&r1, 1, IP_CT_ESTABLISHED, ct));
	KUNIT_EXPECT_FALSE(test, nfct_xt_conntrack_eval(&r1, 1, IP_CT_NEW, ct));
	r1.invert_flags = XT_CONNTRACK_STATE;
	KUNIT_EXPECT_TRUE(test, nfct_xt_conntrack_eval(&r1, 1, IP_CT_NEW, ct));
	nfct_conn_put(ct);
}

/* What nf_ct cannot answer is refused when the rule is loaded. */
static void xt_checkentry_refuses(struct kunit *test)
{
	struct xt_conntrack_mtinfo3 r = xt_rule(XT_CONNTRACK_STATE | XT_CONNTRACK_STATE_ALIAS, 0);
	struct xt_conntrack_mtinfo1 r1 = { .match_flags = XT_CONNTRACK_STATUS };

	r.state_mask = ST(IP_CT_NEW) | XT_CONNTRACK_STATE_SNAT | XT_CONNTRACK_STATE_UNTRACKED;
	KUNIT_EXPECT_EQ(test, nfct_xt_conntrack_valid(&r, 3), 0);
	r.state_mask = 1 << 4;			/* no state has this bit */
	KUNIT_EXPECT_EQ(test, nfct_xt_conntrack_valid(&r, 3), -EINVAL);
	r = xt_rule(1 << 14, 0);		/* an option this kernel's uapi lacks */
	KUNIT_EXPECT_EQ(test, nfct_xt_conntrack_valid(&r, 3), -EINVAL);
	r = xt_rule(XT_CONNTRACK_PROTO, XT_CONNTRACK_PROTO | XT_CONNTRACK_ORIGSRC);
	KUNIT_EXPECT_EQ(test, nfct_xt_conntrack_valid(&r, 3), -EINVAL);
	r = xt_rule(XT_CONNTRACK_STATUS, 0);
	r.status_mask = IPS_EXPECTED | IPS_SEEN_REPLY | IPS_ASSURED | IPS_CONFIRMED;
	KUNIT_EXPECT_EQ(test, nfct_xt_conntrack_valid(&r, 2), 0);
	r.status_mask = IPS_SEQ_ADJUST;
	KUNIT_EXPECT_EQ(test, nfct_xt_conntrack_valid(&r, 2), -EINVAL);
	r1.status_mask = IPS_SRC_NAT;
	KUNIT_EXPECT_EQ(test, nfct_xt_conntrack_valid(&r1, 1), -EINVAL);
}

/* NOTRACK's mark on skb->_nfct makes nf_ct's verdict UNTRACKED, without an entry. */
static void xt_packet_info_untracked(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct sk_buff *skb = build_udp_query(test);
	struct nfct_conn *ct = make_conn(test, IPPROTO_UDP), *got;

	KUNIT_ASSERT_EQ(test, nfct_table_insert(cn, ct), 0);
	rcu_read_lock();
	KUNIT_EXPECT_EQ(test, nfct_packet_info(cn, skb, &got), (u8)IP_CT_NEW);
	skb_set_nfct(skb, IP_CT_UNTRACKED);
	KUNIT_EXPECT_EQ(test, nfct_packet_info(cn, skb, &got), (u8)IP_CT_UNTRACKED);
	KUNIT_EXPECT_NULL(test, got);
	rcu_read_unlock();
	skb_set_nfct(skb, 0);
	kfree_skb(skb);
	nfct_table_destroy(cn);
}

static struct kunit_case xt_cases[] = {
	KUNIT_CASE(xt_ctstate_of_each_verdict),
	KUNIT_CASE(xt_ctstate_snat_dnat),
	KUNIT_CASE(xt_state_rev0),
	KUNIT_CASE(xt_addresses),
	KUNIT_CASE(xt_proto_and_ports),
	KUNIT_CASE(xt_status),
	KUNIT_CASE(xt_expire),
	KUNIT_CASE(xt_direction),
	KUNIT_CASE(xt_no_entry_only_state),
	KUNIT_CASE(xt_rev1_masks),
	KUNIT_CASE(xt_checkentry_refuses),
	KUNIT_CASE(xt_packet_info_untracked),
	{}
};

static struct kunit_suite xt_suite = {
	.name = "nf_ct_xt",
	.test_cases = xt_cases,
};

/* IPv6: 2001:db8::1 -> 2001:db8::2, extension headers as given. */
static const struct in6_addr v6_a = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
static const struct in6_addr v6_b = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } };

/*
 * An IPv6 packet whose first next header is @nexthdr, then @ext (the
 * extension headers, their own next headers inside) and @l4.
 */
static struct sk_buff *build_ipv6(struct kunit *test, u8 nexthdr, const void *ext,
				  unsigned int extlen, const void *l4, unsigned int l4len)
{
	struct sk_buff *skb = alloc_skb(sizeof(struct ipv6hdr) + extlen + l4len, GFP_KERNEL);
	struct ipv6hdr *ip6h;

	KUNIT_ASSERT_NOT_NULL(test, skb);
	ip6h = skb_put_zero(skb, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->nexthdr = nexthdr;
	ip6h->hop_limit = 64;
	ip6h->saddr = v6_a;
	ip6h->daddr = v6_b;
	ip6h->payload_len = htons(extlen + l4len);
	skb_put_data(skb, ext, extlen);
	skb_put_data(skb, l4, l4len);
	skb_reset_network_header(skb);
	return skb;
}

/* Hop-by-hop, destination options and AH are skipped to the TCP header. */
static void ipv6_tuple_past_exthdrs(struct kunit *test)
{
	const u8 ext[] = {
		NEXTHDR_DEST, 0, 1, 4, 0, 0, 0, 0,	/* hop-by-hop, PadN */
		NEXTHDR_AUTH, 0, 1, 4, 0, 0, 0, 0,	/* destination options */
		NEXTHDR_TCP, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,	/* AH: (1 + 2) * 4 bytes */
	};
	struct tcphdr th = { .source = htons(40000), .dest = htons(80), .doff = 5, .syn = 1 };
	struct sk_buff *skb = build_ipv6(test, NEXTHDR_HOP, ext, sizeof(ext), &th, sizeof(th));
	struct nfct_tuple t, r;
	unsigned int off;

	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, off, 40U + sizeof(ext));
	KUNIT_EXPECT_EQ(test, t.l3, NFCT_L3_IPV6);
	KUNIT_EXPECT_EQ(test, t.protonum, IPPROTO_TCP);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&t.src6, &v6_a));
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&t.dst6, &v6_b));
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 80);
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &t));
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&r.src6, &v6_b));
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&r.dst6, &v6_a));
	KUNIT_EXPECT_EQ(test, ntohs(r.sport), 80);
	KUNIT_EXPECT_EQ(test, r.l3, NFCT_L3_IPV6);
	kfree_skb(skb);
}

/*
 * As ipv6_skip_exthdr: a chain ending in no-next-header, an extension
 * header cut short, and a later fragment give no tuple; a first fragment
 * and ESP (the L4 protocol, generic) do.
 */
static void ipv6_tuple_malformed_and_generic(struct kunit *test)
{
	const u8 none[] = { NEXTHDR_NONE, 0, 1, 4, 0, 0, 0, 0 };
	const u8 cut[] = { NEXTHDR_UDP, 1, 1, 4, 0, 0 };	/* says 16 bytes */
	const u8 later[] = { NEXTHDR_UDP, 0, 0, 8 | 1, 0, 0, 0, 7 };	/* offset 1, MF */
	const u8 first[] = { NEXTHDR_UDP, 0, 0, 1, 0, 0, 0, 7 };	/* offset 0, MF */
	struct udphdr uh = { .source = htons(5353), .dest = htons(53), .len = htons(8) };
	const u8 esp[8] = { 0, 0, 0, 1 };
	struct sk_buff *skb;
	struct nfct_tuple t;
	unsigned int off;

	skb = build_ipv6(test, NEXTHDR_HOP, none, sizeof(none), &uh, sizeof(uh));
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), -EINVAL);
	kfree_skb(skb);
	skb = build_ipv6(test, NEXTHDR_DEST, cut, sizeof(cut), NULL, 0);
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), -EINVAL);
	kfree_skb(skb);
	skb = build_ipv6(test, NEXTHDR_FRAGMENT, later, sizeof(later), &uh, sizeof(uh));
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), -EAGAIN);
	kfree_skb(skb);
	skb = build_ipv6(test, NEXTHDR_FRAGMENT, first, sizeof(first), &uh, sizeof(uh));
	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, t.protonum, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 5353);
	kfree_skb(skb);
	skb = build_ipv6(test, NEXTHDR_ESP, NULL, 0, esp, sizeof(esp));
	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, t.protonum, IPPROTO_ESP);
	KUNIT_EXPECT_PTR_EQ(test, nfct_l4proto_find(t.protonum), &nfct_l4proto_generic);
	kfree_skb(skb);
}

/* An ICMPv6 error's quote, extension headers and all, and an echo's tuple. */
static void ipv6_tuple_icmpv6(struct kunit *test)
{
	struct {
		struct icmp6hdr ih;
		struct ipv6hdr ip6h;
		u8 dest[8];
		struct udphdr uh;
	} __packed err = {
		.ih = { .icmp6_type = ICMPV6_DEST_UNREACH, .icmp6_code = 4 },
		.ip6h = { .version = 6, .nexthdr = NEXTHDR_DEST, .saddr = v6_b, .daddr = v6_a },
		.dest = { NEXTHDR_UDP, 0, 1, 4 },
		.uh = { .source = htons(5353), .dest = htons(53) },
	};
	struct icmp6hdr echo = { .icmp6_type = ICMPV6_ECHO_REQUEST, .icmp6_identifier = htons(7) };
	struct sk_buff *skb = build_ipv6(test, NEXTHDR_ICMP, NULL, 0, &err, sizeof(err));
	struct nfct_tuple t, r;
	unsigned int off;

	KUNIT_ASSERT_EQ(test, nfct_tuple_from_quote(skb, 40 + sizeof(err.ih), &t), 0);
	KUNIT_EXPECT_EQ(test, t.l3, NFCT_L3_IPV6);
	KUNIT_EXPECT_EQ(test, t.protonum, IPPROTO_UDP);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&t.src6, &v6_b));
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 53);
	/* Cut before the UDP ports: no tuple. */
	skb_trim(skb, skb->len - sizeof(err.uh));
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_quote(skb, 40 + sizeof(err.ih), &t), -EINVAL);
	kfree_skb(skb);

	skb = build_ipv6(test, NEXTHDR_ICMP, NULL, 0, &echo, sizeof(echo));
	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, t.icmp.type, ICMPV6_ECHO_REQUEST);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 7);
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &t));
	KUNIT_EXPECT_EQ(test, r.icmp.type, ICMPV6_ECHO_REPLY);
	kfree_skb(skb);
}

static struct nfct_conn *make_conn6(struct kunit *test, u8 proto)
{
	struct nfct_tuple o = { .l3 = NFCT_L3_IPV6, .protonum = proto };
	struct nfct_tuple r;
	struct nfct_conn *ct;

	o.src6 = v6_a;
	o.dst6 = v6_b;
	if (proto == IPPROTO_ICMPV6) {
		o.sport = htons(119);
		o.icmp.type = ICMPV6_ECHO_REQUEST;
	} else {
		o.sport = htons(38983);
		o.dport = htons(6001);
	}
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &o));
	ct = nfct_conn_alloc(&o, &r);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	ct->timeout = (u32)jiffies + 29 * HZ + HZ / 2;
	ct->start_ns = ktime_get_real_ns();
	set_bit(NFCT_ACCT, &ct->status);
	set_bit(NFCT_TSTAMP, &ct->status);
	atomic64_set(&ct->acct[NFCT_DIR_ORIGINAL].packets, 1);
	atomic64_set(&ct->acct[NFCT_DIR_ORIGINAL].bytes, proto == IPPROTO_ICMPV6 ? 52 : 49);
	return ct;
}

/* The lines nf_conntrack printed for the same flows (ipv6-reference.md, section 2). */
static void ipv6_proc_lines(struct kunit *test)
{
	struct nfct_conn *udp = make_conn6(test, IPPROTO_UDP);
	struct nfct_conn *icmp = make_conn6(test, IPPROTO_ICMPV6);

	KUNIT_EXPECT_STREQ(test, format_conn(test, udp),
		"ipv6     10 udp      17 29 src=2001:0db8:0000:0000:0000:0000:0000:0001 dst=2001:0db8:0000:0000:0000:0000:0000:0002 sport=38983 dport=6001 packets=1 bytes=49 [UNREPLIED] src=2001:0db8:0000:0000:0000:0000:0000:0002 dst=2001:0db8:0000:0000:0000:0000:0000:0001 sport=6001 dport=38983 packets=0 bytes=0 mark=0 zone=0 delta-time=0 use=2\n");
	set_bit(NFCT_SEEN_REPLY, &icmp->status);
	atomic64_set(&icmp->acct[NFCT_DIR_REPLY].packets, 1);
	atomic64_set(&icmp->acct[NFCT_DIR_REPLY].bytes, 52);
	KUNIT_EXPECT_STREQ(test, format_conn(test, icmp),
		"ipv6     10 icmpv6   58 29 src=2001:0db8:0000:0000:0000:0000:0000:0001 dst=2001:0db8:0000:0000:0000:0000:0000:0002 type=128 code=0 id=119 packets=1 bytes=52 src=2001:0db8:0000:0000:0000:0000:0000:0002 dst=2001:0db8:0000:0000:0000:0000:0000:0001 type=129 code=0 id=119 packets=1 bytes=52 mark=0 zone=0 delta-time=0 use=2\n");
	nfct_conn_put(icmp);
	nfct_conn_put(udp);
}

/*
 * Both families in one table: an IPv6 entry is found by either direction,
 * and an IPv4 tuple that its first bytes resemble finds nothing. IPv4
 * entries keep their size; an IPv6 node holds the 40-byte key.
 */
static void ipv6_table_and_sizes(struct kunit *test)
{
	struct nfct_net *cn = table_new(test);
	struct nfct_conn *ct = make_conn6(test, IPPROTO_UDP);
	struct nfct_conn *v4 = make_conn(test, IPPROTO_UDP);
	struct nfct_tuple_node *n;
	struct nfct_tuple t4 = {};
	unsigned int proto_off = (u8 *)nfct_conn_proto(ct) - (u8 *)ct;

	KUNIT_EXPECT_EQ(test, proto_off, offsetof(struct nfct_conn, tail) + 2 * 56);
	KUNIT_EXPECT_GE(test, ksize(ct), proto_off + sizeof(struct nfct_udp_state));
	KUNIT_EXPECT_LT(test, ksize(ct), proto_off + sizeof(struct nfct_tcp_state));
	KUNIT_EXPECT_EQ(test, (u8 *)nfct_conn_proto(v4) - (u8 *)v4,
			offsetof(struct nfct_conn, tail) + 2 * 32);

	KUNIT_ASSERT_EQ(test, nfct_table_insert(cn, ct), 0);
	rcu_read_lock();
	n = nfct_table_lookup(cn, nfct_tuple_of(ct, NFCT_DIR_REPLY));
	KUNIT_EXPECT_PTR_EQ(test, n, nfct_node(ct, NFCT_DIR_REPLY));
	KUNIT_EXPECT_PTR_EQ(test, nfct_conn_of(n), ct);
	n = nfct_table_lookup(cn, nfct_tuple_of(ct, NFCT_DIR_ORIGINAL));
	KUNIT_EXPECT_PTR_EQ(test, n, nfct_node(ct, NFCT_DIR_ORIGINAL));
	/* The same first 16 bytes but for the family. */
	memcpy(&t4, nfct_tuple_of(ct, NFCT_DIR_ORIGINAL), NFCT_TUPLE_LEN_IPV4);
	t4.l3 = NFCT_L3_IPV4;
	KUNIT_EXPECT_NULL(test, nfct_table_lookup(cn, &t4));
	rcu_read_unlock();
	KUNIT_EXPECT_TRUE(test, nfct_table_delete(cn, ct));
	nfct_conn_put(v4);
	nfct_table_destroy(cn);
}

/*
 * GRE as nf_conntrack without the PPTP helper: version 0 has no keys,
 * version 1 carrying PPP is keyed by its call id, version 1 carrying
 * anything else has no tuple; the line shows the entry's two timeouts.
 */
static void gre_tuple_and_line(struct kunit *test)
{
	const u8 v0[] = { 0x00, 0x00, 0x08, 0x00, 0x45, 0, 0, 0 };
	const u8 v1_ppp[] = { 0x20, 0x01, 0x88, 0x0b, 0x00, 0x00, 0x12, 0x34, 0, 0, 0, 1 };
	const u8 v1_ip[] = { 0x20, 0x01, 0x08, 0x00, 0x00, 0x00, 0x12, 0x34 };
	struct nfct_net *cn = kunit_kzalloc(test, sizeof(*cn), GFP_KERNEL);
	struct sk_buff *skb;
	struct nfct_tuple t, r;
	struct nfct_conn *ct;
	unsigned int off;

	KUNIT_ASSERT_NOT_NULL(test, cn);
	skb = build_ipv4(test, IPPROTO_GRE, v0, sizeof(v0));
	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, t.sport, 0);
	KUNIT_EXPECT_EQ(test, t.dport, 0);
	kfree_skb(skb);
	skb = build_ipv4(test, IPPROTO_GRE, v1_ip, sizeof(v1_ip));
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), -EINVAL);
	kfree_skb(skb);
	skb = build_ipv4(test, IPPROTO_GRE, v1_ppp, sizeof(v1_ppp));
	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 0x1234);
	KUNIT_EXPECT_EQ(test, t.sport, 0);
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &t));
	KUNIT_EXPECT_EQ(test, ntohs(r.sport), 0x1234);

	cn->timeouts.gre = 30 * HZ;
	cn->timeouts.gre_stream = 180 * HZ;
	ct = nfct_conn_alloc(&t, &r);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_ASSERT_TRUE(test, nfct_l4proto_gre.new(ct, skb, off, cn));
	/* Later sysctl writes do not change an entry's own timeouts. */
	cn->timeouts.gre = 5 * HZ;
	KUNIT_EXPECT_EQ(test, nfct_l4proto_gre.packet(ct, skb, off, NFCT_DIR_ORIGINAL, cn),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_GT(test, nfct_expires(ct), 29 * HZ);
	KUNIT_EXPECT_FALSE(test, test_bit(NFCT_ASSURED, &ct->status));
	set_bit(NFCT_SEEN_REPLY, &ct->status);
	nfct_l4proto_gre.packet(ct, skb, off, NFCT_DIR_ORIGINAL, cn);
	KUNIT_EXPECT_TRUE(test, test_bit(NFCT_ASSURED, &ct->status));
	KUNIT_EXPECT_GT(test, nfct_expires(ct), 179 * HZ);
	ct->timeout = (u32)jiffies + 179 * HZ + HZ / 2;
	KUNIT_EXPECT_STREQ(test, format_conn(test, ct),
		"ipv4     2 gre      47 179 timeout=30, stream_timeout=180 src=10.1.1.3 dst=10.1.1.80 srckey=0x0 dstkey=0x1234 src=10.1.1.80 dst=10.1.1.3 srckey=0x1234 dstkey=0x0 [ASSURED] mark=0 zone=0 use=2\n");
	nfct_conn_put(ct);
	kfree_skb(skb);
}

/* --- DCCP: whole packets through nfct_l4proto_dccp --- */


#define DCCP_TRACKER	(&nfct_l4proto_dccp)

/* Frees what dccp_net() allocated when the test ends, however it ends. */
static void dccp_free_stat(struct kunit_resource *res)
{
	free_percpu(res->data);
}

/*
 * nf_conntrack's timeouts, nudged apart where two states share one, so that
 * a test can tell which state's was taken; counters for the error hook.
 */
static struct nfct_net *dccp_net(struct kunit *test)
{
	static const int secs[NFCT_DCCP_MAX] = {
		[NFCT_DCCP_NONE]	= 239,
		[NFCT_DCCP_REQUEST]	= 240,
		[NFCT_DCCP_RESPOND]	= 480,
		[NFCT_DCCP_PARTOPEN]	= 479,
		[NFCT_DCCP_OPEN]	= 43200,
		[NFCT_DCCP_CLOSEREQ]	= 64,
		[NFCT_DCCP_CLOSING]	= 63,
		[NFCT_DCCP_TIMEWAIT]	= 241,
	};
	struct nfct_net *cn = kunit_kzalloc(test, sizeof(*cn), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, cn);
	for (i = 0; i < NFCT_DCCP_MAX; i++)
		cn->timeouts.dccp[i] = secs[i] * HZ;
	cn->dccp_loose = 1;
	cn->stat = alloc_percpu(struct nfct_stat);
	KUNIT_ASSERT_NOT_NULL(test, cn->stat);
	KUNIT_ASSERT_NOT_NULL(test, kunit_alloc_resource(test, NULL, dccp_free_stat,
							 GFP_KERNEL, cn->stat));
	return cn;
}

/* The invalid and drop columns of @cn's stats, summed over CPUs. */
static void dccp_stats(struct nfct_net *cn, unsigned int *invalid, unsigned int *drop)
{
	int cpu;

	*invalid = 0;
	*drop = 0;
	for_each_possible_cpu(cpu) {
		*invalid += per_cpu_ptr(cn->stat, cpu)->invalid;
		*drop += per_cpu_ptr(cn->stat, cpu)->drop;
	}
}

/*
 * A DCCP packet from 10.1.1.3:5001 to 10.1.1.80:6000 (the tracker is told
 * the direction; the addresses do not matter to it): the generic header
 * with a 48-bit (@x) or 24-bit sequence number, the subheader of @type
 * acknowledging @ack where it has one, the data offset just after it, then
 * @payload zero bytes. The checksum is left 0.
 */
static struct sk_buff *build_dccp_payload(struct kunit *test, u8 type, bool x,
					  u64 seq, u64 ack, unsigned int payload)
{
	u8 buf[64] = {};
	struct dccp_hdr *dh = (struct dccp_hdr *)buf;
	struct dccp_hdr_ack_bits *ab;
	unsigned int len = sizeof(*dh);

	dh->dccph_sport = htons(5001);
	dh->dccph_dport = htons(6000);
	dh->dccph_type = type;
	dh->dccph_x = x;
	if (x) {
		dh->dccph_seq = htons((u16)(seq >> 32));
		((struct dccp_hdr_ext *)(buf + len))->dccph_seq_low = htonl((u32)seq);
		len += sizeof(struct dccp_hdr_ext);
	} else {
		dh->dccph_seq2 = (u8)(seq >> 16);
		dh->dccph_seq = htons((u16)seq);
	}
	if (type != DCCP_PKT_DATA && type != DCCP_PKT_REQUEST) {
		ab = (struct dccp_hdr_ack_bits *)(buf + len);
		ab->dccph_ack_nr_high = htons((u16)(ack >> 32));
		ab->dccph_ack_nr_low = htonl((u32)ack);
	}
	len += dccp_packet_hdr_len(type);
	dh->dccph_doff = len / 4;
	KUNIT_ASSERT_LE(test, len + payload, sizeof(buf));
	return build_ipv4(test, IPPROTO_DCCP, buf, len + payload);
}

static struct sk_buff *build_dccp(struct kunit *test, u8 type, u64 seq, u64 ack)
{
	return build_dccp_payload(test, type, true, seq, ack, 0);
}

static struct dccp_hdr *dccp_of(struct sk_buff *skb)
{
	return (struct dccp_hdr *)(skb->data + sizeof(struct iphdr));
}

/* A new entry from its first packet, as nfct_new() makes it; NULL if refused. */
static struct nfct_conn *dccp_first(struct kunit *test, struct nfct_net *cn,
				    u8 type, u64 seq)
{
	struct sk_buff *skb = build_dccp(test, type, seq, 0);
	struct nfct_tuple t, r;
	struct nfct_conn *ct;
	unsigned int off;

	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, DCCP_TRACKER->error(cn, skb, off, NF_INET_LOCAL_OUT),
			NFCT_TRACK_IT);
	KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &t));
	ct = nfct_conn_alloc(&t, &r);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	if (!DCCP_TRACKER->new(ct, skb, off, cn)) {
		kfree_skb(skb);
		nfct_conn_put(ct);
		return NULL;
	}
	KUNIT_EXPECT_EQ(test, DCCP_TRACKER->packet(ct, skb, off, ORIG, cn),
			NFCT_TRACK_ACCEPT);
	kfree_skb(skb);
	return ct;
}

/* One packet of @ct's connection from @dir; a reply sets SEEN_REPLY as the hook does. */
static enum nfct_track dccp_seg(struct kunit *test, struct nfct_net *cn,
				struct nfct_conn *ct, enum nfct_dir dir, u8 type,
				u64 seq, u64 ack)
{
	struct sk_buff *skb = build_dccp(test, type, seq, ack);
	enum nfct_track res;

	KUNIT_EXPECT_EQ(test, DCCP_TRACKER->error(cn, skb, 20, NF_INET_LOCAL_OUT),
			NFCT_TRACK_IT);
	res = DCCP_TRACKER->packet(ct, skb, 20, dir, cn);
	kfree_skb(skb);
	if (dir == REPLY && (res == NFCT_TRACK_ACCEPT || res == NFCT_TRACK_IGNORE))
		set_bit(NFCT_SEEN_REPLY, &ct->status);
	return res;
}

static u8 dccp_state(const struct nfct_conn *ct)
{
	return nfct_conn_proto(ct)->dccp.state;
}

/* Client sequence numbers from 100, server's from 0x123456789a: OPEN and ASSURED. */
static struct nfct_conn *dccp_open(struct kunit *test, struct nfct_net *cn)
{
	struct nfct_conn *ct = dccp_first(test, cn, DCCP_PKT_REQUEST, 100);

	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_ASSERT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_RESPONSE,
				       0x123456789aULL, 100), NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_ACK, 101,
				       0x123456789aULL), NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_DATAACK,
				       0x123456789bULL, 101), NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, dccp_state(ct), NFCT_DCCP_OPEN);
	KUNIT_ASSERT_TRUE(test, test_bit(NFCT_ASSURED, &ct->status));
	return ct;
}

/*
 * Request, Response, the client's Ack of it (PARTOPEN, ASSURED), the
 * server's first packet after (OPEN); each state's timeout; the proc line.
 */
static void dccp_handshake(struct kunit *test)
{
	struct nfct_net *cn = dccp_net(test);
	struct nfct_conn *ct = dccp_first(test, cn, DCCP_PKT_REQUEST, 100);
	struct nfct_dccp_state *st;

	KUNIT_ASSERT_NOT_NULL(test, ct);
	st = &nfct_conn_proto(ct)->dccp;
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_REQUEST);
	KUNIT_EXPECT_EQ(test, st->role[ORIG], 0);	/* client */
	KUNIT_EXPECT_EQ(test, st->role[REPLY], 1);	/* server */
	expect_timeout(test, ct, 240 * HZ);
	KUNIT_EXPECT_STREQ(test, DCCP_TRACKER->state_name(ct), "REQUEST");
	/* A retransmitted Request. */
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_REQUEST, 101, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_REQUEST);
	/* The Response: its sequence number is what the client must acknowledge. */
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_RESPONSE,
				       0x123456789aULL, 101), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_RESPOND);
	KUNIT_EXPECT_EQ(test, st->handshake_seq, 0x123456789aULL);
	KUNIT_EXPECT_FALSE(test, test_bit(NFCT_ASSURED, &ct->status));
	expect_timeout(test, ct, 480 * HZ);
	KUNIT_EXPECT_STREQ(test, DCCP_TRACKER->state_name(ct), "RESPOND");
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_ACK, 102,
				       0x123456789aULL), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_PARTOPEN);
	KUNIT_EXPECT_TRUE(test, test_bit(NFCT_ASSURED, &ct->status));
	expect_timeout(test, ct, 479 * HZ);
	KUNIT_EXPECT_STREQ(test, DCCP_TRACKER->state_name(ct), "PARTOPEN");
	/* The client's DataAck keeps PARTOPEN; its plain Data would be INVALID. */
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_DATAACK, 103,
				       0x123456789aULL), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_DATA, 104, 0),
			NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_PARTOPEN);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_DATA,
				       0x123456789bULL, 0), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_OPEN);
	expect_timeout(test, ct, 43200 * HZ);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_DATA, 105, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_FALSE(test, DCCP_TRACKER->can_early_drop(ct));
	ct->timeout = (u32)jiffies + 43199 * HZ + HZ / 2;
	KUNIT_EXPECT_STREQ(test, format_conn(test, ct),
		"ipv4     2 dccp     33 43199 OPEN src=10.1.1.3 dst=10.1.1.80 sport=5001 dport=6000 src=10.1.1.80 dst=10.1.1.3 sport=6000 dport=5001 [ASSURED] mark=0 zone=0 use=2\n");
	nfct_conn_put(ct);
}

/* Only a plain Ack of the Response's own number, while in RESPOND, assures. */
static void dccp_assured_needs_the_responses_ack(struct kunit *test)
{
	struct nfct_net *cn = dccp_net(test);
	struct nfct_conn *ct = dccp_first(test, cn, DCCP_PKT_REQUEST, 100);

	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_RESPONSE, 500, 100),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_ACK, 101, 499),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_PARTOPEN);
	KUNIT_EXPECT_FALSE(test, test_bit(NFCT_ASSURED, &ct->status));
	/* Too late: no longer from RESPOND. Nothing else assures a DCCP entry. */
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_ACK, 102, 500),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_DATAACK, 501, 102),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_OPEN);
	KUNIT_EXPECT_FALSE(test, test_bit(NFCT_ASSURED, &ct->status));
	nfct_conn_put(ct);

	/* A DataAck moves to PARTOPEN all the same, but does not assure. */
	ct = dccp_first(test, cn, DCCP_PKT_REQUEST, 100);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_RESPONSE, 500, 100),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_DATAACK, 101, 500),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_PARTOPEN);
	KUNIT_EXPECT_FALSE(test, test_bit(NFCT_ASSURED, &ct->status));
	nfct_conn_put(ct);
}

/* The server's CloseReq, the client's Close, the server's Reset; and from the client. */
static void dccp_close_to_timewait(struct kunit *test)
{
	struct nfct_net *cn = dccp_net(test);
	struct nfct_conn *ct = dccp_open(test, cn);

	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_CLOSEREQ, 1000, 200),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_CLOSEREQ);
	KUNIT_EXPECT_STREQ(test, DCCP_TRACKER->state_name(ct), "CLOSEREQ");
	KUNIT_EXPECT_TRUE(test, DCCP_TRACKER->can_early_drop(ct));
	expect_timeout(test, ct, 64 * HZ);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_CLOSE, 200, 1000),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_CLOSING);
	KUNIT_EXPECT_STREQ(test, DCCP_TRACKER->state_name(ct), "CLOSING");
	KUNIT_EXPECT_TRUE(test, DCCP_TRACKER->can_early_drop(ct));
	expect_timeout(test, ct, 63 * HZ);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_RESET, 1001, 200),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_TIMEWAIT);
	KUNIT_EXPECT_STREQ(test, DCCP_TRACKER->state_name(ct), "TIMEWAIT");
	KUNIT_EXPECT_TRUE(test, DCCP_TRACKER->can_early_drop(ct));
	expect_timeout(test, ct, 241 * HZ);
	/* In TIMEWAIT the client's Reset is ignored: no refresh. */
	nfct_refresh(ct, 5 * HZ);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_RESET, 201, 1001),
			NFCT_TRACK_IGNORE);
	expect_timeout(test, ct, 5 * HZ);
	/* The server's is not: nf_conntrack's table keeps it in TIMEWAIT, refreshed. */
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_RESET, 1002, 201),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_TIMEWAIT);
	expect_timeout(test, ct, 241 * HZ);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_DATA, 202, 0),
			NFCT_TRACK_INVALID);
	/* The client's new Request reopens, the roles as they were. */
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_REQUEST, 300, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_REQUEST);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->dccp.role[ORIG], 0);
	KUNIT_EXPECT_FALSE(test, DCCP_TRACKER->can_early_drop(ct));
	expect_timeout(test, ct, 240 * HZ);
	nfct_conn_put(ct);

	/* The client closes first. */
	ct = dccp_open(test, cn);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_CLOSE, 200, 1000),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_CLOSING);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_RESET, 1001, 200),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_TIMEWAIT);
	expect_timeout(test, ct, 241 * HZ);
	nfct_conn_put(ct);
}

/* INVALID moves nothing: neither the state nor the timeout. */
static void dccp_invalid_transition(struct kunit *test)
{
	struct nfct_net *cn = dccp_net(test);
	struct nfct_conn *ct = dccp_open(test, cn);

	nfct_refresh(ct, 5 * HZ);
	/* Only a server may ask to close. */
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_CLOSEREQ, 200, 1000),
			NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_OPEN);
	expect_timeout(test, ct, 5 * HZ);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_CLOSEREQ, 1000, 200),
			NFCT_TRACK_ACCEPT);
	/* Having asked, the server waits for the Close. */
	nfct_refresh(ct, 5 * HZ);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_DATA, 1001, 0),
			NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_CLOSEREQ);
	expect_timeout(test, ct, 5 * HZ);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_CLOSE, 200, 1000),
			NFCT_TRACK_ACCEPT);
	/* nf_conntrack's table: the client's second Close in CLOSING is INVALID. */
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_CLOSE, 201, 1000),
			NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_CLOSING);
	nfct_conn_put(ct);

	/* No Ack before the Response. */
	ct = dccp_first(test, cn, DCCP_PKT_REQUEST, 100);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_ACK, 101, 5),
			NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_REQUEST);
	nfct_conn_put(ct);
}

/*
 * Only a Request makes an entry. dccp_loose=0 refuses a packet from
 * mid-stream; so does dccp_loose=1, as in nf_conntrack, whose table lets
 * nothing else out of NONE.
 */
static void dccp_only_request_opens(struct kunit *test)
{
	struct nfct_net *cn = dccp_net(test);
	struct nfct_conn *ct;
	u8 type;

	for (cn->dccp_loose = 0; cn->dccp_loose <= 1; cn->dccp_loose++) {
		for (type = DCCP_PKT_RESPONSE; type <= DCCP_PKT_SYNCACK; type++)
			KUNIT_EXPECT_NULL_MSG(test, dccp_first(test, cn, type, 100),
					      "type %u loose %d", type, cn->dccp_loose);
		ct = dccp_first(test, cn, DCCP_PKT_REQUEST, 100);
		KUNIT_EXPECT_NOT_NULL(test, ct);
		if (ct)
			nfct_conn_put(ct);
	}
}

/* A Reset before any reply ends the entry at once (CLOSE), state as it was. */
static void dccp_reset_before_reply(struct kunit *test)
{
	struct nfct_net *cn = dccp_net(test);
	struct nfct_conn *ct = dccp_first(test, cn, DCCP_PKT_REQUEST, 100);

	KUNIT_ASSERT_NOT_NULL(test, ct);
	nfct_refresh(ct, 5 * HZ);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_RESET, 0, 100),
			NFCT_TRACK_CLOSE);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_REQUEST);
	expect_timeout(test, ct, 5 * HZ);
	nfct_conn_put(ct);

	/* The client's own Reset as well. */
	ct = dccp_first(test, cn, DCCP_PKT_REQUEST, 100);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_RESET, 101, 0),
			NFCT_TRACK_CLOSE);
	nfct_conn_put(ct);

	/* After a reply it is a state change like any other. */
	ct = dccp_first(test, cn, DCCP_PKT_REQUEST, 100);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_RESPONSE, 500, 100),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_RESET, 501, 100),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, dccp_state(ct), NFCT_DCCP_TIMEWAIT);
	expect_timeout(test, ct, 241 * HZ);
	nfct_conn_put(ct);
}

/* After TIMEWAIT the old server connects back: same entry, roles swapped. */
static void dccp_role_reversal(struct kunit *test)
{
	struct nfct_net *cn = dccp_net(test);
	struct nfct_conn *ct = dccp_open(test, cn);
	struct nfct_dccp_state *st = &nfct_conn_proto(ct)->dccp;

	KUNIT_ASSERT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_CLOSEREQ, 1000, 200),
			NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_CLOSE, 200, 1000),
			NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_RESET, 1001, 200),
			NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_EQ(test, st->state, NFCT_DCCP_TIMEWAIT);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_REQUEST, 9000, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_REQUEST);
	KUNIT_EXPECT_EQ(test, st->role[REPLY], 0);	/* client now */
	KUNIT_EXPECT_EQ(test, st->role[ORIG], 1);
	expect_timeout(test, ct, 240 * HZ);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_RESPONSE, 7000, 9000),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_RESPOND);
	KUNIT_EXPECT_EQ(test, st->handshake_seq, 7000ULL);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_ACK, 9001, 7000),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_PARTOPEN);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_DATA, 7001, 0),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_OPEN);
	/* The original direction is the server's now: it may ask to close. */
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_CLOSEREQ, 7002, 9001),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_CLOSEREQ);
	nfct_conn_put(ct);
}

/*
 * An ignored packet passes with state and timeout as they were, but is
 * remembered: a Response to an ignored Request the other way resyncs,
 * whichever side sent the Request.
 */
static void dccp_ignored_request_resync(struct kunit *test)
{
	struct nfct_net *cn = dccp_net(test);
	struct nfct_conn *ct = dccp_open(test, cn);
	struct nfct_dccp_state *st = &nfct_conn_proto(ct)->dccp;

	nfct_refresh(ct, 5 * HZ);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_REQUEST, 20000, 0),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_OPEN);
	KUNIT_EXPECT_EQ(test, st->last_pkt, DCCP_PKT_REQUEST);
	KUNIT_EXPECT_EQ(test, st->last_dir, ORIG);
	expect_timeout(test, ct, 5 * HZ);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_RESPONSE, 30000, 20000),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_RESPOND);
	KUNIT_EXPECT_EQ(test, st->handshake_seq, 30000ULL);
	KUNIT_EXPECT_EQ(test, st->role[ORIG], 0);
	KUNIT_EXPECT_EQ(test, st->role[REPLY], 1);
	expect_timeout(test, ct, 480 * HZ);
	nfct_conn_put(ct);

	/* The server's Request, the client's Response: the roles turn. */
	ct = dccp_open(test, cn);
	st = &nfct_conn_proto(ct)->dccp;
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_REQUEST, 20000, 0),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_RESPONSE, 40000, 20000),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_RESPOND);
	KUNIT_EXPECT_EQ(test, st->role[REPLY], 0);
	KUNIT_EXPECT_EQ(test, st->role[ORIG], 1);
	KUNIT_EXPECT_EQ(test, st->handshake_seq, 40000ULL);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_ACK, 20001, 40000),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_PARTOPEN);
	nfct_conn_put(ct);

	/* Not after another ignored packet, nor from the Request's own side. */
	ct = dccp_open(test, cn);
	st = &nfct_conn_proto(ct)->dccp;
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_REQUEST, 20000, 0),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_RESPONSE, 20001, 0),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_REQUEST, 20002, 0),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, ORIG, DCCP_PKT_SYNC, 20003, 0),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, st->last_pkt, DCCP_PKT_SYNC);
	KUNIT_EXPECT_EQ(test, dccp_seg(test, cn, ct, REPLY, DCCP_PKT_RESPONSE, 30000, 20002),
			NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, st->state, NFCT_DCCP_OPEN);
	nfct_conn_put(ct);
}

/*
 * Every cell of nf_conntrack 6.1's dccp_state_table, in its layout (a row
 * per role and packet type, a letter per state NONE .. TIMEWAIT: N Q S P O
 * C G T for the states, I ignore, V invalid), against what the tracker does
 * with such a packet. The cells are its values, not its comments.
 */
static const char *const dccp_kernel_table[2][DCCP_PKT_INVALID] = {
	{	/* client */
		[DCCP_PKT_REQUEST]	= "QQSIIIIQ",
		[DCCP_PKT_RESPONSE]	= "VIIIIIIV",
		[DCCP_PKT_ACK]		= "VVPPOCGV",
		[DCCP_PKT_DATA]		= "VVVVOCGV",
		[DCCP_PKT_DATAACK]	= "VVPPOCGV",
		[DCCP_PKT_CLOSEREQ]	= "VVVVVVVV",
		[DCCP_PKT_CLOSE]	= "VVVGGGVV",
		[DCCP_PKT_RESET]	= "VTTTTTTI",
		[DCCP_PKT_SYNC]		= "VIIIIIII",
		[DCCP_PKT_SYNCACK]	= "VIIIIIII",
	},
	{	/* server */
		[DCCP_PKT_REQUEST]	= "VIIIIIIQ",
		[DCCP_PKT_RESPONSE]	= "VSSIIIIV",
		[DCCP_PKT_ACK]		= "VVVOOVGV",
		[DCCP_PKT_DATA]		= "VVVOOVGV",
		[DCCP_PKT_DATAACK]	= "VVVOOVGV",
		[DCCP_PKT_CLOSEREQ]	= "VVVCCCCV",
		[DCCP_PKT_CLOSE]	= "VVVGGVGV",
		[DCCP_PKT_RESET]	= "VTTTTTTT",
		[DCCP_PKT_SYNC]		= "VIIIIIII",
		[DCCP_PKT_SYNCACK]	= "VIIIIIII",
	},
};

static void dccp_table_matches_kernel(struct kunit *test)
{
	static const char letters[] = "NQSPOCGTIV";	/* by enum nfct_dccp_state_id */
	struct nfct_net *cn = dccp_net(test);
	struct nfct_conn *ct = dccp_open(test, cn);
	struct nfct_dccp_state *st = &nfct_conn_proto(ct)->dccp;
	struct sk_buff *skb[DCCP_PKT_INVALID];
	enum nfct_track res, want_res;
	u8 role, type, state, want;

	for (type = 0; type < DCCP_PKT_INVALID; type++)
		skb[type] = build_dccp(test, type, 1000 + type, 2000);
	for (role = 0; role < 2; role++) {
		for (type = 0; type < DCCP_PKT_INVALID; type++) {
			for (state = NFCT_DCCP_NONE; state <= NFCT_DCCP_TIMEWAIT; state++) {
				want = strchr(letters, dccp_kernel_table[role][type][state]) - letters;
				want_res = want == NFCT_DCCP_INVALID ? NFCT_TRACK_INVALID :
					   want == NFCT_DCCP_IGNORE ? NFCT_TRACK_IGNORE :
					   NFCT_TRACK_ACCEPT;
				st->state = state;
				st->role[ORIG] = role;
				st->role[REPLY] = !role;
				st->last_dir = ORIG;
				st->last_pkt = DCCP_PKT_DATA;	/* no resync */
				nfct_refresh(ct, 5 * HZ);
				res = DCCP_TRACKER->packet(ct, skb[type], 20, ORIG, cn);
				KUNIT_EXPECT_EQ_MSG(test, res, want_res, "role %u type %u state %u",
						    role, type, state);
				if (want_res != NFCT_TRACK_ACCEPT)
					want = state;
				KUNIT_EXPECT_EQ_MSG(test, st->state, want, "role %u type %u state %u",
						    role, type, state);
				if (want_res == NFCT_TRACK_ACCEPT)
					expect_timeout(test, ct, cn->timeouts.dccp[want]);
				else
					expect_timeout(test, ct, 5 * HZ);
			}
		}
	}
	for (type = 0; type < DCCP_PKT_INVALID; type++)
		kfree_skb(skb[type]);
	nfct_conn_put(ct);
}

/* The error hook's verdict on @skb is INVALID, recorded for later hooks. */
static void dccp_expect_invalid(struct kunit *test, struct nfct_net *cn,
				struct sk_buff *skb, unsigned int hook)
{
	struct nfct_conn *got;
	u8 info;

	skb->ip_summed = CHECKSUM_NONE;
	KUNIT_EXPECT_EQ(test, DCCP_TRACKER->error(cn, skb, 20, hook), NF_ACCEPT);
	KUNIT_EXPECT_TRUE(test, nfct_pkt_take(cn, skb, &got, &info));
	KUNIT_EXPECT_EQ(test, info, (u8)NFCT_INFO_INVALID);
	kfree_skb(skb);
}

/* @skb passes the error hook, to be tracked. */
static void dccp_expect_ok(struct kunit *test, struct nfct_net *cn,
			   struct sk_buff *skb, unsigned int hook)
{
	skb->ip_summed = CHECKSUM_NONE;
	KUNIT_EXPECT_EQ(test, DCCP_TRACKER->error(cn, skb, 20, hook), NFCT_TRACK_IT);
	kfree_skb(skb);
}

/*
 * Malformed packets, at LOCAL_OUT (no checksum): a data offset outside the
 * header or the packet, a checksum coverage past the end, a reserved type,
 * a type without the 48-bit numbers it requires are INVALID; a packet too
 * short for its headers is dropped, counted in invalid and drop.
 */
static void dccp_malformed(struct kunit *test)
{
	const u8 ports_only[8] = { 0x13, 0x89, 0x17, 0x70, 3, 0, 0, 0 };
	struct nfct_net *cn = dccp_net(test);
	unsigned int invalid, drop, off;
	struct nfct_conn *got;
	struct nfct_tuple t;
	struct sk_buff *skb;
	u8 info;

	dccp_expect_ok(test, cn, build_dccp(test, DCCP_PKT_REQUEST, 1, 0), NF_INET_LOCAL_OUT);
	skb = build_dccp(test, DCCP_PKT_REQUEST, 1, 0);
	dccp_of(skb)->dccph_doff = 2;
	dccp_expect_invalid(test, cn, skb, NF_INET_LOCAL_OUT);
	skb = build_dccp(test, DCCP_PKT_REQUEST, 1, 0);
	dccp_of(skb)->dccph_doff = 6;		/* 24 bytes of 20 */
	dccp_expect_invalid(test, cn, skb, NF_INET_LOCAL_OUT);
	/* Coverage (CsCov - 1) * 4: 20 bytes fit the 20, 24 do not. */
	skb = build_dccp(test, DCCP_PKT_REQUEST, 1, 0);
	dccp_of(skb)->dccph_cscov = 6;
	dccp_expect_ok(test, cn, skb, NF_INET_LOCAL_OUT);
	skb = build_dccp(test, DCCP_PKT_REQUEST, 1, 0);
	dccp_of(skb)->dccph_cscov = 7;
	dccp_expect_invalid(test, cn, skb, NF_INET_LOCAL_OUT);
	dccp_expect_invalid(test, cn, build_dccp(test, 10, 1, 0), NF_INET_LOCAL_OUT);
	dccp_expect_invalid(test, cn, build_dccp(test, 15, 1, 0), NF_INET_LOCAL_OUT);
	/* 24-bit sequence numbers: only Data, Ack and DataAck may have them. */
	dccp_expect_invalid(test, cn, build_dccp_payload(test, DCCP_PKT_REQUEST, false, 1, 0, 0),
			    NF_INET_LOCAL_OUT);
	dccp_expect_invalid(test, cn, build_dccp_payload(test, DCCP_PKT_RESET, false, 1, 0, 0),
			    NF_INET_LOCAL_OUT);
	dccp_expect_invalid(test, cn, build_dccp_payload(test, DCCP_PKT_SYNC, false, 1, 0, 0),
			    NF_INET_LOCAL_OUT);
	dccp_expect_ok(test, cn, build_dccp_payload(test, DCCP_PKT_DATA, false, 1, 0, 0),
		       NF_INET_LOCAL_OUT);
	dccp_expect_ok(test, cn, build_dccp_payload(test, DCCP_PKT_ACK, false, 1, 0, 0),
		       NF_INET_LOCAL_OUT);
	dccp_expect_ok(test, cn, build_dccp_payload(test, DCCP_PKT_DATAACK, false, 1, 0, 0),
		       NF_INET_LOCAL_OUT);
	dccp_stats(cn, &invalid, &drop);
	KUNIT_EXPECT_EQ(test, invalid, 8U);
	KUNIT_EXPECT_EQ(test, drop, 0U);

	/* The ports but not the 12-byte header: a tuple, then a drop. */
	skb = build_ipv4(test, IPPROTO_DCCP, ports_only, sizeof(ports_only));
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	KUNIT_EXPECT_EQ(test, DCCP_TRACKER->error(cn, skb, 20, NF_INET_LOCAL_OUT), NF_DROP);
	KUNIT_EXPECT_FALSE(test, nfct_pkt_take(cn, skb, &got, &info));
	kfree_skb(skb);
	/* A Response whose data offset (16) leaves no room for its subheader. */
	skb = build_dccp(test, DCCP_PKT_RESPONSE, 1, 0);
	dccp_of(skb)->dccph_doff = 4;
	skb_trim(skb, 20 + 16);
	KUNIT_EXPECT_EQ(test, DCCP_TRACKER->error(cn, skb, 20, NF_INET_LOCAL_OUT), NF_DROP);
	KUNIT_EXPECT_FALSE(test, nfct_pkt_take(cn, skb, &got, &info));
	kfree_skb(skb);
	dccp_stats(cn, &invalid, &drop);
	KUNIT_EXPECT_EQ(test, invalid, 10U);
	KUNIT_EXPECT_EQ(test, drop, 2U);
	/* Under 4 bytes there is no tuple: nfct_hook_in counts it, not the tracker. */
	skb = build_ipv4(test, IPPROTO_DCCP, ports_only, 3);
	KUNIT_EXPECT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), -EINVAL);
	kfree_skb(skb);
}

/* Sums @covered bytes of the DCCP header on, as its sender would. */
static void dccp_sum(struct sk_buff *skb, unsigned int covered)
{
	struct dccp_hdr *dh = dccp_of(skb);
	unsigned int len = skb->len - sizeof(struct iphdr);

	dh->dccph_checksum = 0;
	dh->dccph_checksum = csum_tcpudp_magic(A_ADDR, B_ADDR, len, IPPROTO_DCCP,
					       csum_partial(dh, covered, 0));
}

/*
 * At PRE_ROUTING the checksum is checked over the coverage, (CsCov - 1) * 4
 * bytes from the header or all of it; what this host sends is trusted.
 */
static void dccp_checksum(struct kunit *test)
{
	struct nfct_net *cn = dccp_net(test);
	struct sk_buff *skb;

	/* A 24-byte DataAck and 8 bytes of data, all covered. */
	skb = build_dccp_payload(test, DCCP_PKT_DATAACK, true, 5, 6, 8);
	ip_send_check(ip_hdr(skb));
	dccp_sum(skb, 32);
	dccp_expect_ok(test, cn, skb_copy(skb, GFP_KERNEL), NF_INET_PRE_ROUTING);
	skb->data[20 + 24] ^= 1;
	dccp_expect_ok(test, cn, skb_copy(skb, GFP_KERNEL), NF_INET_LOCAL_OUT);
	dccp_expect_invalid(test, cn, skb_copy(skb, GFP_KERNEL), NF_INET_PRE_ROUTING);
	/* The header's 24 bytes covered (CsCov 7): the data may change. */
	dccp_of(skb)->dccph_cscov = 7;
	dccp_sum(skb, 24);
	dccp_expect_ok(test, cn, skb_copy(skb, GFP_KERNEL), NF_INET_PRE_ROUTING);
	skb->data[20 + 24] ^= 1;
	dccp_expect_ok(test, cn, skb_copy(skb, GFP_KERNEL), NF_INET_PRE_ROUTING);
	dccp_of(skb)->dccph_seq ^= htons(1);
	dccp_expect_invalid(test, cn, skb_copy(skb, GFP_KERNEL), NF_INET_PRE_ROUTING);
	/*
	 * CsCov 1 covers no byte of the packet in nf_conntrack's arithmetic:
	 * the sum is the pseudo-header's alone, which is not zero here, so a
	 * packet summed the RFC 4340 way (header only) is INVALID arriving.
	 */
	dccp_of(skb)->dccph_seq ^= htons(1);
	dccp_of(skb)->dccph_cscov = 1;
	dccp_sum(skb, 24);
	dccp_expect_ok(test, cn, skb_copy(skb, GFP_KERNEL), NF_INET_LOCAL_OUT);
	dccp_expect_invalid(test, cn, skb_copy(skb, GFP_KERNEL), NF_INET_PRE_ROUTING);
	kfree_skb(skb);
}

static struct kunit_case dccp_cases[] = {
	KUNIT_CASE(dccp_handshake),
	KUNIT_CASE(dccp_assured_needs_the_responses_ack),
	KUNIT_CASE(dccp_close_to_timewait),
	KUNIT_CASE(dccp_invalid_transition),
	KUNIT_CASE(dccp_only_request_opens),
	KUNIT_CASE(dccp_reset_before_reply),
	KUNIT_CASE(dccp_role_reversal),
	KUNIT_CASE(dccp_ignored_request_resync),
	KUNIT_CASE(dccp_table_matches_kernel),
	KUNIT_CASE(dccp_malformed),
	KUNIT_CASE(dccp_checksum),
	{}
};

static struct kunit_suite dccp_suite = {
	.name = "nf_ct_dccp",
	.test_cases = dccp_cases,
};

static struct kunit_case gre_cases[] = {
	KUNIT_CASE(gre_tuple_and_line),
	{}
};

static struct kunit_suite gre_suite = {
	.name = "nf_ct_gre",
	.test_cases = gre_cases,
};

/* One chunk of an SCTP packet built by build_sctp(). */
struct sctp_spec {
	u8 type;
	u8 flags;
	u16 len;		/* 0: the chunk's own (4, or 20 with an init header) */
	bool zero;		/* a length field of 0 */
	u32 init_tag;		/* INIT, INIT ACK: the Initiate Tag */
};

/* 10.1.1.3:5000 -> 10.1.1.80:6000 (or back, @reply) with tag @vtag. */
static struct sk_buff *build_sctp(struct kunit *test, bool reply, u32 vtag,
				  const struct sctp_spec *c, unsigned int n)
{
	u8 buf[128] = {};
	struct sctphdr *sh = (struct sctphdr *)buf;
	unsigned int pos = sizeof(*sh), i, len;
	struct sk_buff *skb;
	struct iphdr *iph;

	sh->source = htons(reply ? 6000 : 5000);
	sh->dest = htons(reply ? 5000 : 6000);
	sh->vtag = htonl(vtag);
	for (i = 0; i < n; i++) {
		struct sctp_chunkhdr *ch = (struct sctp_chunkhdr *)(buf + pos);
		bool init = c[i].type == SCTP_CID_INIT || c[i].type == SCTP_CID_INIT_ACK;

		len = c[i].len ?: init ? sizeof(*ch) + sizeof(struct sctp_inithdr) : sizeof(*ch);
		ch->type = c[i].type;
		ch->flags = c[i].flags;
		ch->length = c[i].zero ? 0 : htons(len);
		if (init && len >= sizeof(*ch) + 4)
			((struct sctp_inithdr *)(ch + 1))->init_tag = htonl(c[i].init_tag);
		pos += c[i].len ? sizeof(*ch) : ALIGN(len, 4);
	}
	skb = build_ipv4(test, IPPROTO_SCTP, buf, pos);
	if (reply) {
		iph = ip_hdr(skb);
		swap(iph->saddr, iph->daddr);
	}
	return skb;
}

/* Tracks one packet of @ct (made by the first if NULL); the tracker's verdict. */
static enum nfct_track sctp_step(struct kunit *test, struct nfct_net *cn,
				 struct nfct_conn **ct, bool reply, u32 vtag,
				 const struct sctp_spec *c, unsigned int n)
{
	struct sk_buff *skb = build_sctp(test, reply, vtag, c, n);
	enum nfct_track res = NFCT_TRACK_INVALID;
	struct nfct_tuple t, r;
	unsigned int off;

	KUNIT_ASSERT_EQ(test, nfct_tuple_from_skb(skb, &t, &off), 0);
	if (!*ct) {
		KUNIT_ASSERT_TRUE(test, nfct_tuple_invert(&r, &t));
		*ct = nfct_conn_alloc(&t, &r);
		KUNIT_ASSERT_NOT_NULL(test, *ct);
		if (!nfct_l4proto_sctp.new(*ct, skb, off, cn)) {
			nfct_conn_put(*ct);
			*ct = NULL;
			kfree_skb(skb);
			return NFCT_TRACK_INVALID;
		}
	}
	res = nfct_l4proto_sctp.packet(*ct, skb, off,
				       reply ? NFCT_DIR_REPLY : NFCT_DIR_ORIGINAL, cn);
	kfree_skb(skb);
	return res;
}

static enum nfct_track sctp_one(struct kunit *test, struct nfct_net *cn,
				struct nfct_conn **ct, bool reply, u32 vtag,
				struct sctp_spec c)
{
	return sctp_step(test, cn, ct, reply, vtag, &c, 1);
}

static struct nfct_net *sctp_net(struct kunit *test)
{
	struct nfct_net *cn = kunit_kzalloc(test, sizeof(*cn), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, cn);
	for (i = 0; i < NFCT_SCTP_MAX; i++)
		cn->timeouts.sctp[i] = (100 + i) * HZ;	/* the state shows in the timeout */
	return cn;
}

/* The entry expires in @j jiffies, give or take the ticks of the test itself. */
#define SCTP_EXPECT_EXPIRES(test, ct, j) do {				\
	KUNIT_EXPECT_LE(test, nfct_expires(ct), (s32)(j));		\
	KUNIT_EXPECT_GT(test, nfct_expires(ct), (s32)(j) - HZ / 2);	\
} while (0)

static u8 sctp_state(const struct nfct_conn *ct)
{
	return nfct_conn_proto(ct)->sctp.state;
}

/*
 * The four-way handshake, data, the tags checked and the shutdown, as
 * nf_conntrack 6.1 moves them: INIT leaves the entry CLOSED until the INIT
 * ACK, the COOKIE ACK makes it ESTABLISHED and ASSURED, a packet with the
 * wrong tag is INVALID and changes nothing; each state's timeout applies.
 */
static void sctp_association(struct kunit *test)
{
	struct nfct_net *cn = sctp_net(test);
	struct nfct_conn *ct = NULL;

	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0,
			(struct sctp_spec){ SCTP_CID_INIT, .init_tag = 0xa }), NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_EXPECT_EQ(test, sctp_state(ct), NFCT_SCTP_CLOSED);
	SCTP_EXPECT_EXPIRES(test, ct, (100 + NFCT_SCTP_CLOSED) * HZ);
	/* An INIT ACK for another INIT than the one seen. */
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, true, 0xa,
			(struct sctp_spec){ SCTP_CID_INIT_ACK, .init_tag = 0xb }), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, sctp_state(ct), NFCT_SCTP_COOKIE_WAIT);
	/* The COOKIE ECHO carries the tag the INIT ACK chose, or is INVALID. */
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0xc,
			(struct sctp_spec){ SCTP_CID_COOKIE_ECHO }), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0xb,
			(struct sctp_spec){ SCTP_CID_COOKIE_ECHO }), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, sctp_state(ct), NFCT_SCTP_COOKIE_ECHOED);
	KUNIT_EXPECT_FALSE(test, test_bit(NFCT_ASSURED, &ct->status));
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, true, 0xa,
			(struct sctp_spec){ SCTP_CID_COOKIE_ACK }), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, sctp_state(ct), NFCT_SCTP_ESTABLISHED);
	KUNIT_EXPECT_TRUE(test, test_bit(NFCT_ASSURED, &ct->status));
	SCTP_EXPECT_EXPIRES(test, ct, (100 + NFCT_SCTP_ESTABLISHED) * HZ);

	/* DATA: each way with the tag its receiver chose, and only that. */
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0xb,
			(struct sctp_spec){ SCTP_CID_DATA, .len = 20 }), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, true, 0xa,
			(struct sctp_spec){ SCTP_CID_SACK }), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, true, 0xb,
			(struct sctp_spec){ SCTP_CID_SACK }), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, sctp_state(ct), NFCT_SCTP_ESTABLISHED);
	set_bit(NFCT_SEEN_REPLY, &ct->status);	/* the core's part */
	ct->timeout = (u32)jiffies + 104 * HZ + HZ / 2;
	KUNIT_EXPECT_STREQ(test, format_conn(test, ct),
		"ipv4     2 sctp     132 104 ESTABLISHED src=10.1.1.3 dst=10.1.1.80 sport=5000 dport=6000 src=10.1.1.80 dst=10.1.1.3 sport=6000 dport=5000 [ASSURED] mark=0 zone=0 use=2\n");

	/* SHUTDOWN, its ACK, and the COMPLETE: the entry is CLOSED. */
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0xb,
			(struct sctp_spec){ SCTP_CID_SHUTDOWN, .len = 8 }), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, sctp_state(ct), NFCT_SCTP_SHUTDOWN_SENT);
	KUNIT_EXPECT_TRUE(test, nfct_l4proto_sctp.can_early_drop(ct));
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, true, 0xa,
			(struct sctp_spec){ SCTP_CID_SHUTDOWN_ACK }), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, sctp_state(ct), NFCT_SCTP_SHUTDOWN_ACK_SENT);
	/* SHUTDOWN COMPLETE with the T bit carries the peer's tag. */
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0xb,
			(struct sctp_spec){ SCTP_CID_SHUTDOWN_COMPLETE, SCTP_CHUNK_FLAG_T }),
			NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0xa,
			(struct sctp_spec){ SCTP_CID_SHUTDOWN_COMPLETE, SCTP_CHUNK_FLAG_T }),
			NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, sctp_state(ct), NFCT_SCTP_CLOSED);
	SCTP_EXPECT_EXPIRES(test, ct, (100 + NFCT_SCTP_CLOSED) * HZ);
	KUNIT_EXPECT_FALSE(test, nfct_l4proto_sctp.can_early_drop(ct));
	nfct_conn_put(ct);
}

/*
 * What may not open an entry: an answer to a packet out of the blue, a
 * chunk with no transition from NONE, an INIT with a tag or bundled, a
 * chunk of length 0, an INIT cut before its Initiate Tag; and a reply with
 * no association is INVALID.
 */
static void sctp_refused(struct kunit *test)
{
	static const struct sctp_spec init_data[] = {
		{ SCTP_CID_INIT, .init_tag = 1 }, { SCTP_CID_DATA, .len = 16 },
	};
	static const struct sctp_spec data_echo[] = {
		{ SCTP_CID_DATA, .len = 16 }, { SCTP_CID_COOKIE_ECHO },
	};
	struct nfct_net *cn = sctp_net(test);
	struct nfct_conn *ct = NULL;

	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 1,
			(struct sctp_spec){ SCTP_CID_ABORT }), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 1,
			(struct sctp_spec){ SCTP_CID_COOKIE_ACK }), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 1,
			(struct sctp_spec){ SCTP_CID_SHUTDOWN_COMPLETE }), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 1,
			(struct sctp_spec){ SCTP_CID_DATA, .len = 16 }), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 1,
			(struct sctp_spec){ SCTP_CID_INIT, .init_tag = 1 }), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, sctp_step(test, cn, &ct, false, 0,
			init_data, ARRAY_SIZE(init_data)), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, sctp_step(test, cn, &ct, false, 0,
			data_echo, ARRAY_SIZE(data_echo)), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0,
			(struct sctp_spec){ SCTP_CID_INIT, .len = 6 }), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0,
			(struct sctp_spec){ SCTP_CID_HEARTBEAT, .zero = true }), NFCT_TRACK_INVALID);
	/* A chunk claiming more than the packet has is taken as it is. */
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0,
			(struct sctp_spec){ SCTP_CID_HEARTBEAT, .len = 0xffff }), NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_EXPECT_EQ(test, sctp_state(ct), NFCT_SCTP_HEARTBEAT_SENT);
	nfct_conn_put(ct);
	ct = NULL;

	/* An entry CLOSED by its INIT: a reply from the wrong state is INVALID. */
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0,
			(struct sctp_spec){ SCTP_CID_INIT, .init_tag = 7 }), NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	nfct_conn_proto(ct)->sctp.state = NFCT_SCTP_NONE;
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, true, 7,
			(struct sctp_spec){ SCTP_CID_INIT_ACK, .init_tag = 8 }), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, sctp_state(ct), NFCT_SCTP_NONE);
	nfct_conn_put(ct);
}

/*
 * A retransmitted INIT on a confirmed CLOSED entry passes without
 * refreshing it; an association met by its HEARTBEAT is HEARTBEAT_SENT
 * and becomes ESTABLISHED by the ACK; a HEARTBEAT with a new tag passes
 * unrefreshed until the other side's ACK adopts the tag.
 */
static void sctp_init_again_and_heartbeats(struct kunit *test)
{
	struct nfct_net *cn = sctp_net(test);
	struct nfct_conn *ct = NULL;

	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0,
			(struct sctp_spec){ SCTP_CID_INIT, .init_tag = 5 }), NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	set_bit(NFCT_CONFIRMED, &ct->status);
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0,
			(struct sctp_spec){ SCTP_CID_INIT, .init_tag = 6 }), NFCT_TRACK_IGNORE);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->sctp.vtag[NFCT_DIR_REPLY], htonl(6));
	nfct_conn_put(ct);
	ct = NULL;

	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0x33,
			(struct sctp_spec){ SCTP_CID_HEARTBEAT, .len = 8 }), NFCT_TRACK_ACCEPT);
	KUNIT_ASSERT_NOT_NULL(test, ct);
	KUNIT_EXPECT_EQ(test, sctp_state(ct), NFCT_SCTP_HEARTBEAT_SENT);
	SCTP_EXPECT_EXPIRES(test, ct, (100 + NFCT_SCTP_HEARTBEAT_SENT) * HZ);
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, true, 0x44,
			(struct sctp_spec){ SCTP_CID_HEARTBEAT_ACK, .len = 8 }), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, sctp_state(ct), NFCT_SCTP_ESTABLISHED);
	KUNIT_EXPECT_TRUE(test, test_bit(NFCT_ASSURED, &ct->status));

	/* A new tag: the HEARTBEAT is let through, the state and timeout kept. */
	ct->timeout = (u32)jiffies + 5 * HZ;
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0x55,
			(struct sctp_spec){ SCTP_CID_HEARTBEAT, .len = 8 }), NFCT_TRACK_IGNORE);
	SCTP_EXPECT_EXPIRES(test, ct, 5 * HZ);
	/* The same side's ACK may not adopt it, the other side's does. */
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, false, 0x55,
			(struct sctp_spec){ SCTP_CID_HEARTBEAT_ACK, .len = 8 }), NFCT_TRACK_INVALID);
	KUNIT_EXPECT_EQ(test, sctp_one(test, cn, &ct, true, 0x66,
			(struct sctp_spec){ SCTP_CID_HEARTBEAT_ACK, .len = 8 }), NFCT_TRACK_ACCEPT);
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->sctp.vtag[NFCT_DIR_REPLY], htonl(0x66));
	KUNIT_EXPECT_EQ(test, nfct_conn_proto(ct)->sctp.vtag[NFCT_DIR_ORIGINAL], 0);
	nfct_conn_put(ct);
}

static struct kunit_case sctp_cases[] = {
	KUNIT_CASE(sctp_association),
	KUNIT_CASE(sctp_refused),
	KUNIT_CASE(sctp_init_again_and_heartbeats),
	{}
};

static struct kunit_suite sctp_suite = {
	.name = "nf_ct_sctp",
	.test_cases = sctp_cases,
};

static struct kunit_case ipv6_cases[] = {
	KUNIT_CASE(ipv6_tuple_past_exthdrs),
	KUNIT_CASE(ipv6_tuple_malformed_and_generic),
	KUNIT_CASE(ipv6_tuple_icmpv6),
	KUNIT_CASE(ipv6_proc_lines),
	KUNIT_CASE(ipv6_table_and_sizes),
	{}
};

static struct kunit_suite ipv6_suite = {
	.name = "nf_ct_ipv6",
	.test_cases = ipv6_cases,
};

kunit_test_suites(&tuple_suite, &tcp_suite, &proc_suite, &table_suite,
		  &hash_suite, &timeout_suite, &pkt_suite, &tcp_window_suite,
		  &tcp_packet_suite, &xt_suite, &ipv6_suite, &gre_suite,
		  &sctp_suite, &dccp_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for nf_ct");
