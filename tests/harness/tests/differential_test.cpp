// nf_ct against the kernel's tracker: both watch the same packets in the
// same namespace (nf_conntrack loaded with enable_hooks=1 acct=1 tstamp=1 by
// tests/harness/run) and must print the same table, use= and clocks aside.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "fixtures.hpp"

using namespace nfct;

namespace {

void expect_same_tables(const std::vector<ProcEntry>& kernel, const std::vector<ProcEntry>& ours) {
  auto sorted_keys = [](const std::vector<ProcEntry>& t) {
    std::vector<std::string> k;
    for (auto& e : t) k.push_back(e.key());
    std::sort(k.begin(), k.end());
    return k;
  };
  EXPECT_EQ(sorted_keys(kernel), sorted_keys(ours));
  for (auto& k : kernel) {
    auto it = std::find_if(ours.begin(), ours.end(), [&](const ProcEntry& o) { return o.key() == k.key(); });
    if (it == ours.end()) continue;
    ASSERT_TRUE(k.timeout && it->timeout);
    EXPECT_LE(std::labs(*k.timeout - *it->timeout), 1) << k.line << "\n" << it->line;
    EXPECT_EQ(k.mark, it->mark);
    EXPECT_EQ(k.zone, it->zone);
    ASSERT_TRUE(k.delta_time && it->delta_time) << "acct/tstamp must be on in both";
    EXPECT_LE(*it->delta_time > *k.delta_time ? *it->delta_time - *k.delta_time : *k.delta_time - *it->delta_time,
              1u);
  }
}

}  // namespace

class Differential : public TwoHosts {
 protected:
  void SetUp() override {
    ASSERT_EQ(shell("grep -q '^nf_conntrack ' /proc/modules"), 0) << "the kernel's tracker is not loaded";
  }
};

TEST_F(Differential, UdpAndIcmpTablesMatch) {
  send_from(a, Packet::udp(kAddrA, kAddrB, 41000, 9).payload("ping?"));
  send_from(a, Packet::udp(kAddrA, kSilent, 41001, 53).payload("query"));
  send_from(a, Packet::icmp(kAddrA, kAddrB, 8, 0, 777, 1));
  ASSERT_TRUE(wait_for(a, IPPROTO_ICMP, 777, [](const ProcEntry& e) { return e.reply.packets == 1u; }));
  ASSERT_TRUE(wait_for(a, IPPROTO_ICMP, 777, [](const ProcEntry& e) { return e.reply.packets == 1u; },
                       "/proc/net/nf_conntrack"));
  auto kernel = table(a, "/proc/net/nf_conntrack");
  auto ours = table(a);
  EXPECT_GE(kernel.size(), 3u) << "two UDP flows and one ICMP echo";
  expect_same_tables(kernel, ours);
}

TEST_F(Differential, GenericAndUdpliteMatch) {
  send_from(a, Packet::raw(253, kAddrA, kAddrB).payload("opaque"));
  send_from(a, Packet::udplite(kAddrA, kSilent, 41003, 5000).payload("lite"));
  ASSERT_TRUE(wait_for(a, IPPROTO_UDPLITE, 41003));
  ASSERT_TRUE(wait_for(a, IPPROTO_UDPLITE, 41003, [](const ProcEntry&) { return true; }, "/proc/net/nf_conntrack"));
  auto ours = table(a);
  auto generic = std::find_if(ours.begin(), ours.end(), [](const ProcEntry& e) { return e.l4num == 253; });
  ASSERT_NE(generic, ours.end());
  EXPECT_EQ(generic->l4, "unknown");
  EXPECT_GE(*generic->timeout, 598);
  expect_same_tables(table(a, "/proc/net/nf_conntrack"), ours);
}

TEST_F(Differential, CraftedTcpHandshakeMatches) {
  a.checked("iptables-legacy -A INPUT -p tcp --sport 8081 -j DROP");
  b.checked("iptables-legacy -A INPUT -p tcp --dport 8081 -j DROP");
  send_from(a, Packet::tcp(kAddrA, kAddrB, 41002, 8081).flags(tcpflag::SYN).seq(100));
  send_from(b, Packet::tcp(kAddrB, kAddrA, 8081, 41002).flags(tcpflag::SYN | tcpflag::ACK).seq(500).ack(101));
  send_from(a, Packet::tcp(kAddrA, kAddrB, 41002, 8081).flags(tcpflag::ACK).seq(101).ack(501));
  auto established = [](const ProcEntry& e) { return e.state == "ESTABLISHED"; };
  ASSERT_TRUE(wait_for(a, IPPROTO_TCP, 41002, established));
  ASSERT_TRUE(wait_for(a, IPPROTO_TCP, 41002, established, "/proc/net/nf_conntrack"));
  expect_same_tables(table(a, "/proc/net/nf_conntrack"), table(a));
}

// Headers cut short or lying about their length: neither tracker makes an
// entry, and both count each one as invalid, on the sending and the
// receiving side alike.
TEST_F(Differential, MalformedPacketsAreInvalidInBoth) {
  auto invalid = [](const NetNs& ns, const char* file) { return stat_column(ns, file, "invalid"); };
  const unsigned long ours_a = invalid(a, "/proc/net/stat/nf_ct"), kernel_a = invalid(a, "/proc/net/stat/nf_conntrack");
  const unsigned long ours_b = invalid(b, "/proc/net/stat/nf_ct"), kernel_b = invalid(b, "/proc/net/stat/nf_conntrack");

  Bytes short_tcp = Packet::tcp(kAddrA, kAddrB, 41010, 80).flags(tcpflag::SYN).build();
  short_tcp.resize(20 + 10);  // half a TCP header
  Bytes tiny_doff = Packet::tcp(kAddrA, kAddrB, 41011, 80).flags(tcpflag::SYN).build();
  tiny_doff[20 + 12] = 2 << 4;  // data offset 8 bytes, under the header's 20
  Bytes short_udp = Packet::udp(kAddrA, kAddrB, 41012, 53).build();
  short_udp.resize(20 + 4);
  {
    ScopedNetnsEnter enter(a);
    RawSender sender;
    const in_addr_t dst = Packet::udp(kAddrA, kAddrB, 1, 1).dst_addr();
    sender.send(short_tcp, dst);
    sender.send(tiny_doff, dst);
    sender.send(short_udp, dst);
  }
  // A well-formed ping after them (answered, so no ICMP error is counted):
  // once it is tracked, they were seen.
  send_from(a, Packet::icmp(kAddrA, kAddrB, 8, 0, 4101, 1));
  auto replied = [](const ProcEntry& e) { return e.reply.packets == 1u; };
  ASSERT_TRUE(wait_for(a, IPPROTO_ICMP, 4101, replied));
  ASSERT_TRUE(wait_for(a, IPPROTO_ICMP, 4101, replied, "/proc/net/nf_conntrack"));

  for (const NetNs* ns : {&a, &b}) {
    for (const char* file : {"/proc/net/nf_ct", "/proc/net/nf_conntrack"}) {
      EXPECT_FALSE(find(*ns, IPPROTO_TCP, 41010, file)) << file;
      EXPECT_FALSE(find(*ns, IPPROTO_TCP, 41011, file)) << file;
      EXPECT_FALSE(find(*ns, IPPROTO_UDP, 41012, file)) << file;
    }
  }
  EXPECT_EQ(invalid(a, "/proc/net/stat/nf_ct") - ours_a, 3u);
  EXPECT_EQ(invalid(b, "/proc/net/stat/nf_ct") - ours_b, 3u);
  EXPECT_EQ(invalid(a, "/proc/net/stat/nf_conntrack") - kernel_a, 3u);
  EXPECT_EQ(invalid(b, "/proc/net/stat/nf_conntrack") - kernel_b, 3u);
}

// ICMP errors: one quoting a known UDP flow is RELATED to it in both
// trackers (no new entry, the flow's counters and [UNREPLIED] untouched,
// nothing counted as an error); one quoting no flow, or sent to the wrong
// host, is an ICMP error in both.
TEST_F(Differential, IcmpErrorsRelatedOrCountedInBoth) {
  auto errors = [](const NetNs& ns, const char* file) { return stat_column(ns, file, "icmp_error"); };
  const unsigned long ours = errors(a, "/proc/net/stat/nf_ct"), kernel = errors(a, "/proc/net/stat/nf_conntrack");

  // b has no UDP socket on port 9: its stack answers port unreachable.
  send_from(a, Packet::udp(kAddrA, kAddrB, 41020, 9).payload("anyone?"));
  ASSERT_TRUE(wait_for(a, IPPROTO_UDP, 41020));
  ASSERT_TRUE(wait_for(a, IPPROTO_UDP, 41020, [](const ProcEntry&) { return true; }, "/proc/net/nf_conntrack"));
  // An error quoting a flow nobody saw, and one quoting the real flow but
  // addressed to the silent neighbour's address (spoofed for a's flow).
  send_from(b, Packet::icmp(kAddrB, kAddrA, 3, 3).quote(Packet::udp(kAddrA, kAddrB, 41021, 9), 28));
  send_from(b, Packet::icmp(kAddrB, kSilent, 3, 3).quote(Packet::udp(kAddrA, kAddrB, 41020, 9), 28));
  // A ping last: answered, it shows the errors before it were seen.
  send_from(a, Packet::icmp(kAddrA, kAddrB, 8, 0, 4102, 1));
  auto replied = [](const ProcEntry& e) { return e.reply.packets == 1u; };
  ASSERT_TRUE(wait_for(a, IPPROTO_ICMP, 4102, replied));
  ASSERT_TRUE(wait_for(a, IPPROTO_ICMP, 4102, replied, "/proc/net/nf_conntrack"));

  for (const char* file : {"/proc/net/nf_ct", "/proc/net/nf_conntrack"}) {
    auto flow = find(a, IPPROTO_UDP, 41020, file);
    ASSERT_TRUE(flow) << file;
    EXPECT_TRUE(flow->unreplied) << flow->line;
    EXPECT_EQ(flow->reply.packets, 0u) << flow->line;
    EXPECT_FALSE(find(a, IPPROTO_UDP, 41021, file)) << file;
    for (auto& e : table(a, file)) EXPECT_NE(e.orig.type, 3u) << "an error made an entry: " << e.line;
  }
  // The stack's port unreachable matched; the crafted one to a did not (the
  // spoofed one went to another address and never reached a's PREROUTING).
  EXPECT_EQ(errors(a, "/proc/net/stat/nf_conntrack") - kernel, 1u);
  EXPECT_EQ(errors(a, "/proc/net/stat/nf_ct") - ours, 1u);
  expect_same_tables(table(a, "/proc/net/nf_conntrack"), table(a));
}
