// Crafted IPv4 packets: TCP with any flags, sequence numbers, window and
// options; UDP; ICMP. Checksums are computed unless told otherwise, and a
// raw socket sends the bytes exactly as built.
#pragma once

#include <netinet/in.h>

#include <cstdint>
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
  static Packet icmp(const std::string& src, const std::string& dst, uint8_t type, uint8_t code, uint16_t id = 0,
                     uint16_t seq = 0);
  // UDP-Lite (RFC 3828); @coverage 0 means the whole datagram.
  static Packet udplite(const std::string& src, const std::string& dst, uint16_t sport, uint16_t dport,
                        uint16_t coverage = 0);
  // Any other protocol: the payload follows the IPv4 header as it is.
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
  Packet& ttl(uint8_t t) { ttl_ = t; return *this; }
  // Bytes after the L4 header for ICMP errors: the quoted packet.
  Packet& quote(const Packet& inner, size_t bytes);
  Packet& bad_checksum() { bad_checksum_ = true; return *this; }

  Bytes build() const;
  in_addr_t dst_addr() const { return dst_; }
  uint8_t protocol() const { return proto_; }

 private:
  Packet(uint8_t proto, const std::string& src, const std::string& dst);

  uint8_t proto_;
  in_addr_t src_, dst_;
  uint16_t sport_ = 0, dport_ = 0;
  uint8_t tcp_flags_ = 0;
  uint32_t seq_ = 0, ack_ = 0;
  uint16_t window_ = 64240;
  Bytes options_;
  Bytes payload_;
  uint8_t ttl_ = 64;
  uint8_t icmp_type_ = 0, icmp_code_ = 0;
  uint16_t icmp_id_ = 0, icmp_seq_ = 0;
  uint16_t coverage_ = 0;
  bool bad_checksum_ = false;
};

// The Internet checksum (RFC 1071) of @data, folded, not inverted.
uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t sum = 0);

// Sends built packets as they are (IP_HDRINCL) from the namespace the socket
// was opened in.
class RawSender {
 public:
  RawSender();
  void send(const Packet& p) const;
  // Bytes as they are; the kernel still fills in tot_len and the IP checksum.
  void send(const Bytes& bytes, in_addr_t dst) const;

 private:
  Fd fd_;
};

}  // namespace nfct
