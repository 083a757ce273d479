// The difftest comparator on hand-made tables: what agrees, what does not,
// and how a deliberate difference is listed.
#include <gtest/gtest.h>

#include "../tools/difftest/compare.hpp"

using namespace nfct;
using namespace nfct::difftest;

namespace {

const char* kTcp =
    "ipv4     2 tcp      6 431999 ESTABLISHED src=10.77.0.2 dst=10.77.1.2 sport=40000 dport=80 packets=5 bytes=400 "
    "src=10.77.1.2 dst=10.77.0.2 sport=80 dport=40000 packets=4 bytes=300 [ASSURED] mark=0 zone=0 delta-time=3 use=2";
const char* kUdp =
    "ipv4     2 udp      17 29 src=10.77.0.2 dst=10.77.1.2 sport=50000 dport=5001 packets=1 bytes=60 [UNREPLIED] "
    "src=10.77.1.2 dst=10.77.0.2 sport=5001 dport=50000 packets=0 bytes=0 mark=0 zone=0 delta-time=1 use=2";

std::vector<ProcEntry> table(std::initializer_list<std::string> lines) {
  std::vector<ProcEntry> t;
  for (auto& l : lines) t.push_back(*parse_proc_line(l));
  return t;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  s.replace(s.find(from), from.size(), to);
  return s;
}

}  // namespace

TEST(DifftestCompare, IdenticalTablesAgree) {
  auto c = compare_tables("r", table({kTcp, kUdp}), table({kUdp, kTcp}));
  EXPECT_EQ(c.compared, 2u);
  EXPECT_EQ(c.agreed, 2u);
  EXPECT_TRUE(c.disagreements.empty());
}

TEST(DifftestCompare, ClocksWithinOneSecondAgree) {
  auto ours = replace(replace(kTcp, "431999", "431998"), "delta-time=3", "delta-time=4");
  auto c = compare_tables("r", table({kTcp}), table({ours}));
  EXPECT_EQ(c.agreed, 1u);
  auto late = replace(kTcp, "431999", "431997");
  c = compare_tables("r", table({kTcp}), table({late}));
  ASSERT_EQ(c.disagreements.size(), 1u);
  EXPECT_EQ(c.disagreements[0].fields, "timeout");
}

TEST(DifftestCompare, EachFieldIsCompared) {
  auto ours = replace(replace(replace(kTcp, "ESTABLISHED", "FIN_WAIT"), "packets=4", "packets=5"), " [ASSURED]", "");
  auto c = compare_tables("r", table({kTcp}), table({ours}));
  ASSERT_EQ(c.disagreements.size(), 1u);
  EXPECT_EQ(c.disagreements[0].fields, "state assured reply-packets");
  EXPECT_EQ(c.agreed, 0u);
  EXPECT_EQ(c.compared, 1u);
}

// One address pair, two PPTP calls: two entries, each matched by its keys.
TEST(DifftestCompare, GreEntriesAreTheirKeys) {
  const std::string call =
      "ipv4     2 gre      47 24 timeout=30, stream_timeout=180 src=10.77.0.2 dst=10.77.1.2 srckey=0x0 dstkey=0x4001 "
      "packets=1 bytes=33 [UNREPLIED] src=10.77.1.2 dst=10.77.0.2 srckey=0x4001 dstkey=0x0 packets=0 bytes=0 mark=0 "
      "zone=0 delta-time=6 use=2";
  const std::string other = replace(replace(replace(call, "0x4001", "0x4002"), "0x4001", "0x4002"), "packets=1 bytes=33", "packets=2 bytes=66");
  auto c = compare_tables("r", table({call, other}), table({other, call}));
  EXPECT_TRUE(c.disagreements.empty());
  EXPECT_EQ(c.agreed, 2u);
}

TEST(DifftestCompare, MissingEntriesDisagreeUnlessExpiring) {
  auto c = compare_tables("r", table({kTcp}), table({kUdp}));
  ASSERT_EQ(c.disagreements.size(), 2u);
  EXPECT_EQ(c.disagreements[0].fields, "missing-in-nf_ct");
  EXPECT_EQ(c.disagreements[1].fields, "missing-in-kernel");
  auto dying = replace(kUdp, " 29 ", " 1 ");
  c = compare_tables("r", table({}), table({dying}));
  EXPECT_TRUE(c.disagreements.empty());
  EXPECT_EQ(c.expiring, 1u);
}

TEST(DifftestCompare, KnownDifferencesNeedAReason) {
  EXPECT_THROW(parse_known_differences("l4=sctp\n"), std::runtime_error);
  EXPECT_THROW(parse_known_differences("l4=sctp\t  \n"), std::runtime_error);
  auto known = parse_known_differences("# comment\n^l4=udp fields=timeout \tUDP is different on purpose\n");
  ASSERT_EQ(known.size(), 1u);
  auto c = compare_tables("r", table({kUdp}), table({replace(kUdp, " 29 ", " 25 ")}));
  ASSERT_EQ(c.disagreements.size(), 1u);
  const KnownDifference* k = find_known(known, c.disagreements[0]);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->reason, "UDP is different on purpose");
  c = compare_tables("r", table({kTcp}), table({replace(kTcp, "431999", "431990")}));
  EXPECT_EQ(find_known(known, c.disagreements[0]), nullptr);
}
