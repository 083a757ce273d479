// The packet builder: header fields where RFC 791/793/768/792 put them, and
// checksums a receiver would accept.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "packet.hpp"

using nfct::Bytes;
using nfct::inet_checksum;
using nfct::Packet;
namespace tcpflag = nfct::tcpflag;

namespace {
uint16_t get16(const Bytes& b, size_t off) { return static_cast<uint16_t>(b[off] << 8 | b[off + 1]); }
uint32_t get32(const Bytes& b, size_t off) { return uint32_t(get16(b, off)) << 16 | get16(b, off + 2); }

// Sum over the L4 segment plus pseudo-header: 0xffff when the checksum is right.
uint16_t l4_verify(const Bytes& p) {
  uint32_t pseudo = get16(p, 12) + get16(p, 14) + get16(p, 16) + get16(p, 18) + p[9] + (p.size() - 20);
  return inet_checksum(p.data() + 20, p.size() - 20, pseudo);
}
}  // namespace

TEST(Packet, TcpFieldsAndOptions) {
  Bytes p = Packet::tcp("10.0.0.1", "10.0.0.2", 40000, 80)
                .flags(tcpflag::SYN)
                .seq(0x11223344)
                .window(1024)
                .mss(1460)
                .wscale(7)
                .sack_permitted()
                .build();
  ASSERT_EQ(p.size(), 20u + 32u);
  EXPECT_EQ(p[0], 0x45);
  EXPECT_EQ(get16(p, 2), p.size());
  EXPECT_EQ(p[9], IPPROTO_TCP);
  EXPECT_EQ(inet_checksum(p.data(), 20), 0xffff) << "IPv4 header checksum";
  EXPECT_EQ(get16(p, 20), 40000);
  EXPECT_EQ(get16(p, 22), 80);
  EXPECT_EQ(get32(p, 24), 0x11223344u);
  EXPECT_EQ(p[32] >> 4, 8) << "data offset counts the 12 option bytes";
  EXPECT_EQ(p[33], tcpflag::SYN);
  EXPECT_EQ(get16(p, 34), 1024);
  EXPECT_EQ(p[40], 2) << "MSS option first";
  EXPECT_EQ(l4_verify(p), 0xffff);
}

TEST(Packet, TcpSackBlocksAndTimestamps) {
  Bytes p = Packet::tcp("10.0.0.1", "10.0.0.2", 40000, 80)
                .flags(tcpflag::ACK)
                .seq(7)
                .ack(0xfffffff0)
                .sack({{0x01020304, 0x05060708}, {0xfffffff0, 0x10}})
                .timestamps(0xaabbccdd, 0x11223344)
                .payload("data")
                .build();
  // 20 + (2 + 2 + 16) SACK + (2 + 10) timestamps = 52, a multiple of 4.
  ASSERT_EQ(p.size(), 20u + 52u + 4u);
  EXPECT_EQ(p[32] >> 4, 13) << "data offset: 52 bytes";
  EXPECT_EQ(get32(p, 28), 0xfffffff0u);
  const size_t opt = 40;
  EXPECT_EQ(p[opt], 1);
  EXPECT_EQ(p[opt + 1], 1);
  EXPECT_EQ(p[opt + 2], 5) << "SACK kind";
  EXPECT_EQ(p[opt + 3], 18) << "SACK length: 2 + 2 blocks of 8";
  EXPECT_EQ(get32(p, opt + 4), 0x01020304u);
  EXPECT_EQ(get32(p, opt + 8), 0x05060708u);
  EXPECT_EQ(get32(p, opt + 12), 0xfffffff0u);
  EXPECT_EQ(get32(p, opt + 16), 0x10u);
  EXPECT_EQ(p[opt + 20], 1);
  EXPECT_EQ(p[opt + 22], 8) << "timestamp kind";
  EXPECT_EQ(p[opt + 23], 10);
  EXPECT_EQ(get32(p, opt + 24), 0xaabbccddu);
  EXPECT_EQ(get32(p, opt + 28), 0x11223344u);
  EXPECT_EQ(p[opt + 32], 'd') << "payload after the options";
  EXPECT_EQ(l4_verify(p), 0xffff);
}

TEST(Packet, TcpBadChecksum) {
  Bytes p = Packet::tcp("10.0.0.1", "10.0.0.2", 40000, 80).flags(tcpflag::ACK).bad_checksum().build();
  EXPECT_NE(l4_verify(p), 0xffff);
}

TEST(Packet, UdpLengthAndChecksum) {
  Bytes p = Packet::udp("10.0.0.1", "10.0.0.2", 5353, 53).payload("hello").build();
  ASSERT_EQ(p.size(), 20u + 8u + 5u);
  EXPECT_EQ(get16(p, 24), 13);
  EXPECT_EQ(l4_verify(p), 0xffff);
  Bytes bad = Packet::udp("10.0.0.1", "10.0.0.2", 5353, 53).payload("hello").bad_checksum().build();
  EXPECT_NE(l4_verify(bad), 0xffff);
}

TEST(Packet, UdpliteAndRaw) {
  Bytes lite = Packet::udplite("10.0.0.1", "10.0.0.2", 7000, 7001, 8).payload("abc").build();
  EXPECT_EQ(lite[9], IPPROTO_UDPLITE);
  EXPECT_EQ(get16(lite, 24), 8) << "the length field is the coverage";
  uint32_t pseudo = get16(lite, 12) + get16(lite, 14) + get16(lite, 16) + get16(lite, 18) + lite[9] + 11;
  EXPECT_EQ(inet_checksum(lite.data() + 20, 8, pseudo), 0xffff) << "checksum over the covered 8 bytes";

  Bytes raw = Packet::raw(253, "10.0.0.1", "10.0.0.2").payload("xyz").build();
  ASSERT_EQ(raw.size(), 23u);
  EXPECT_EQ(raw[9], 253);
  EXPECT_EQ(raw[20], 'x');
}

TEST(Packet, IcmpEchoAndQuotedError) {
  Bytes echo = Packet::icmp("10.0.0.1", "10.0.0.2", 8, 0, 4660, 1).build();
  EXPECT_EQ(echo[20], 8);
  EXPECT_EQ(get16(echo, 24), 4660);
  EXPECT_EQ(inet_checksum(echo.data() + 20, echo.size() - 20), 0xffff);

  Packet inner = Packet::udp("10.0.0.1", "10.0.0.2", 4000, 9);
  Bytes err = Packet::icmp("10.0.0.2", "10.0.0.1", 3, 3).quote(inner, 28).build();
  ASSERT_EQ(err.size(), 20u + 8u + 28u);
  EXPECT_EQ(err[28], 0x45) << "quoted IPv4 header follows the ICMP header";
  EXPECT_EQ(get16(err, 28 + 20), 4000) << "quoted source port";
  EXPECT_EQ(inet_checksum(err.data() + 20, err.size() - 20), 0xffff);
}
