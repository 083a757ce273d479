#include "packet.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace nfct {

namespace {

in_addr_t parse_addr(const std::string& s) {
  in_addr a{};
  if (::inet_pton(AF_INET, s.c_str(), &a) != 1) throw std::invalid_argument("bad IPv4 address: " + s);
  return a.s_addr;
}

void put16(Bytes& b, size_t off, uint16_t v) {
  b[off] = v >> 8;
  b[off + 1] = v & 0xff;
}

void put32(Bytes& b, size_t off, uint32_t v) {
  put16(b, off, v >> 16);
  put16(b, off + 2, v & 0xffff);
}

}  // namespace

uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t sum) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (len & 1) sum += data[len - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

Packet::Packet(uint8_t proto, const std::string& src, const std::string& dst)
    : proto_(proto), src_(parse_addr(src)), dst_(parse_addr(dst)) {}

Packet Packet::tcp(const std::string& src, const std::string& dst, uint16_t sport, uint16_t dport) {
  Packet p(IPPROTO_TCP, src, dst);
  p.sport_ = sport;
  p.dport_ = dport;
  return p;
}

Packet Packet::udp(const std::string& src, const std::string& dst, uint16_t sport, uint16_t dport) {
  Packet p(IPPROTO_UDP, src, dst);
  p.sport_ = sport;
  p.dport_ = dport;
  return p;
}

Packet Packet::icmp(const std::string& src, const std::string& dst, uint8_t type, uint8_t code, uint16_t id,
                    uint16_t seq) {
  Packet p(IPPROTO_ICMP, src, dst);
  p.icmp_type_ = type;
  p.icmp_code_ = code;
  p.icmp_id_ = id;
  p.icmp_seq_ = seq;
  return p;
}

Packet Packet::udplite(const std::string& src, const std::string& dst, uint16_t sport, uint16_t dport,
                       uint16_t coverage) {
  Packet p(IPPROTO_UDPLITE, src, dst);
  p.sport_ = sport;
  p.dport_ = dport;
  p.coverage_ = coverage;
  return p;
}

Packet Packet::raw(uint8_t proto, const std::string& src, const std::string& dst) { return Packet(proto, src, dst); }

Packet& Packet::mss(uint16_t m) {
  options_.insert(options_.end(), {2, 4, static_cast<uint8_t>(m >> 8), static_cast<uint8_t>(m & 0xff)});
  return *this;
}

Packet& Packet::wscale(uint8_t shift) {
  options_.insert(options_.end(), {1, 3, 3, shift});  // NOP + window scale
  return *this;
}

Packet& Packet::sack_permitted() {
  options_.insert(options_.end(), {1, 1, 4, 2});  // NOP NOP + SACK permitted
  return *this;
}

Packet& Packet::sack(const std::vector<std::pair<uint32_t, uint32_t>>& blocks) {
  Bytes o{1, 1, 5, static_cast<uint8_t>(2 + 8 * blocks.size())};
  for (auto [left, right] : blocks)
    for (uint32_t v : {left, right})
      o.insert(o.end(), {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
                         static_cast<uint8_t>(v)});
  options_.insert(options_.end(), o.begin(), o.end());
  return *this;
}

Packet& Packet::timestamps(uint32_t value, uint32_t echo) {
  options_.insert(options_.end(), {1, 1, 8, 10});
  for (uint32_t v : {value, echo})
    options_.insert(options_.end(), {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
                                     static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)});
  return *this;
}

Packet& Packet::quote(const Packet& inner, size_t bytes) {
  Bytes q = inner.build();
  q.resize(std::min(bytes, q.size()));
  payload_ = std::move(q);
  return *this;
}

Bytes Packet::build() const {
  Bytes l4;
  switch (proto_) {
    case IPPROTO_TCP: {
      Bytes opts = options_;
      while (opts.size() % 4) opts.push_back(0);
      size_t hlen = 20 + opts.size();
      if (hlen > 60) throw std::invalid_argument("TCP options longer than 40 bytes");
      l4.assign(hlen, 0);
      put16(l4, 0, sport_);
      put16(l4, 2, dport_);
      put32(l4, 4, seq_);
      put32(l4, 8, ack_);
      l4[12] = static_cast<uint8_t>((hlen / 4) << 4);
      l4[13] = tcp_flags_;
      put16(l4, 14, window_);
      std::memcpy(l4.data() + 20, opts.data(), opts.size());
      break;
    }
    case IPPROTO_UDP:
      l4.assign(8, 0);
      put16(l4, 0, sport_);
      put16(l4, 2, dport_);
      put16(l4, 4, static_cast<uint16_t>(8 + payload_.size()));
      break;
    case IPPROTO_UDPLITE:
      l4.assign(8, 0);
      put16(l4, 0, sport_);
      put16(l4, 2, dport_);
      put16(l4, 4, coverage_);
      break;
    case IPPROTO_ICMP:
      l4.assign(8, 0);
      l4[0] = icmp_type_;
      l4[1] = icmp_code_;
      put16(l4, 4, icmp_id_);
      put16(l4, 6, icmp_seq_);
      break;
    default:
      break;  // raw: no L4 header of ours
  }
  l4.insert(l4.end(), payload_.begin(), payload_.end());

  // L4 checksum: TCP, UDP and UDP-Lite over a pseudo-header, ICMP over itself.
  bool has_csum = proto_ == IPPROTO_TCP || proto_ == IPPROTO_UDP || proto_ == IPPROTO_UDPLITE || proto_ == IPPROTO_ICMP;
  if (has_csum) {
    uint32_t pseudo = 0;
    if (proto_ != IPPROTO_ICMP) {
      uint32_t s = ntohl(src_), d = ntohl(dst_);
      pseudo = (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + proto_ + static_cast<uint32_t>(l4.size());
    }
    size_t covered = proto_ == IPPROTO_UDPLITE && coverage_ ? std::min<size_t>(coverage_, l4.size()) : l4.size();
    uint16_t csum = static_cast<uint16_t>(~inet_checksum(l4.data(), covered, pseudo));
    if ((proto_ == IPPROTO_UDP || proto_ == IPPROTO_UDPLITE) && csum == 0) csum = 0xffff;
    if (bad_checksum_) csum ^= 0x5a5a;
    size_t csum_off = proto_ == IPPROTO_TCP ? 16 : proto_ == IPPROTO_ICMP ? 2 : 6;
    put16(l4, csum_off, csum);
  }

  Bytes pkt(20 + l4.size(), 0);
  pkt[0] = 0x45;
  put16(pkt, 2, static_cast<uint16_t>(20 + l4.size()));
  put16(pkt, 4, 0x1234);
  pkt[8] = ttl_;
  pkt[9] = proto_;
  std::memcpy(pkt.data() + 12, &src_, 4);
  std::memcpy(pkt.data() + 16, &dst_, 4);
  put16(pkt, 10, static_cast<uint16_t>(~inet_checksum(pkt.data(), 20)));
  std::copy(l4.begin(), l4.end(), pkt.begin() + 20);
  return pkt;
}

RawSender::RawSender() : fd_(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW)) {
  if (!fd_) throw std::runtime_error("raw socket: " + std::string(std::strerror(errno)));
}

void RawSender::send(const Packet& p) const { send(p.build(), p.dst_addr()); }

void RawSender::send(const Bytes& b, in_addr_t dst) const {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = dst;
  if (::sendto(fd_.get(), b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) !=
      static_cast<ssize_t>(b.size()))
    throw std::runtime_error("sendto: " + std::string(std::strerror(errno)));
}

}  // namespace nfct
