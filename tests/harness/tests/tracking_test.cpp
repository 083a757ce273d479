// nf_ct's table as crafted packets leave it: each case sends packets between
// two namespaces and reads /proc/net/nf_ct. Runs in the VM (tests/harness/run).
#include <gtest/gtest.h>

#include "fixtures.hpp"

using namespace nfct;

TEST_F(TwoHosts, UdpToClosedPortIsUnreplied) {
  send_from(a, Packet::udp(kAddrA, kAddrB, 40001, 9).payload("x"));
  auto e = wait_for(a, IPPROTO_UDP, 40001);
  ASSERT_TRUE(e) << "no entry in a";
  EXPECT_EQ(e->l3, "ipv4");
  EXPECT_EQ(e->l4, "udp");
  ASSERT_TRUE(e->timeout);
  EXPECT_GE(*e->timeout, 28);
  EXPECT_LE(*e->timeout, 30);
  EXPECT_EQ(e->orig.src, kAddrA);
  EXPECT_EQ(e->orig.dst, kAddrB);
  EXPECT_EQ(e->orig.dport, 9);
  EXPECT_EQ(e->orig.packets, 1u);
  EXPECT_EQ(e->orig.bytes, 29u) << "IPv4 header + UDP header + 1 byte";
  EXPECT_TRUE(e->unreplied);
  EXPECT_FALSE(e->assured);
  EXPECT_EQ(e->reply.src, kAddrB);
  EXPECT_EQ(e->reply.sport, 9);
  EXPECT_EQ(e->reply.dport, 40001);
  EXPECT_EQ(e->reply.packets, 0u);
  EXPECT_EQ(e->use, 2u);

  // The receiver confirms it at LOCAL_IN too.
  EXPECT_TRUE(wait_for(b, IPPROTO_UDP, 40001)) << "no entry in b";
}

TEST_F(TwoHosts, TcpSynToSilentHostIsSynSent) {
  send_from(a, Packet::tcp(kAddrA, kSilent, 40002, 80).flags(tcpflag::SYN).seq(1000).mss(1460));
  auto e = wait_for(a, IPPROTO_TCP, 40002);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->state, "SYN_SENT");
  ASSERT_TRUE(e->timeout);
  EXPECT_GE(*e->timeout, 118);
  EXPECT_LE(*e->timeout, 120);
  EXPECT_TRUE(e->unreplied);
  EXPECT_EQ(e->orig.bytes, 44u);
}

TEST_F(TwoHosts, IcmpEchoIsAnswered) {
  send_from(a, Packet::icmp(kAddrA, kAddrB, 8, 0, 4660, 1));
  auto e = wait_for(a, IPPROTO_ICMP, 4660, [](const ProcEntry& e) { return e.reply.packets == 1u; });
  ASSERT_TRUE(e) << "echo reply not tracked";
  EXPECT_EQ(e->orig.type, 8u);
  EXPECT_EQ(e->reply.type, 0u);
  EXPECT_EQ(e->reply.id, 4660u);
  EXPECT_FALSE(e->unreplied);
  EXPECT_FALSE(e->assured) << "ICMP is never assured";
}

TEST_F(TwoHosts, InvalidTcpFlagsCreateNothing) {
  send_from(a, Packet::tcp(kAddrA, kSilent, 40003, 80).flags(tcpflag::SYN | tcpflag::FIN));
  send_from(a, Packet::tcp(kAddrA, kSilent, 40004, 80).flags(tcpflag::SYN | tcpflag::ACK));
  // Packets are handled in order: once the marker is in, the others were seen.
  send_from(a, Packet::udp(kAddrA, kSilent, 40005, 9));
  ASSERT_TRUE(wait_for(a, IPPROTO_UDP, 40005));
  EXPECT_FALSE(find(a, IPPROTO_TCP, 40003)) << "SYN|FIN is not a valid opening";
  EXPECT_FALSE(find(a, IPPROTO_TCP, 40004)) << "a SYN/ACK does not open a connection";
}

TEST_F(TwoHosts, CraftedHandshakeIsAssured) {
  // Neither stack may answer for the crafted connection: both drop it at
  // INPUT, after conntrack has seen it at PREROUTING.
  a.checked("iptables-legacy -A INPUT -p tcp --sport 8080 -j DROP");
  b.checked("iptables-legacy -A INPUT -p tcp --dport 8080 -j DROP");

  send_from(a, Packet::tcp(kAddrA, kAddrB, 40006, 8080).flags(tcpflag::SYN).seq(100));
  ASSERT_TRUE(wait_for(a, IPPROTO_TCP, 40006, [](const ProcEntry& e) { return e.state == "SYN_SENT"; }));
  send_from(b, Packet::tcp(kAddrB, kAddrA, 8080, 40006).flags(tcpflag::SYN | tcpflag::ACK).seq(500).ack(101));
  ASSERT_TRUE(wait_for(a, IPPROTO_TCP, 40006, [](const ProcEntry& e) { return e.state == "SYN_RECV"; }));
  send_from(a, Packet::tcp(kAddrA, kAddrB, 40006, 8080).flags(tcpflag::ACK).seq(101).ack(501));
  auto e = wait_for(a, IPPROTO_TCP, 40006, [](const ProcEntry& e) { return e.state == "ESTABLISHED"; });
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->assured);
  EXPECT_FALSE(e->unreplied);
  EXPECT_GE(*e->timeout, 431998);
  EXPECT_EQ(e->orig.packets, 2u);
  EXPECT_EQ(e->reply.packets, 1u);
}

TEST_F(TwoHosts, PacketDroppedBeforeConfirmLeavesNoEntry) {
  b.checked("iptables-legacy -A INPUT -p udp --dport 7 -j DROP");
  send_from(a, Packet::udp(kAddrA, kAddrB, 40007, 7));
  ASSERT_TRUE(wait_until([&] {
    return b.output("iptables-legacy -L INPUT -v -x -n | awk \"/dpt:7/ {print \\$1}\"").starts_with("1");
  })) << "the packet never reached b's filter";
  EXPECT_TRUE(find(a, IPPROTO_UDP, 40007)) << "the sender confirmed it at POSTROUTING";
  EXPECT_FALSE(find(b, IPPROTO_UDP, 40007)) << "dropped before LOCAL_IN: no entry in b";
}
