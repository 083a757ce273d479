// The packet builder: header fields where RFC 791/793/768/792 (IPv4) and
// RFC 8200/4443 (IPv6) put them, and checksums a receiver would accept.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <vector>

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

// ---- IPv4 stays as it was ----

// The bytes the IPv4 builder made before IPv6 came, for three of the packets
// above: the differential tests compare against the kernel with these.
TEST(Packet, Ipv4BytesUnchanged) {
  const Bytes syn = {0x45, 0x00, 0x00, 0x34, 0x12, 0x34, 0x00, 0x00, 0x40, 0x06, 0x54, 0x8e, 0x0a, 0x00, 0x00,
                     0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x50, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00,
                     0x00, 0x00, 0x80, 0x02, 0x04, 0x00, 0x76, 0x18, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01,
                     0x03, 0x03, 0x07, 0x01, 0x01, 0x04, 0x02};
  EXPECT_EQ(Packet::tcp("10.0.0.1", "10.0.0.2", 40000, 80)
                .flags(tcpflag::SYN)
                .seq(0x11223344)
                .window(1024)
                .mss(1460)
                .wscale(7)
                .sack_permitted()
                .build(),
            syn);
  const Bytes udp = {0x45, 0x00, 0x00, 0x21, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0x54, 0x96, 0x0a,
                     0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x14, 0xe9, 0x00, 0x35, 0x00, 0x0d,
                     0x92, 0xe1, 0x68, 0x65, 0x6c, 0x6c, 0x6f};
  EXPECT_EQ(Packet::udp("10.0.0.1", "10.0.0.2", 5353, 53).payload("hello").build(), udp);
  const Bytes err = {0x45, 0x00, 0x00, 0x38, 0x12, 0x34, 0x00, 0x00, 0x40, 0x01, 0x54, 0x8f, 0x0a, 0x00,
                     0x00, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x03, 0x03, 0x11, 0x19, 0x00, 0x00, 0x00, 0x00,
                     0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x00, 0x00, 0x40, 0x11, 0x54, 0x9b, 0x0a, 0x00,
                     0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x0f, 0xa0, 0x00, 0x09, 0x00, 0x08, 0xdc, 0x32};
  EXPECT_EQ(Packet::icmp("10.0.0.2", "10.0.0.1", 3, 3).quote(Packet::udp("10.0.0.1", "10.0.0.2", 4000, 9), 28).build(),
            err);
}

TEST(Packet, Ipv4AccessorsAndIpv6OnlyCalls) {
  Packet p = Packet::udp("10.0.0.1", "10.0.0.2", 1, 2);
  EXPECT_EQ(p.family(), AF_INET);
  EXPECT_FALSE(p.is_ipv6());
  EXPECT_EQ(p.dst_addr(), inet_addr("10.0.0.2"));
  EXPECT_EQ(p.src(), "10.0.0.1");
  EXPECT_EQ(p.dst(), "10.0.0.2");
  EXPECT_EQ(p.protocol(), IPPROTO_UDP);
  EXPECT_THROW(p.dst_addr6(), std::logic_error);
  EXPECT_THROW(p.hop_by_hop(), std::invalid_argument);
  EXPECT_THROW(p.routing(0, 0), std::invalid_argument);
  EXPECT_THROW(p.dest_options(), std::invalid_argument);
  EXPECT_THROW(p.ah(1, 1), std::invalid_argument);
  EXPECT_THROW(p.ext_header(60, {0, 1, 4, 0, 0, 0, 0}), std::invalid_argument);
  EXPECT_THROW(p.flow_label(1), std::invalid_argument);
  EXPECT_THROW(Packet::icmp6("10.0.0.1", "10.0.0.2", 128, 0), std::invalid_argument);
  EXPECT_THROW(Packet::udp("10.0.0.1", "2001:db8::2", 1, 2), std::invalid_argument) << "families differ";
  EXPECT_THROW(Packet::udp("2001:db8::1", "10.0.0.2", 1, 2), std::invalid_argument) << "families differ";
  EXPECT_THROW(Packet::udp("2001:db8::zz", "2001:db8::2", 1, 2), std::invalid_argument);
}

TEST(Packet, Ipv4NoChecksumTrafficClassAndTruncate) {
  Bytes p = Packet::udp("10.0.0.1", "10.0.0.2", 5353, 53).payload("hello").no_checksum().build();
  EXPECT_EQ(get16(p, 26), 0) << "UDP over IPv4 without a checksum";
  Bytes tos = Packet::udp("10.0.0.1", "10.0.0.2", 5353, 53).traffic_class(0xb8).build();
  EXPECT_EQ(tos[1], 0xb8);
  EXPECT_EQ(inet_checksum(tos.data(), 20), 0xffff);
  Bytes cut = Packet::tcp("10.0.0.1", "10.0.0.2", 40000, 80).flags(tcpflag::SYN).truncate(30).build();
  ASSERT_EQ(cut.size(), 30u);
  EXPECT_EQ(get16(cut, 2), 30) << "total length says what is left";
  EXPECT_EQ(inet_checksum(cut.data(), 20), 0xffff) << "header checksum over the new length";
}

TEST(Packet, Ipv4Fragments) {
  Bytes data(100);
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<uint8_t>(i * 7);
  Packet udp = Packet::udp("10.0.0.1", "10.0.0.2", 4000, 9).payload(data);
  const Bytes whole = udp.build();  // 20 + 108
  auto frags = udp.fragments(32, 0xbeef);
  ASSERT_EQ(frags.size(), 4u) << "32 + 32 + 32 + 12 bytes of the 108-byte datagram";
  Bytes joined;
  for (size_t i = 0; i < frags.size(); i++) {
    const Bytes& f = frags[i];
    SCOPED_TRACE(i);
    ASSERT_GE(f.size(), 20u);
    EXPECT_EQ(f[0], 0x45);
    EXPECT_EQ(get16(f, 2), f.size());
    EXPECT_EQ(get16(f, 4), 0xbeef) << "identification";
    const uint16_t frag = get16(f, 6);
    EXPECT_EQ(frag & 0x1fff, 4 * i) << "offset in 8-byte units";
    EXPECT_EQ(bool(frag & 0x2000), i + 1 < frags.size()) << "MF on all but the last";
    EXPECT_EQ(frag & 0x4000, 0) << "no DF";
    EXPECT_EQ(f[9], IPPROTO_UDP);
    EXPECT_EQ(inet_checksum(f.data(), 20), 0xffff) << "header checksum";
    EXPECT_TRUE(std::equal(f.begin() + 12, f.begin() + 20, whole.begin() + 12)) << "addresses";
    EXPECT_EQ(f.size() - 20, i + 1 < frags.size() ? 32u : 12u);
    joined.insert(joined.end(), f.begin() + 20, f.end());
  }
  EXPECT_EQ(joined, Bytes(whole.begin() + 20, whole.end())) << "the pieces make the datagram";
  EXPECT_EQ(l4_verify(whole), 0xffff);

  auto one = udp.fragments(200, 7);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(get16(one[0], 6), 0) << "fits: offset 0, no MF";
  EXPECT_EQ(get16(one[0], 4), 7);
  EXPECT_THROW(udp.fragments(12, 1), std::invalid_argument) << "not a multiple of 8";
  EXPECT_THROW(udp.fragments(0, 1), std::invalid_argument);
  EXPECT_THROW(udp.fragments(32, 0x10000), std::invalid_argument) << "IPv4 identification is 16 bits";
}

// ---- IPv6 ----

namespace {
const char* const kSrc6 = "2001:db8::1";
const char* const kDst6 = "2001:db8::2";

// The headers of an IPv6 packet, walked as a receiver would.
struct Walk {
  std::vector<uint8_t> chain;  // extension header types, in order
  uint8_t upper = 0;           // the Next Header after the last
  size_t l4off = 40;           // where the upper layer starts
};

Walk walk6(const Bytes& p) {
  Walk w;
  uint8_t next = p[6];
  size_t off = 40;
  while (next == 0 || next == 43 || next == 44 || next == 51 || next == 60) {
    w.chain.push_back(next);
    size_t len = next == 44 ? 8 : next == 51 ? (p.at(off + 1) + 2u) * 4 : (p.at(off + 1) + 1u) * 8;
    const bool later_fragment = next == 44 && get16(p, off + 2) >> 3;
    next = p.at(off);
    off += len;
    if (later_fragment) break;  // data, not headers, follow
  }
  w.upper = next;
  w.l4off = off;
  return w;
}

// RFC 8200 8.1, summed here and not by the builder: source, destination
// (@dst, else the header's), upper-layer length as 32 bits, zeros, the
// upper-layer protocol; then the upper layer from @l4off.
uint16_t l4_verify6(const Bytes& p, const Bytes* dst = nullptr) {
  const Walk w = walk6(p);
  const size_t len = p.size() - w.l4off;
  uint32_t pseudo = 0;
  for (size_t i = 8; i < 24; i += 2) pseudo += get16(p, i);
  for (size_t i = 0; i < 16; i += 2) pseudo += dst ? get16(*dst, i) : get16(p, 24 + i);
  pseudo += static_cast<uint32_t>(len >> 16) + static_cast<uint32_t>(len & 0xffff) + w.upper;
  return inet_checksum(p.data() + w.l4off, len, pseudo);
}

Bytes addr6(const char* s) {
  Bytes b(16);
  EXPECT_EQ(inet_pton(AF_INET6, s, b.data()), 1);
  return b;
}
}  // namespace

// A SYN whose every byte is known; its checksum summed by hand:
// pseudo-header 2dba + 2dbb + 0014 + 0006, TCP 9c40 0050 1122 3344 5002 0400
// = 19087, folded 9088, inverted 6f77.
TEST(Packet, Ipv6TcpSynKnownBytes) {
  Packet syn = Packet::tcp(kSrc6, kDst6, 40000, 80).flags(tcpflag::SYN).seq(0x11223344).window(1024);
  const Bytes expect = {
      0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40,                                                  // v6, len 20, TCP, hop 64
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,  // src
      0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,  // dst
      0x9c, 0x40, 0x00, 0x50, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00,                          // ports, seq, ack
      0x50, 0x02, 0x04, 0x00, 0x6f, 0x77, 0x00, 0x00};                                                // doff, SYN, win, sum
  EXPECT_EQ(syn.build(), expect);
  EXPECT_EQ(l4_verify6(syn.build()), 0xffff);
  EXPECT_EQ(syn.family(), AF_INET6);
  EXPECT_TRUE(syn.is_ipv6());
  EXPECT_EQ(syn.protocol(), IPPROTO_TCP);
  EXPECT_EQ(syn.src(), kSrc6);
  EXPECT_EQ(syn.dst(), kDst6);
  in6_addr d = syn.dst_addr6();
  EXPECT_EQ(Bytes(d.s6_addr, d.s6_addr + 16), addr6(kDst6));
  EXPECT_THROW(syn.dst_addr(), std::logic_error);
}

TEST(Packet, Ipv6HeaderFields) {
  Bytes p = Packet::tcp("fd00::a", "fd00::b", 1, 2)
                .flags(tcpflag::ACK)
                .ttl(3)
                .traffic_class(0xb8)
                .flow_label(0x12345)
                .mss(1440)
                .sack_permitted()
                .timestamps(1, 2)
                .payload("data")
                .build();
  EXPECT_EQ(get32(p, 0), 0x6b812345u) << "version 6, traffic class b8, flow label 12345";
  EXPECT_EQ(get16(p, 4), p.size() - 40) << "payload length";
  EXPECT_EQ(p[6], IPPROTO_TCP);
  EXPECT_EQ(p[7], 3) << "hop limit from ttl()";
  EXPECT_EQ(Bytes(p.begin() + 8, p.begin() + 24), addr6("fd00::a"));
  EXPECT_EQ(Bytes(p.begin() + 24, p.begin() + 40), addr6("fd00::b"));
  EXPECT_EQ(p[40 + 12] >> 4, 5 + 5) << "20 option bytes";
  EXPECT_EQ(l4_verify6(p), 0xffff);
  Bytes bad = Packet::tcp("fd00::a", "fd00::b", 1, 2).bad_checksum().build();
  EXPECT_NE(l4_verify6(bad), 0xffff);
  EXPECT_THROW(Packet::tcp("fd00::a", "fd00::b", 1, 2).flow_label(0x100000), std::invalid_argument);
}

TEST(Packet, Ipv6UdpNeverSumsToZero) {
  Packet udp = Packet::udp(kSrc6, kDst6, 5353, 53).payload("hello");
  Bytes p = udp.build();
  ASSERT_EQ(p.size(), 40u + 8u + 5u);
  EXPECT_EQ(p[6], IPPROTO_UDP);
  EXPECT_EQ(get16(p, 4), 13);
  EXPECT_EQ(get16(p, 44), 13) << "UDP length";
  EXPECT_EQ(l4_verify6(p), 0xffff);

  // Two payload bytes equal to the checksum of a zero pair make the sum 0:
  // sent as ffff, which still verifies.
  Bytes zeros = Packet::udp(kSrc6, kDst6, 5353, 53).payload(Bytes{0, 0}).build();
  const uint16_t c = get16(zeros, 46);
  Bytes z = Packet::udp(kSrc6, kDst6, 5353, 53).payload(Bytes{uint8_t(c >> 8), uint8_t(c & 0xff)}).build();
  EXPECT_EQ(get16(z, 46), 0xffff) << "a sum of 0 goes as ffff";
  EXPECT_EQ(l4_verify6(z), 0xffff);

  Bytes none = Packet::udp(kSrc6, kDst6, 5353, 53).payload("hello").no_checksum().build();
  EXPECT_EQ(get16(none, 46), 0) << "no_checksum(): 0, invalid over IPv6";
  Bytes bad = Packet::udp(kSrc6, kDst6, 5353, 53).payload("hello").bad_checksum().build();
  EXPECT_NE(l4_verify6(bad), 0xffff);
  EXPECT_NE(get16(bad, 46), 0);
}

TEST(Packet, Ipv6UdpliteAndRaw) {
  Bytes lite = Packet::udplite(kSrc6, kDst6, 7000, 7001, 8).payload("abc").build();
  EXPECT_EQ(lite[6], IPPROTO_UDPLITE);
  EXPECT_EQ(get16(lite, 44), 8) << "coverage";
  uint32_t pseudo = 0;
  for (size_t i = 8; i < 40; i += 2) pseudo += get16(lite, i);
  pseudo += 11 + IPPROTO_UDPLITE;  // the pseudo-header's length is the whole datagram's
  EXPECT_EQ(inet_checksum(lite.data() + 40, 8, pseudo), 0xffff) << "over the covered 8 bytes";
  Bytes whole = Packet::udplite(kSrc6, kDst6, 7000, 7001).payload("abc").build();
  EXPECT_EQ(l4_verify6(whole), 0xffff);

  Bytes raw = Packet::raw(253, kSrc6, kDst6).payload("xyz").build();
  ASSERT_EQ(raw.size(), 43u);
  EXPECT_EQ(raw[6], 253);
  EXPECT_EQ(get16(raw, 4), 3);
  EXPECT_EQ(raw[40], 'x');
}

TEST(Packet, Icmp6EchoChecksum) {
  Packet echo = Packet::icmp6(kSrc6, kDst6, 128, 0, 0x1234, 1).payload("ping");
  Bytes p = echo.build();
  ASSERT_EQ(p.size(), 40u + 8u + 4u);
  EXPECT_EQ(echo.protocol(), IPPROTO_ICMPV6);
  EXPECT_EQ(p[6], IPPROTO_ICMPV6);
  EXPECT_EQ(p[40], 128);
  EXPECT_EQ(p[41], 0);
  EXPECT_EQ(get16(p, 44), 0x1234);
  EXPECT_EQ(get16(p, 46), 1);
  EXPECT_EQ(l4_verify6(p), 0xffff) << "over the pseudo-header and the message";
  EXPECT_NE(inet_checksum(p.data() + 40, p.size() - 40), 0xffff) << "not over the message alone, as ICMPv4";
  EXPECT_NE(l4_verify6(Packet::icmp6(kSrc6, kDst6, 128, 0, 1, 1).bad_checksum().build()), 0xffff);
  EXPECT_THROW(Packet::icmp(kSrc6, kDst6, 8, 0), std::invalid_argument) << "icmp() is ICMPv4";
}

TEST(Packet, Icmp6ErrorQuotesPacket) {
  Packet inner = Packet::udp(kSrc6, kDst6, 4000, 9).payload("payload");
  const Bytes quoted = inner.build();  // 40 + 8 + 7
  Bytes err = Packet::icmp6(kDst6, kSrc6, 1, 4).quote(inner, 1232).build();
  ASSERT_EQ(err.size(), 40u + 8u + quoted.size());
  EXPECT_EQ(err[40], 1) << "destination unreachable";
  EXPECT_EQ(err[41], 4) << "port unreachable";
  EXPECT_EQ(get32(err, 44), 0u) << "unused";
  EXPECT_EQ(Bytes(err.begin() + 48, err.end()), quoted) << "the whole invoking packet";
  EXPECT_EQ(err[48] >> 4, 6);
  EXPECT_EQ(get16(err, 48 + 40), 4000) << "quoted source port";
  EXPECT_EQ(l4_verify6(err), 0xffff);

  Bytes cut = Packet::icmp6(kDst6, kSrc6, 1, 4).quote(inner, 44).build();
  EXPECT_EQ(cut.size(), 40u + 8u + 44u);
  EXPECT_EQ(l4_verify6(cut), 0xffff);

  Bytes too_big = Packet::icmp6(kDst6, kSrc6, 2, 0, 0, 1280).quote(inner, 100).build();
  EXPECT_EQ(get32(too_big, 44), 1280u) << "MTU in the second word";
  EXPECT_EQ(l4_verify6(too_big), 0xffff);
}

// 0 -> 60 -> 6: each header padded to 8 bytes, the TCP checksum's length
// only the TCP segment's.
TEST(Packet, Ipv6ChainHopByHopDestOptsTcp) {
  Bytes p = Packet::tcp(kSrc6, kDst6, 40000, 80)
                .flags(tcpflag::SYN)
                .hop_by_hop({5, 2, 0, 0})       // router alert: 2 + 4, PadN of 2
                .dest_options({0x1e, 1, 0xaa})  // 2 + 3, PadN of 3
                .build();
  ASSERT_EQ(p.size(), 40u + 8u + 8u + 20u);
  EXPECT_EQ(get16(p, 4), 36);
  Walk w = walk6(p);
  EXPECT_EQ(w.chain, (std::vector<uint8_t>{0, 60}));
  EXPECT_EQ(w.upper, IPPROTO_TCP);
  EXPECT_EQ(w.l4off, 56u);
  EXPECT_EQ(Bytes(p.begin() + 40, p.begin() + 48), (Bytes{60, 0, 5, 2, 0, 0, 1, 0}));
  EXPECT_EQ(Bytes(p.begin() + 48, p.begin() + 56), (Bytes{6, 0, 0x1e, 1, 0xaa, 1, 1, 0}));
  EXPECT_EQ(get16(p, 56), 40000);
  EXPECT_EQ(l4_verify6(p), 0xffff);

  // Pad1 when one byte is missing, none when none is, a longer header, an
  // empty one.
  Bytes q = Packet::udp(kSrc6, kDst6, 1, 2)
                .dest_options({0x1e, 3, 1, 2, 3})
                .dest_options({0x1e, 4, 1, 2, 3, 4})
                .hop_by_hop(Bytes(10, 0x01))
                .dest_options()
                .build();
  EXPECT_EQ(Bytes(q.begin() + 40, q.begin() + 48), (Bytes{60, 0, 0x1e, 3, 1, 2, 3, 0}));
  EXPECT_EQ(Bytes(q.begin() + 48, q.begin() + 56), (Bytes{0, 0, 0x1e, 4, 1, 2, 3, 4}));
  EXPECT_EQ(q[56], 60);
  EXPECT_EQ(q[57], 1) << "16 bytes: Hdr Ext Len 1";
  EXPECT_EQ(Bytes(q.begin() + 58, q.begin() + 72), (Bytes{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 0, 0}))
      << "the options as given, then PadN of 4";
  EXPECT_EQ(Bytes(q.begin() + 72, q.begin() + 80), (Bytes{17, 0, 1, 4, 0, 0, 0, 0}));
  EXPECT_EQ(walk6(q).chain, (std::vector<uint8_t>{60, 60, 0, 60}));
  EXPECT_EQ(walk6(q).l4off, 80u);
  EXPECT_EQ(l4_verify6(q), 0xffff);
}

TEST(Packet, Ipv6ChainEndingInNoNextHeader) {
  Packet none = Packet::raw(IPPROTO_NONE, kSrc6, kDst6).hop_by_hop().dest_options().payload("ignored");
  Bytes p = none.build();
  ASSERT_EQ(p.size(), 40u + 16u + 7u);
  EXPECT_EQ(get16(p, 4), 23);
  Walk w = walk6(p);
  EXPECT_EQ(w.chain, (std::vector<uint8_t>{0, 60}));
  EXPECT_EQ(w.upper, IPPROTO_NONE);
  EXPECT_EQ(p[48], 59) << "the destination options say no next header";
  EXPECT_EQ(p[56], 'i') << "bytes after it, for a receiver to ignore";
  EXPECT_EQ(none.protocol(), 59);

  Bytes bare = Packet::raw(IPPROTO_NONE, kSrc6, kDst6).build();
  EXPECT_EQ(bare.size(), 40u);
  EXPECT_EQ(bare[6], 59);
}

TEST(Packet, Ipv6RoutingAndAh) {
  Packet tcp = Packet::tcp(kSrc6, kDst6, 40000, 80).flags(tcpflag::SYN).routing(0, 1, {"2001:db8::99"}).ah(0x1000, 7);
  Bytes p = tcp.build();
  ASSERT_EQ(p.size(), 40u + 24u + 24u + 20u);
  EXPECT_EQ(p[6], IPPROTO_ROUTING);
  EXPECT_EQ(Bytes(p.begin() + 40, p.begin() + 48), (Bytes{51, 2, 0, 1, 0, 0, 0, 0}))
      << "next AH, 24 bytes, type 0, one segment left";
  EXPECT_EQ(Bytes(p.begin() + 48, p.begin() + 64), addr6("2001:db8::99"));
  EXPECT_EQ(p[64], IPPROTO_TCP);
  EXPECT_EQ(p[65], 4) << "AH: 24 bytes, in words minus 2";
  EXPECT_EQ(get16(p, 66), 0);
  EXPECT_EQ(get32(p, 68), 0x1000u) << "SPI";
  EXPECT_EQ(get32(p, 72), 7u) << "sequence number";
  EXPECT_EQ(Bytes(p.begin() + 76, p.begin() + 88), Bytes(12, 0)) << "ICV";
  EXPECT_EQ(walk6(p).chain, (std::vector<uint8_t>{43, 51}));
  EXPECT_EQ(walk6(p).l4off, 88u);
  const Bytes final_dst = addr6("2001:db8::99");
  EXPECT_EQ(l4_verify6(p, &final_dst), 0xffff) << "the pseudo-header has the final destination";
  EXPECT_NE(l4_verify6(p), 0xffff);
  EXPECT_EQ(tcp.dst(), kDst6) << "the first hop is where it is sent";

  Bytes arrived = Packet::tcp(kSrc6, kDst6, 40000, 80).routing(0, 0, {"2001:db8::99"}).build();
  EXPECT_EQ(l4_verify6(arrived), 0xffff) << "no segments left: the header's destination";

  Bytes icv = Packet::udp(kSrc6, kDst6, 1, 2).ah(1, 2, Bytes(16, 0xcc)).build();
  EXPECT_EQ(icv[41], 6) << "12 + 16 padded to 32 bytes";
  EXPECT_EQ(Bytes(icv.begin() + 52, icv.begin() + 72), (Bytes{0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
                                                             0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0, 0, 0, 0}));
  EXPECT_EQ(l4_verify6(icv), 0xffff);
  EXPECT_THROW(Packet::udp(kSrc6, kDst6, 1, 2).routing(0, 1, {"10.0.0.1"}), std::invalid_argument);
}

// A header cut short: by truncate(), with a payload length that says so, or
// one that claims more than follows (ext_header()).
TEST(Packet, Ipv6HeaderCutShort) {
  Packet full = Packet::tcp(kSrc6, kDst6, 40000, 80).flags(tcpflag::SYN).hop_by_hop().dest_options(Bytes(10, 1));
  const Bytes whole = full.build();
  Bytes cut = Packet(full).truncate(40 + 8 + 4).build();
  ASSERT_EQ(cut.size(), 52u);
  EXPECT_EQ(get16(cut, 4), 12) << "payload length says what is left";
  EXPECT_EQ(Bytes(cut.begin(), cut.begin() + 4), Bytes(whole.begin(), whole.begin() + 4));
  EXPECT_TRUE(std::equal(cut.begin() + 6, cut.end(), whole.begin() + 6));
  EXPECT_EQ(cut[48], 6);
  EXPECT_EQ(cut[49], 1) << "the destination options claim 16 bytes; 4 are there";
  EXPECT_EQ(Packet(full).truncate(1000).build(), whole) << "longer than the packet: nothing cut";

  Bytes liar = Packet::udp(kSrc6, kDst6, 1, 2).ext_header(60, {3, 1, 0}).build();
  ASSERT_EQ(liar.size(), 40u + 4u + 8u);
  EXPECT_EQ(liar[6], 60);
  EXPECT_EQ(Bytes(liar.begin() + 40, liar.begin() + 44), (Bytes{17, 3, 1, 0})) << "32 bytes claimed";
  EXPECT_EQ(get16(liar, 4), 12);
}

namespace {
// Checks the fragments of @p: each one's unfragmentable part (@unfrag bytes
// after the IPv6 header, ending in Next Header 44 at @patch), its fragment
// header, and that the pieces in offset order make the packet built whole.
void expect_fragments(const Packet& p, size_t size, uint32_t id, size_t unfrag, std::optional<size_t> patch,
                      size_t count) {
  const Bytes whole = p.build();
  auto frags = p.fragments(size, id);
  ASSERT_EQ(frags.size(), count);
  Bytes joined;
  const size_t fh = 40 + unfrag;
  const uint8_t first_next = patch ? whole[*patch] : whole[6];
  for (size_t i = 0; i < frags.size(); i++) {
    const Bytes& f = frags[i];
    SCOPED_TRACE(i);
    ASSERT_GE(f.size(), fh + 8);
    EXPECT_EQ(get16(f, 4), f.size() - 40) << "payload length";
    if (patch) {
      EXPECT_EQ(f[6], whole[6]);
      EXPECT_EQ(f[*patch], IPPROTO_FRAGMENT);
    } else {
      EXPECT_EQ(f[6], IPPROTO_FRAGMENT);
    }
    Bytes before(f.begin(), f.begin() + fh), whole_before(whole.begin(), whole.begin() + fh);
    before[4] = before[5] = whole_before[4] = whole_before[5] = 0;
    before[patch ? *patch : 6] = whole_before[patch ? *patch : 6];
    EXPECT_EQ(before, whole_before) << "the unfragmentable part in each fragment";
    EXPECT_EQ(f[fh], first_next) << "the fragment header's next header: the fragmentable part's first";
    EXPECT_EQ(f[fh + 1], 0);
    const uint16_t off = get16(f, fh + 2);
    EXPECT_EQ(off >> 3, joined.size() / 8) << "offset in 8-byte units";
    EXPECT_EQ(off & 6, 0) << "reserved bits";
    EXPECT_EQ(bool(off & 1), i + 1 < frags.size()) << "M on all but the last";
    EXPECT_EQ(get32(f, fh + 4), id);
    if (i + 1 < frags.size()) {
      EXPECT_EQ(f.size() - fh - 8, size);
    }
    joined.insert(joined.end(), f.begin() + fh + 8, f.end());
  }
  EXPECT_EQ(joined, Bytes(whole.begin() + fh, whole.end())) << "the pieces make the fragmentable part";
}
}  // namespace

TEST(Packet, Ipv6Fragments) {
  Bytes data(100);
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<uint8_t>(i * 13 + 1);

  // No extension headers: the fragment header follows the IPv6 header.
  Packet plain = Packet::udp(kSrc6, kDst6, 4000, 9).payload(data);
  expect_fragments(plain, 48, 0xdeadbeef, 0, std::nullopt, 3);  // 108 = 48 + 48 + 12

  // Hop-by-hop and routing stay in front; destination options after a
  // routing header are fragmented with the rest (RFC 8200 4.5).
  Packet chain = Packet::udp(kSrc6, kDst6, 4000, 9)
                     .payload(data)
                     .hop_by_hop()
                     .routing(0, 0, {"2001:db8::99"})
                     .dest_options({0x1e, 1, 7});
  expect_fragments(chain, 48, 1, 8 + 24, 40 + 8, 3);  // 8 + 108 = 48 + 48 + 20
  auto f = chain.fragments(48, 1);
  EXPECT_EQ(walk6(f[0]).chain, (std::vector<uint8_t>{0, 43, 44, 60}));
  EXPECT_EQ(walk6(f[0]).upper, IPPROTO_UDP);
  EXPECT_EQ(walk6(f[1]).chain, (std::vector<uint8_t>{0, 43, 44})) << "later fragments: the header, then data";
  EXPECT_EQ(walk6(f[1]).upper, IPPROTO_DSTOPTS) << "every fragment header names the fragmentable part's first";

  // Destination options before the routing header are unfragmentable too.
  Packet dst_first = Packet::tcp(kSrc6, kDst6, 1, 2).payload(data).hop_by_hop().dest_options().routing(0, 0, {kDst6});
  expect_fragments(dst_first, 64, 2, 8 + 8 + 24, 40 + 8 + 8, 2);
  // A hop-by-hop header alone, then destination options.
  Packet hop = Packet::tcp(kSrc6, kDst6, 1, 2).payload(data).hop_by_hop().dest_options();
  expect_fragments(hop, 64, 3, 8, 40, 2);
  // Destination options alone are fragmentable.
  Packet dst = Packet::icmp6(kSrc6, kDst6, 128, 0, 1, 1).payload(data).dest_options();
  expect_fragments(dst, 32, 4, 0, std::nullopt, 4);  // 8 + 108 = 32 + 32 + 32 + 20

  // It fits: one atomic fragment.
  auto atomic = plain.fragments(1280, 5);
  ASSERT_EQ(atomic.size(), 1u);
  EXPECT_EQ(atomic[0][6], IPPROTO_FRAGMENT);
  EXPECT_EQ(get16(atomic[0], 42), 0) << "offset 0, M clear";
  EXPECT_EQ(atomic[0].size(), plain.build().size() + 8);
  EXPECT_THROW(plain.fragments(50, 1), std::invalid_argument);
  EXPECT_THROW(plain.fragments(0, 1), std::invalid_argument);
}
