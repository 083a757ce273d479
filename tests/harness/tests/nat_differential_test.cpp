// NAT: nf_ct_nat (iptables-legacy -t nat rules) against the kernel's nf_nat
// (nftables nat chains), the same traffic through two identical topologies
// in one boot:
//
//   cli1 192.168.1.2 --lan0-- gw --wan0-- srv 10.1.1.2 (and 10.1.1.9)
//   cli2 192.168.2.2 --lan1--/   10.1.1.3
//
// Side "kernel": gw's NAT is nf_nat, configured with nft (iptable_nat cannot
// load while nf_ct_nat is in). Side "nf_ct": the same NAT as iptables-legacy
// rules, answered by nf_ct_nat. Both trackers run in every namespace
// (tests/harness/run loads nf_conntrack with enable_hooks=1): each gateway's
// NAT uses its own tracker's table, read from /proc/net/nf_conntrack on the
// kernel side and /proc/net/nf_ct on ours.
//
// Every packet is crafted (REDIRECT's answer aside: it comes from a socket
// of the gateway) and captured (AF_PACKET) at the far end; the clients and
// the server drop all input so their stacks never answer and only crafted
// packets cross the gateway. The server has no route back to
// the LANs: only NAT'ed traffic comes back. Compared per case: each
// packet's addresses, ports or ICMP ids and bytes, its IP and L4 checksums,
// and the gateway's entry. Ports nf_nat picks at random are compared by
// class (the range they must fall in), everything else must be equal.
// MASQUERADE and REDIRECT need nft_masq and nft_redir for the kernel side,
// which the debug test kernel lacks: they skip there and run on stock.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "datagram.hpp"
#include "netns.hpp"
#include "packet.hpp"
#include "proc_table.hpp"
#include "wait.hpp"

using namespace nfct;
using namespace std::chrono_literals;

namespace {

constexpr const char* kCli1 = "192.168.1.2";
constexpr const char* kCli2 = "192.168.2.2";
constexpr const char* kGwLan0 = "192.168.1.1";
constexpr const char* kGwWan = "10.1.1.3";
constexpr const char* kSrv = "10.1.1.2";
constexpr const char* kSrv2 = "10.1.1.9";  // the server's second address: another destination

// Modules this suite may load, in an order rmmod can take them.
const std::vector<std::string> kNftModules = {"nft_redir", "nft_masq", "nft_nat", "nft_chain_nat",
                                              "nf_nat",    "nf_tables", "nfnetlink"};

// Bytes as hex, 4 to a group: a disagreement shows as a readable diff.
std::string hex(const Bytes& b) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < b.size(); i++) {
    if (i && i % 4 == 0) out += ' ';
    out += digits[b[i] >> 4];
    out += digits[b[i] & 15];
  }
  return out;
}

uint16_t get16(const Bytes& b, size_t off) { return static_cast<uint16_t>(b[off] << 8 | b[off + 1]); }

std::string addr_at(const Bytes& b, size_t off) {
  char s[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, b.data() + off, s, sizeof(s));
  return s;
}

// A packet as it arrived, taken apart.
struct Decoded {
  Bytes bytes;
  bool ok = false;       // an IPv4 packet with its L4 header
  bool partial = false;  // L4 checksum left to the device (CHECKSUM_PARTIAL)
  std::string src, dst;
  unsigned proto = 0, ttl = 0;
  unsigned sport = 0, dport = 0;                 // TCP, UDP
  unsigned type = 0, code = 0, id = 0, seq = 0;  // ICMP
  uint32_t tcp_seq = 0;
  bool ip_csum_ok = false, l4_csum_ok = false;
  size_t l4 = 0;  // offset of the L4 header

  // The packet an ICMP error quotes.
  Decoded quoted() const;
  // TCP/UDP source port or ICMP id: what SNAT may move.
  unsigned key() const { return proto == IPPROTO_ICMP ? id : sport; }
};

Decoded decode(Bytes bytes, bool partial = false) {
  Decoded d;
  d.bytes = std::move(bytes);
  d.partial = partial;
  const Bytes& b = d.bytes;
  if (b.size() < 20 || (b[0] >> 4) != 4) return d;
  const size_t ihl = (b[0] & 15) * 4u, total = get16(b, 2);
  if (ihl < 20 || b.size() < ihl + 8 || total < ihl + 8) return d;
  d.src = addr_at(b, 12);
  d.dst = addr_at(b, 16);
  d.proto = b[9];
  d.ttl = b[8];
  d.ip_csum_ok = inet_checksum(b.data(), ihl) == 0xffff;
  d.l4 = ihl;
  // A quoted packet may be cut short: its L4 checksum cannot be checked then.
  const bool whole = total <= b.size();
  const uint8_t* l4 = b.data() + ihl;
  const size_t l4len = (whole ? total : b.size()) - ihl;
  auto pseudo = [&] {
    uint32_t s = get16(b, 12) + get16(b, 14) + get16(b, 16) + get16(b, 18);
    return s + d.proto + static_cast<uint32_t>(l4len);
  };
  switch (d.proto) {
    case IPPROTO_TCP:
    case IPPROTO_UDP: {
      d.sport = get16(b, ihl);
      d.dport = get16(b, ihl + 2);
      const size_t csum_off = ihl + (d.proto == IPPROTO_TCP ? 16 : 6);
      if (d.proto == IPPROTO_TCP && l4len >= 8) d.tcp_seq = static_cast<uint32_t>(get16(b, ihl + 4)) << 16 | get16(b, ihl + 6);
      if (csum_off + 2 > b.size() || !whole)
        d.l4_csum_ok = true;  // not checkable
      else if (d.proto == IPPROTO_UDP && get16(b, csum_off) == 0)
        d.l4_csum_ok = true;  // UDP without a checksum
      else if (partial)
        d.l4_csum_ok = get16(b, csum_off) == inet_checksum(nullptr, 0, pseudo());  // the pseudo-header sum only
      else
        d.l4_csum_ok = inet_checksum(l4, l4len, pseudo()) == 0xffff;
      break;
    }
    case IPPROTO_ICMP:
      d.type = b[ihl];
      d.code = b[ihl + 1];
      d.id = get16(b, ihl + 4);
      d.seq = get16(b, ihl + 6);
      d.l4_csum_ok = !whole || inet_checksum(l4, l4len) == 0xffff;
      break;
    default:
      return d;
  }
  d.ok = true;
  return d;
}

Decoded Decoded::quoted() const {
  if (!ok || proto != IPPROTO_ICMP || bytes.size() <= l4 + 8) return {};
  return decode(Bytes(bytes.begin() + static_cast<long>(l4) + 8, bytes.end()));
}

using Want = std::function<bool(const Decoded&)>;

Want udp_to(unsigned dport) {
  return [=](const Decoded& d) { return d.proto == IPPROTO_UDP && d.dport == dport; };
}
Want udp_from(unsigned sport) {
  return [=](const Decoded& d) { return d.proto == IPPROTO_UDP && d.sport == sport; };
}
Want tcp_to(unsigned dport) {
  return [=](const Decoded& d) { return d.proto == IPPROTO_TCP && d.dport == dport; };
}
Want tcp_from(unsigned sport) {
  return [=](const Decoded& d) { return d.proto == IPPROTO_TCP && d.sport == sport; };
}
Want icmp_type(unsigned type) {
  return [=](const Decoded& d) { return d.proto == IPPROTO_ICMP && d.type == type; };
}

// Packets received on one interface of a namespace, from when it is made.
class Capture {
 public:
  Capture(const NetNs& ns, const std::string& ifname) {
    ScopedNetnsEnter enter(ns);
    fd_ = Fd(::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IP)));
    if (!fd_) throw std::runtime_error("AF_PACKET socket: " + std::string(std::strerror(errno)));
    int one = 1;
    // Says whether the L4 checksum is still the device's to finish.
    ::setsockopt(fd_.get(), SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
    ifindex_ = static_cast<int>(::if_nametoindex(ifname.c_str()));
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_IP);
    sll.sll_ifindex = ifindex_;
    if (ifindex_ == 0 || ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) != 0)
      throw std::runtime_error("cannot capture on " + ifname + " in " + ns.name());
  }

  // The first received packet @want accepts, or nothing within @limit.
  std::optional<Decoded> next(const Want& want, std::chrono::milliseconds limit = 3000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      Bytes buf(65536);
      sockaddr_ll from{};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(tpacket_auxdata))];
      iovec iov{buf.data(), buf.size()};
      msghdr msg{};
      msg.msg_name = &from;
      msg.msg_namelen = sizeof(from);
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      const ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT);
      if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING || from.sll_ifindex != ifindex_) continue;
      bool partial = false;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA) continue;
        tpacket_auxdata aux{};
        std::memcpy(&aux, CMSG_DATA(c), sizeof(aux));
        partial = aux.tp_status & TP_STATUS_CSUMNOTREADY;
      }
      buf.resize(static_cast<size_t>(n));
      Decoded d = decode(std::move(buf), partial);
      if (d.ok && want(d)) return d;
    }
  }

 private:
  Fd fd_;
  int ifindex_ = 0;
};

void send_from(const NetNs& ns, const Packet& p) {
  ScopedNetnsEnter enter(ns);
  RawSender sender;
  sender.send(p);
}

// A veth pair with names of our choosing; gone with either end.
class Link {
 public:
  Link(const NetNs& a, std::string if_a, const std::string& addr_a, const NetNs& b, const std::string& if_b,
       const std::string& addr_b)
      : a_(a), if_a_(std::move(if_a)) {
    shell_checked("ip link add " + if_a_ + " netns " + a.name() + " type veth peer name " + if_b + " netns " + b.name());
    a.checked("ip addr add " + addr_a + " dev " + if_a_ + " && ip link set " + if_a_ + " up");
    b.checked("ip addr add " + addr_b + " dev " + if_b + " && ip link set " + if_b + " up");
  }
  ~Link() { a_.run("ip link del " + if_a_ + " 2>/dev/null"); }
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

 private:
  const NetNs& a_;
  std::string if_a_;
};

// The same rule for both: an nft rule (chain, then the rule) for the kernel,
// iptables-legacy -t nat arguments for nf_ct_nat.
struct NatRule {
  std::string nft;
  std::string ipt;
};

enum class Host { Cli1, Cli2, Gw, Srv };

// One of the two identical topologies.
struct Side {
  explicit Side(bool kernel_nat)
      : kernel(kernel_nat),
        label(kernel_nat ? "kernel" : "nf_ct"),
        proc(kernel_nat ? "/proc/net/nf_conntrack" : "/proc/net/nf_ct"),
        cli1(std::string(kernel_nat ? "nk" : "nn") + "-cli1"),
        cli2(std::string(kernel_nat ? "nk" : "nn") + "-cli2"),
        gw(std::string(kernel_nat ? "nk" : "nn") + "-gw"),
        srv(std::string(kernel_nat ? "nk" : "nn") + "-srv"),
        lan0(gw, "lan0", "192.168.1.1/24", cli1, "veth0", std::string(kCli1) + "/24"),
        lan1(gw, "lan1", "192.168.2.1/24", cli2, "veth0", std::string(kCli2) + "/24"),
        wan0(gw, "wan0", std::string(kGwWan) + "/24", srv, "veth0", std::string(kSrv) + "/24") {
    cli1.checked("ip route add default via 192.168.1.1");
    cli2.checked("ip route add default via 192.168.2.1");
    gw.checked("sysctl -qw net.ipv4.ip_forward=1");
    // The second destination, and the way back to the SNAT address pool.
    srv.checked(std::string("ip addr add ") + kSrv2 + "/24 dev veth0 && ip route add 10.2.2.0/24 via " + kGwWan);
    // Only crafted packets: the end hosts' stacks never answer.
    for (const NetNs* ns : {&cli1, &cli2, &srv})
      shell_checked(ns->exec_prefix() +
                    "nft \"add table ip f; add chain ip f drop_input { type filter hook input priority 0; policy drop; }\"");
    if (kernel)
      shell_checked(gw.exec_prefix() +
                    "nft \"add table ip nat;"
                    " add chain ip nat pre { type nat hook prerouting priority -100; };"
                    " add chain ip nat post { type nat hook postrouting priority 100; };"
                    " add chain ip nat local_out { type nat hook output priority -100; };"
                    " add chain ip nat local_in { type nat hook input priority 100; }\"");
  }

  const NetNs& host(Host h) const {
    switch (h) {
      case Host::Cli1: return cli1;
      case Host::Cli2: return cli2;
      case Host::Gw: return gw;
      case Host::Srv: break;
    }
    return srv;
  }

  void add(const NatRule& r) const {
    if (kernel)
      shell_checked(gw.exec_prefix() + "nft \"add rule ip nat " + r.nft + "\"");
    else
      shell_checked(gw.exec_prefix() + "iptables-legacy -w -t nat " + r.ipt);
  }

  void flush() const {
    if (kernel)
      shell(gw.exec_prefix() + "nft flush table ip nat");
    else
      shell(gw.exec_prefix() + "iptables-legacy -w -t nat -F 2>/dev/null");
  }

  std::vector<ProcEntry> entries() const { return parse_proc_table(gw.read_file(proc)); }

  const bool kernel;
  const std::string label, proc;
  NetNs cli1, cli2, gw, srv;
  Link lan0, lan1, wan0;  // after the namespaces: gone before them
};

// One request through the gateway and, if the far end answers, the answer back.
struct Exchange {
  std::string what;
  Host from, to;
  std::function<Packet()> request;
  Want arrives;                                        // the request at the far end
  std::function<std::optional<Packet>(const Decoded&)> answer;  // built from what arrived
  Want returns;                                        // the answer at the near end
  // The gateway's entry: its original tuple.
  unsigned proto;
  std::string orig_src, orig_dst;
  unsigned orig_key;  // source port or ICMP id
  std::optional<unsigned> orig_dport;
  std::chrono::milliseconds limit = 3000ms;
  bool dropped = false;  // the gateway must drop the request (on both sides)
};

// What one side made of an exchange.
struct Outcome {
  std::optional<Decoded> far, near;
  bool answered = false;  // the far end sent an answer back
  std::optional<ProcEntry> entry;
  // Timeouts run from the last packet: each side's is taken back to it.
  std::chrono::steady_clock::time_point last_packet_at, read_at;
};

// Where a port may differ between the sides: nf_nat picked it at random.
struct Free {
  bool any = false;
  unsigned lo = 0, hi = 0;
  std::optional<unsigned> not_port;
  bool dst = false;  // the destination port (DNAT), else the source port or ICMP id
  // The packet came from a socket of the gateway: its IP ID (and so the IP
  // checksum) is the stack's random choice, not NAT's.
  bool local_ip_id = false;
};

Free moved(unsigned lo, unsigned hi, std::optional<unsigned> not_port = std::nullopt, bool dst = false) {
  Free f;
  f.any = true;
  f.lo = lo;
  f.hi = hi;
  f.not_port = not_port;
  f.dst = dst;
  return f;
}

std::optional<ProcEntry> find_entry(const Side& s, const Exchange& x) {
  for (auto& e : s.entries()) {
    if (e.l4num != x.proto || e.orig.src != x.orig_src || e.orig.dst != x.orig_dst) continue;
    if (x.orig_dport && e.orig.dport != x.orig_dport) continue;
    if (e.orig.sport == x.orig_key || e.orig.id == x.orig_key) return e;
  }
  return std::nullopt;
}

Outcome run(const Side& s, const Exchange& x) {
  Outcome o;
  const char* far_if = x.to == Host::Gw ? "lan0" : "veth0";
  const char* near_if = x.from == Host::Gw ? "lan0" : "veth0";
  {
    Capture far(s.host(x.to), far_if);
    send_from(s.host(x.from), x.request());
    o.far = far.next(x.arrives, x.limit);
  }
  o.last_packet_at = std::chrono::steady_clock::now();
  if (o.far && x.answer) {
    if (auto answer = x.answer(*o.far)) {
      o.answered = true;
      Capture near(s.host(x.from), near_if);
      send_from(s.host(x.to), *answer);
      o.near = near.next(x.returns, x.limit);
      o.last_packet_at = std::chrono::steady_clock::now();
    }
  }
  // The entry is in the table before the packet leaves the gateway; a short
  // wait covers a side that lost it.
  wait_until([&] { return (o.entry = find_entry(s, x)).has_value(); }, o.far ? 1000ms : 300ms);
  o.read_at = std::chrono::steady_clock::now();
  return o;
}

}  // namespace

class NatDifferential : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      setup();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void TearDownTestSuite() {
    std::cout << "nat differential items compared: " << compared_ << std::endl;
    ::testing::Test::RecordProperty("nat_items_compared", compared_);
    for (auto& s : sides_)
      if (s) s->flush();  // nat rules hold nf_ct_nat
    for (auto& s : sides_) s.reset();
    // Namespaces go away asynchronously: their nft tables hold the nft modules until then.
    if (loaded_nat_) wait_until([] { return shell("rmmod nf_ct_nat 2>/dev/null") == 0; }, 15s);
    for (const auto& m : kNftModules) {
      if (preloaded_.contains(m) || !module_loaded(m)) continue;
      wait_until([&] { return shell("rmmod " + m + " 2>/dev/null") == 0 || !module_loaded(m); }, 15s);
    }
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    for (auto& s : sides_) s->flush();
    compared_before_ = compared_;
  }

  void TearDown() override {
    if (!setup_error_.empty()) return;
    for (auto& s : sides_) s->flush();
    std::cout << "  compared: " << compared_ - compared_before_ << std::endl;
    RecordProperty("items_compared", compared_ - compared_before_);
  }

  static const Side& kernel() { return *sides_[0]; }
  static const Side& ours() { return *sides_[1]; }

  static void both(const NatRule& r) {
    for (auto& s : sides_) s->add(r);
  }

  // Counted comparisons: every one is an EXPECT, so disagreements list themselves.
  template <typename T>
  static void same(const T& k, const T& n, const std::string& what) {
    compared_++;
    EXPECT_EQ(k, n) << what << " (kernel, nf_ct)";
  }
  static void holds(bool cond, const std::string& what) {
    compared_++;
    EXPECT_TRUE(cond) << what;
  }

  // Runs @x on both sides and compares: the packet at each end, the entry.
  std::array<Outcome, 2> exchange(const Exchange& x, const Free& free = {}) {
    std::array<Outcome, 2> o{run(kernel(), x), run(ours(), x)};
    // Absolute, beside the comparison: both sides dropping a packet agree too.
    for (size_t side = 0; side < 2; side++) {
      const std::string who = x.what + (side ? " (nf_ct)" : " (kernel)");
      if (x.dropped)
        holds(!o[side].far, who + ": the gateway dropped the request");
      else
        holds(o[side].far.has_value(), who + ": the request reached the far end");
      if (o[side].answered) holds(o[side].near.has_value(), who + ": the answer came back");
    }
    compare_packets(o[0].far, o[1].far, x.what + ": at the far end", free);
    if (x.answer) compare_packets(o[0].near, o[1].near, x.what + ": the answer at the near end", {});
    compare_entries(o, x.what + ": gateway entry", free);
    return o;
  }

  // The same packet, or the same class of packet where a port is free.
  static void compare_packets(const std::optional<Decoded>& k, const std::optional<Decoded>& n, const std::string& what,
                              const Free& free) {
    same(k.has_value(), n.has_value(), what + ": arrived");
    for (const auto* d : {&k, &n}) {
      if (!*d) continue;
      const std::string who = what + " (" + (d == &k ? "kernel" : "nf_ct") + ")";
      holds((*d)->ip_csum_ok, who + ": IP checksum valid");
      holds((*d)->l4_csum_ok, who + ": L4 checksum valid" + ((*d)->partial ? " (partial)" : ""));
      if (free.any) {
        const unsigned port = free.dst ? (*d)->dport : (*d)->key();
        holds(port >= free.lo && port <= free.hi,
              who + ": moved port " + std::to_string(port) + " in " + std::to_string(free.lo) + "-" +
                  std::to_string(free.hi));
        if (free.not_port) holds(port != *free.not_port, who + ": port moved off " + std::to_string(*free.not_port));
      }
    }
    if (!k || !n) return;
    same(k->src, n->src, what + ": source");
    same(k->dst, n->dst, what + ": destination");
    same(k->proto, n->proto, what + ": protocol");
    same(k->ttl, n->ttl, what + ": TTL");
    same(k->bytes.size(), n->bytes.size(), what + ": length");
    if (k->proto == IPPROTO_ICMP) {
      same(k->type, n->type, what + ": ICMP type");
      same(k->code, n->code, what + ": ICMP code");
      if (!free.any) same(k->id, n->id, what + ": ICMP id");
    } else {
      if (!free.any || free.dst) same(k->sport, n->sport, what + ": source port");
      if (!free.any || !free.dst) same(k->dport, n->dport, what + ": destination port");
    }
    if (free.local_ip_id) {
      auto masked = [](const Decoded& d) {
        Bytes b = d.bytes;
        for (size_t i : {4, 5, 10, 11}) b.at(i) = 0;
        return b;
      };
      same(hex(masked(*k)), hex(masked(*n)), what + ": bytes but the IP ID and checksum");
    } else if (!free.any) {
      same(hex(k->bytes), hex(n->bytes), what + ": bytes");
    } else {
      // Bytes equal but for the moved port and the checksum covering it.
      auto masked = [&free](const Decoded& d) {
        Bytes b = d.bytes;
        const size_t port = d.l4 + (d.proto == IPPROTO_ICMP ? 4 : free.dst ? 2 : 0);
        const size_t csum = d.l4 + (d.proto == IPPROTO_TCP ? 16 : d.proto == IPPROTO_UDP ? 6 : 2);
        for (size_t i : {port, port + 1, csum, csum + 1}) b.at(i) = 0;
        return b;
      };
      same(hex(masked(*k)), hex(masked(*n)), what + ": bytes but the moved port");
    }
  }

  static void compare_entries(const std::array<Outcome, 2>& o, const std::string& what, const Free& free) {
    const auto& k = o[0].entry;
    const auto& n = o[1].entry;
    same(k.has_value(), n.has_value(), what + ": present");
    if (!k || !n) return;
    // With a moved port, the reply tuple's destination port is compared by class.
    auto key = [&](ProcEntry e) {
      if (free.any && free.dst && e.reply.sport) e.reply.sport = 0;
      if (free.any && !free.dst && e.reply.dport) e.reply.dport = 0;
      if (free.any && e.reply.id) e.reply.id = 0;
      return e.key();
    };
    same(key(*k), key(*n), what + ":\n  kernel " + k->line + "\n  nf_ct  " + n->line);
    if (free.any) {
      for (const auto* e : {&*k, &*n}) {
        const unsigned port = e->reply.id ? *e->reply.id : free.dst ? e->reply.sport.value_or(0) : e->reply.dport.value_or(0);
        holds(port >= free.lo && port <= free.hi, what + ": reply port " + std::to_string(port) + " in range: " + e->line);
        if (free.not_port) holds(port != *free.not_port, what + ": reply port moved: " + e->line);
      }
    }
    same(k->mark, n->mark, what + ": mark");
    same(k->zone, n->zone, what + ": zone");
    // Each timeout as it was at the side's last packet.
    auto at_last = [](const Outcome& x) {
      return *x.entry->timeout + std::chrono::duration_cast<std::chrono::milliseconds>(x.read_at - x.last_packet_at).count() / 1000.0;
    };
    if (k->timeout && n->timeout) {
      compared_++;
      EXPECT_LE(std::abs(at_last(o[0]) - at_last(o[1])), 2.0) << what << ": timeout\n  " << k->line << "\n  " << n->line;
    }
  }

  static inline std::array<std::unique_ptr<Side>, 2> sides_;
  static inline std::string setup_error_;
  static inline bool loaded_nat_ = false;
  static inline std::set<std::string> preloaded_;
  static inline int compared_ = 0;
  int compared_before_ = 0;

 private:
  static void setup() {
    if (!module_loaded("nf_conntrack")) throw std::runtime_error("the kernel's tracker is not loaded");
    if (!module_loaded("nf_ct")) throw std::runtime_error("nf_ct is not loaded");
    if (module_loaded("iptable_nat")) throw std::runtime_error("iptable_nat holds the nat table");
    for (const auto& m : kNftModules)
      if (module_loaded(m)) preloaded_.insert(m);
    if (!module_loaded("nf_ct_nat")) {
      const char* dir = std::getenv("NF_CT_MODDIR");
      shell_checked("modprobe -a ip_tables ip6_tables && insmod " + std::string(dir ? dir : ".") + "/nf_ct_nat.ko");
      loaded_nat_ = true;
    }
    // The kernel side: nft's nat chains and snat/dnat (no masquerade or redirect yet).
    shell_checked("modprobe nf_tables && modprobe nft_chain_nat && modprobe nft_nat");
    sides_[0] = std::make_unique<Side>(true);
    sides_[1] = std::make_unique<Side>(false);
  }
};

namespace {

const NatRule kSnat{"post oifname wan0 ip saddr 192.168.0.0/16 snat to 10.1.1.3",
                    "-A POSTROUTING -o wan0 -s 192.168.0.0/16 -j SNAT --to-source 10.1.1.3"};

Exchange udp_exchange(const std::string& what, Host from, const std::string& src, unsigned sport,
                      const std::string& dst, unsigned dport) {
  return Exchange{
      .what = what,
      .from = from,
      .to = Host::Srv,
      .request = [=] { return Packet::udp(src, dst, static_cast<uint16_t>(sport), static_cast<uint16_t>(dport)).payload("ping " + what); },
      .arrives = udp_to(dport),
      .answer = [=](const Decoded& d) -> std::optional<Packet> {
        return Packet::udp(d.dst, d.src, static_cast<uint16_t>(d.dport), static_cast<uint16_t>(d.sport)).payload("pong");
      },
      .returns = udp_from(dport),
      .proto = IPPROTO_UDP,
      .orig_src = src,
      .orig_dst = dst,
      .orig_key = sport,
      .orig_dport = dport,
  };
}

Exchange icmp_echo(const std::string& what, Host from, const std::string& src, const std::string& dst, unsigned id) {
  return Exchange{
      .what = what,
      .from = from,
      .to = Host::Srv,
      .request = [=] { return Packet::icmp(src, dst, 8, 0, static_cast<uint16_t>(id), 1).payload("echo"); },
      .arrives = icmp_type(8),
      .answer = [](const Decoded& d) -> std::optional<Packet> {
        return Packet::icmp(d.dst, d.src, 0, 0, static_cast<uint16_t>(d.id), static_cast<uint16_t>(d.seq)).payload("echo");
      },
      .returns = icmp_type(0),
      .proto = IPPROTO_ICMP,
      .orig_src = src,
      .orig_dst = dst,
      .orig_key = id,
      .orig_dport = std::nullopt,
  };
}

// A SYN and the SYN-ACK answering it.
Exchange tcp_open(const std::string& what, Host from, Host to, const std::string& src, unsigned sport,
                  const std::string& dst, unsigned dport, const Want& arrives, const Want& returns) {
  return Exchange{
      .what = what,
      .from = from,
      .to = to,
      .request = [=] {
        return Packet::tcp(src, dst, static_cast<uint16_t>(sport), static_cast<uint16_t>(dport))
            .flags(tcpflag::SYN)
            .seq(1000)
            .mss(1460);
      },
      .arrives = arrives,
      .answer = [](const Decoded& d) -> std::optional<Packet> {
        return Packet::tcp(d.dst, d.src, static_cast<uint16_t>(d.dport), static_cast<uint16_t>(d.sport))
            .flags(tcpflag::SYN | tcpflag::ACK)
            .seq(5000)
            .ack(d.tcp_seq + 1)
            .mss(1460);
      },
      .returns = returns,
      .proto = IPPROTO_TCP,
      .orig_src = src,
      .orig_dst = dst,
      .orig_key = sport,
      .orig_dport = dport,
  };
}

}  // namespace

TEST_F(NatDifferential, SnatUdpKeepsPort) {
  both(kSnat);
  exchange(udp_exchange("SNAT UDP", Host::Cli1, kCli1, 40001, kSrv, 7001));
}

TEST_F(NatDifferential, SnatTcpSynKeepsPort) {
  both(kSnat);
  exchange(tcp_open("SNAT TCP SYN", Host::Cli1, Host::Srv, kCli1, 40002, kSrv, 7002, tcp_to(7002), tcp_from(7002)));
}

TEST_F(NatDifferential, SnatIcmpEchoKeepsId) {
  both(kSnat);
  exchange(icmp_echo("SNAT ICMP echo", Host::Cli1, kCli1, kSrv, 0x4003));
}

// Two clients, one source port, one server port: the second is moved to a
// random free port (1024-65535: the original was above 1023).
TEST_F(NatDifferential, SnatPortClash) {
  both(kSnat);
  exchange(udp_exchange("SNAT clash: first", Host::Cli1, kCli1, 40004, kSrv, 7004));
  exchange(udp_exchange("SNAT clash: second", Host::Cli2, kCli2, 40004, kSrv, 7004),
           moved(1024, 65535, 40004));
  exchange(tcp_open("SNAT clash: first TCP", Host::Cli1, Host::Srv, kCli1, 40004, kSrv, 7004, tcp_to(7004), tcp_from(7004)));
  exchange(tcp_open("SNAT clash: second TCP", Host::Cli2, Host::Srv, kCli2, 40004, kSrv, 7004, tcp_to(7004), tcp_from(7004)),
           moved(1024, 65535, 40004));
}

TEST_F(NatDifferential, SnatPortRange) {
  both({"post oifname wan0 meta l4proto udp snat to 10.1.1.3:20000-20009",
        "-A POSTROUTING -o wan0 -p udp -j SNAT --to-source 10.1.1.3:20000-20009"});
  const Free range = moved(20000, 20009);
  auto a = exchange(udp_exchange("SNAT port range: first", Host::Cli1, kCli1, 40005, kSrv, 7005), range);
  auto b = exchange(udp_exchange("SNAT port range: second", Host::Cli2, kCli2, 40005, kSrv, 7005), range);
  for (size_t side = 0; side < 2; side++)
    if (a[side].far && b[side].far)
      holds(a[side].far->sport != b[side].far->sport, std::string(side ? "nf_ct" : "kernel") + ": two flows, two ports");
}

// The address is a hash of source and destination in both: equal, ports kept.
TEST_F(NatDifferential, SnatAddressRange) {
  both({"post oifname wan0 snat to 10.2.2.1-10.2.2.4", "-A POSTROUTING -o wan0 -j SNAT --to-source 10.2.2.1-10.2.2.4"});
  exchange(udp_exchange("SNAT address range: cli1 to srv", Host::Cli1, kCli1, 40006, kSrv, 7006));
  exchange(udp_exchange("SNAT address range: cli2 to srv", Host::Cli2, kCli2, 40006, kSrv, 7006));
  exchange(udp_exchange("SNAT address range: cli1 to srv2", Host::Cli1, kCli1, 40016, kSrv2, 7006));
  exchange(udp_exchange("SNAT address range: cli2 to srv2", Host::Cli2, kCli2, 40016, kSrv2, 7006));
  exchange(icmp_echo("SNAT address range: cli2 ping", Host::Cli2, kCli2, kSrv, 0x4006));
  exchange(tcp_open("SNAT address range: cli1 TCP", Host::Cli1, Host::Srv, kCli1, 40026, kSrv2, 7006, tcp_to(7006),
                    tcp_from(7006)));
}

// persistent: the hash leaves the destination out; each client one address.
TEST_F(NatDifferential, SnatAddressRangePersistent) {
  both({"post oifname wan0 snat to 10.2.2.1-10.2.2.4 persistent",
        "-A POSTROUTING -o wan0 -j SNAT --to-source 10.2.2.1-10.2.2.4 --persistent"});
  exchange(udp_exchange("SNAT persistent: cli1 to srv", Host::Cli1, kCli1, 40007, kSrv, 7007));
  exchange(udp_exchange("SNAT persistent: cli1 to srv2", Host::Cli1, kCli1, 40017, kSrv2, 7007));
  exchange(udp_exchange("SNAT persistent: cli2 to srv", Host::Cli2, kCli2, 40027, kSrv, 7007));
  exchange(udp_exchange("SNAT persistent: cli2 to srv2", Host::Cli2, kCli2, 40037, kSrv2, 7007));
}

// nf_nat reuses the mapping a source (address, port) already has for a new
// destination (find_appropriate_src), where the hash would pick another
// address (here 10.2.2.2:40008 again, not 10.2.2.3). A third flow from the
// same source after the first two: still that mapping.
TEST_F(NatDifferential, SnatAddressRangeSameSourceKeepsMapping) {
  both({"post oifname wan0 snat to 10.2.2.1-10.2.2.4", "-A POSTROUTING -o wan0 -j SNAT --to-source 10.2.2.1-10.2.2.4"});
  exchange(udp_exchange("SNAT same source: to srv", Host::Cli1, kCli1, 40008, kSrv, 7008));
  exchange(udp_exchange("SNAT same source: to srv2", Host::Cli1, kCli1, 40008, kSrv2, 7008));
  exchange(udp_exchange("SNAT same source: to srv, another port", Host::Cli1, kCli1, 40008, kSrv, 7018));
}

TEST_F(NatDifferential, DnatToAddressAndPort) {
  both({"pre iifname wan0 tcp dport 2222 dnat to 192.168.1.2:9000",
        "-A PREROUTING -i wan0 -p tcp --dport 2222 -j DNAT --to-destination 192.168.1.2:9000"});
  exchange(tcp_open("DNAT TCP", Host::Srv, Host::Cli1, kSrv, 40009, kGwWan, 2222, tcp_from(40009), tcp_to(40009)));
  both({"pre iifname wan0 udp dport 2222 dnat to 192.168.1.2:9000",
        "-A PREROUTING -i wan0 -p udp --dport 2222 -j DNAT --to-destination 192.168.1.2:9000"});
  Exchange udp = udp_exchange("DNAT UDP", Host::Srv, kSrv, 40009, kGwWan, 2222);
  udp.to = Host::Cli1;
  udp.arrives = udp_from(40009);
  udp.returns = udp_to(40009);
  exchange(udp);
}

// DNAT to a port range: 6.1 searches it from a random offset (nf_ct_nat
// too), so the port is compared by class. The same source to two gateway
// ports must get two ports.
TEST_F(NatDifferential, DnatToPortRange) {
  both({"pre iifname wan0 udp dport 2223-2224 dnat to 192.168.1.2:9100-9109",
        "-A PREROUTING -i wan0 -p udp --dport 2223:2224 -j DNAT --to-destination 192.168.1.2:9100-9109"});
  std::vector<std::array<Outcome, 2>> o;
  for (unsigned port : {2223u, 2224u}) {
    Exchange x = udp_exchange("DNAT port range: to " + std::to_string(port), Host::Srv, kSrv, 40010, kGwWan, port);
    x.to = Host::Cli1;
    x.arrives = udp_from(40010);
    x.returns = udp_to(40010);
    o.push_back(exchange(x, moved(9100, 9109, std::nullopt, true)));
  }
  for (size_t side = 0; side < 2; side++)
    if (o[0][side].far && o[1][side].far)
      holds(o[0][side].far->dport != o[1][side].far->dport, std::string(side ? "nf_ct" : "kernel") + ": two flows, two ports");
}

// DNAT and SNAT on one connection: the server sees the gateway, the client
// the address it asked for.
TEST_F(NatDifferential, FullNat) {
  both({"pre iifname lan0 ip daddr 192.168.1.1 tcp dport 8088 dnat to 10.1.1.2:8080",
        "-A PREROUTING -i lan0 -d 192.168.1.1 -p tcp --dport 8088 -j DNAT --to-destination 10.1.1.2:8080"});
  both(kSnat);
  exchange(tcp_open("full NAT", Host::Cli1, Host::Srv, kCli1, 40011, kGwLan0, 8088, tcp_to(8080), tcp_from(8088)));
}

// The server's port unreachable for a NAT'ed UDP flow reaches the client
// with the outer and the quoted headers translated back.
TEST_F(NatDifferential, IcmpErrorForNatedUdp) {
  both(kSnat);
  Exchange x = udp_exchange("ICMP port unreachable", Host::Cli1, kCli1, 40012, kSrv, 7012);
  x.answer = [](const Decoded& d) -> std::optional<Packet> {
    return Packet::icmp(d.dst, d.src, 3, 3).payload(d.bytes);
  };
  x.returns = icmp_type(3);
  auto o = exchange(x);
  if (o[0].near && o[1].near) {
    const Decoded k = o[0].near->quoted(), n = o[1].near->quoted();
    holds(k.ok && n.ok, "ICMP error: both quote a packet");
    if (!k.ok || !n.ok) return;
    holds(k.ip_csum_ok && k.l4_csum_ok, "ICMP error (kernel): quoted checksums valid");
    holds(n.ip_csum_ok && n.l4_csum_ok, "ICMP error (nf_ct): quoted checksums valid");
    same(k.src + ":" + std::to_string(k.sport), n.src + ":" + std::to_string(n.sport), "ICMP error: quoted source");
    same(k.dst + ":" + std::to_string(k.dport), n.dst + ":" + std::to_string(n.dport), "ICMP error: quoted destination");
    same(hex(Bytes(k.bytes.begin(), k.bytes.begin() + 28)), hex(Bytes(n.bytes.begin(), n.bytes.begin() + 28)),
         "ICMP error: quoted IP and UDP headers");
  }
}

// Two ports for three flows: the third is dropped on both sides.
TEST_F(NatDifferential, ExhaustedRangeDrops) {
  both({"post oifname wan0 ip daddr 10.1.1.2 udp dport 7013 snat to 10.1.1.3:6000-6001",
        "-A POSTROUTING -o wan0 -d 10.1.1.2 -p udp --dport 7013 -j SNAT --to-source 10.1.1.3:6000-6001"});
  const Free range = moved(6000, 6001);
  auto a = exchange(udp_exchange("exhausted range: first", Host::Cli1, kCli1, 40013, kSrv, 7013), range);
  auto b = exchange(udp_exchange("exhausted range: second", Host::Cli1, kCli1, 40023, kSrv, 7013), range);
  for (size_t side = 0; side < 2; side++)
    if (a[side].far && b[side].far)
      holds(a[side].far->sport != b[side].far->sport, std::string(side ? "nf_ct" : "kernel") + ": both ports used");
  Exchange third = udp_exchange("exhausted range: third", Host::Cli1, kCli1, 40033, kSrv, 7013);
  third.limit = 1500ms;
  third.dropped = true;
  auto c = exchange(third, range);
  holds(!c[0].far && !c[1].far, "exhausted range: the third flow is dropped on both sides");
  holds(!c[0].entry && !c[1].entry, "exhausted range: no entry for the third flow on either side");
}

// Stock kernel only: the debug kernel has no nft_masq.
TEST_F(NatDifferential, Masquerade) {
  ASSERT_EQ(shell("modprobe nft_masq"), 0) << "the kernel side needs nft_masq";
  both({"post oifname wan0 masquerade", "-A POSTROUTING -o wan0 -j MASQUERADE"});
  exchange(udp_exchange("MASQUERADE UDP", Host::Cli1, kCli1, 40014, kSrv, 7014));
  exchange(icmp_echo("MASQUERADE ICMP echo", Host::Cli2, kCli2, kSrv, 0x4014));
  exchange(tcp_open("MASQUERADE TCP", Host::Cli1, Host::Srv, kCli1, 40014, kSrv, 7014, tcp_to(7014), tcp_from(7014)));
  exchange(udp_exchange("MASQUERADE clash", Host::Cli2, kCli2, 40014, kSrv, 7014),
           moved(1024, 65535, 40014));
}

// Stock kernel only: the debug kernel has no nft_redir. The redirected
// datagram lands on a socket of the gateway, whose answer goes back as if
// from the address the client asked for.
TEST_F(NatDifferential, Redirect) {
  ASSERT_EQ(shell("modprobe nft_redir"), 0) << "the kernel side needs nft_redir";
  both({"pre iifname lan0 udp dport 81 redirect to :8081", "-A PREROUTING -i lan0 -p udp --dport 81 -j REDIRECT --to-ports 8081"});
  struct Landing {
    std::string peer, local, payload;
  };
  std::array<Landing, 2> landed;
  std::array<std::optional<Decoded>, 2> back;
  std::array<std::optional<ProcEntry>, 2> entry;
  for (size_t side = 0; side < 2; side++) {
    const Side& s = side ? ours() : kernel();
    Fd sock;
    {
      ScopedNetnsEnter enter(s.gw);
      sock = Fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    }
    ASSERT_TRUE(sock);
    int one = 1;
    ::setsockopt(sock.get(), IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));  // the address it was sent to
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_port = htons(8081);
    ASSERT_EQ(::bind(sock.get(), reinterpret_cast<sockaddr*>(&any), sizeof(any)), 0);
    send_from(s.cli1, Packet::udp(kCli1, kSrv, 40015, 81).payload("redirect me"));
    pollfd p{sock.get(), POLLIN, 0};
    if (::poll(&p, 1, 3000) == 1) {
      if (auto d = recv_datagram(sock.get())) {
        sockaddr_in& peer = d->peer;
        char a[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &peer.sin_addr, a, sizeof(a));
        landed[side].peer = std::string(a) + ":" + std::to_string(ntohs(peer.sin_port));
        landed[side].payload = d->payload;
        landed[side].local = d->local == "?" ? "" : d->local;
        Capture near(s.cli1, "veth0");
        ::sendto(sock.get(), "pong", 4, 0, reinterpret_cast<sockaddr*>(&peer), sizeof(peer));
        back[side] = near.next(udp_to(40015));
      }
    }
    for (auto& e : s.entries())
      if (e.l4num == IPPROTO_UDP && e.orig.src == kCli1 && e.orig.sport == 40015u) entry[side] = e;
  }
  holds(!landed[0].peer.empty(), "REDIRECT (kernel): the datagram reached the gateway's socket");
  same(landed[0].peer, landed[1].peer, "REDIRECT: the socket's peer");
  same(landed[0].local, landed[1].local, "REDIRECT: the address it was sent to");
  same(landed[0].payload, landed[1].payload, "REDIRECT: payload");
  Free local;
  local.local_ip_id = true;
  holds(back[0].has_value(), "REDIRECT (kernel): the answer reached the client");
  compare_packets(back[0], back[1], "REDIRECT: the answer at the client", local);
  same(entry[0].has_value(), entry[1].has_value(), "REDIRECT: gateway entry present");
  if (entry[0] && entry[1]) same(entry[0]->key(), entry[1]->key(), "REDIRECT: gateway entry\n  kernel " + entry[0]->line + "\n  nf_ct  " + entry[1]->line);
}
