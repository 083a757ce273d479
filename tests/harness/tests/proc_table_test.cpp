// The proc parser against lines nf_conntrack prints (see
// ../shared/notes/conntrack-reference.md, section 2.3).
#include <gtest/gtest.h>

#include "proc_table.hpp"

using nfct::parse_proc_line;
using nfct::parse_proc_table;

TEST(ProcTable, ParsesTcpWithCountersAndTimestamp) {
  auto e = parse_proc_line(
      "ipv4     2 tcp      6 431998 ESTABLISHED src=10.9.0.1 dst=10.9.0.2 sport=45080 dport=8081 packets=4 "
      "bytes=217 src=10.9.0.2 dst=10.9.0.1 sport=8081 dport=45080 packets=3 bytes=165 [ASSURED] mark=0 zone=0 "
      "delta-time=1 use=2");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->l3, "ipv4");
  EXPECT_EQ(e->l3num, 2u);
  EXPECT_EQ(e->l4, "tcp");
  EXPECT_EQ(e->l4num, 6u);
  EXPECT_EQ(e->timeout, 431998);
  EXPECT_EQ(e->state, "ESTABLISHED");
  EXPECT_EQ(e->orig.src, "10.9.0.1");
  EXPECT_EQ(e->orig.sport, 45080);
  EXPECT_EQ(e->orig.packets, 4u);
  EXPECT_EQ(e->orig.bytes, 217u);
  EXPECT_EQ(e->reply.dport, 45080);
  EXPECT_EQ(e->reply.packets, 3u);
  EXPECT_TRUE(e->assured);
  EXPECT_FALSE(e->unreplied);
  EXPECT_EQ(e->mark, 0u);
  EXPECT_EQ(e->zone, 0u);
  EXPECT_EQ(e->delta_time, 1u);
  EXPECT_EQ(e->use, 2u);
}

TEST(ProcTable, ParsesUnrepliedUdpWithoutCounters) {
  auto e = parse_proc_line(
      "ipv4     2 udp      17 28 src=10.9.0.1 dst=10.9.0.2 sport=41297 dport=6000 [UNREPLIED] src=10.9.0.2 "
      "dst=10.9.0.1 sport=6000 dport=41297 mark=0 zone=0 use=2");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->timeout, 28);
  EXPECT_TRUE(e->state.empty());
  EXPECT_TRUE(e->unreplied);
  EXPECT_FALSE(e->orig.packets);
  EXPECT_FALSE(e->delta_time);
}

TEST(ProcTable, ParsesIcmpAndGeneric) {
  auto icmp = parse_proc_line(
      "ipv4     2 icmp     1 28 src=10.9.0.1 dst=10.9.0.2 type=8 code=0 id=4660 src=10.9.0.2 dst=10.9.0.1 type=0 "
      "code=0 id=4660 mark=0 zone=0 use=2");
  ASSERT_TRUE(icmp);
  EXPECT_EQ(icmp->orig.type, 8u);
  EXPECT_EQ(icmp->reply.type, 0u);
  EXPECT_EQ(icmp->orig.id, 4660u);
  EXPECT_FALSE(icmp->orig.sport);

  auto generic = parse_proc_line(
      "ipv4     2 unknown  253 599 src=10.9.0.1 dst=10.9.0.2 packets=1 bytes=25 [UNREPLIED] src=10.9.0.2 "
      "dst=10.9.0.1 packets=0 bytes=0 mark=0 zone=0 delta-time=0 use=2");
  ASSERT_TRUE(generic);
  EXPECT_EQ(generic->l4num, 253u);
  EXPECT_EQ(generic->timeout, 599);
}

TEST(ProcTable, RejectsMalformedLines) {
  std::string why;
  EXPECT_FALSE(parse_proc_line("ipv4     2 tcp      6", &why));
  EXPECT_FALSE(parse_proc_line("ipv4 2 udp 17 30 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 mark=0 use=2", &why))
      << "a single tuple is not a line";
  EXPECT_EQ(why, "expected two tuples");
  EXPECT_FALSE(parse_proc_line("ipv4 2 udp 17 30 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 src=2.2.2.2 "
                               "dst=1.1.1.1 sport=2 dport=1 bogus=1 use=2",
                               &why));
  EXPECT_EQ(why, "unknown key bogus");
  EXPECT_FALSE(parse_proc_line("ipv4 2 udp 17 30 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 src=2.2.2.2 "
                               "dst=1.1.1.1 sport=2 dport=1 mark=0 zone=0",
                               &why));
  EXPECT_EQ(why, "missing use=");
  EXPECT_THROW(parse_proc_table("garbage\n"), std::runtime_error);
}

TEST(ProcTable, KeyIgnoresUseAndClocks) {
  auto a = parse_proc_line(
      "ipv4     2 udp      17 30 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 packets=1 bytes=29 [UNREPLIED] "
      "src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1 packets=0 bytes=0 mark=0 zone=0 delta-time=0 use=2");
  auto b = parse_proc_line(
      "ipv4     2 udp      17 29 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 packets=1 bytes=29 [UNREPLIED] "
      "src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1 packets=0 bytes=0 mark=0 zone=0 delta-time=1 use=3");
  auto c = parse_proc_line(
      "ipv4     2 udp      17 30 src=1.1.1.1 dst=2.2.2.2 sport=1 dport=2 packets=2 bytes=58 [UNREPLIED] "
      "src=2.2.2.2 dst=1.1.1.1 sport=2 dport=1 packets=0 bytes=0 mark=0 zone=0 delta-time=0 use=2");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->key(), b->key());
  EXPECT_NE(a->key(), c->key());
}

// GRE's keys (hex) and the timeouts its entry was made with are part of what
// two tables are compared by.
TEST(ProcTable, ParsesGreKeysAndTimeouts) {
  const std::string line =
      "ipv4     2 gre      47 179 timeout=30, stream_timeout=180 src=10.1.1.3 dst=10.1.1.80 srckey=0x0 "
      "dstkey=0x1234 src=10.1.1.80 dst=10.1.1.3 srckey=0x1234 dstkey=0x0 [ASSURED] mark=0 zone=0 use=2";
  auto e = parse_proc_line(line);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->gre_timeout, 30u);
  EXPECT_EQ(e->gre_stream_timeout, 180u);
  EXPECT_EQ(e->orig.dstkey, 0x1234u);
  EXPECT_EQ(e->reply.srckey, 0x1234u);
  EXPECT_EQ(e->orig.srckey, 0u);
  auto other = parse_proc_line(
      "ipv4     2 gre      47 179 timeout=30, stream_timeout=180 src=10.1.1.3 dst=10.1.1.80 srckey=0x0 "
      "dstkey=0x1235 src=10.1.1.80 dst=10.1.1.3 srckey=0x1235 dstkey=0x0 [ASSURED] mark=0 zone=0 use=2");
  ASSERT_TRUE(other);
  EXPECT_NE(e->key(), other->key());
  EXPECT_FALSE(parse_proc_line(
      "ipv4     2 gre      47 179 src=10.1.1.3 dst=10.1.1.80 srckey=12 dstkey=0x0 src=10.1.1.80 dst=10.1.1.3 "
      "srckey=0x0 dstkey=0x0 mark=0 zone=0 use=2"));
}
