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
	int hdrlen = nfct_nat_icmp_offset(skb, ct);
	bool ok;

	if (hdrlen < 0)
		return false;	/* the hooks never call it for a non-ICMP packet */
	rcu_read_lock();
	ok = nfct_nat_icmp_reply(skb, ct, dir, hook, hdrlen);
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

/* ==== NAT66: the IPv6 suites ============================================== */

/*
 * nf_ct_nat6_tuple and nf_ct_nat6_pkt: the same engine over IPv6. The
 * address choice is checked against what Debian's stock 6.1 (ip6table_nat)
 * chose for the same flows; packets are built by hand, and every checksum
 * over the pseudo-header is recomputed from scratch with csum_ipv6_magic.
 */
#include <linux/icmpv6.h>
#include <linux/ipv6.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/ndisc.h>

/* An IPv6 address from its eight 16-bit groups, as it is written. */
static struct in6_addr nat6_addr(const u16 w[8])
{
	struct in6_addr a;
	int i;

	for (i = 0; i < 8; i++)
		a.s6_addr16[i] = htons(w[i]);
	return a;
}

#define NAT6_ADDR(...)	nat6_addr((const u16 [8]) { __VA_ARGS__ })

#define C6	NAT6_ADDR(0x2001, 0xdb8, 1, 0, 0, 0, 0, 2)	/* the client */
#define C62	NAT6_ADDR(0x2001, 0xdb8, 1, 0, 0, 0, 0, 3)	/* another client */
#define S6	NAT6_ADDR(0x2001, 0xdb8, 2, 0, 0, 0, 0, 7)	/* the server */
#define S62	NAT6_ADDR(0x2001, 0xdb8, 2, 0, 0, 0, 0, 8)	/* another server */
#define N6	NAT6_ADDR(0x2001, 0xdb8, 0xff, 0, 0, 0, 0, 1)	/* the NAT address */
#define D6	NAT6_ADDR(0x2001, 0xdb8, 3, 0, 0, 0, 0, 0x10)	/* a DNAT target */
#define V6	NAT6_ADDR(0x2001, 0xdb8, 4, 0, 0, 0, 0, 1)	/* a DNATed service */
#define R6	NAT6_ADDR(0x2001, 0xdb8, 5, 0, 0, 0, 0, 1)	/* a router */

static struct nfct_tuple nat6_tuple(struct in6_addr src, struct in6_addr dst,
				    u16 sport, u16 dport, u8 proto)
{
	struct nfct_tuple t = {
		.sport = htons(sport),
		.dport = htons(dport),
		.protonum = proto,
		.l3 = NFCT_L3_IPV6,
		.src6 = src,
		.dst6 = dst,
	};

	return t;
}

/* An echo request (ICMPv6 type 128) with @id. */
static struct nfct_tuple nat6_echo_tuple(struct in6_addr src, struct in6_addr dst, u16 id)
{
	struct nfct_tuple t = nat6_tuple(src, dst, id, 0, IPPROTO_ICMPV6);

	t.icmp.type = ICMPV6_ECHO_REQUEST;
	return t;
}

static struct nf_nat_range2 nat6_range_addr(struct in6_addr min, struct in6_addr max)
{
	struct nf_nat_range2 r = {
		.flags = NF_NAT_RANGE_MAP_IPS,
		.min_addr.in6 = min,
		.max_addr.in6 = max,
	};

	return r;
}

static struct nf_nat_range2 nat6_range_ports(struct in6_addr addr, u16 min, u16 max)
{
	struct nf_nat_range2 r = nat6_range_addr(addr, addr);

	r.flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
	r.min_proto.all = htons(min);
	r.max_proto.all = htons(max);
	return r;
}

/* Is @a within @r's addresses, as numbers (their bytes in network order)? */
static bool nat6_in_range(const struct in6_addr *a, const struct nf_nat_range2 *r)
{
	return memcmp(a, &r->min_addr.in6, sizeof(*a)) >= 0 &&
	       memcmp(a, &r->max_addr.in6, sizeof(*a)) <= 0;
}

#define NAT6_EXPECT_ADDR(test, got, want)					\
	do {									\
		const struct in6_addr __got = (got), __want = (want);		\
										\
		KUNIT_EXPECT_TRUE_MSG(test, ipv6_addr_equal(&__got, &__want),	\
				      "%pI6c, want %pI6c", &__got, &__want);	\
	} while (0)

/* nat_add_snat_to's IPv6 twin: @client:@cport -> @server:@sport as @nat:@nport. */
static struct nfct_conn *nat6_add_snat_to(struct kunit *test, struct nfct_net *cn,
					  u8 proto, struct in6_addr client, u16 cport,
					  struct in6_addr server, u16 sport,
					  struct in6_addr nat, u16 nport)
{
	struct nfct_tuple o = nat6_tuple(client, server, cport, sport, proto);
	struct nfct_tuple r = nat6_tuple(server, nat, sport, nport, proto);
	struct nfct_conn *ct = nfct_conn_alloc(&o, &r);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, ct);
	ct->timeout = (u32)jiffies + NAT_TIMEOUT;
	if (!ipv6_addr_equal(&client, &nat) || cport != nport)
		set_bit(NFCT_SRC_NAT, &ct->status);
	err = nfct_table_insert(cn, ct);
	if (err)
		nfct_conn_put(ct);
	KUNIT_ASSERT_EQ(test, err, 0);
	return ct;
}

/* An echo from @client with @id to S6 whose reply goes to @nat with @nid. */
static void nat6_add_echo(struct kunit *test, struct nfct_net *cn,
			  struct in6_addr client, u16 id, struct in6_addr nat, u16 nid)
{
	struct nfct_tuple o = nat6_echo_tuple(client, S6, id);
	struct nfct_tuple r = nat6_tuple(S6, nat, nid, 0, IPPROTO_ICMPV6);

	r.icmp.type = ICMPV6_ECHO_REPLY;
	nat_add(test, cn, &o, &r);
}

/* ---- nf_ct_nat6_tuple ---------------------------------------------------- */

/*
 * What nf_nat 6.1 chose (Debian's stock kernel, ip6table_nat; the rules and
 * flows of /work/notes/nat66vals.sh): UDP from nat6_kernel_srcs[i], source
 * port 20000 + dport, to nat6_kernel_dsts[i % 3], one rule per dport.
 */
static const u16 nat6_kernel_srcs[10][8] = {
	{ 0x2001, 0xdb8, 1, 0, 0, 0, 0, 1 },
	{ 0x2001, 0xdb8, 1, 0, 0, 0, 0, 2 },
	{ 0x2001, 0xdb8, 1, 0, 0, 0, 0, 3 },
	{ 0x2001, 0xdb8, 1, 0, 0, 0, 0, 4 },
	{ 0x2001, 0xdb8, 1, 0, 0, 0, 0, 5 },
	{ 0x2001, 0xdb8, 1, 0, 0, 0, 0, 6 },
	{ 0x2001, 0xdb8, 1, 0, 0, 0, 0, 7 },
	{ 0x2001, 0xdb8, 1, 0, 0, 0, 0, 8 },
	{ 0x2001, 0xdb8, 1, 0, 0, 0, 0, 9 },
	{ 0x2001, 0xdb8, 1, 0, 0xa, 0xb, 0xc, 0xd },
};

static const u16 nat6_kernel_dsts[3][8] = {
	{ 0x2001, 0xdb8, 2, 0, 0, 0, 0, 1 },
	{ 0x2001, 0xdb8, 2, 0, 0, 0, 0, 0xbeef },
	{ 0x2001, 0xdb8, 2, 0, 1, 2, 3, 4 },
};

static const struct {
	u16 dport;
	bool persistent;
	enum nfct_nat_manip m;
	u16 min[8], max[8];
} nat6_kernel_rules[4] = {
	/* SNAT --to-source 2001:db8:ff::1-2001:db8:ff::1:ffff */
	{ 1000, false, NFCT_NAT_SRC,
	  { 0x2001, 0xdb8, 0xff, 0, 0, 0, 0, 1 }, { 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0xffff } },
	/* The same, --persistent */
	{ 1001, true, NFCT_NAT_SRC,
	  { 0x2001, 0xdb8, 0xff, 0, 0, 0, 0, 1 }, { 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0xffff } },
	/* SNAT --to-source 2001:db8:ff::ff00-2001:db8:100::ff: across words */
	{ 1002, false, NFCT_NAT_SRC,
	  { 0x2001, 0xdb8, 0xff, 0, 0, 0, 0, 0xff00 }, { 0x2001, 0xdb8, 0x100, 0, 0, 0, 0, 0xff } },
	/* DNAT (OUTPUT) --to-destination 2001:db8:3::1-2001:db8:3::ffff:ffff */
	{ 1003, false, NFCT_NAT_DST,
	  { 0x2001, 0xdb8, 3, 0, 0, 0, 0, 1 }, { 0x2001, 0xdb8, 3, 0, 0, 0, 0xffff, 0xffff } },
};

/* The reply's destination (SNAT) or source (DNAT) in /proc/net/nf_conntrack. */
static const u16 nat6_kernel_choice[4][10][8] = {
	{	/* dport 1000 */
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0x673f },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 0, 0xa16a },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 0, 0x6966 },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0x9f59 },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0xb0b1 },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 0, 0x1f53 },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0xde36 },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0x2771 },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 0, 0x886d },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 0, 0x52e5 },
	},
	{	/* dport 1001 */
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0x3a61 },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0xe36d },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 0, 0xbf4 },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0x591a },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 0, 0xa23f },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0x78cc },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 0, 0x7386 },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0x8405 },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0x8f61 },
		{ 0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 0x574e },
	},
	{	/* dport 1002 */
		{ 0x2001, 0xdb8, 0xff, 0xb3a0, 0xb39f, 0x9cf2, 0xb39f, 0x9cf2 },
		{ 0x2001, 0xdb8, 0xff, 0x50b5, 0x50b4, 0xe018, 0x50b4, 0xe018 },
		{ 0x2001, 0xdb8, 0xff, 0x36b2, 0x36b2, 0xc5d9, 0x34b2, 0xc4d9 },
		{ 0x2001, 0xdb8, 0xff, 0xcfad, 0xcfac, 0x8a34, 0xcfac, 0x8a34 },
		{ 0x2001, 0xdb8, 0xff, 0xd859, 0xd858, 0x87a8, 0xd858, 0x87a8 },
		{ 0x2001, 0xdb8, 0xff, 0xda9, 0xda9, 0x3e3c, 0xfa9, 0x3f3c },
		{ 0x2001, 0xdb8, 0xff, 0xef1c, 0xef1b, 0x1661, 0xef1b, 0x1661 },
		{ 0x2001, 0xdb8, 0xff, 0x93b8, 0x93b8, 0x5691, 0x93b8, 0x5691 },
		{ 0x2001, 0xdb8, 0xff, 0x4636, 0x4636, 0x2db5, 0x4436, 0x2cb5 },
		{ 0x2001, 0xdb8, 0xff, 0x2972, 0x2972, 0x3505, 0x2972, 0x3505 },
	},
	{	/* dport 1003 */
		{ 0x2001, 0xdb8, 3, 0, 0, 0, 0xb39f, 0x9df3 },
		{ 0x2001, 0xdb8, 3, 0, 0, 0, 0x50b4, 0xe119 },
		{ 0x2001, 0xdb8, 3, 0, 0, 0, 0x36b2, 0xc4da },
		{ 0x2001, 0xdb8, 3, 0, 0, 0, 0xcfac, 0x8b35 },
		{ 0x2001, 0xdb8, 3, 0, 0, 0, 0xd858, 0x86a9 },
		{ 0x2001, 0xdb8, 3, 0, 0, 0, 0xda9, 0x3f3d },
		{ 0x2001, 0xdb8, 3, 0, 0, 0, 0xef1b, 0x1762 },
		{ 0x2001, 0xdb8, 3, 0, 0, 0, 0x93b8, 0x5792 },
		{ 0x2001, 0xdb8, 3, 0, 0, 0, 0x4636, 0x2cb6 },
		{ 0x2001, 0xdb8, 3, 0, 0, 0, 0x2972, 0x3406 },
	},
};

static struct nf_nat_range2 nat6_kernel_range(unsigned int rule)
{
	struct nf_nat_range2 r = nat6_range_addr(nat6_addr(nat6_kernel_rules[rule].min),
						 nat6_addr(nat6_kernel_rules[rule].max));

	if (nat6_kernel_rules[rule].persistent)
		r.flags |= NF_NAT_RANGE_PERSISTENT;
	return r;
}

/* The ten flows of rule @rule get exactly the kernel's addresses. */
static void nat6_check_kernel_rule(struct kunit *test, unsigned int rule)
{
	const u16 dport = nat6_kernel_rules[rule].dport, sport = 20000 + dport;
	const enum nfct_nat_manip m = nat6_kernel_rules[rule].m;
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat6_kernel_range(rule);
	struct in6_addr src, dst, want, *got;
	struct nfct_tuple t;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nat6_kernel_srcs); i++) {
		src = nat6_addr(nat6_kernel_srcs[i]);
		dst = nat6_addr(nat6_kernel_dsts[i % ARRAY_SIZE(nat6_kernel_dsts)]);
		want = nat6_addr(nat6_kernel_choice[rule][i]);

		t = nat6_tuple(src, dst, sport, dport, IPPROTO_UDP);
		KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, m));
		got = m == NFCT_NAT_SRC ? &t.src6 : &t.dst6;
		KUNIT_EXPECT_TRUE_MSG(test, ipv6_addr_equal(got, &want),
				      "dport %u, %pI6c -> %pI6c: %pI6c, the kernel's %pI6c",
				      dport, &src, &dst, got, &want);
		/* The other end, the ports and the family stay. */
		if (m == NFCT_NAT_SRC)
			NAT6_EXPECT_ADDR(test, t.dst6, dst);
		else
			NAT6_EXPECT_ADDR(test, t.src6, src);
		KUNIT_EXPECT_EQ(test, ntohs(t.sport), sport);
		KUNIT_EXPECT_EQ(test, ntohs(t.dport), dport);
		KUNIT_EXPECT_EQ(test, t.protonum, IPPROTO_UDP);
		KUNIT_EXPECT_EQ(test, t.l3, NFCT_L3_IPV6);
	}
}

/* SNAT into a range whose first differing word is the last: a hash of both ends. */
static void nat6_tuple_kernel_snat(struct kunit *test)
{
	nat6_check_kernel_rule(test, 0);
}

/* --persistent: the hash of the source alone, no destination word mixed in. */
static void nat6_tuple_kernel_persistent(struct kunit *test)
{
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat6_kernel_range(1);
	struct in6_addr want = nat6_addr(nat6_kernel_choice[1][0]);
	struct nfct_tuple t;
	unsigned int i;

	nat6_check_kernel_rule(test, 1);
	/* The first source towards every destination: the same address. */
	for (i = 0; i < ARRAY_SIZE(nat6_kernel_dsts); i++) {
		t = nat6_tuple(nat6_addr(nat6_kernel_srcs[0]), nat6_addr(nat6_kernel_dsts[i]),
			       30000 + i, 1001, IPPROTO_UDP);
		KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
		NAT6_EXPECT_ADDR(test, t.src6, want);
	}
}

/*
 * 2001:db8:ff::ff00-2001:db8:100::ff: the third group is below the range's
 * last (0x100), so every word after it is drawn from the full 32 bits.
 */
static void nat6_tuple_kernel_span(struct kunit *test)
{
	struct nf_nat_range2 r = nat6_kernel_range(2);
	struct in6_addr a;
	unsigned int i;

	nat6_check_kernel_rule(test, 2);
	for (i = 0; i < ARRAY_SIZE(nat6_kernel_srcs); i++) {
		a = nat6_addr(nat6_kernel_choice[2][i]);
		KUNIT_EXPECT_TRUE(test, nat6_in_range(&a, &r));
	}
}

/*
 * DNAT: the kernel's loop XORs into the hash each word of the destination
 * it has just written, not the packet's original destination.
 */
static void nat6_tuple_kernel_dnat(struct kunit *test)
{
	nat6_check_kernel_rule(test, 3);
}

/* A source in the range with a free reply is kept; else it moves into it. */
static void nat6_tuple_kept_when_in_range(struct kunit *test)
{
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat6_range_addr(NAT6_ADDR(0x2001, 0xdb8, 1, 0, 0, 0, 0, 1),
						 NAT6_ADDR(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0xffff));
	const struct in6_addr far = NAT6_ADDR(0x2001, 0xdb8, 1, 0, 0xa, 0xb, 0xc, 0xd);
	const struct in6_addr c6 = C6;
	struct nfct_tuple t = nat6_tuple(C6, S6, 40000, 80, IPPROTO_TCP);

	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	NAT6_EXPECT_ADDR(test, t.src6, C6);
	NAT6_EXPECT_ADDR(test, t.dst6, S6);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 80);

	/* The range's first 96 bits, but above its last address: mapped into it. */
	t = nat6_tuple(far, S6, 40000, 80, IPPROTO_TCP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_FALSE(test, ipv6_addr_equal(&t.src6, &far));
	KUNIT_EXPECT_TRUE(test, nat6_in_range(&t.src6, &r));
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
	KUNIT_EXPECT_EQ(test, t.l3, NFCT_L3_IPV6);

	/* One address: it, and the free port is kept. */
	t = nat6_tuple(C6, S6, 40000, 80, IPPROTO_TCP);
	r = nat6_range_addr(N6, N6);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	NAT6_EXPECT_ADDR(test, t.src6, N6);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);

	/* In the range, but another client was mapped to it: not kept. */
	r = nat6_range_addr(NAT6_ADDR(0x2001, 0xdb8, 1, 0, 0, 0, 0, 1),
			    NAT6_ADDR(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0xffff));
	nat6_add_snat_to(test, cn, IPPROTO_TCP, C62, 41000, S6, 80, C6, 40000);
	t = nat6_tuple(C6, S6, 40000, 80, IPPROTO_TCP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_TRUE(test, nat6_in_range(&t.src6, &r));
	KUNIT_EXPECT_TRUE(test, !ipv6_addr_equal(&t.src6, &c6) || ntohs(t.sport) != 40000);
	KUNIT_EXPECT_FALSE(test, nat_reply_taken(cn, &t));
}

/* A clashing port moves within 1024-65535, to a free one. */
static void nat6_tuple_clash_moves_port(struct kunit *test)
{
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat6_range_addr(N6, N6);
	struct nfct_tuple t;
	int i;

	nat6_add_snat_to(test, cn, IPPROTO_UDP, C62, 40000, S6, 53, N6, 40000);
	for (i = 0; i < 64; i++) {
		t = nat6_tuple(C6, S6, 40000, 53, IPPROTO_UDP);
		KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
		NAT6_EXPECT_ADDR(test, t.src6, N6);
		NAT6_EXPECT_ADDR(test, t.dst6, S6);
		KUNIT_EXPECT_NE(test, ntohs(t.sport), 40000);
		KUNIT_EXPECT_GE(test, ntohs(t.sport), 1024);
		KUNIT_EXPECT_EQ(test, ntohs(t.dport), 53);
		KUNIT_EXPECT_FALSE(test, nat_reply_taken(cn, &t));
	}
	/* Towards another server, or another port of it, there is no clash. */
	t = nat6_tuple(C6, S62, 40000, 53, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
	t = nat6_tuple(C6, S6, 40000, 54, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
}

/*
 * find_appropriate_src over IPv6: the first kernel flow (2001:db8:1::1
 * port 21000 to 2001:db8:2::1 port 1000, which the hash maps to
 * 2001:db8:ff::1:673f) takes the mapping its source already has instead;
 * not when that mapping's reply is taken, nor once the entry is gone.
 */
static void nat6_tuple_reuses_source_mapping(struct kunit *test)
{
	const struct in6_addr src = nat6_addr(nat6_kernel_srcs[0]);
	const struct in6_addr dst = nat6_addr(nat6_kernel_dsts[0]);
	const struct in6_addr other = nat6_addr(nat6_kernel_dsts[1]);
	const struct in6_addr hashed = nat6_addr(nat6_kernel_choice[0][0]);
	const struct in6_addr mapped = NAT6_ADDR(0x2001, 0xdb8, 0xff, 0, 0, 0, 1, 2);
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat6_kernel_range(0);
	struct nfct_conn *first, *blocker;
	struct nfct_tuple t;

	first = nat6_add_snat_to(test, cn, IPPROTO_UDP, src, 21000, other, 1000, mapped, 30000);
	t = nat6_tuple(src, dst, 21000, 1000, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	NAT6_EXPECT_ADDR(test, t.src6, mapped);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 30000);
	NAT6_EXPECT_ADDR(test, t.dst6, dst);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 1000);
	KUNIT_EXPECT_EQ(test, t.l3, NFCT_L3_IPV6);

	/* Another port from that address is another source: the hash. */
	t = nat6_tuple(src, dst, 21001, 1000, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	NAT6_EXPECT_ADDR(test, t.src6, hashed);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 21001);

	/* A range without the mapped address: the hash's. */
	r = nat6_range_addr(hashed, hashed);
	t = nat6_tuple(src, dst, 21000, 1000, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	NAT6_EXPECT_ADDR(test, t.src6, hashed);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 21000);

	/* The reuse's reply taken by another client: the hash, then reuse again. */
	r = nat6_kernel_range(0);
	blocker = nat6_add_snat_to(test, cn, IPPROTO_UDP, C62, 41000, dst, 1000, mapped, 30000);
	t = nat6_tuple(src, dst, 21000, 1000, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	NAT6_EXPECT_ADDR(test, t.src6, hashed);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 21000);
	KUNIT_ASSERT_TRUE(test, nfct_table_delete(cn, blocker));
	t = nat6_tuple(src, dst, 21000, 1000, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	NAT6_EXPECT_ADDR(test, t.src6, mapped);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 30000);

	/* Deleted, the mapping is forgotten. */
	KUNIT_ASSERT_TRUE(test, nfct_table_delete(cn, first));
	t = nat6_tuple(src, dst, 21000, 1000, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	NAT6_EXPECT_ADDR(test, t.src6, hashed);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 21000);
}

/*
 * The index by source keys the family too: 10.0.0.2 and 0a00:2:: have the
 * same 16 key bytes, and each range would take the other family's mapping
 * as its bytes compare, but neither mapping is ever offered to the other
 * family (the tuple would change family).
 */
static void nat6_tuple_bysrc_family_apart(struct kunit *test)
{
	const struct in6_addr src6 = NAT6_ADDR(0x0a00, 0x0002, 0, 0, 0, 0, 0, 0);
	const struct in6_addr mapped6 = NAT6_ADDR(0xc000, 0x0205, 0, 0, 0, 0, 0, 0);
	const __be32 mapped4 = htonl(0xc0000205);	/* 192.0.2.5 */
	/* 10.0.0.2 to 198.51.100.0: nf_nat's hash picks 192.0.2.11 (above). */
	const __be32 dst4 = htonl(0xc6336400);
	const __be32 hashed4 = htonl(0xc0000200 + nat_kernel_range_choice[0]);
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r4 = nat_range_addr(htonl(0xc0000201), htonl(0xc0000210));
	struct nf_nat_range2 r6 = nat6_range_addr(NAT6_ADDR(0xc000, 0x0201, 0, 0, 0, 0, 0, 0),
						  NAT6_ADDR(0xc000, 0x0210, 0, 0, 0, 0, 0, 0));
	const __be32 src4 = C_ADDR;
	struct nfct_conn *v4;
	struct nfct_tuple t;

	KUNIT_ASSERT_EQ(test, memcmp(&src6, &src4, sizeof(src4)), 0);

	/* An IPv4 entry from 10.0.0.2:40000 mapped to 192.0.2.5:40008. */
	v4 = nat_add_snat_to(test, cn, IPPROTO_UDP, C_ADDR, 40000, S_ADDR, 53, mapped4, 40008);
	t = nat6_tuple(src6, S62, 40000, 53, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r6, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.l3, NFCT_L3_IPV6);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
	KUNIT_EXPECT_TRUE(test, nat6_in_range(&t.src6, &r6));
	NAT6_EXPECT_ADDR(test, t.dst6, S62);
	/* IPv4 from the same source takes it. */
	t = nat_tuple(C_ADDR, dst4, 40000, 53, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r4, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.src, mapped4);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40008);

	/* An IPv6 entry from 0a00:2:: port 40000 mapped to c000:205:: port 40008. */
	nat6_add_snat_to(test, cn, IPPROTO_UDP, src6, 40000, S6, 53, mapped6, 40008);
	t = nat6_tuple(src6, S62, 40000, 53, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r6, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.l3, NFCT_L3_IPV6);
	NAT6_EXPECT_ADDR(test, t.src6, mapped6);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40008);
	NAT6_EXPECT_ADDR(test, t.dst6, S62);

	/* The IPv4 entry gone, IPv4 gets the hash, not the IPv6 mapping. */
	KUNIT_ASSERT_TRUE(test, nfct_table_delete(cn, v4));
	t = nat_tuple(C_ADDR, dst4, 40000, 53, IPPROTO_UDP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r4, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, t.l3, NFCT_L3_IPV4);
	KUNIT_EXPECT_EQ(test, t.src, hashed4);
	KUNIT_EXPECT_EQ(test, t.dst, dst4);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);
}

/* ICMPv6 echo: the id is the key, from all 65536 or the range. */
static void nat6_tuple_icmpv6_id(struct kunit *test)
{
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat6_range_addr(N6, N6);
	struct nfct_tuple t, base = nat6_echo_tuple(C6, S6, 100);
	bool high = false;
	int i;

	t = base;
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	NAT6_EXPECT_ADDR(test, t.src6, N6);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 100);
	KUNIT_EXPECT_EQ(test, t.icmp.type, ICMPV6_ECHO_REQUEST);
	KUNIT_EXPECT_EQ(test, t.protonum, IPPROTO_ICMPV6);

	nat6_add_echo(test, cn, C62, 100, N6, 100);
	for (i = 0; i < 32; i++) {
		t = base;
		KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
		NAT6_EXPECT_ADDR(test, t.src6, N6);
		KUNIT_EXPECT_NE(test, ntohs(t.sport), 100);
		KUNIT_EXPECT_EQ(test, t.icmp.type, ICMPV6_ECHO_REQUEST);
		KUNIT_EXPECT_FALSE(test, nat_reply_taken(cn, &t));
	}

	/* A low id is not a port: it may go anywhere, not only to 1-511. */
	base.sport = htons(5);
	nat6_add_echo(test, cn, C62, 5, N6, 5);
	for (i = 0; i < 64; i++) {
		t = base;
		KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
		KUNIT_EXPECT_NE(test, ntohs(t.sport), 5);
		if (ntohs(t.sport) >= 1024)
			high = true;
	}
	KUNIT_EXPECT_TRUE(test, high);

	/* An id range: the one free id in it, then none. */
	nat6_add_echo(test, cn, C62, 2000, N6, 2000);
	r = nat6_range_ports(N6, 2000, 2001);
	t = base;
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 2001);
	nat6_add_echo(test, cn, C62, 2001, N6, 2001);
	t = base;
	KUNIT_EXPECT_FALSE(test, nat_unique(cn, &t, &r, NFCT_NAT_SRC));

	/* DNAT of an echo: the address, the free id kept. */
	r = nat6_range_addr(D6, D6);
	t = base;
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_DST));
	NAT6_EXPECT_ADDR(test, t.dst6, D6);
	NAT6_EXPECT_ADDR(test, t.src6, C6);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 5);
	KUNIT_EXPECT_EQ(test, t.icmp.type, ICMPV6_ECHO_REQUEST);
}

/* DNAT without a port range changes the address, never a port. */
static void nat6_tuple_dnat_keeps_port(struct kunit *test)
{
	struct nfct_net *cn = nat_table_new(test);
	struct nf_nat_range2 r = nat6_range_addr(D6, D6);
	struct nfct_tuple t = nat6_tuple(C6, S6, 40000, 80, IPPROTO_TCP);
	struct nfct_tuple o = nat6_tuple(C6, D6, 40000, 80, IPPROTO_TCP);
	struct nfct_tuple rep = nat6_tuple(D6, C6, 80, 40000, IPPROTO_TCP);

	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_DST));
	NAT6_EXPECT_ADDR(test, t.dst6, D6);
	NAT6_EXPECT_ADDR(test, t.src6, C6);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 80);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);

	/* Even when the result is busy, neither port moves. */
	nat_add(test, cn, &o, &rep);
	t = nat6_tuple(C6, S6, 40000, 80, IPPROTO_TCP);
	KUNIT_EXPECT_FALSE(test, nat_unique(cn, &t, &r, NFCT_NAT_DST));
	NAT6_EXPECT_ADDR(test, t.dst6, D6);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 80);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40000);

	/* With a port range, the destination port is mapped into it. */
	r = nat6_range_ports(D6, 8080, 8080);
	t = nat6_tuple(C6, S6, 40001, 80, IPPROTO_TCP);
	KUNIT_ASSERT_TRUE(test, nat_unique(cn, &t, &r, NFCT_NAT_DST));
	NAT6_EXPECT_ADDR(test, t.dst6, D6);
	KUNIT_EXPECT_EQ(test, ntohs(t.dport), 8080);
	KUNIT_EXPECT_EQ(test, ntohs(t.sport), 40001);
}

static struct kunit_case nat6_tuple_cases[] = {
	KUNIT_CASE(nat6_tuple_kernel_snat),
	KUNIT_CASE(nat6_tuple_kernel_persistent),
	KUNIT_CASE(nat6_tuple_kernel_span),
	KUNIT_CASE(nat6_tuple_kernel_dnat),
	KUNIT_CASE(nat6_tuple_kept_when_in_range),
	KUNIT_CASE(nat6_tuple_clash_moves_port),
	KUNIT_CASE(nat6_tuple_reuses_source_mapping),
	KUNIT_CASE(nat6_tuple_bysrc_family_apart),
	KUNIT_CASE(nat6_tuple_icmpv6_id),
	KUNIT_CASE(nat6_tuple_dnat_keeps_port),
	{}
};

static struct kunit_suite nat6_tuple_suite = {
	.name = "nf_ct_nat6_tuple",
	.test_cases = nat6_tuple_cases,
};

/* ---- nf_ct_nat6_pkt ------------------------------------------------------ */

#define NAT6_L4		sizeof(struct ipv6hdr)	/* with no extension header */
#define NAT6_QUOTE	(sizeof(struct ipv6hdr) + sizeof(struct icmp6hdr))

/*
 * An IPv6 packet @src -> @dst whose 40-byte header is followed by @len
 * bytes of @payload (extension headers included) starting with @nexthdr,
 * freed when the case ends.
 */
static struct sk_buff *nat6_build(struct kunit *test, struct in6_addr src,
				  struct in6_addr dst, u8 nexthdr,
				  const void *payload, unsigned int len)
{
	struct ipv6hdr *ip6h;
	struct sk_buff *skb;

	skb = alloc_skb(sizeof(*ip6h) + len + NAT_TAILROOM, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, skb);
	if (!kunit_alloc_resource(test, NULL, nat_skb_free, GFP_KERNEL, skb)) {
		kfree_skb(skb);
		KUNIT_ASSERT_FAILURE(test, "no memory for the packet's resource");
	}
	ip6h = skb_put_zero(skb, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->flow_lbl[0] = 0x0a;
	ip6h->flow_lbl[1] = 0xbc;
	ip6h->flow_lbl[2] = 0xde;
	ip6h->payload_len = htons(len);
	ip6h->nexthdr = nexthdr;
	ip6h->hop_limit = 64;
	ip6h->saddr = src;
	ip6h->daddr = dst;
	skb_put_data(skb, payload, len);
	skb_reset_network_header(skb);
	skb->protocol = htons(ETH_P_IPV6);
	return skb;
}

/*
 * The checksum at @check of everything from @l4off to the end of the
 * packet, protocol @proto, over the pseudo-header of the IPv6 header at
 * @ipoff, computed from scratch (UDP's 0 sent as 0xffff).
 */
static __sum16 nat6_csum(struct sk_buff *skb, unsigned int ipoff, unsigned int l4off,
			 u8 proto, __sum16 *check)
{
	const struct ipv6hdr *ip6h = (void *)skb->data + ipoff;
	unsigned int len = skb->len - l4off;
	__sum16 old = *check, sum;

	*check = 0;
	sum = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, len, proto,
			      skb_checksum(skb, l4off, len, 0));
	*check = old;
	if (proto == IPPROTO_UDP && !sum)
		sum = CSUM_MANGLED_0;
	return sum;
}

static bool nat6_manip(struct sk_buff *skb, unsigned int off, struct in6_addr src,
		       struct in6_addr dst, u16 sport, u16 dport, u8 proto,
		       enum nfct_nat_manip m)
{
	struct nfct_tuple t = nat6_tuple(src, dst, sport, dport, proto);

	return nfct_nat_manip_pkt(skb, off, &t, m);
}

/* The fixed header's fields NAT leaves alone: version, flow, length, hops. */
static void nat6_expect_hdr_kept(struct kunit *test, struct sk_buff *skb,
				 unsigned int off, unsigned int payload_len, u8 nexthdr)
{
	const struct ipv6hdr *ip6h = (void *)skb->data + off;

	KUNIT_EXPECT_EQ(test, (int)ip6h->version, 6);
	/* nat6_build's flow label; a quote has none */
	KUNIT_EXPECT_EQ(test, ip6h->flow_lbl[2], off ? 0 : 0xde);
	KUNIT_EXPECT_EQ(test, ntohs(ip6h->payload_len), payload_len);
	KUNIT_EXPECT_EQ(test, ip6h->nexthdr, nexthdr);
}

static struct sk_buff *nat6_build_tcp(struct kunit *test, struct in6_addr src,
				      struct in6_addr dst, u16 sport, u16 dport)
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
	skb = nat6_build(test, src, dst, IPPROTO_TCP, &seg, sizeof(seg));
	th = (void *)skb->data + NAT6_L4;
	th->check = nat6_csum(skb, 0, NAT6_L4, IPPROTO_TCP, &th->check);
	return skb;
}

static struct sk_buff *nat6_build_udp(struct kunit *test, struct in6_addr src,
				      struct in6_addr dst, u16 sport, u16 dport)
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
	skb = nat6_build(test, src, dst, IPPROTO_UDP, &dgram, sizeof(dgram));
	uh = (void *)skb->data + NAT6_L4;
	uh->check = nat6_csum(skb, 0, NAT6_L4, IPPROTO_UDP, &uh->check);
	return skb;
}

static void nat6_pkt_tcp(struct kunit *test)
{
	struct sk_buff *skb = nat6_build_tcp(test, C6, S6, 40000, 80);
	unsigned int len = skb->len;
	struct ipv6hdr *ip6h;
	struct tcphdr *th;

	th = (void *)skb->data + NAT6_L4;
	KUNIT_ASSERT_NE(test, th->check, 0);

	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, S6, 61000, 80, IPPROTO_TCP,
					   NFCT_NAT_SRC));
	ip6h = ipv6_hdr(skb);
	th = (void *)skb->data + NAT6_L4;
	NAT6_EXPECT_ADDR(test, ip6h->saddr, N6);
	NAT6_EXPECT_ADDR(test, ip6h->daddr, S6);
	KUNIT_EXPECT_EQ(test, ntohs(th->source), 61000);
	KUNIT_EXPECT_EQ(test, ntohs(th->dest), 80);
	KUNIT_EXPECT_EQ(test, th->check, nat6_csum(skb, 0, NAT6_L4, IPPROTO_TCP, &th->check));
	nat6_expect_hdr_kept(test, skb, 0, len - NAT6_L4, IPPROTO_TCP);

	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, D6, 61000, 8080, IPPROTO_TCP,
					   NFCT_NAT_DST));
	ip6h = ipv6_hdr(skb);
	th = (void *)skb->data + NAT6_L4;
	NAT6_EXPECT_ADDR(test, ip6h->saddr, N6);
	NAT6_EXPECT_ADDR(test, ip6h->daddr, D6);
	KUNIT_EXPECT_EQ(test, ntohs(th->source), 61000);
	KUNIT_EXPECT_EQ(test, ntohs(th->dest), 8080);
	KUNIT_EXPECT_EQ(test, ntohl(th->seq), 0x12345678);
	KUNIT_EXPECT_EQ(test, th->check, nat6_csum(skb, 0, NAT6_L4, IPPROTO_TCP, &th->check));
	KUNIT_EXPECT_EQ(test, memcmp((char *)(th + 1), nat_payload, sizeof(nat_payload)), 0);
	KUNIT_EXPECT_EQ(test, skb->len, len);
	nat6_expect_hdr_kept(test, skb, 0, len - NAT6_L4, IPPROTO_TCP);
}

static void nat6_pkt_udp(struct kunit *test)
{
	struct sk_buff *skb = nat6_build_udp(test, C6, S6, 5353, 53);
	struct ipv6hdr *ip6h;
	struct udphdr *uh;

	uh = (void *)skb->data + NAT6_L4;
	KUNIT_ASSERT_NE(test, uh->check, 0);

	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, S6, 1053, 53, IPPROTO_UDP,
					   NFCT_NAT_SRC));
	ip6h = ipv6_hdr(skb);
	uh = (void *)skb->data + NAT6_L4;
	NAT6_EXPECT_ADDR(test, ip6h->saddr, N6);
	NAT6_EXPECT_ADDR(test, ip6h->daddr, S6);
	KUNIT_EXPECT_EQ(test, ntohs(uh->source), 1053);
	KUNIT_EXPECT_EQ(test, ntohs(uh->dest), 53);
	KUNIT_EXPECT_EQ(test, uh->check, nat6_csum(skb, 0, NAT6_L4, IPPROTO_UDP, &uh->check));

	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, D6, 1053, 5300, IPPROTO_UDP,
					   NFCT_NAT_DST));
	ip6h = ipv6_hdr(skb);
	uh = (void *)skb->data + NAT6_L4;
	NAT6_EXPECT_ADDR(test, ip6h->daddr, D6);
	KUNIT_EXPECT_EQ(test, ntohs(uh->source), 1053);
	KUNIT_EXPECT_EQ(test, ntohs(uh->dest), 5300);
	KUNIT_EXPECT_EQ(test, uh->check, nat6_csum(skb, 0, NAT6_L4, IPPROTO_UDP, &uh->check));
	KUNIT_EXPECT_EQ(test, memcmp((char *)(uh + 1), nat_payload, sizeof(nat_payload)), 0);
}

/*
 * A datagram whose checksum comes out as 0 once NATed is sent with 0xffff:
 * over IPv6, 0 would say "no checksum", which IPv6 UDP may not say.
 */
static void nat6_pkt_udp_never_zero(struct kunit *test)
{
	struct {
		struct udphdr uh;
		__sum16 fix;	/* chosen so that the NATed sum is 0 */
		char data[sizeof(nat_payload)];
	} __packed dgram = {
		.uh = {
			.source = htons(5353), .dest = htons(53),
			.len = htons(sizeof(dgram)),
		},
	};
	struct sk_buff *skb;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;
	__sum16 *fix;

	memcpy(dgram.data, nat_payload, sizeof(nat_payload));
	skb = nat6_build(test, C6, S6, IPPROTO_UDP, &dgram, sizeof(dgram));
	ip6h = ipv6_hdr(skb);
	uh = (void *)skb->data + NAT6_L4;
	fix = (void *)(uh + 1);
	/*
	 * The packet as it will be, with the word at @fix zero: its checksum
	 * is the complement of its sum, so adding it makes the sum 0xffff
	 * and the checksum 0.
	 */
	ip6h->saddr = N6;
	uh->source = htons(1053);
	*fix = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, sizeof(dgram), IPPROTO_UDP,
			       skb_checksum(skb, NAT6_L4, sizeof(dgram), 0));
	ip6h->saddr = C6;
	uh->source = htons(5353);
	uh->check = nat6_csum(skb, 0, NAT6_L4, IPPROTO_UDP, &uh->check);
	KUNIT_ASSERT_NE(test, uh->check, 0);

	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, S6, 1053, 53, IPPROTO_UDP,
					   NFCT_NAT_SRC));
	uh = (void *)skb->data + NAT6_L4;
	KUNIT_EXPECT_EQ(test, ntohs(uh->source), 1053);
	KUNIT_EXPECT_EQ(test, uh->check, CSUM_MANGLED_0);
	KUNIT_EXPECT_EQ(test, uh->check, nat6_csum(skb, 0, NAT6_L4, IPPROTO_UDP, &uh->check));
}

/*
 * An echo's id is its key: it changes, and the ICMPv6 checksum, which
 * covers the pseudo-header, follows both the id and the addresses.
 */
static void nat6_pkt_icmpv6_echo(struct kunit *test)
{
	struct {
		struct icmp6hdr ih;
		char data[sizeof(nat_payload)];
	} __packed echo = {
		.ih = { .icmp6_type = ICMPV6_ECHO_REQUEST },
	};
	struct sk_buff *skb;
	struct ipv6hdr *ip6h;
	struct icmp6hdr *ih;

	echo.ih.icmp6_identifier = htons(0x1234);
	echo.ih.icmp6_sequence = htons(7);
	memcpy(echo.data, nat_payload, sizeof(nat_payload));
	skb = nat6_build(test, C6, S6, IPPROTO_ICMPV6, &echo, sizeof(echo));
	ih = (void *)skb->data + NAT6_L4;
	ih->icmp6_cksum = nat6_csum(skb, 0, NAT6_L4, IPPROTO_ICMPV6, &ih->icmp6_cksum);

	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, S6, 0x4321, 0, IPPROTO_ICMPV6,
					   NFCT_NAT_SRC));
	ip6h = ipv6_hdr(skb);
	ih = (void *)skb->data + NAT6_L4;
	NAT6_EXPECT_ADDR(test, ip6h->saddr, N6);
	NAT6_EXPECT_ADDR(test, ip6h->daddr, S6);
	KUNIT_EXPECT_EQ(test, ih->icmp6_type, ICMPV6_ECHO_REQUEST);
	KUNIT_EXPECT_EQ(test, ntohs(ih->icmp6_identifier), 0x4321);
	KUNIT_EXPECT_EQ(test, ntohs(ih->icmp6_sequence), 7);
	KUNIT_EXPECT_EQ(test, ih->icmp6_cksum,
			nat6_csum(skb, 0, NAT6_L4, IPPROTO_ICMPV6, &ih->icmp6_cksum));

	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, D6, 0x4321, 0, IPPROTO_ICMPV6,
					   NFCT_NAT_DST));
	ip6h = ipv6_hdr(skb);
	ih = (void *)skb->data + NAT6_L4;
	NAT6_EXPECT_ADDR(test, ip6h->daddr, D6);
	KUNIT_EXPECT_EQ(test, ntohs(ih->icmp6_identifier), 0x4321);
	KUNIT_EXPECT_EQ(test, ih->icmp6_cksum,
			nat6_csum(skb, 0, NAT6_L4, IPPROTO_ICMPV6, &ih->icmp6_cksum));

	/* The reply, S6 -> N6 with id 0x4321, goes back to C6 with 0x1234. */
	echo.ih.icmp6_type = ICMPV6_ECHO_REPLY;
	echo.ih.icmp6_identifier = htons(0x4321);
	skb = nat6_build(test, S6, N6, IPPROTO_ICMPV6, &echo, sizeof(echo));
	ih = (void *)skb->data + NAT6_L4;
	ih->icmp6_cksum = nat6_csum(skb, 0, NAT6_L4, IPPROTO_ICMPV6, &ih->icmp6_cksum);
	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, S6, C6, 0x1234, 0, IPPROTO_ICMPV6,
					   NFCT_NAT_DST));
	ip6h = ipv6_hdr(skb);
	ih = (void *)skb->data + NAT6_L4;
	NAT6_EXPECT_ADDR(test, ip6h->saddr, S6);
	NAT6_EXPECT_ADDR(test, ip6h->daddr, C6);
	KUNIT_EXPECT_EQ(test, ih->icmp6_type, ICMPV6_ECHO_REPLY);
	KUNIT_EXPECT_EQ(test, ntohs(ih->icmp6_identifier), 0x1234);
	KUNIT_EXPECT_EQ(test, ih->icmp6_cksum,
			nat6_csum(skb, 0, NAT6_L4, IPPROTO_ICMPV6, &ih->icmp6_cksum));
}

/* Hop-by-hop and destination options before TCP: the TCP header is found. */
static void nat6_pkt_exthdrs(struct kunit *test)
{
	struct {
		struct ipv6_opt_hdr hop;
		u8 hop_pad[6];
		struct ipv6_opt_hdr dst;
		u8 dst_pad[6];
		struct tcphdr th;
		char data[sizeof(nat_payload)];
	} __packed pkt = {
		.hop = { .nexthdr = NEXTHDR_DEST },
		.hop_pad = { IPV6_TLV_PADN, 4 },
		.dst = { .nexthdr = NEXTHDR_TCP },
		.dst_pad = { IPV6_TLV_PADN, 4 },
		.th = {
			.source = htons(40000), .dest = htons(80),
			.seq = htonl(0x12345678), .doff = 5, .ack = 1,
			.window = htons(502),
		},
	};
	const unsigned int l4off = NAT6_L4 + offsetof(typeof(pkt), th);
	struct sk_buff *skb;
	struct ipv6hdr *ip6h;
	struct tcphdr *th;

	memcpy(pkt.data, nat_payload, sizeof(nat_payload));
	skb = nat6_build(test, C6, S6, NEXTHDR_HOP, &pkt, sizeof(pkt));
	th = (void *)skb->data + l4off;
	th->check = nat6_csum(skb, 0, l4off, IPPROTO_TCP, &th->check);

	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, S6, 61000, 80, IPPROTO_TCP,
					   NFCT_NAT_SRC));
	ip6h = ipv6_hdr(skb);
	th = (void *)skb->data + l4off;
	NAT6_EXPECT_ADDR(test, ip6h->saddr, N6);
	KUNIT_EXPECT_EQ(test, ntohs(th->source), 61000);
	KUNIT_EXPECT_EQ(test, ntohs(th->dest), 80);
	KUNIT_EXPECT_EQ(test, th->check, nat6_csum(skb, 0, l4off, IPPROTO_TCP, &th->check));
	/* The options are not touched. */
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + NAT6_L4, &pkt, offsetof(typeof(pkt), th)), 0);
	nat6_expect_hdr_kept(test, skb, 0, sizeof(pkt), NEXTHDR_HOP);

	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, D6, 61000, 8080, IPPROTO_TCP,
					   NFCT_NAT_DST));
	ip6h = ipv6_hdr(skb);
	th = (void *)skb->data + l4off;
	NAT6_EXPECT_ADDR(test, ip6h->daddr, D6);
	KUNIT_EXPECT_EQ(test, ntohs(th->dest), 8080);
	KUNIT_EXPECT_EQ(test, th->check, nat6_csum(skb, 0, l4off, IPPROTO_TCP, &th->check));
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + NAT6_L4, &pkt, offsetof(typeof(pkt), th)), 0);
}

/*
 * A fragment header: a later fragment (offset != 0) holds no L4 header,
 * only its addresses change, whatever its bytes look like; at offset 0 the
 * L4 header is rewritten.
 */
static void nat6_pkt_fragments(struct kunit *test)
{
	struct {
		struct frag_hdr fh;
		struct udphdr uh;	/* in a later fragment: data that looks like it */
		char data[sizeof(nat_payload)];
	} __packed pkt = {
		.fh = {
			.nexthdr = IPPROTO_UDP,
			.frag_off = htons((185 << 3) | IP6_MF),	/* at 1480 bytes */
			.identification = htonl(0xabcdef),
		},
		.uh = {
			.source = htons(5353), .dest = htons(53),
			.len = htons(sizeof(pkt) - sizeof(pkt.fh)),
			.check = (__force __sum16)htons(0x1234),
		},
	};
	const unsigned int l4off = NAT6_L4 + sizeof(pkt.fh);
	struct sk_buff *skb;
	struct ipv6hdr *ip6h;
	struct udphdr *uh;

	memcpy(pkt.data, nat_payload, sizeof(nat_payload));
	skb = nat6_build(test, C6, S6, NEXTHDR_FRAGMENT, &pkt, sizeof(pkt));
	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, S6, 1053, 53, IPPROTO_UDP,
					   NFCT_NAT_SRC));
	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, D6, 1053, 5300, IPPROTO_UDP,
					   NFCT_NAT_DST));
	ip6h = ipv6_hdr(skb);
	NAT6_EXPECT_ADDR(test, ip6h->saddr, N6);
	NAT6_EXPECT_ADDR(test, ip6h->daddr, D6);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + NAT6_L4, &pkt, sizeof(pkt)), 0);
	nat6_expect_hdr_kept(test, skb, 0, sizeof(pkt), NEXTHDR_FRAGMENT);

	/* Offset 0, the whole datagram (an atomic fragment): rewritten. */
	pkt.fh.frag_off = 0;
	skb = nat6_build(test, C6, S6, NEXTHDR_FRAGMENT, &pkt, sizeof(pkt));
	uh = (void *)skb->data + l4off;
	uh->check = nat6_csum(skb, 0, l4off, IPPROTO_UDP, &uh->check);
	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, S6, 1053, 53, IPPROTO_UDP,
					   NFCT_NAT_SRC));
	ip6h = ipv6_hdr(skb);
	uh = (void *)skb->data + l4off;
	NAT6_EXPECT_ADDR(test, ip6h->saddr, N6);
	KUNIT_EXPECT_EQ(test, ntohs(uh->source), 1053);
	KUNIT_EXPECT_EQ(test, ntohs(uh->dest), 53);
	KUNIT_EXPECT_EQ(test, uh->check, nat6_csum(skb, 0, l4off, IPPROTO_UDP, &uh->check));
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + NAT6_L4, &pkt.fh, sizeof(pkt.fh)), 0);
}

/* A chain that ends in "no next header" (59): only the addresses change. */
static void nat6_pkt_no_next_header(struct kunit *test)
{
	struct {
		struct ipv6_opt_hdr dst;
		u8 dst_pad[6];
		struct udphdr uh;	/* after 59: bytes that only look like UDP */
		char data[8];
	} __packed pkt = {
		.dst = { .nexthdr = NEXTHDR_NONE },
		.dst_pad = { IPV6_TLV_PADN, 4 },
		.uh = {
			.source = htons(5353), .dest = htons(53),
			.check = (__force __sum16)htons(0x1234),
		},
		.data = "payload",
	};
	struct sk_buff *skb;
	struct ipv6hdr *ip6h;

	skb = nat6_build(test, C6, S6, NEXTHDR_DEST, &pkt, sizeof(pkt));
	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, S6, 1053, 53, IPPROTO_UDP,
					   NFCT_NAT_SRC));
	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, D6, 1053, 5300, IPPROTO_UDP,
					   NFCT_NAT_DST));
	ip6h = ipv6_hdr(skb);
	NAT6_EXPECT_ADDR(test, ip6h->saddr, N6);
	NAT6_EXPECT_ADDR(test, ip6h->daddr, D6);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + NAT6_L4, &pkt, sizeof(pkt)), 0);
	nat6_expect_hdr_kept(test, skb, 0, sizeof(pkt), NEXTHDR_DEST);

	/* 59 straight after the fixed header, as the generic tracker has it. */
	skb = nat6_build(test, C6, S6, NEXTHDR_NONE, &pkt.uh, sizeof(pkt.uh) + sizeof(pkt.data));
	KUNIT_ASSERT_TRUE(test, nat6_manip(skb, 0, N6, S6, 0, 0, NEXTHDR_NONE, NFCT_NAT_SRC));
	ip6h = ipv6_hdr(skb);
	NAT6_EXPECT_ADDR(test, ip6h->saddr, N6);
	NAT6_EXPECT_ADDR(test, ip6h->daddr, S6);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + NAT6_L4, &pkt.uh,
				     sizeof(pkt.uh) + sizeof(pkt.data)), 0);
}

/* An entry outside any table, freed with the test, checked to be big enough. */
static struct nfct_conn *nat6_fake_conn(struct kunit *test, struct nfct_tuple orig,
					struct nfct_tuple reply, unsigned long status)
{
	const size_t size = 1024;
	struct nfct_conn *ct = kunit_kzalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ct);
	nfct_tuple_copy(&nfct_node(ct, NFCT_DIR_ORIGINAL)->tuple, &orig);
	nfct_tuple_copy(&nfct_node(ct, NFCT_DIR_REPLY)->tuple, &reply);
	nfct_node(ct, NFCT_DIR_REPLY)->dir = NFCT_DIR_REPLY;
	KUNIT_ASSERT_LE(test, (size_t)((u8 *)(nfct_conn_proto(ct) + 1) - (u8 *)ct), size);
	refcount_set(&ct->use, 1);
	spin_lock_init(&ct->lock);
	ct->status = status;
	return ct;
}

#define NAT6_SNATTED	(BIT(NFCT_CONFIRMED) | BIT(NFCT_SRC_NAT) | \
			 BIT(NFCT_SRC_NAT_DONE) | BIT(NFCT_DST_NAT_DONE))

/* A SNATed UDP flow: C6:40000 -> S6:53 left as N6:61000. */
static struct nfct_conn *nat6_snat_conn(struct kunit *test)
{
	return nat6_fake_conn(test, nat6_tuple(C6, S6, 40000, 53, IPPROTO_UDP),
			      nat6_tuple(S6, N6, 53, 61000, IPPROTO_UDP), NAT6_SNATTED);
}

/*
 * An ICMPv6 error @from -> @to of @type and @code (and @info: the MTU of a
 * packet too big) quoting an IPv6 header @q->src6 -> @q->dst6 of protocol
 * @q->protonum and @l4len bytes of @l4; with @dstopts a destination options
 * header before the ICMPv6 one. Its checksum is right.
 */
static struct sk_buff *nat6_build_error(struct kunit *test, struct in6_addr from,
					struct in6_addr to, u8 type, u8 code, u32 info,
					bool dstopts, const struct nfct_tuple *q,
					const void *l4, unsigned int l4len)
{
	struct {
		struct ipv6_opt_hdr dst;
		u8 dst_pad[6];
		struct icmp6hdr ih;
		struct ipv6hdr ip6h;
		u8 l4[64];
	} __packed e = {
		.dst = { .nexthdr = NEXTHDR_ICMP },
		.dst_pad = { IPV6_TLV_PADN, 4 },
		.ih = { .icmp6_type = type, .icmp6_code = code },
		.ip6h = {
			.version = 6, .payload_len = htons(l4len),
			.nexthdr = q->protonum, .hop_limit = 63,
			.saddr = q->src6, .daddr = q->dst6,
		},
	};
	const unsigned int skip = dstopts ? 0 : offsetof(typeof(e), ih);
	const unsigned int l4off = NAT6_L4 + offsetof(typeof(e), ih) - skip;
	struct icmp6hdr *ih;
	struct sk_buff *skb;

	KUNIT_ASSERT_LE(test, l4len, sizeof(e.l4));
	e.ih.icmp6_mtu = htonl(info);
	memcpy(e.l4, l4, l4len);
	skb = nat6_build(test, from, to, dstopts ? NEXTHDR_DEST : NEXTHDR_ICMP,
			 (u8 *)&e + skip, offsetof(typeof(e), l4) - skip + l4len);
	ih = (void *)skb->data + l4off;
	ih->icmp6_cksum = nat6_csum(skb, 0, l4off, IPPROTO_ICMPV6, &ih->icmp6_cksum);
	return skb;
}

/* The same quoting, whole, the UDP datagram @t it answers. */
static struct sk_buff *nat6_build_udp_error(struct kunit *test, u8 type, u8 code, u32 info,
					    bool dstopts, struct in6_addr from,
					    struct in6_addr to, const struct nfct_tuple *t)
{
	struct {
		struct udphdr uh;
		char data[6];
	} __packed dgram = {
		.uh = { .source = t->sport, .dest = t->dport, .len = htons(sizeof(dgram)) },
		.data = "query",
	};
	struct sk_buff *skb;
	struct udphdr *uh;

	/* The datagram's own checksum, computed on a packet of its own. */
	skb = nat6_build(test, t->src6, t->dst6, IPPROTO_UDP, &dgram, sizeof(dgram));
	uh = (void *)skb->data + NAT6_L4;
	dgram.uh.check = nat6_csum(skb, 0, NAT6_L4, IPPROTO_UDP, &uh->check);
	return nat6_build_error(test, from, to, type, code, info, dstopts, t, &dgram,
				sizeof(dgram));
}

/* What N6:61000 sent to S6:53, as S6's error of @type quotes it. */
static struct sk_buff *nat6_build_port_unreach(struct kunit *test, u8 type, u8 code)
{
	struct nfct_tuple sent = nat6_tuple(N6, S6, 61000, 53, IPPROTO_UDP);

	return nat6_build_udp_error(test, type, code, 0, false, S6, N6, &sent);
}

/*
 * The error about the SNATed flow, at @hdrlen (past @hdrlen - 40 bytes of
 * extension headers), reached the client as if the NAT were not there.
 */
static void nat6_expect_snat_error(struct kunit *test, struct sk_buff *skb,
				   unsigned int hdrlen, u8 type, u8 code, u32 info)
{
	const unsigned int qoff = hdrlen + sizeof(struct icmp6hdr);
	const unsigned int len = skb->len;
	struct ipv6hdr *ip6h, *qip6h;
	struct icmp6hdr *ih;
	struct udphdr *quh;

	KUNIT_ASSERT_TRUE(test, nat_icmp_reply(skb, nat6_snat_conn(test), NFCT_DIR_REPLY,
					       NF_INET_PRE_ROUTING));
	KUNIT_EXPECT_EQ(test, skb->len, len);
	ip6h = ipv6_hdr(skb);
	ih = (void *)skb->data + hdrlen;
	qip6h = (void *)skb->data + qoff;
	quh = (void *)(qip6h + 1);

	NAT6_EXPECT_ADDR(test, ip6h->saddr, S6);
	NAT6_EXPECT_ADDR(test, ip6h->daddr, C6);
	KUNIT_EXPECT_EQ(test, ih->icmp6_type, type);
	KUNIT_EXPECT_EQ(test, ih->icmp6_code, code);
	KUNIT_EXPECT_EQ(test, ntohl(ih->icmp6_mtu), info);
	KUNIT_EXPECT_EQ(test, ih->icmp6_cksum,
			nat6_csum(skb, 0, hdrlen, IPPROTO_ICMPV6, &ih->icmp6_cksum));

	NAT6_EXPECT_ADDR(test, qip6h->saddr, C6);
	NAT6_EXPECT_ADDR(test, qip6h->daddr, S6);
	nat6_expect_hdr_kept(test, skb, qoff, skb->len - qoff - sizeof(*qip6h), IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, ntohs(quh->source), 40000);
	KUNIT_EXPECT_EQ(test, ntohs(quh->dest), 53);
	/* The whole datagram is quoted: its checksum is right for the client's. */
	KUNIT_EXPECT_EQ(test, quh->check, nat6_csum(skb, qoff, qoff + sizeof(*qip6h),
						    IPPROTO_UDP, &quh->check));
}

static void nat6_pkt_icmp_reply_port_unreach(struct kunit *test)
{
	struct sk_buff *skb = nat6_build_port_unreach(test, ICMPV6_DEST_UNREACH,
						      ICMPV6_PORT_UNREACH);

	nat6_expect_snat_error(test, skb, NAT6_L4, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0);
}

static void nat6_pkt_icmp_reply_pkt_too_big(struct kunit *test)
{
	struct nfct_tuple sent = nat6_tuple(N6, S6, 61000, 53, IPPROTO_UDP);
	struct sk_buff *skb;

	skb = nat6_build_udp_error(test, ICMPV6_PKT_TOOBIG, 0, 1280, false, S6, N6, &sent);
	nat6_expect_snat_error(test, skb, NAT6_L4, ICMPV6_PKT_TOOBIG, 0, 1280);

	/* From a router on the way: its address stays. */
	skb = nat6_build_udp_error(test, ICMPV6_PKT_TOOBIG, 0, 1280, false, R6, N6, &sent);
	KUNIT_ASSERT_TRUE(test, nat_icmp_reply(skb, nat6_snat_conn(test), NFCT_DIR_REPLY,
					       NF_INET_PRE_ROUTING));
	NAT6_EXPECT_ADDR(test, ipv6_hdr(skb)->saddr, R6);
	NAT6_EXPECT_ADDR(test, ipv6_hdr(skb)->daddr, C6);
	KUNIT_EXPECT_EQ(test, ((struct icmp6hdr *)(skb->data + NAT6_L4))->icmp6_cksum,
			nat6_csum(skb, 0, NAT6_L4, IPPROTO_ICMPV6,
				  &((struct icmp6hdr *)(skb->data + NAT6_L4))->icmp6_cksum));
}

/* A destination options header before the ICMPv6 one: found past it. */
static void nat6_pkt_icmp_reply_exthdr(struct kunit *test)
{
	struct nfct_tuple sent = nat6_tuple(N6, S6, 61000, 53, IPPROTO_UDP);
	struct sk_buff *skb = nat6_build_udp_error(test, ICMPV6_DEST_UNREACH,
						   ICMPV6_PORT_UNREACH, 0, true,
						   S6, N6, &sent);
	u8 opts[8];

	memcpy(opts, skb->data + NAT6_L4, sizeof(opts));
	KUNIT_EXPECT_GE(test, nfct_nat_icmp_offset(skb, nat6_snat_conn(test)), 0);
	nat6_expect_snat_error(test, skb, NAT6_L4 + sizeof(opts), ICMPV6_DEST_UNREACH,
			       ICMPV6_PORT_UNREACH, 0);
	KUNIT_EXPECT_EQ(test, memcmp(skb->data + NAT6_L4, opts, sizeof(opts)), 0);
	KUNIT_EXPECT_EQ(test, ipv6_hdr(skb)->nexthdr, NEXTHDR_DEST);
}

/*
 * DNAT: C6:40000 -> V6:80 went to D6:8080. The client's port unreachable
 * for a reply (V6:80 -> C6:40000 as it saw it) reaches D6 about its own.
 */
static void nat6_pkt_icmp_reply_dnat(struct kunit *test)
{
	struct nfct_conn *ct = nat6_fake_conn(test, nat6_tuple(C6, V6, 40000, 80, IPPROTO_UDP),
					      nat6_tuple(D6, C6, 8080, 40000, IPPROTO_UDP),
					      BIT(NFCT_CONFIRMED) | BIT(NFCT_DST_NAT) |
					      BIT(NFCT_SRC_NAT_DONE) | BIT(NFCT_DST_NAT_DONE));
	struct nfct_tuple seen = nat6_tuple(V6, C6, 80, 40000, IPPROTO_UDP);
	const unsigned int qoff = NAT6_QUOTE;
	struct ipv6hdr *ip6h, *qip6h;
	struct sk_buff *skb;
	struct icmp6hdr *ih;
	struct udphdr *quh;

	skb = nat6_build_udp_error(test, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH, 0, false,
				   C6, V6, &seen);
	KUNIT_ASSERT_TRUE(test, nat_icmp_reply(skb, ct, NFCT_DIR_ORIGINAL, NF_INET_PRE_ROUTING));
	ip6h = ipv6_hdr(skb);
	ih = (void *)skb->data + NAT6_L4;
	qip6h = (void *)skb->data + qoff;
	quh = (void *)(qip6h + 1);

	NAT6_EXPECT_ADDR(test, ip6h->saddr, C6);
	NAT6_EXPECT_ADDR(test, ip6h->daddr, D6);
	KUNIT_EXPECT_EQ(test, ih->icmp6_cksum,
			nat6_csum(skb, 0, NAT6_L4, IPPROTO_ICMPV6, &ih->icmp6_cksum));
	NAT6_EXPECT_ADDR(test, qip6h->saddr, D6);
	NAT6_EXPECT_ADDR(test, qip6h->daddr, C6);
	KUNIT_EXPECT_EQ(test, ntohs(quh->source), 8080);
	KUNIT_EXPECT_EQ(test, ntohs(quh->dest), 40000);
	KUNIT_EXPECT_EQ(test, quh->check, nat6_csum(skb, qoff, qoff + sizeof(*qip6h),
						    IPPROTO_UDP, &quh->check));
}

/*
 * A time exceeded from a router about a SNATed echo request (C6 id 0x1234
 * left as N6 id 0x4321): the quoted echo gets its id and source back, and
 * its own checksum follows.
 */
static void nat6_pkt_icmp_reply_echo_quote(struct kunit *test)
{
	struct nfct_tuple orig = nat6_echo_tuple(C6, S6, 0x1234);
	struct nfct_tuple reply = nat6_tuple(S6, N6, 0x4321, 0, IPPROTO_ICMPV6);
	struct nfct_tuple sent = nat6_echo_tuple(N6, S6, 0x4321);
	struct {
		struct icmp6hdr ih;
		char data[8];
	} __packed echo = {
		.ih = { .icmp6_type = ICMPV6_ECHO_REQUEST },
		.data = "ping me",
	};
	const unsigned int qoff = NAT6_QUOTE, ql4 = NAT6_QUOTE + sizeof(struct ipv6hdr);
	struct icmp6hdr *ih, *qih;
	struct ipv6hdr *qip6h;
	struct nfct_conn *ct;
	struct sk_buff *skb;

	reply.icmp.type = ICMPV6_ECHO_REPLY;
	ct = nat6_fake_conn(test, orig, reply, NAT6_SNATTED);
	echo.ih.icmp6_identifier = htons(0x4321);
	echo.ih.icmp6_sequence = htons(3);
	skb = nat6_build(test, N6, S6, IPPROTO_ICMPV6, &echo, sizeof(echo));
	ih = (void *)skb->data + NAT6_L4;
	echo.ih.icmp6_cksum = nat6_csum(skb, 0, NAT6_L4, IPPROTO_ICMPV6, &ih->icmp6_cksum);
	skb = nat6_build_error(test, R6, N6, ICMPV6_TIME_EXCEED, ICMPV6_EXC_HOPLIMIT, 0,
			       false, &sent, &echo, sizeof(echo));

	KUNIT_EXPECT_GE(test, nfct_nat_icmp_offset(skb, ct), 0);
	KUNIT_ASSERT_TRUE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY, NF_INET_PRE_ROUTING));
	ih = (void *)skb->data + NAT6_L4;
	qip6h = (void *)skb->data + qoff;
	qih = (void *)skb->data + ql4;
	NAT6_EXPECT_ADDR(test, ipv6_hdr(skb)->saddr, R6);
	NAT6_EXPECT_ADDR(test, ipv6_hdr(skb)->daddr, C6);
	KUNIT_EXPECT_EQ(test, ih->icmp6_type, ICMPV6_TIME_EXCEED);
	KUNIT_EXPECT_EQ(test, ih->icmp6_cksum,
			nat6_csum(skb, 0, NAT6_L4, IPPROTO_ICMPV6, &ih->icmp6_cksum));
	NAT6_EXPECT_ADDR(test, qip6h->saddr, C6);
	NAT6_EXPECT_ADDR(test, qip6h->daddr, S6);
	KUNIT_EXPECT_EQ(test, qih->icmp6_type, ICMPV6_ECHO_REQUEST);
	KUNIT_EXPECT_EQ(test, ntohs(qih->icmp6_identifier), 0x1234);
	KUNIT_EXPECT_EQ(test, ntohs(qih->icmp6_sequence), 3);
	KUNIT_EXPECT_EQ(test, qih->icmp6_cksum,
			nat6_csum(skb, qoff, ql4, IPPROTO_ICMPV6, &qih->icmp6_cksum));
}

/* No NAT on the connection, or not at this hook: the error passes as it came. */
static void nat6_pkt_icmp_reply_not_nated(struct kunit *test)
{
	struct nfct_conn *ct = nat6_snat_conn(test);
	struct sk_buff *skb = nat6_build_port_unreach(test, ICMPV6_DEST_UNREACH,
						      ICMPV6_PORT_UNREACH);
	u8 before[160];

	KUNIT_ASSERT_LE(test, skb->len, sizeof(before));
	memcpy(before, skb->data, skb->len);
	clear_bit(NFCT_SRC_NAT, &ct->status);
	KUNIT_EXPECT_TRUE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY, NF_INET_PRE_ROUTING));
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, before, skb->len), 0);

	/* SNAT is undone before routing only: after it there is nothing to do. */
	set_bit(NFCT_SRC_NAT, &ct->status);
	KUNIT_EXPECT_TRUE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY, NF_INET_POST_ROUTING));
	KUNIT_EXPECT_EQ(test, memcmp(skb->data, before, skb->len), 0);
}

/*
 * Dropped: a bad checksum (CHECKSUM_NONE, so nf_ip6_checksum sums it),
 * also one summed without the pseudo-header as ICMP's would be, and a
 * redirect (137) about a NATed flow or one whose bindings are not chosen.
 */
static void nat6_pkt_icmp_reply_refused(struct kunit *test)
{
	struct nfct_conn *ct = nat6_snat_conn(test);
	struct sk_buff *skb;
	struct icmp6hdr *ih;

	skb = nat6_build_port_unreach(test, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH);
	KUNIT_ASSERT_EQ(test, (int)skb->ip_summed, CHECKSUM_NONE);
	ih = (void *)skb->data + NAT6_L4;
	ih->icmp6_cksum = (__force __sum16)((__force u16)ih->icmp6_cksum ^ 0x0100);
	KUNIT_EXPECT_FALSE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY, NF_INET_PRE_ROUTING));

	skb = nat6_build_port_unreach(test, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH);
	ih = (void *)skb->data + NAT6_L4;
	ih->icmp6_cksum = 0;
	ih->icmp6_cksum = csum_fold(skb_checksum(skb, NAT6_L4, skb->len - NAT6_L4, 0));
	KUNIT_EXPECT_FALSE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY, NF_INET_PRE_ROUTING));

	/* The same error with its checksum right passes (and is rewritten). */
	skb = nat6_build_port_unreach(test, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH);
	KUNIT_EXPECT_TRUE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY, NF_INET_PRE_ROUTING));
	NAT6_EXPECT_ADDR(test, ipv6_hdr(skb)->daddr, C6);

	skb = nat6_build_port_unreach(test, NDISC_REDIRECT, 0);
	KUNIT_EXPECT_FALSE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY, NF_INET_PRE_ROUTING));
	/* Without NAT, with both bindings chosen, a redirect passes. */
	clear_bit(NFCT_SRC_NAT, &ct->status);
	skb = nat6_build_port_unreach(test, NDISC_REDIRECT, 0);
	KUNIT_EXPECT_TRUE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY, NF_INET_PRE_ROUTING));
	/* But not before the bindings are chosen. */
	clear_bit(NFCT_DST_NAT_DONE, &ct->status);
	skb = nat6_build_port_unreach(test, NDISC_REDIRECT, 0);
	KUNIT_EXPECT_FALSE(test, nat_icmp_reply(skb, ct, NFCT_DIR_REPLY, NF_INET_PRE_ROUTING));
}

/*
 * nfct_nat_icmp_offset: an ICMPv6 packet in the connection's family, found
 * past any extension header; not UDP, nor ICMP's protocol 1 over IPv6.
 */
static void nat6_pkt_is_icmp(struct kunit *test)
{
	struct nfct_conn *ct = nat6_snat_conn(test);
	struct sk_buff *skb;
	u8 junk[8] = { ICMPV6_DEST_UNREACH };

	skb = nat6_build_port_unreach(test, ICMPV6_DEST_UNREACH, ICMPV6_PORT_UNREACH);
	KUNIT_EXPECT_GE(test, nfct_nat_icmp_offset(skb, ct), 0);
	skb = nat6_build_port_unreach(test, ICMPV6_PKT_TOOBIG, 0);
	KUNIT_EXPECT_GE(test, nfct_nat_icmp_offset(skb, ct), 0);
	skb = nat6_build_udp(test, S6, N6, 53, 61000);
	KUNIT_EXPECT_LT(test, nfct_nat_icmp_offset(skb, ct), 0);
	skb = nat6_build(test, S6, N6, IPPROTO_ICMP, junk, sizeof(junk));
	KUNIT_EXPECT_LT(test, nfct_nat_icmp_offset(skb, ct), 0);

	/* An IPv4 connection reads its packets as IPv4. */
	skb = nat_build_port_unreach(test, ICMP_DEST_UNREACH);
	KUNIT_EXPECT_GE(test, nfct_nat_icmp_offset(skb, nat_snat_conn(test)), 0);
	skb = nat_build_udp(test, S_ADDR, N_ADDR, 53, 61000, true);
	KUNIT_EXPECT_LT(test, nfct_nat_icmp_offset(skb, nat_snat_conn(test)), 0);
}

static struct kunit_case nat6_pkt_cases[] = {
	KUNIT_CASE(nat6_pkt_tcp),
	KUNIT_CASE(nat6_pkt_udp),
	KUNIT_CASE(nat6_pkt_udp_never_zero),
	KUNIT_CASE(nat6_pkt_icmpv6_echo),
	KUNIT_CASE(nat6_pkt_exthdrs),
	KUNIT_CASE(nat6_pkt_fragments),
	KUNIT_CASE(nat6_pkt_no_next_header),
	KUNIT_CASE(nat6_pkt_icmp_reply_port_unreach),
	KUNIT_CASE(nat6_pkt_icmp_reply_pkt_too_big),
	KUNIT_CASE(nat6_pkt_icmp_reply_exthdr),
	KUNIT_CASE(nat6_pkt_icmp_reply_dnat),
	KUNIT_CASE(nat6_pkt_icmp_reply_echo_quote),
	KUNIT_CASE(nat6_pkt_icmp_reply_not_nated),
	KUNIT_CASE(nat6_pkt_icmp_reply_refused),
	KUNIT_CASE(nat6_pkt_is_icmp),
	{}
};

static struct kunit_suite nat6_pkt_suite = {
	.name = "nf_ct_nat6_pkt",
	.test_cases = nat6_pkt_cases,
};

kunit_test_suites(&nat6_tuple_suite, &nat6_pkt_suite);
