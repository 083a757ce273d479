// Crafted IPv4 and IPv6 packets: TCP with any flags, sequence numbers, window
// and options; UDP; UDP-Lite; ICMP and ICMPv6; any other protocol raw. IPv6
// packets may carry extension headers, and either family's packet can be cut
// into fragments. Checksums are computed unless told otherwise, and a raw
// socket sends the bytes exactly as built.
//
// The family follows the addresses: one with a ':' makes an IPv6 packet
// (source and destination must agree). ICMP and ICMPv6 have factories of
// their own, because their type numbers differ: icmp() takes IPv4
// addresses only, icmp6() IPv6 addresses only.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fd.hpp"

namespace nfct {

using Bytes = std::vector<uint8_t>;

namespace tcpflag {
inline constexpr uint8_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20, ECE = 0x40,
                         CWR = 0x80;
}

class Packet {
 public:
  static Packet tcp(const std::string& src, const std::string& dst, uint16_t sport, uint16_t dport);
  static Packet udp(const std::string& src, const std::string& dst, uint16_t sport, uint16_t dport);
  // ICMP over IPv4 (IPv6 addresses throw std::invalid_argument: use icmp6).
  static Packet icmp(const std::string& src, const std::string& dst, uint8_t type, uint8_t code, uint16_t id = 0,
                     uint16_t seq = 0);
  // ICMPv6 (RFC 4443) over IPv6 only; its checksum covers the pseudo-header.
  // @id and @seq are the message body's first 32 bits: echo's identifier and
  // sequence number, or for errors the unused word, Packet Too Big's MTU
  // (id = mtu >> 16, seq = mtu & 0xffff) or Parameter Problem's pointer.
  static Packet icmp6(const std::string& src, const std::string& dst, uint8_t type, uint8_t code, uint16_t id = 0,
                      uint16_t seq = 0);
  // UDP-Lite (RFC 3828); @coverage 0 means the whole datagram.
  static Packet udplite(const std::string& src, const std::string& dst, uint16_t sport, uint16_t dport,
                        uint16_t coverage = 0);
  // Any other protocol: the payload follows the IP header (and any IPv6
  // extension headers) as it is. raw(IPPROTO_NONE, ...) with extension
  // headers ends the chain in No Next Header (59). (The numbers of TCP, UDP,
  // UDP-Lite, ICMP, and of ICMPv6 over IPv6, still get their L4 header and
  // checksum, ports and the rest 0, as the factories would build them.)
  static Packet raw(uint8_t proto, const std::string& src, const std::string& dst);

  Packet& flags(uint8_t f) { tcp_flags_ = f; return *this; }
  Packet& seq(uint32_t s) { seq_ = s; return *this; }
  Packet& ack(uint32_t a) { ack_ = a; return *this; }
  Packet& window(uint16_t w) { window_ = w; return *this; }
  // Raw TCP option bytes; padded with EOL to a multiple of 4 when built.
  Packet& options(Bytes o) { options_ = std::move(o); return *this; }
  Packet& mss(uint16_t m);
  Packet& wscale(uint8_t shift);
  Packet& sack_permitted();
  // NOP NOP + SACK blocks (RFC 2018), each [left edge, right edge).
  Packet& sack(const std::vector<std::pair<uint32_t, uint32_t>>& blocks);
  // NOP NOP + timestamps (RFC 7323).
  Packet& timestamps(uint32_t value, uint32_t echo);
  Packet& payload(Bytes p) { payload_ = std::move(p); return *this; }
  Packet& payload(const std::string& p) { payload_.assign(p.begin(), p.end()); return *this; }
  // IPv4 TTL, IPv6 hop limit.
  Packet& ttl(uint8_t t) { ttl_ = t; return *this; }
  // IPv4 TOS byte, IPv6 traffic class; 0 unless set.
  Packet& traffic_class(uint8_t tc) { traffic_class_ = tc; return *this; }
  // IPv6 only: the 20-bit flow label; 0 unless set.
  Packet& flow_label(uint32_t label);
  // Bytes after the L4 header for ICMP and ICMPv6 errors: the quoted packet
  // (of either family), cut to @bytes.
  Packet& quote(const Packet& inner, size_t bytes);
  // The L4 checksum is made wrong (TCP, UDP, UDP-Lite, ICMP, ICMPv6).
  Packet& bad_checksum() { bad_checksum_ = true; return *this; }
  // The L4 checksum field is left 0: UDP over IPv4's "no checksum", and for
  // negative tests anything else (UDP over IPv6 otherwise never carries 0:
  // a sum of 0 is sent as 0xffff). Takes precedence over bad_checksum().
  Packet& no_checksum() { no_checksum_ = true; return *this; }

  // IPv6 extension headers, placed between the IPv6 header and the
  // upper-layer header in the order these are called (any order, repeats
  // allowed); each one's Next Header is the following one's type, the last
  // one's the upper-layer protocol. IPv4 packets throw std::invalid_argument.
  //
  // Hop-by-Hop (0) and Destination (60) Options: @options are TLV option
  // bytes as they are, followed by Pad1 or PadN up to a multiple of 8.
  Packet& hop_by_hop(const Bytes& options = {});
  Packet& dest_options(const Bytes& options = {});
  // Routing (43) in type 0's layout whatever @type is: 4 reserved bytes,
  // then the addresses. When @segments_left is not 0, its last address is
  // the final destination that TCP's, UDP's and ICMPv6's pseudo-header
  // uses (RFC 8200 8.1; the last such header counts); a router that sums
  // over the IPv6 header's destination (Linux's nf_ip6_checksum) counts
  // such a packet's checksum as bad.
  Packet& routing(uint8_t type, uint8_t segments_left, const std::vector<std::string>& addresses = {});
  // Authentication Header (51, RFC 4302); the ICV is padded with zeros to
  // make the header a multiple of 8 bytes.
  Packet& ah(uint32_t spi, uint32_t seq, const Bytes& icv = Bytes(12, 0));
  // Any header as it is: @rest is every byte after its Next Header byte
  // (Hdr Ext Len included, not checked), for headers that lie or do not
  // exist, such as a Fragment Header (44) of one's own.
  Packet& ext_header(uint8_t type, Bytes rest);

  // build() cuts the packet to its first @bytes, and IPv4's total length
  // (and header checksum) or IPv6's payload length says so: a header cut
  // short that the IP layer still takes. Checksums are those of the whole
  // packet. fragments() ignores it.
  Packet& truncate(size_t bytes) { truncate_ = bytes; return *this; }

  Bytes build() const;
  // The packet as fragments, each carrying @size bytes of the fragmentable
  // part (the last one the rest); @size is a positive multiple of 8.
  // IPv4 (RFC 791): IPv4 headers with identification @id (at most 0xffff),
  // the fragment offset in 8-byte units and MF, over pieces of the L4
  // datagram. IPv6 (RFC 8200 4.5): each fragment is the unfragmentable part
  // (the IPv6 header and the extension headers up to and including the last
  // Routing header, else a leading Hop-by-Hop header), a Fragment Header
  // (44: identification @id, offset in 8-byte units, M) and a piece of the
  // rest (the other extension headers, the upper-layer header, the payload).
  // A packet whose fragmentable part fits in @size gives one fragment with
  // offset 0 and no M flag (an atomic fragment, for IPv6). The checksums are
  // the whole packet's.
  std::vector<Bytes> fragments(size_t size, uint32_t id) const;

  int family() const { return family_; }  // AF_INET or AF_INET6
  bool is_ipv6() const { return family_ == AF_INET6; }
  // The IPv4 destination; IPv6 packets throw std::logic_error.
  in_addr_t dst_addr() const;
  // The IPv6 destination (the IPv6 header's, not a routing header's final
  // one); IPv4 packets throw std::logic_error.
  in6_addr dst_addr6() const;
  // The addresses as text, either family.
  std::string src() const;
  std::string dst() const;
  // The upper-layer protocol (IPPROTO_ICMPV6 for icmp6), whatever
  // extension headers come before it.
  uint8_t protocol() const { return proto_; }

 private:
  Packet(uint8_t proto, const std::string& src, const std::string& dst);

  struct ExtHeader {
    uint8_t type;
    Bytes rest;  // after the Next Header byte
  };

  Bytes upper_layer() const;
  Bytes ipv4_header(size_t l4_len, uint16_t id, uint16_t frag) const;
  Bytes ipv6_header(uint8_t next, size_t payload_len) const;
  // ext_[from, to) serialised, the last one's Next Header @last_next.
  Bytes ext_chain(size_t from, size_t to, uint8_t last_next) const;
  uint8_t ext_type_or(size_t i, uint8_t otherwise) const { return i < ext_.size() ? ext_[i].type : otherwise; }
  void require_ipv6(const char* what) const;

  uint8_t proto_;
  int family_ = AF_INET;
  in_addr_t src_ = 0, dst_ = 0;
  in6_addr src6_{}, dst6_{};
  std::optional<in6_addr> final_dst6_;  // from a routing header with segments left
  uint16_t sport_ = 0, dport_ = 0;
  uint8_t tcp_flags_ = 0;
  uint32_t seq_ = 0, ack_ = 0;
  uint16_t window_ = 64240;
  Bytes options_;
  Bytes payload_;
  uint8_t ttl_ = 64;
  uint8_t traffic_class_ = 0;
  uint32_t flow_label_ = 0;
  uint8_t icmp_type_ = 0, icmp_code_ = 0;
  uint16_t icmp_id_ = 0, icmp_seq_ = 0;
  uint16_t coverage_ = 0;
  bool bad_checksum_ = false;
  bool no_checksum_ = false;
  std::vector<ExtHeader> ext_;
  std::optional<size_t> truncate_;
};

// The Internet checksum (RFC 1071) of @data, folded, not inverted.
uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t sum = 0);

// Sends built packets as they are (IP_HDRINCL, IPV6_HDRINCL) from the
// namespace the sender was made in: an IPv4 raw socket, and an IPv6 one
// when the kernel has IPv6 (sending IPv6 without one throws).
class RawSender {
 public:
  RawSender();
  void send(const Packet& p) const;
  // Bytes as they are; the kernel still fills in tot_len and the IP checksum.
  void send(const Bytes& bytes, in_addr_t dst) const;
  // IPv6 bytes as they are: the kernel changes nothing, payload length
  // included; it routes by @dst.
  void send(const Bytes& bytes, const in6_addr& dst) const;
  // Each of p.fragments(size, id), in order.
  void send_fragments(const Packet& p, size_t size, uint32_t id) const;

 private:
  Fd fd_;
  Fd fd6_;
  int fd6_errno_ = 0;
};

}  // namespace nfct
