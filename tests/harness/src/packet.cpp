#include "packet.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace nfct {

namespace {

bool is_ipv6_text(const std::string& s) { return s.find(':') != std::string::npos; }

in_addr_t parse_addr(const std::string& s) {
  in_addr a{};
  if (::inet_pton(AF_INET, s.c_str(), &a) != 1) throw std::invalid_argument("bad IPv4 address: " + s);
  return a.s_addr;
}

in6_addr parse_addr6(const std::string& s) {
  in6_addr a{};
  if (::inet_pton(AF_INET6, s.c_str(), &a) != 1) throw std::invalid_argument("bad IPv6 address: " + s);
  return a;
}

void put16(Bytes& b, size_t off, uint16_t v) {
  b[off] = v >> 8;
  b[off + 1] = v & 0xff;
}

void put32(Bytes& b, size_t off, uint32_t v) {
  put16(b, off, v >> 16);
  put16(b, off + 2, v & 0xffff);
}

// The 16-bit words of an IPv6 address, summed (RFC 1071), unfolded.
uint32_t sum_addr6(const in6_addr& a) {
  uint32_t s = 0;
  for (size_t i = 0; i < 16; i += 2) s += (a.s6_addr[i] << 8) | a.s6_addr[i + 1];
  return s;
}

// Hop-by-Hop and Destination Options (RFC 8200 4.3, 4.6): Hdr Ext Len,
// the options, then Pad1 or PadN to a multiple of 8 bytes.
Bytes options_header(const Bytes& options) {
  Bytes rest{0};
  rest.insert(rest.end(), options.begin(), options.end());
  size_t pad = (8 - (1 + rest.size()) % 8) % 8;
  if (pad == 1) {
    rest.push_back(0);  // Pad1
  } else if (pad > 1) {
    rest.push_back(1);  // PadN
    rest.push_back(static_cast<uint8_t>(pad - 2));
    rest.insert(rest.end(), pad - 2, 0);
  }
  size_t units = (1 + rest.size()) / 8 - 1;
  if (units > 255) throw std::invalid_argument("extension header options longer than 2046 bytes");
  rest[0] = static_cast<uint8_t>(units);
  return rest;
}

}  // namespace

uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t sum) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (len & 1) sum += data[len - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

Packet::Packet(uint8_t proto, const std::string& src, const std::string& dst) : proto_(proto) {
  if (is_ipv6_text(src) != is_ipv6_text(dst))
    throw std::invalid_argument("source and destination of different families: " + src + ", " + dst);
  if (is_ipv6_text(src)) {
    family_ = AF_INET6;
    src6_ = parse_addr6(src);
    dst6_ = parse_addr6(dst);
  } else {
    src_ = parse_addr(src);
    dst_ = parse_addr(dst);
  }
}

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
  if (p.is_ipv6()) throw std::invalid_argument("Packet::icmp is ICMP over IPv4; use Packet::icmp6 for " + dst);
  p.icmp_type_ = type;
  p.icmp_code_ = code;
  p.icmp_id_ = id;
  p.icmp_seq_ = seq;
  return p;
}

Packet Packet::icmp6(const std::string& src, const std::string& dst, uint8_t type, uint8_t code, uint16_t id,
                     uint16_t seq) {
  Packet p(IPPROTO_ICMPV6, src, dst);
  if (!p.is_ipv6()) throw std::invalid_argument("Packet::icmp6 needs IPv6 addresses, not " + dst);
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

void Packet::require_ipv6(const char* what) const {
  if (!is_ipv6()) throw std::invalid_argument(std::string("Packet::") + what + " is for IPv6 packets only");
}

Packet& Packet::flow_label(uint32_t label) {
  require_ipv6("flow_label");
  if (label > 0xfffff) throw std::invalid_argument("flow label wider than 20 bits");
  flow_label_ = label;
  return *this;
}

Packet& Packet::hop_by_hop(const Bytes& options) {
  require_ipv6("hop_by_hop");
  ext_.push_back({IPPROTO_HOPOPTS, options_header(options)});
  return *this;
}

Packet& Packet::dest_options(const Bytes& options) {
  require_ipv6("dest_options");
  ext_.push_back({IPPROTO_DSTOPTS, options_header(options)});
  return *this;
}

Packet& Packet::routing(uint8_t type, uint8_t segments_left, const std::vector<std::string>& addresses) {
  require_ipv6("routing");
  if (addresses.size() > 127) throw std::invalid_argument("routing header with more than 127 addresses");
  Bytes rest{static_cast<uint8_t>(2 * addresses.size()), type, segments_left, 0, 0, 0, 0};
  for (const auto& s : addresses) {
    in6_addr a = parse_addr6(s);
    rest.insert(rest.end(), a.s6_addr, a.s6_addr + 16);
  }
  if (segments_left && !addresses.empty()) final_dst6_ = parse_addr6(addresses.back());
  ext_.push_back({IPPROTO_ROUTING, std::move(rest)});
  return *this;
}

Packet& Packet::ah(uint32_t spi, uint32_t seq, const Bytes& icv) {
  require_ipv6("ah");
  Bytes rest(11, 0);
  put32(rest, 3, spi);
  put32(rest, 7, seq);
  rest.insert(rest.end(), icv.begin(), icv.end());
  while ((1 + rest.size()) % 8) rest.push_back(0);
  size_t words = (1 + rest.size()) / 4 - 2;  // Payload Len: 32-bit words, minus 2
  if (words > 255) throw std::invalid_argument("AH ICV too long");
  rest[0] = static_cast<uint8_t>(words);
  ext_.push_back({IPPROTO_AH, std::move(rest)});
  return *this;
}

Packet& Packet::ext_header(uint8_t type, Bytes rest) {
  require_ipv6("ext_header");
  ext_.push_back({type, std::move(rest)});
  return *this;
}

in_addr_t Packet::dst_addr() const {
  if (is_ipv6()) throw std::logic_error("Packet::dst_addr of an IPv6 packet: use dst_addr6");
  return dst_;
}

in6_addr Packet::dst_addr6() const {
  if (!is_ipv6()) throw std::logic_error("Packet::dst_addr6 of an IPv4 packet: use dst_addr");
  return dst6_;
}

std::string Packet::src() const {
  char buf[INET6_ADDRSTRLEN];
  return is_ipv6() ? ::inet_ntop(AF_INET6, &src6_, buf, sizeof(buf)) : ::inet_ntop(AF_INET, &src_, buf, sizeof(buf));
}

std::string Packet::dst() const {
  char buf[INET6_ADDRSTRLEN];
  return is_ipv6() ? ::inet_ntop(AF_INET6, &dst6_, buf, sizeof(buf)) : ::inet_ntop(AF_INET, &dst_, buf, sizeof(buf));
}

// The upper-layer header and payload, checksum included.
Bytes Packet::upper_layer() const {
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
      std::copy(opts.begin(), opts.end(), l4.begin() + 20);
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
    case IPPROTO_ICMPV6:
      if (!is_ipv6()) break;  // over IPv4 it is raw, as it always was
      [[fallthrough]];
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

  // L4 checksum: TCP, UDP, UDP-Lite and ICMPv6 over a pseudo-header, ICMP
  // over itself.
  const bool icmp6 = proto_ == IPPROTO_ICMPV6 && is_ipv6();
  bool has_csum = proto_ == IPPROTO_TCP || proto_ == IPPROTO_UDP || proto_ == IPPROTO_UDPLITE ||
                  proto_ == IPPROTO_ICMP || icmp6;
  if (has_csum) {
    uint32_t pseudo = 0;
    if (proto_ != IPPROTO_ICMP) {
      if (is_ipv6()) {
        // RFC 8200 8.1: source, final destination, upper-layer length (32
        // bits), three zero bytes and the upper-layer protocol.
        uint32_t len = static_cast<uint32_t>(l4.size());
        pseudo = sum_addr6(src6_) + sum_addr6(final_dst6_ ? *final_dst6_ : dst6_) + (len >> 16) + (len & 0xffff) +
                 proto_;
      } else {
        uint32_t s = ntohl(src_), d = ntohl(dst_);
        pseudo = (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + proto_ + static_cast<uint32_t>(l4.size());
      }
    }
    size_t covered = proto_ == IPPROTO_UDPLITE && coverage_ ? std::min<size_t>(coverage_, l4.size()) : l4.size();
    uint16_t csum = static_cast<uint16_t>(~inet_checksum(l4.data(), covered, pseudo));
    if ((proto_ == IPPROTO_UDP || proto_ == IPPROTO_UDPLITE) && csum == 0) csum = 0xffff;
    if (bad_checksum_) csum ^= 0x5a5a;
    if (no_checksum_) csum = 0;
    size_t csum_off = proto_ == IPPROTO_TCP ? 16 : proto_ == IPPROTO_ICMP || icmp6 ? 2 : 6;
    put16(l4, csum_off, csum);
  }
  return l4;
}

Bytes Packet::ipv4_header(size_t l4_len, uint16_t id, uint16_t frag) const {
  Bytes h(20, 0);
  h[0] = 0x45;
  h[1] = traffic_class_;
  put16(h, 2, static_cast<uint16_t>(20 + l4_len));
  put16(h, 4, id);
  put16(h, 6, frag);
  h[8] = ttl_;
  h[9] = proto_;
  std::memcpy(h.data() + 12, &src_, 4);
  std::memcpy(h.data() + 16, &dst_, 4);
  put16(h, 10, static_cast<uint16_t>(~inet_checksum(h.data(), 20)));
  return h;
}

Bytes Packet::ipv6_header(uint8_t next, size_t payload_len) const {
  if (payload_len > 0xffff) throw std::invalid_argument("IPv6 payload over 65535 bytes (no jumbograms)");
  Bytes h(40, 0);
  put32(h, 0, 6u << 28 | uint32_t(traffic_class_) << 20 | flow_label_);
  put16(h, 4, static_cast<uint16_t>(payload_len));
  h[6] = next;
  h[7] = ttl_;
  std::memcpy(h.data() + 8, src6_.s6_addr, 16);
  std::memcpy(h.data() + 24, dst6_.s6_addr, 16);
  return h;
}

Bytes Packet::ext_chain(size_t from, size_t to, uint8_t last_next) const {
  Bytes b;
  for (size_t i = from; i < to; i++) {
    b.push_back(i + 1 < to ? ext_[i + 1].type : last_next);
    b.insert(b.end(), ext_[i].rest.begin(), ext_[i].rest.end());
  }
  return b;
}

Bytes Packet::build() const {
  Bytes l4 = upper_layer();
  Bytes pkt;
  if (is_ipv6()) {
    Bytes chain = ext_chain(0, ext_.size(), proto_);
    pkt = ipv6_header(ext_type_or(0, proto_), chain.size() + l4.size());
    pkt.insert(pkt.end(), chain.begin(), chain.end());
  } else {
    pkt = ipv4_header(l4.size(), 0x1234, 0);
  }
  pkt.insert(pkt.end(), l4.begin(), l4.end());

  if (truncate_ && *truncate_ < pkt.size()) {
    pkt.resize(*truncate_);
    if (is_ipv6() && pkt.size() >= 40) {
      put16(pkt, 4, static_cast<uint16_t>(pkt.size() - 40));
    } else if (!is_ipv6() && pkt.size() >= 20) {
      put16(pkt, 2, static_cast<uint16_t>(pkt.size()));
      put16(pkt, 10, 0);
      put16(pkt, 10, static_cast<uint16_t>(~inet_checksum(pkt.data(), 20)));
    }
  }
  return pkt;
}

std::vector<Bytes> Packet::fragments(size_t size, uint32_t id) const {
  if (size == 0 || size % 8) throw std::invalid_argument("fragment size not a positive multiple of 8");
  Bytes l4 = upper_layer();
  std::vector<Bytes> frags;

  if (!is_ipv6()) {
    if (id > 0xffff) throw std::invalid_argument("IPv4 fragment identification over 16 bits");
    size_t off = 0;
    do {
      size_t n = std::min(size, l4.size() - off);
      bool more = off + n < l4.size();
      if (off / 8 > 0x1fff) throw std::invalid_argument("IPv4 fragment offset past 13 bits");
      Bytes f = ipv4_header(n, static_cast<uint16_t>(id), static_cast<uint16_t>((more ? 0x2000 : 0) | off / 8));
      f.insert(f.end(), l4.begin() + off, l4.begin() + off + n);
      frags.push_back(std::move(f));
      off += n;
    } while (off < l4.size());
    return frags;
  }

  // RFC 8200 4.5: the unfragmentable part runs to the last Routing header,
  // or is a Hop-by-Hop header that comes first, or is nothing.
  size_t unfrag = 0;
  for (size_t i = 0; i < ext_.size(); i++)
    if (ext_[i].type == IPPROTO_ROUTING) unfrag = i + 1;
  if (unfrag == 0 && !ext_.empty() && ext_[0].type == IPPROTO_HOPOPTS) unfrag = 1;

  Bytes head = ext_chain(0, unfrag, IPPROTO_FRAGMENT);
  const uint8_t first = unfrag ? ext_[0].type : static_cast<uint8_t>(IPPROTO_FRAGMENT);
  Bytes rest = ext_chain(unfrag, ext_.size(), proto_);
  rest.insert(rest.end(), l4.begin(), l4.end());
  const uint8_t frag_next = ext_type_or(unfrag, proto_);

  size_t off = 0;
  do {
    size_t n = std::min(size, rest.size() - off);
    bool more = off + n < rest.size();
    if (off / 8 > 0x1fff) throw std::invalid_argument("IPv6 fragment offset past 13 bits");
    Bytes f = ipv6_header(first, head.size() + 8 + n);
    f.insert(f.end(), head.begin(), head.end());
    Bytes fh(8, 0);
    fh[0] = frag_next;
    put16(fh, 2, static_cast<uint16_t>((off / 8) << 3 | (more ? 1 : 0)));
    put32(fh, 4, id);
    f.insert(f.end(), fh.begin(), fh.end());
    f.insert(f.end(), rest.begin() + off, rest.begin() + off + n);
    frags.push_back(std::move(f));
    off += n;
  } while (off < rest.size());
  return frags;
}

RawSender::RawSender() : fd_(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW)) {
  if (!fd_) throw std::runtime_error("raw socket: " + std::string(std::strerror(errno)));
  // IPPROTO_RAW implies IPV6_HDRINCL; set it all the same. Without IPv6 in
  // the kernel only IPv6 sends fail.
  fd6_ = Fd(::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW));
  if (!fd6_) {
    fd6_errno_ = errno;
  } else {
    int one = 1;
    if (::setsockopt(fd6_.get(), IPPROTO_IPV6, IPV6_HDRINCL, &one, sizeof(one)) != 0 && errno != ENOPROTOOPT)
      throw std::runtime_error("IPV6_HDRINCL: " + std::string(std::strerror(errno)));
  }
}

void RawSender::send(const Packet& p) const {
  if (p.is_ipv6())
    send(p.build(), p.dst_addr6());
  else
    send(p.build(), p.dst_addr());
}

void RawSender::send(const Bytes& b, in_addr_t dst) const {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = dst;
  if (::sendto(fd_.get(), b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) !=
      static_cast<ssize_t>(b.size()))
    throw std::runtime_error("sendto: " + std::string(std::strerror(errno)));
}

void RawSender::send(const Bytes& b, const in6_addr& dst) const {
  if (!fd6_) throw std::runtime_error("IPv6 raw socket: " + std::string(std::strerror(fd6_errno_)));
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_addr = dst;
  if (::sendto(fd6_.get(), b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) !=
      static_cast<ssize_t>(b.size()))
    throw std::runtime_error("sendto (IPv6): " + std::string(std::strerror(errno)));
}

void RawSender::send_fragments(const Packet& p, size_t size, uint32_t id) const {
  for (const Bytes& f : p.fragments(size, id)) {
    if (p.is_ipv6())
      send(f, p.dst_addr6());
    else
      send(f, p.dst_addr());
  }
}

}  // namespace nfct
