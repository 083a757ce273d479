// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for nf_ct_nat.ko: choosing a binding (nfct_nat_unique_tuple)
 * on a private table, and rewriting crafted packets and the packets ICMP
 * errors quote, every checksum checked against a full recomputation.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/crc32.h>
#include <linux/dccp.h>
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/sctp.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>

#include "nf_ct_nat.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define C_ADDR	htonl(0x0a000002)	/* 10.0.0.2, the client */
#define C2_ADDR	htonl(0x0a000003)	/* 10.0.0.3, another client */
#define S_ADDR	htonl(0xc6336407)	/* 198.51.100.7, the server */
#define N_ADDR	htonl(0xc0000201)	/* 192.0.2.1, the NAT address */
#define D_ADDR	htonl(0x0a01010a)	/* 10.1.1.10, a DNAT target */

#define NAT_TIMEOUT	(300 * HZ)

/* ---- the table ------------------------------------------------------------ */

static void nat_table_free(struct kunit_resource *res)
{
	nfct_table_destroy(res->data);
}

/*
 * A table of its own, outside any netns, destroyed (with its entries) when
 * the case ends, however it ends.
 */
static struct nfct_net *nat_table_new(struct kunit *test)
{
	struct nfct_net *cn = kunit_kzalloc(test, sizeof(*cn), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, cn);
	KUNIT_ASSERT_EQ(test, nfct_table_init(cn), 0);
	if (!kunit_alloc_resource(test, NULL, nat_table_free, GFP_KERNEL, cn)) {
		nfct_table_destroy(cn);
		KUNIT_ASSERT_FAILURE(test, "no memory for the table's resource");
	}
	return cn;
}

/* Inserts a live connection @orig whose reply is @reply. */
static struct nfct_conn *nat_add(struct kunit *test, struct nfct_net *cn,
				 const struct nfct_tuple *orig,
				 const struct nfct_tuple *reply)
{
	struct nfct_conn *ct = nfct_conn_alloc(orig, reply);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, ct);
	ct->timeout = (u32)jiffies + NAT_TIMEOUT;
	err = nfct_table_insert(cn, ct);
	if (err)
		nfct_conn_put(ct);
	KUNIT_ASSERT_EQ(test, err, 0);
	return ct;
}

static struct nfct_tuple nat_tuple(__be32 src, __be32 dst, u16 sport, u16 dport,
				   u8 proto)
{
	struct nfct_tuple t = {
		.src = src,
		.dst = dst,
		.sport = htons(sport),
		.dport = htons(dport),
		.protonum = proto,
	};

	return t;
}

/* An entry outside any table, freed with the test: room for TCP's state. */
static struct nfct_conn *nat_fake_conn(struct kunit *test, struct nfct_tuple orig,
				       struct nfct_tuple reply)
{
	struct nfct_conn *ct = kunit_kzalloc(test, 512, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ct);
	nfct_tuple_copy(&nfct_node(ct, NFCT_DIR_ORIGINAL)->tuple, &orig);
	nfct_tuple_copy(&nfct_node(ct, NFCT_DIR_REPLY)->tuple, &reply);
	nfct_node(ct, NFCT_DIR_REPLY)->dir = NFCT_DIR_REPLY;
	return ct;
}

/*
 * A connection from @client:@cport to @server:@sport whose source was
 * mapped to @nat:@nport: its reply is @server:@sport -> @nat:@nport.
 */
static struct nfct_conn *nat_add_snat_to(struct kunit *test, struct nfct_net *cn,
					 u8 proto, __be32 client, u16 cport,
					 __be32 server, u16 sport, __be32 nat,
					 u16 nport)
{
	struct nfct_tuple o = nat_tuple(client, server, cport, sport, proto);
	struct nfct_tuple r = nat_tuple(server, nat, sport, nport, proto);
	struct nfct_conn *ct = nfct_conn_alloc(&o, &r);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, ct);
	ct->timeout = (u32)jiffies + NAT_TIMEOUT;
	/* As nfct_nat_setup leaves it: the index by source takes such entries. */
	if (client != nat || cport != nport)
		set_bit(NFCT_SRC_NAT, &ct->status);
	err = nfct_table_insert(cn, ct);
	if (err)
		nfct_conn_put(ct);
	KUNIT_ASSERT_EQ(test, err, 0);
	return ct;
}

/* The same towards S_ADDR. */
static void nat_add_snat(struct kunit *test, struct nfct_net *cn, u8 proto,
			 __be32 client, u16 cport, u16 sport, __be32 nat, u16 nport)
{
	nat_add_snat_to(test, cn, proto, client, cport, S_ADDR, sport, nat, nport);
}

/* An echo from @client with @id whose reply goes to @nat with @nid. */
static void nat_add_echo(struct kunit *test, struct nfct_net *cn,
			 __be32 client, u16 id, __be32 nat, u16 nid)
{
	struct nfct_tuple o = { .src = client, .dst = S_ADDR, .sport = htons(id),
				.protonum = IPPROTO_ICMP };
	struct nfct_tuple r = { .src = S_ADDR, .dst = nat, .sport = htons(nid),
				.protonum = IPPROTO_ICMP };

	o.icmp.type = ICMP_ECHO;
	r.icmp.type = ICMP_ECHOREPLY;
	nat_add(test, cn, &o, &r);
}

/* nfct_nat_unique_tuple as the hooks call it: under RCU. */
static bool nat_unique(struct nfct_net *cn, struct nfct_tuple *t,
		       const struct nf_nat_range2 *range, enum nfct_nat_manip m)
{
	struct nfct_conn *ct;
	struct nfct_tuple r;
	bool ok;

	/* The connection being bound: unconfirmed, not in the table. */
	if (!nfct_tuple_invert(&r, t))
		return false;
	ct = nfct_conn_alloc(t, &r);
	if (!ct)
		return false;
	rcu_read_lock();
	ok = nfct_nat_unique_tuple(cn, t, range, m, ct);
	rcu_read_unlock();
	nfct_conn_put(ct);
	return ok;
}

/* Does another connection already have @t's reply? */
static bool nat_reply_taken(struct nfct_net *cn, const struct nfct_tuple *t)
{
	struct nfct_tuple reply;
	bool taken;

	if (!nfct_tuple_invert(&reply, t))
		return false;
	rcu_read_lock();
	taken = nfct_table_lookup(cn, &reply);
	rcu_read_unlock();
	return taken;
}

static struct nf_nat_range2 nat_range_addr(__be32 min, __be32 max)
{
	struct nf_nat_range2 r = {
		.flags = NF_NAT_RANGE_MAP_IPS,
		.min_addr.ip = min,
		.max_addr.ip = max,
	};

	return r;
}

static struct nf_nat_range2 nat_range_ports(__be32 addr, u16 min, u16 max)
{
	struct nf_nat_range2 r = nat_range_addr(addr, addr);

	r.flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
	r.min_proto.all = htons(min);
	r.max_proto.all = htons(max);
	return r;
}

/*
 * What nf_nat 6.1 chose (Debian's stock kernel, iptables SNAT of UDP flows
 * from 10.0.0.(7i + 2) to 198.51.100.i, --to-source 192.0.2.1-192.0.2.16):
 * the last octet of the address, for i = 0..31.
 */
static const u8 nat_kernel_range_choice[32] = {
	11, 9, 12, 8, 5, 10, 2, 8, 11, 11, 4, 11, 11, 13, 12, 15,
	6, 3, 11, 9, 4, 9, 10, 3, 14, 15, 5, 13, 4, 11, 13, 1,
};

/* The same kernel with --persistent, 192.0.2.1-192.0.2.255, from 10.0.0.2. */
#define NAT_KERNEL_PERSISTENT_CHOICE	htonl(0xc00002fa)	/* 192.0.2.250 */

/* ---- nf_ct_nat_tuple ------------------------------------------------------ */

/* SNAT to one address: a free source port is kept, only the address moves. */
static void nat_tuple_port_kept_when_free(struct kunit *test)
{
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat_range_addr(N_ADDR, N_ADDR);
	struct nfct_tuple t = nat_tuple(C_ADDR, S_ADDR, 40000, 80, IPPROTO_TCP);

	/* Another client's mapping on another port does not matter. */
	nat_add_snat(test, cn, IPPROTO_TCP, C2_ADDR, 40001, 80, N_ADDR, 40001);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.src, N_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
	KUNIT_EXPECT_EQ(test, t.dst, S_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 80);
	KUNIT_EXPECT_EQ(test, t.protonum, IPPROTO_TCP);

	/* A source already in the range, with a free reply, is left alone. */
	r = nat_range_addr(htonl(0x0a000000), htonl(0x0a0000ff));
	t = nat_tuple(C_ADDR, S_ADDR, 40000, 80, IPPROTO_TCP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.src, C_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
}

/* A clashing port of 1024 or more moves within 1024-65535, to a free one. */
static void nat_tuple_clash_moves_port(struct kunit *test)
{
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat_range_addr(N_ADDR, N_ADDR);
	struct nfct_tuple t;
	int i;

	nat_add_snat(test, cn, IPPROTO_UDP, C2_ADDR, 40000, 53, N_ADDR, 40000);
	for (i = 0; i < 64; i++) {
		t = nat_tuple(C_ADDR, S_ADDR, 40000, 53, IPPROTO_UDP);
		KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
		KUNIT_EXPECT_EQ(test, t.src, N_ADDR);
		KUNIT_EXPECT_NE(test, ntohs(t.sport), 40000);
		KUNIT_EXPECT_GE(test, ntohs(t.sport), 1024);
		KUNIT_EXPECT_EQ(test, ntohs(t.dport), 53);
		KUNIT_EXPECT_FALSE(test, nat_reply_taken(cn, &t));
	}
	/* The same port towards another server port is no clash. */
	t = nat_tuple(C_ADDR, S_ADDR, 40000, 54, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
}

/* SCTP's and DCCP's ports are chosen as TCP's and UDP's, each protocol apart. */
static void nat_tuple_sctp_dccp_ports(struct kunit *test)
{
	static const u8 protos[] = { IPPROTO_SCTP, IPPROTO_DCCP };
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat_range_addr(N_ADDR, N_ADDR);
	struct nfct_tuple t;
	int i;

	nat_add_snat(test, cn, IPPROTO_SCTP, C2_ADDR, 40000, 2905, N_ADDR, 40000);
	for (i = 0; i < ARRAY_SIZE(protos); i++) {
		t = nat_tuple(C_ADDR, S_ADDR, 40000, 2905, protos[i]);
		KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
		KUNIT_EXPECT_EQ(test, t.src, N_ADDR);
		KUNIT_EXPECT_EQ(test, ntohs(t.dport), 2905);
		/* Only SCTP's port 40000 is taken. */
		if (protos[i] == IPPROTO_SCTP) {
			KUNIT_EXPECT_NE(test, ntohs(t.sport), 40000);
			KUNIT_EXPECT_GE(test, ntohs(t.sport), 1024);
		} else {
			KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
		}
		KUNIT_EXPECT_FALSE(test, nat_reply_taken(cn, &t));
	}
	r = nat_range_ports(D_ADDR, 3868, 3868);
	t = nat_tuple(C_ADDR, S_ADDR, 40001, 2905, IPPROTO_SCTP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_DST));
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 3868);
}

/* Below 1024 a port stays in its half: 1-511, or 600-1023 from 512. */
static void nat_tuple_clash_low_ports(struct kunit *test)
{
	static const u16 ports[] = { 1, 100, 511, 512, 599, 700, 1023 };
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat_range_addr(N_ADDR, N_ADDR);
	struct nfct_tuple t;
	unsigned int i;
	int k;

	for (i = 0; i < ARRAY_SIZE(ports); i++)
		nat_add_snat(test, cn, IPPROTO_TCP, C2_ADDR, ports[i], 22,
			     N_ADDR, ports[i]);
	for (i = 0; i < ARRAY_SIZE(ports); i++) {
		for (k = 0; k < 32; k++) {
			t = nat_tuple(C_ADDR, S_ADDR, ports[i], 22, IPPROTO_TCP);
			KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
			KUNIT_EXPECT_NE(test, ntohs(t.sport), ports[i]);
			if (ports[i] < 512) {
				KUNIT_EXPECT_GE(test, ntohs(t.sport), 1);
				KUNIT_EXPECT_LE(test, ntohs(t.sport), 511);
			} else {
				KUNIT_EXPECT_GE(test, ntohs(t.sport), 600);
				KUNIT_EXPECT_LE(test, ntohs(t.sport), 1023);
			}
			KUNIT_EXPECT_FALSE(test, nat_reply_taken(cn, &t));
		}
	}
}

/* Every port of the range taken: no tuple. */
static void nat_tuple_range_exhausted(struct kunit *test)
{
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat_range_ports(N_ADDR, 5000, 5003);
	struct nfct_tuple t;
	u16 p;

	for (p = 5000; p <= 5003; p++)
		nat_add_snat(test, cn, IPPROTO_UDP, C2_ADDR, p, 53, N_ADDR, p);

	t = nat_tuple(C_ADDR, S_ADDR, 40000, 53, IPPROTO_UDP);
	KUNIT_EXPECT_FALSE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	/* Nor when the packet's own port is in the (busy) range. */
	t = nat_tuple(C_ADDR, S_ADDR, 5001, 53, IPPROTO_UDP);
	KUNIT_EXPECT_FALSE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	/* The limits given the wrong way round are the same range. */
	swap(r.min_proto.all, r.max_proto.all);
	t = nat_tuple(C_ADDR, S_ADDR, 40000, 53, IPPROTO_UDP);
	KUNIT_EXPECT_FALSE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));

	/* One more port in the range: it is found. */
	r = nat_range_ports(N_ADDR, 5000, 5004);
	t = nat_tuple(C_ADDR, S_ADDR, 40000, 53, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 5004);
}

/*
 * As in nf_nat, a range of one port is taken even if busy: a clash is
 * dealt with at confirmation.
 */
static void nat_tuple_single_port_busy(struct kunit *test)
{
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat_range_ports(N_ADDR, 5000, 5000);
	struct nfct_tuple t;

	nat_add_snat(test, cn, IPPROTO_UDP, C2_ADDR, 5000, 53, N_ADDR, 5000);
	t = nat_tuple(C_ADDR, S_ADDR, 5000, 53, IPPROTO_UDP);
	KUNIT_EXPECT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.src, N_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 5000);
	KUNIT_EXPECT_EQ(test, t.dst, S_ADDR);
}

/*
 * When the packet's own port is not that one port, the search finds it
 * busy and says so, but leaves the tuple on it: the caller binds it anyway,
 * as nf_nat's get_unique_tuple (which cannot fail), and confirmation drops.
 */
static void nat_tuple_single_port_busy_moved(struct kunit *test)
{
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat_range_ports(N_ADDR, 5000, 5000);
	struct nfct_tuple t;

	nat_add_snat(test, cn, IPPROTO_UDP, C2_ADDR, 5000, 53, N_ADDR, 5000);
	t = nat_tuple(C_ADDR, S_ADDR, 40000, 53, IPPROTO_UDP);
	KUNIT_EXPECT_FALSE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.src, N_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 5000);
}

/* The address from a range is nf_nat's: a hash of source and destination. */
static void nat_tuple_addr_from_range(struct kunit *test)
{
	const __be32 min = htonl(0xc0000201), max = htonl(0xc0000210);
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat_range_addr(min, max);
	struct nfct_tuple t, again;
	bool differs = false;
	__be32 first;
	u32 i;

	first = htonl(0xc0000200 + nat_kernel_range_choice[0]);

	for (i = 0; i < 32; i++) {
		__be32 src = htonl(0x0a000000 + i * 7 + 2);
		__be32 dst = htonl(0xc6336400 + i);
		__be32 want = htonl(0xc0000200 + nat_kernel_range_choice[i]);

		t = nat_tuple(src, dst, 40000 + i, 443, IPPROTO_TCP);
		KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
		KUNIT_EXPECT_EQ(test, t.src, want);
		KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000 + i);
		again = nat_tuple(src, dst, 40000 + i, 443, IPPROTO_TCP);
		KUNIT_ASSERT_TRUE(test, nat_unique(cn, &again, &r, NFCT_NAT_SRC));
		KUNIT_EXPECT_EQ(test, again.src, t.src);
		if (t.src != first)
			differs = true;

		/* DNAT hashes the same words into the destination. */
		t = nat_tuple(src, dst, 40000 + i, 443, IPPROTO_TCP);
		KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_DST));
		KUNIT_EXPECT_EQ(test, t.dst, want);
		KUNIT_EXPECT_EQ(test, t.src, src);
	}
	/* 32 pairs over 16 addresses: the hash spreads them. */
	KUNIT_EXPECT_TRUE(test, differs);
}

/* NF_NAT_RANGE_PERSISTENT: the address depends on the source alone. */
static void nat_tuple_addr_persistent(struct kunit *test)
{
	const __be32 min = htonl(0xc0000201), max = htonl(0xc00002ff);
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat_range_addr(min, max);
	__be32 want = NAT_KERNEL_PERSISTENT_CHOICE;
	struct nfct_tuple t;
	u32 i;

	r.flags |= NF_NAT_RANGE_PERSISTENT;
	for (i = 0; i < 32; i++) {
		t = nat_tuple(C_ADDR, htonl(0xc6336400 + i * 13), 40000, 80, IPPROTO_TCP);
		KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
		KUNIT_EXPECT_EQ(test, t.src, want);
	}
}

/* DNAT without a port range changes the address, never the port. */
static void nat_tuple_dnat_keeps_port(struct kunit *test)
{
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat_range_addr(D_ADDR, D_ADDR);
	struct nfct_tuple t = nat_tuple(C_ADDR, S_ADDR, 40000, 80, IPPROTO_TCP);
	struct nfct_tuple o = nat_tuple(C_ADDR, D_ADDR, 40000, 80, IPPROTO_TCP);
	struct nfct_tuple rep = nat_tuple(D_ADDR, C_ADDR, 80, 40000, IPPROTO_TCP);

	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_DST));
	KUNIT_EXPECT_EQ(test, t.dst, D_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 80);
	KUNIT_EXPECT_EQ(test, t.src, C_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);

	/* Even when the result is busy, neither port moves. */
	nat_add(test, cn, &o, &rep);
	t = nat_tuple(C_ADDR, S_ADDR, 40000, 80, IPPROTO_TCP);
	nat_unique(cn, &t, &r, NFCT_NAT_DST);
	KUNIT_EXPECT_EQ(test, t.dst, D_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 80);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);

	/* With a port range, the destination port is mapped into it. */
	r = nat_range_ports(D_ADDR, 8080, 8080);
	t = nat_tuple(C_ADDR, S_ADDR, 40001, 80, IPPROTO_TCP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_DST));
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 8080);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40001);
}

/* ICMP: the echo id is the key, searched over all 65536 or the range. */
static void nat_tuple_icmp_id(struct kunit *test)
{
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat_range_addr(N_ADDR, N_ADDR);
	struct nfct_tuple t, base = { .src = C_ADDR, .dst = S_ADDR,
				      .sport = htons(100), .protonum = IPPROTO_ICMP };
	int i;

	base.icmp.type = ICMP_ECHO;
	t = base;
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.src, N_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 100);
	KUNIT_EXPECT_EQ(test, t.icmp.type, ICMP_ECHO);

	nat_add_echo(test, cn, C2_ADDR, 100, N_ADDR, 100);
	for (i = 0; i < 32; i++) {
		t = base;
		KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
		KUNIT_EXPECT_EQ(test, t.src, N_ADDR);
		KUNIT_EXPECT_NE(test, ntohs(t.sport), 100);
		KUNIT_EXPECT_EQ(test, t.icmp.type, ICMP_ECHO);
		KUNIT_EXPECT_FALSE(test, nat_reply_taken(cn, &t));
	}

	/* An id range: the one free id in it. */
	nat_add_echo(test, cn, C2_ADDR, 2000, N_ADDR, 2000);
	r = nat_range_ports(N_ADDR, 2000, 2001);
	t = base;
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 2001);
	nat_add_echo(test, cn, C2_ADDR, 2001, N_ADDR, 2001);
	t = base;
	KUNIT_EXPECT_FALSE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
}

/* NF_NAT_RANGE_PROTO_OFFSET: the port keeps its distance from base_proto. */
static void nat_tuple_proto_offset(struct kunit *test)
{
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat_range_ports(N_ADDR, 10000, 10999);
	struct nfct_tuple t;

	r.flags |= NF_NAT_RANGE_PROTO_OFFSET;
	r.base_proto.all = htons(5000);

	t = nat_tuple(C_ADDR, S_ADDR, 5007, 80, IPPROTO_TCP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.src, N_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 10007);

	/* Below the base, the u16 difference wraps: 65535 % 1000 = 535. */
	t = nat_tuple(C_ADDR, S_ADDR, 4999, 80, IPPROTO_TCP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 10535);

	/* Taken: the search goes on from there. */
	nat_add_snat(test, cn, IPPROTO_TCP, C2_ADDR, 10007, 80, N_ADDR, 10007);
	t = nat_tuple(C_ADDR, S_ADDR, 5007, 80, IPPROTO_TCP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 10008);

	/* DNAT offsets the destination port the same way. */
	t = nat_tuple(C_ADDR, S_ADDR, 5100, 80, IPPROTO_TCP);
	r.flags &= ~NF_NAT_RANGE_MAP_IPS;
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_DST));
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 10000 + ((80 - 5000) & 0xffff) % 1000);
	KUNIT_EXPECT_EQ(test, t.dst, S_ADDR);
}

/*
 * nf_nat's find_appropriate_src: a source already mapped keeps its mapping
 * towards a new destination when the rule's range allows it, rather than
 * the address the hash picks; not once that entry is deleted, not outside
 * the range, and not when the reuse's reply is taken.
 */
static void nat_tuple_reuses_source_mapping(struct kunit *test)
{
	const __be32 min = htonl(0xc0000201), max = htonl(0xc0000210);
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat_range_addr(min, max);
	/* 10.0.0.2 to 198.51.100.0: nf_nat's hash picks 192.0.2.11 (above). */
	const __be32 dst = htonl(0xc6336400);
	__be32 hashed = htonl(0xc0000200 + nat_kernel_range_choice[0]);
	__be32 mapped = hashed == min ? max : min;
	struct nfct_conn *first;
	struct nfct_tuple t;

	first = nat_add_snat_to(test, cn, IPPROTO_UDP, C_ADDR, 40000, S_ADDR, 53,
				mapped, 40008);
	t = nat_tuple(C_ADDR, dst, 40000, 53, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.src, mapped);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40008);
	KUNIT_EXPECT_EQ(test, t.dst, dst);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 53);

	/* Another protocol or port from that address is another source. */
	t = nat_tuple(C_ADDR, dst, 40000, 53, IPPROTO_TCP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.src, hashed);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
	t = nat_tuple(C_ADDR, dst, 40001, 53, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.src, hashed);

	/* A range without the mapped address: the hash's address. */
	r = nat_range_addr(hashed, hashed);
	t = nat_tuple(C_ADDR, dst, 40000, 53, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.src, hashed);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);

	/* The reuse's reply taken by another client: not reused. */
	r = nat_range_addr(min, max);
	nat_add_snat_to(test, cn, IPPROTO_UDP, C2_ADDR, 41000, dst, 53, mapped, 40008);
	t = nat_tuple(C_ADDR, dst, 40000, 53, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.src, hashed);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);

	/* Deleted, the first entry's mapping is forgotten. */
	KUNIT_ASSERT_TRUE(test, nfct_table_delete(cn, first));
	t = nat_tuple(C_ADDR, dst, 40000, 54, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.src, hashed);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
}

static struct kunit_case nat_tuple_cases[] = {
	KUNIT_CASE(nat_tuple_port_kept_when_free),
	KUNIT_CASE(nat_tuple_clash_moves_port),
	KUNIT_CASE(nat_tuple_clash_low_ports),
	KUNIT_CASE(nat_tuple_range_exhausted),
	KUNIT_CASE(nat_tuple_single_port_busy),
	KUNIT_CASE(nat_tuple_single_port_busy_moved),
	KUNIT_CASE(nat_tuple_addr_from_range),
	KUNIT_CASE(nat_tuple_addr_persistent),
	KUNIT_CASE(nat_tuple_dnat_keeps_port),
	KUNIT_CASE(nat_tuple_sctp_dccp_ports),
	KUNIT_CASE(nat_tuple_icmp_id),
	KUNIT_CASE(nat_tuple_proto_offset),
	KUNIT_CASE(nat_tuple_reuses_source_mapping),
	{}
};

static struct kunit_suite nat_tuple_suite = {
	.name = "nf_ct_nat_tuple",
	.test_cases = nat_tuple_cases,
};

/* ---- packets -------------------------------------------------------------- */

#define NAT_TAILROOM	32	/* after the packet, for the untouched-bytes check */

static void nat_skb_free(struct kunit_resource *res)
{
	kfree_skb(res->data);
}

/*
 * An IPv4 packet @src -> @dst with @l4len bytes of @l4 after a 20-byte
 * header whose checksum is right, freed when the case ends.
 */
static struct sk_buff *nat_build(struct kunit *test, __be32 src, __be32 dst,
				 u8 proto, const void *l4, unsigned int l4len)
{
	struct sk_buff *skb;
	struct iphdr *iph;

	skb = alloc_skb(sizeof(*iph) + l4len + NAT_TAILROOM, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	if (!kunit_alloc_resource(test, NULL, nat_skb_free, GFP_KERNEL, skb)) {
		kfree_skb(skb);
		KUNIT_ASSERT_FAILURE(test, "no memory for the packet's resource");
	}
	iph = skb_put_zero(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5;
	iph->ttl = 64;
	iph->id = htons(0x1c46);
	iph->frag_off = htons(IP_DF);
	iph->protocol = proto;
	iph->saddr = src;
	iph->daddr = dst;
	iph->tot_len = htons(sizeof(*iph) + l4len);
	iph->check = ip_fast_csum(iph, iph->ihl);
	skb_put_data(skb, l4, l4len);
	skb_reset_network_header(skb);
	return skb;
}

/* The IPv4 header checksum at @off, computed from scratch. */
static __sum16 nat_ip_csum(struct sk_buff *skb, unsigned int off)
{
	struct iphdr *iph = (void *)skb->data + off;
	__sum16 old = iph->check, sum;

	iph->check = 0;
	sum = ip_fast_csum(iph, iph->ihl);
	iph->check = old;
	return sum;
}

/*
 * The TCP or UDP checksum of the segment after the IPv4 header at @ipoff,
 * to the end of the packet, computed from scratch (UDP's 0 sent as 0xffff).
 */
static __sum16 nat_l4_csum(struct sk_buff *skb, unsigned int ipoff, __sum16 *check)
{
	const struct iphdr *iph = (void *)skb->data + ipoff;
	unsigned int off = ipoff + iph->ihl * 4, len = skb->len - off;
	__sum16 old = *check, sum;

	*check = 0;
	sum = csum_tcpudp_magic(iph->saddr, iph->daddr, len, iph->protocol,
				skb_checksum(skb, off, len, 0));
	*check = old;
	if (iph->protocol == IPPROTO_UDP && !sum)
		sum = CSUM_MANGLED_0;
	return sum;
}

/* The ICMP checksum of everything after the IPv4 header at @ipoff. */
static __sum16 nat_icmp_csum(struct sk_buff *skb, unsigned int ipoff)
{
	const struct iphdr *iph = (void *)skb->data + ipoff;
	unsigned int off = ipoff + iph->ihl * 4;
	struct icmphdr *ih = (void *)skb->data + off;
	__sum16 old = ih->checksum, sum;

	ih->checksum = 0;
	sum = csum_fold(skb_checksum(skb, off, skb->len - off, 0));
	ih->checksum = old;
	return sum;
}

static const char nat_payload[] = "nf_ct nat: odd-sized payload";

/* A TCP segment A -> B with a payload and a right checksum. */
static struct sk_buff *nat_build_tcp(struct kunit *test, __be32 src, __be32 dst,
				     u16 sport, u16 dport)
{
	struct {
		struct tcphdr th;
		char data[sizeof(nat_payload)];
	} __packed seg = {
		.th = {
			.source = htons(sport), .dest = htons(dport),
			.seq = htonl(0x12345678), .ack_seq = htonl(0x9abcdef0),
			.doff = 5, .ack = 1, .psh = 1, .window = htons(502),
		},
	};
	struct sk_buff *skb;
	struct tcphdr *th;

	memcpy(seg.data, nat_payload, sizeof(nat_payload));
	skb = nat_build(test, src, dst, IPPROTO_TCP, &seg, sizeof(seg));
	th = (void *)skb->data + sizeof(struct iphdr);
	th->check = nat_l4_csum(skb, 0, &th->check);
	return skb;
}

static struct sk_buff *nat_build_udp(struct kunit *test, __be32 src, __be32 dst,
				     u16 sport, u16 dport, bool csum)
{
	struct {
		struct udphdr uh;
		char data[sizeof(nat_payload)];
	} __packed dgram = {
		.uh = {
			.source = htons(sport), .dest = htons(dport),
			.len = htons(sizeof(dgram)),
		},
	};
	struct sk_buff *skb;
	struct udphdr *uh;

	memcpy(dgram.data, nat_payload, sizeof(nat_payload));
	skb = nat_build(test, src, dst, IPPROTO_UDP, &dgram, sizeof(dgram));
	uh = (void *)skb->data + sizeof(struct iphdr);
	if (csum)
		uh->check = nat_l4_csum(skb, 0, &uh->check);
	return skb;
}

static void nat_expect_ip_csum(struct kunit *test, struct sk_buff *skb,
			       unsigned int off)
{
	struct iphdr *iph = (void *)skb->data + off;

	KUNIT_EXPECT_EQ(test, iph->check, nat_ip_csum(skb, off));
}

static bool nat_manip(struct sk_buff *skb, unsigned int off, __be32 src, __be32 dst,
		      u16 sport, u16 dport, u8 proto, enum nfct_nat_manip m)
{
	struct nfct_tuple t = nat_tuple(src, dst, sport, dport, proto);

	return nfct_nat_manip_pkt(skb, off, &t, m);
}

static void nat_pkt_tcp(struct kunit *test)
{
	struct sk_buff *skb = nat_build_tcp(test, C_ADDR, S_ADDR, 40000, 80);
	struct iphdr *iph = ip_hdr(skb);
	struct tcphdr *th = (void *)iph + sizeof(*iph);

	KUNIT_ASSERT_EQ(test, th->check, nat_l4_csum(skb, 0, &th->check));

	KUNIT_ASSERT_TRUE(test, nat_manip(skb, 0, N_ADDR, S_ADDR, 61000, 80,
					  IPPROTO_TCP, NFCT_NAT_SRC));
	iph = ip_hdr(skb);
	th = (void *)iph + sizeof(*iph);
	KUNIT_EXPECT_EQ(test, iph->saddr, N_ADDR);
	KUNIT_EXPECT_EQ(test, iph->daddr, S_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(th->source), 61000);
	KUNIT_EXPECT_EQ(test, ntohs(th->dest), 80);
	nat_expect_ip_csum(test, skb, 0);
	KUNIT_EXPECT_EQ(test, th->check, nat_l4_csum(skb, 0, &th->check));

	KUNIT_ASSERT_TRUE(test, nat_manip(skb, 0, N_ADDR, D_ADDR, 61000, 8080,
					  IPPROTO_TCP, NFCT_NAT_DST));
	iph = ip_hdr(skb);
	th = (void *)iph + sizeof(*iph);
	KUNIT_EXPECT_EQ(test, iph->saddr, N_ADDR);
	KUNIT_EXPECT_EQ(test, iph->daddr, D_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(th->source), 61000);
	KUNIT_EXPECT_EQ(test, ntohs(th->dest), 8080);
	KUNIT_EXPECT_EQ(test, ntohl(th->seq), 0x12345678);
	nat_expect_ip_csum(test, skb, 0);
	KUNIT_EXPECT_EQ(test, th->check, nat_l4_csum(skb, 0, &th->check));
	KUNIT_EXPECT_EQ(test, memcmp((char *)(th + 1), nat_payload, sizeof(nat_payload)), 0);
}

static void nat_pkt_udp(struct kunit *test)
{
	struct sk_buff *skb = nat_build_udp(test, C_ADDR, S_ADDR, 5353, 53, true);
	struct iphdr *iph = ip_hdr(skb);
	struct udphdr *uh = (void *)iph + sizeof(*iph);

	KUNIT_ASSERT_NE(test, uh->check, 0);
	KUNIT_ASSERT_EQ(test, uh->check, nat_l4_csum(skb, 0, &uh->check));

	KUNIT_ASSERT_TRUE(test, nat_manip(skb, 0, N_ADDR, S_ADDR, 1053, 53,
					  IPPROTO_UDP, NFCT_NAT_SRC));
	iph = ip_hdr(skb);
	uh = (void *)iph + sizeof(*iph);
	KUNIT_EXPECT_EQ(test, iph->saddr, N_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(uh->source), 1053);
	KUNIT_EXPECT_EQ(test, ntohs(uh->dest), 53);
	nat_expect_ip_csum(test, skb, 0);
	KUNIT_EXPECT_EQ(test, uh->check, nat_l4_csum(skb, 0, &uh->check));

	KUNIT_ASSERT_TRUE(test, nat_manip(skb, 0, N_ADDR, D_ADDR, 1053, 5300,
					  IPPROTO_UDP, NFCT_NAT_DST));
	iph = ip_hdr(skb);
	uh = (void *)iph + sizeof(*iph);
	KUNIT_EXPECT_EQ(test, iph->daddr, D_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(uh->source), 1053);
	KUNIT_EXPECT_EQ(test, ntohs(uh->dest), 5300);
	nat_expect_ip_csum(test, skb, 0);
	KUNIT_EXPECT_EQ(test, uh->check, nat_l4_csum(skb, 0, &uh->check));
}

/* SCTP's CRC32c of the packet after the IPv4 header, from scratch on a copy. */
static __le32 nat_sctp_crc(struct kunit *test, struct sk_buff *skb)
{
	unsigned int len = skb->len - sizeof(struct iphdr);
	u8 *copy = kunit_kzalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, copy);
	KUNIT_ASSERT_EQ(test, skb_copy_bits(skb, sizeof(struct iphdr), copy, len), 0);
	memset(copy + offsetof(struct sctphdr, checksum), 0, 4);
	return cpu_to_le32(~__crc32c_le(~0U, copy, len));
}

/*
 * SCTP's ports change and its CRC32c, which covers no address, is summed
 * again, as nf_nat does; a device that will sum it (CHECKSUM_PARTIAL) is
 * left to.
 */
static void nat_pkt_sctp(struct kunit *test)
{
	struct {
		struct sctphdr sh;
		struct sctp_chunkhdr ch;
		char data[sizeof(nat_payload)];
	} __packed pkt = {
		.sh = { .source = htons(5000), .dest = htons(6000), .vtag = htonl(7) },
		.ch = { .type = SCTP_CID_DATA, .length = htons(sizeof(pkt.ch) + sizeof(pkt.data)) },
	};
	struct sk_buff *skb;
	struct sctphdr *sh;
	__le32 before;

	/* The check value of RFC 3720's CRC32c: the reference is the right sum. */
	KUNIT_ASSERT_EQ(test, ~__crc32c_le(~0U, "123456789", 9), 0xe3069283);
	memcpy(pkt.data, nat_payload, sizeof(nat_payload));
	skb = nat_build(test, C_ADDR, S_ADDR, IPPROTO_SCTP, &pkt, sizeof(pkt));
	sh = (void *)skb->data + sizeof(struct iphdr);
	sh->checksum = nat_sctp_crc(test, skb);
	KUNIT_EXPECT_EQ(test, nfct_sctp_crc(skb, sizeof(struct iphdr)), sh->checksum);
	before = sh->checksum;

	KUNIT_ASSERT_TRUE(test, nat_manip(skb, 0, N_ADDR, S_ADDR, 61000, 6000,
					  IPPROTO_SCTP, NFCT_NAT_SRC));
	sh = (void *)skb->data + sizeof(struct iphdr);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->saddr, N_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(sh->source), 61000);
	KUNIT_EXPECT_EQ(test, ntohs(sh->dest), 6000);
	nat_expect_ip_csum(test, skb, 0);
	KUNIT_EXPECT_NE(test, sh->checksum, before);
	KUNIT_EXPECT_EQ(test, sh->checksum, nat_sctp_crc(test, skb));

	skb->ip_summed = CHECKSUM_PARTIAL;
	before = sh->checksum;
	KUNIT_ASSERT_TRUE(test, nat_manip(skb, 0, N_ADDR, D_ADDR, 61000, 6001,
					  IPPROTO_SCTP, NFCT_NAT_DST));
	sh = (void *)skb->data + sizeof(struct iphdr);
	KUNIT_EXPECT_EQ(test, ntohs(sh->dest), 6001);
	KUNIT_EXPECT_EQ(test, sh->checksum, before);
}

/* DCCP's ports change and its checksum follows them and the address. */
static void nat_pkt_dccp(struct kunit *test)
{
	struct {
		struct dccp_hdr dh;
		char data[sizeof(nat_payload)];
	} __packed pkt = {
		.dh = {
			.dccph_sport = htons(5001), .dccph_dport = htons(6000),
			.dccph_doff = sizeof(struct dccp_hdr) / 4,
			.dccph_type = DCCP_PKT_DATA, .dccph_seq = htons(77),
		},
	};
	struct sk_buff *skb;
	struct dccp_hdr *dh;

	memcpy(pkt.data, nat_payload, sizeof(nat_payload));
	skb = nat_build(test, C_ADDR, S_ADDR, IPPROTO_DCCP, &pkt, sizeof(pkt));
	dh = (void *)skb->data + sizeof(struct iphdr);
	dh->dccph_checksum = nat_l4_csum(skb, 0, &dh->dccph_checksum);

	KUNIT_ASSERT_TRUE(test, nat_manip(skb, 0, N_ADDR, S_ADDR, 1100, 6000,
					  IPPROTO_DCCP, NFCT_NAT_SRC));
	dh = (void *)skb->data + sizeof(struct iphdr);
	KUNIT_EXPECT_EQ(test, ntohs(dh->dccph_sport), 1100);
	KUNIT_EXPECT_EQ(test, ntohs(dh->dccph_dport), 6000);
	nat_expect_ip_csum(test, skb, 0);
	KUNIT_EXPECT_EQ(test, dh->dccph_checksum, nat_l4_csum(skb, 0, &dh->dccph_checksum));
	KUNIT_ASSERT_TRUE(test, nat_manip(skb, 0, N_ADDR, D_ADDR, 1100, 6001,
					  IPPROTO_DCCP, NFCT_NAT_DST));
	dh = (void *)skb->data + sizeof(struct iphdr);
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->daddr, D_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(dh->dccph_dport), 6001);
	KUNIT_EXPECT_EQ(test, dh->dccph_checksum, nat_l4_csum(skb, 0, &dh->dccph_checksum));
	KUNIT_EXPECT_EQ(test, memcmp(pkt.data, (char *)(dh + 1), sizeof(nat_payload)), 0);
}

/* A UDP checksum of zero means none: it stays zero. */
static void nat_pkt_udp_no_csum(struct kunit *test)
{
	struct sk_buff *skb = nat_build_udp(test, C_ADDR, S_ADDR, 5353, 53, false);
	struct iphdr *iph;
	struct udphdr *uh;

	KUNIT_ASSERT_TRUE(test, nat_manip(skb, 0, N_ADDR, S_ADDR, 1053, 53,
					  IPPROTO_UDP, NFCT_NAT_SRC));
	KUNIT_ASSERT_TRUE(test, nat_manip(skb, 0, N_ADDR, D_ADDR, 1053, 5300,
					  IPPROTO_UDP, NFCT_NAT_DST));
	iph = ip_hdr(skb);
	uh = (void *)iph + sizeof(*iph);
	KUNIT_EXPECT_EQ(test, iph->saddr, N_ADDR);
	KUNIT_EXPECT_EQ(test, iph->daddr, D_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(uh->source), 1053);
	KUNIT_EXPECT_EQ(test, ntohs(uh->dest), 5300);
	KUNIT_EXPECT_EQ(test, uh->check, 0);
	nat_expect_ip_csum(test, skb, 0);
}

/* An echo's id is its port: it changes, and the ICMP checksum with it. */
static void nat_pkt_icmp_echo(struct kunit *test)
{
	struct {
		struct icmphdr ih;
		char data[sizeof(nat_payload)];
	} __packed echo = {
		.ih = { .type = ICMP_ECHO, .un.echo = { .id = htons(0x1234),
							.sequence = htons(7) } },
	};
	struct sk_buff *skb;
	struct icmphdr *ih;
	struct iphdr *iph;

	memcpy(echo.data, nat_payload, sizeof(nat_payload));
	skb = nat_build(test, C_ADDR, S_ADDR, IPPROTO_ICMP, &echo, sizeof(echo));
	ih = (void *)skb->data + sizeof(*iph);
	ih->checksum = nat_icmp_csum(skb, 0);

	KUNIT_ASSERT_TRUE(test, nat_manip(skb, 0, N_ADDR, S_ADDR, 0x4321, 0,
					  IPPROTO_ICMP, NFCT_NAT_SRC));
	iph = ip_hdr(skb);
	ih = (void *)iph + sizeof(*iph);
	KUNIT_EXPECT_EQ(test, iph->saddr, N_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(ih->un.echo.id), 0x4321);
	KUNIT_EXPECT_EQ(test, ntohs(ih->un.echo.sequence), 7);
	KUNIT_EXPECT_EQ(test, ih->type, ICMP_ECHO);
	nat_expect_ip_csum(test, skb, 0);
	KUNIT_EXPECT_EQ(test, ih->checksum, nat_icmp_csum(skb, 0));

	KUNIT_ASSERT_TRUE(test, nat_manip(skb, 0, N_ADDR, D_ADDR, 0x4321, 0,
					  IPPROTO_ICMP, NFCT_NAT_DST));
	iph = ip_hdr(skb);
	ih = (void *)iph + sizeof(*iph);
	KUNIT_EXPECT_EQ(test, iph->daddr, D_ADDR);
	KUNIT_EXPECT_EQ(test, ntohs(ih->un.echo.id), 0x4321);
	nat_expect_ip_csum(test, skb, 0);
	KUNIT_EXPECT_EQ(test, ih->checksum, nat_icmp_csum(skb, 0));
}

/*
 * An ICMP error @from -> @to quoting an IPv4 header @qsrc -> @qdst of
 * protocol @proto and @l4len bytes of @l4, every checksum right.
 */
static struct sk_buff *nat_build_error(struct kunit *test, __be32 from, __be32 to,
				       u8 type, __be32 qsrc, __be32 qdst, u8 proto,
				       const void *l4, unsigned int l4len,
				       unsigned int qtotlen)
{
	struct {
		struct icmphdr ih;
		struct iphdr iph;
		u8 l4[64];
	} __packed q = {
		.ih = { .type = type, .code = type == ICMP_DEST_UNREACH ?
						 ICMP_PORT_UNREACH : 0 },
		.iph = {
			.version = 4, .ihl = 5, .ttl = 63, .protocol = proto,
			.id = htons(0x77), .saddr = qsrc, .daddr = qdst,
			.tot_len = htons(qtotlen),
		},
	};
	struct sk_buff *skb;
	struct icmphdr *ih;

	KUNIT_ASSERT_LE(test, l4len, sizeof(q.l4));
	memcpy(q.l4, l4, l4len);
	q.iph.check = ip_fast_csum(&q.iph, q.iph.ihl);
	skb = nat_build(test, from, to, IPPROTO_ICMP, &q,
			sizeof(q.ih) + sizeof(q.iph) + l4len);
	ih = (void *)skb->data + sizeof(struct iphdr);
	ih->checksum = nat_icmp_csum(skb, 0);
	return skb;
}

#define NAT_QUOTE	(sizeof(struct iphdr) + sizeof(struct icmphdr))

/* A TCP header quoted in its first 8 bytes: the port, and nothing after. */
static void nat_pkt_tcp_quote_eight_bytes(struct kunit *test)
{
	struct tcphdr th = { .source = htons(61000), .dest = htons(80),
			     .seq = htonl(0xdeadbeef), .doff = 5, .syn = 1 };
	struct sk_buff *skb = nat_build_error(test, S_ADDR, N_ADDR, ICMP_DEST_UNREACH,
					      N_ADDR, S_ADDR, IPPROTO_TCP, &th, 8, 60);
	unsigned int len = skb->len;
	struct tcphdr *qth;
	struct iphdr *qiph;
	u8 after[16];

	KUNIT_ASSERT_GE(test, skb_tailroom(skb), (int)sizeof(after));
	memset(skb_tail_pointer(skb), 0xa5, sizeof(after));
	memset(after, 0xa5, sizeof(after));

	/* As for an error to the NATed source: the quote's source goes back. */
	KUNIT_ASSERT_TRUE(test, nat_manip(skb, NAT_QUOTE, C_ADDR, S_ADDR, 40000, 80,
					  IPPROTO_TCP, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, skb->len, len);
	qiph = (void *)skb->data + NAT_QUOTE;
	qth = (void *)qiph + sizeof(*qiph);
	KUNIT_EXPECT_EQ(test, qiph->saddr, C_ADDR);
	KUNIT_EXPECT_EQ(test, qiph->daddr, S_ADDR);
	nat_expect_ip_csum(test, skb, NAT_QUOTE);
	KUNIT_EXPECT_EQ(test, ntohs(qth->source), 40000);
	KUNIT_EXPECT_EQ(test, ntohs(qth->dest), 80);
	KUNIT_EXPECT_EQ(test, ntohl(qth->seq), 0xdeadbeef);
	KUNIT_EXPECT_EQ(test, memcmp(skb_tail_pointer(skb), after, sizeof(after)), 0);
	/* The outer header is not this call's business. */
	KUNIT_EXPECT_EQ(test, ip_hdr(skb)->daddr, N_ADDR);
}

/* A SNATed UDP flow: C:40000 -> S:53 left as N:61000. */
static struct nfct_conn *nat_snat_conn(struct kunit *test)
{
	struct nfct_conn *ct = nat_fake_conn(test, nat_tuple(C_ADDR, S_ADDR, 40000, 53, IPPROTO_UDP),
					     nat_tuple(S_ADDR, N_ADDR, 53, 61000, IPPROTO_UDP));

	refcount_set(&ct->use, 1);
	spin_lock_init(&ct->lock);
	ct->status = BIT(NFCT_CONFIRMED) | BIT(NFCT_SRC_NAT) |
		     BIT(NFCT_SRC_NAT_DONE) | BIT(NFCT_DST_NAT_DONE);
	return ct;
}

/*
 * An ICMP error of @type from @from to @to quoting, whole, the UDP datagram
 * @t (src:sport -> dst:dport) it answers.
 */
static struct sk_buff *nat_build_udp_error(struct kunit *test, u8 type,
					   __be32 from, __be32 to,
					   const struct nfct_tuple *t)
{
	struct {
		struct udphdr uh;
		char data[6];
	} __packed dgram = {
		.uh = { .source = t->sport, .dest = t->dport,
			.len = htons(sizeof(dgram)) },
		.data = "query",
	};
	struct sk_buff *skb;
	struct udphdr *uh;

	/* The datagram's own checksum, computed on a packet of its own. */
	skb = nat_build(test, t->src, t->dst, IPPROTO_UDP, &dgram, sizeof(dgram));
	uh = (void *)skb->data + sizeof(struct iphdr);
	dgram.uh.check = nat_l4_csum(skb, 0, &uh->check);
	return nat_build_error(test, from, to, type, t->src, t->dst,
			       IPPROTO_UDP, &dgram, sizeof(dgram),
			       sizeof(struct iphdr) + sizeof(dgram));
}

/* What N:61000 sent to S:53, as S's port unreachable quotes it. */
static struct sk_buff *nat_build_port_unreach(struct kunit *test, u8 type)
{
	struct nfct_tuple sent = nat_tuple(N_ADDR, S_ADDR, 61000, 53, IPPROTO_UDP);

	return nat_build_udp_error(test, type, S_ADDR, N_ADDR, &sent);
}

static bool nat_icmp_reply(struct sk_buff *skb, const struct nfct_conn *ct,
			   enum nfct_dir dir, unsigned int hook)
{
	bool ok;

	rcu_read_lock();
	ok = nfct_nat_icmp_reply(skb, ct, dir, hook);
	rcu_read_unlock();
	return ok;
}

/* The error reaches the client as if the NAT were not there. */
static void nat_pkt_icmp_reply_snat(struct kunit *test)
{
	struct nfct_conn *ct = nat_snat_conn(test);
	struct sk_buff *skb = nat_build_port_unreach(test, ICMP_DEST_UNREACH);
	struct icmphdr *ih;
	struct iphdr *iph, *qiph;
	struct udphdr *quh;

	KUNIT_ASSERT_TRUE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY,
					       NF_INET_PRE_ROUTING));
	iph = ip_hdr(skb);
	ih = (void *)iph + sizeof(*iph);
	qiph = (void *)(ih + 1);
	quh = (void *)qiph + sizeof(*qiph);

	KUNIT_EXPECT_EQ(test, iph->saddr, S_ADDR);
	KUNIT_EXPECT_EQ(test, iph->daddr, C_ADDR);
	nat_expect_ip_csum(test, skb, 0);
	KUNIT_EXPECT_EQ(test, ih->type, ICMP_DEST_UNREACH);
	KUNIT_EXPECT_EQ(test, ih->code, ICMP_PORT_UNREACH);
	KUNIT_EXPECT_EQ(test, ih->checksum, nat_icmp_csum(skb, 0));

	KUNIT_EXPECT_EQ(test, qiph->saddr, C_ADDR);
	KUNIT_EXPECT_EQ(test, qiph->daddr, S_ADDR);
	nat_expect_ip_csum(test, skb, NAT_QUOTE);
	KUNIT_EXPECT_EQ(test, ntohs(quh->source), 40000);
	KUNIT_EXPECT_EQ(test, ntohs(quh->dest), 53);
	/* The whole datagram is quoted: its checksum is right for the client's. */
	KUNIT_EXPECT_EQ(test, quh->check, nat_l4_csum(skb, NAT_QUOTE, &quh->check));
}

/*
 * DNAT: C:40000 -> V:80 went to D:8080. The client's port unreachable for
 * a reply (V:80 -> C:40000 as it saw it) reaches D about D's own packet.
 */
static void nat_pkt_icmp_reply_dnat(struct kunit *test)
{
	const __be32 vip = htonl(0xcb007101);	/* 203.0.113.1 */
	struct nfct_conn *ct = nat_fake_conn(test, nat_tuple(C_ADDR, vip, 40000, 80, IPPROTO_UDP),
					     nat_tuple(D_ADDR, C_ADDR, 8080, 40000, IPPROTO_UDP));
	struct nfct_tuple seen = nat_tuple(vip, C_ADDR, 80, 40000, IPPROTO_UDP);
	struct sk_buff *skb;
	struct icmphdr *ih;
	struct iphdr *iph, *qiph;
	struct udphdr *quh;

	ct->status = BIT(NFCT_CONFIRMED) | BIT(NFCT_DST_NAT) |
		     BIT(NFCT_SRC_NAT_DONE) | BIT(NFCT_DST_NAT_DONE);

	skb = nat_build_udp_error(test, ICMP_DEST_UNREACH, C_ADDR, vip, &seen);
	KUNIT_ASSERT_TRUE(test, nat_icmp_reply(skb, ct, NFCT_DIR_ORIGINAL,
					       NF_INET_PRE_ROUTING));
	iph = ip_hdr(skb);
	ih = (void *)iph + sizeof(*iph);
	qiph = (void *)(ih + 1);
	quh = (void *)qiph + sizeof(*qiph);

	KUNIT_EXPECT_EQ(test, iph->saddr, C_ADDR);
	KUNIT_EXPECT_EQ(test, iph->daddr, D_ADDR);
	nat_expect_ip_csum(test, skb, 0);
	KUNIT_EXPECT_EQ(test, ih->checksum, nat_icmp_csum(skb, 0));
	KUNIT_EXPECT_EQ(test, qiph->saddr, D_ADDR);
	KUNIT_EXPECT_EQ(test, qiph->daddr, C_ADDR);
	nat_expect_ip_csum(test, skb, NAT_QUOTE);
	KUNIT_EXPECT_EQ(test, ntohs(quh->source), 8080);
	KUNIT_EXPECT_EQ(test, ntohs(quh->dest), 40000);
	KUNIT_EXPECT_EQ(test, quh->check, nat_l4_csum(skb, NAT_QUOTE, &quh->check));
}

/* No NAT on the connection: the error passes as it came. */
static void nat_pkt_icmp_reply_not_nated(struct kunit *test)
{
	struct nfct_conn *ct = nat_snat_conn(test);
	struct sk_buff *skb = nat_build_port_unreach(test, ICMP_DEST_UNREACH);
	u8 before[128];

	KUNIT_ASSERT_LE(test, skb->len, sizeof(before));
	memcpy(before, skb->data, skb->len);
	clear_bit(NFCT_SRC_NAT, &ct->status);
	KUNIT_EXPECT_TRUE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY,
					       NF_INET_PRE_ROUTING));
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, before, skb->len), 0);

	/* SNAT is undone before routing only: after it there is nothing to do. */
	set_bit(NFCT_SRC_NAT, &ct->status);
	KUNIT_EXPECT_TRUE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY,
					       NF_INET_POST_ROUTING));
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, before, skb->len), 0);
}

/* A bad ICMP checksum, or a redirect about a NATed flow: dropped. */
static void nat_pkt_icmp_reply_refused(struct kunit *test)
{
	struct nfct_conn *ct = nat_snat_conn(test);
	struct sk_buff *skb = nat_build_port_unreach(test, ICMP_DEST_UNREACH);
	struct icmphdr *ih = (void *)skb->data + sizeof(struct iphdr);

	ih->checksum = (__force __sum16)((__force u16)ih->checksum ^ 0x0100);
	KUNIT_EXPECT_FALSE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY,
						NF_INET_PRE_ROUTING));

	skb = nat_build_port_unreach(test, ICMP_REDIRECT);
	KUNIT_EXPECT_FALSE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY,
						NF_INET_PRE_ROUTING));
	/* Without NAT, with both bindings chosen, a redirect passes. */
	clear_bit(NFCT_SRC_NAT, &ct->status);
	KUNIT_EXPECT_TRUE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY,
					       NF_INET_PRE_ROUTING));
	/* But not before the bindings are chosen. */
	clear_bit(NFCT_DST_NAT_DONE, &ct->status);
	KUNIT_EXPECT_FALSE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY,
						NF_INET_PRE_ROUTING));
}

static struct kunit_case nat_pkt_cases[] = {
	KUNIT_CASE(nat_pkt_tcp),
	KUNIT_CASE(nat_pkt_udp),
	KUNIT_CASE(nat_pkt_udp_no_csum),
	KUNIT_CASE(nat_pkt_sctp),
	KUNIT_CASE(nat_pkt_dccp),
	KUNIT_CASE(nat_pkt_icmp_echo),
	KUNIT_CASE(nat_pkt_tcp_quote_eight_bytes),
	KUNIT_CASE(nat_pkt_icmp_reply_snat),
	KUNIT_CASE(nat_pkt_icmp_reply_dnat),
	KUNIT_CASE(nat_pkt_icmp_reply_not_nated),
	KUNIT_CASE(nat_pkt_icmp_reply_refused),
	{}
};

static struct kunit_suite nat_pkt_suite = {
	.name = "nf_ct_nat_pkt",
	.test_cases = nat_pkt_cases,
};

kunit_test_suites(&nat_tuple_suite, &nat_pkt_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites for nf_ct_nat");
