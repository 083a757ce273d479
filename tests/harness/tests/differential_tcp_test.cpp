// nf_ct's TCP tracker against the kernel's, one crafted segment at a time.
//
// Topology: the client is namespace a (10.99.0.1), the server is a's silent
// neighbour 10.99.0.99, which does not exist. Original-direction segments
// are crafted in a and leave towards the neighbour (a's OUTPUT and
// POSTROUTING: both trackers make and confirm entries there). Reply-direction
// segments are crafted in b with the neighbour's address as source and enter
// a (PREROUTING: both trackers update the entry), where a DROP in a's filter
// INPUT keeps a's stack from answering with RSTs of its own. The DROP only
// sees reply-direction segments of entries confirmed at a's POSTROUTING, so
// no confirmation is lost to it. So both directions cross both trackers at
// the same hooks and no TCP segment exists but the crafted ones.
//
// After every step the entries of the connection under test (either tuple
// order) are compared between /proc/net/nf_ct and /proc/net/nf_conntrack:
// presence, TCP state, [ASSURED], [UNREPLIED], the packet and byte counters
// of both directions and the timeout within kTimeoutSlack (which timeout
// class was chosen); and the invalid and
// icmp_error columns of a's stat files must have risen by the same amount.
// The kernel is the oracle: expected states are never written down, except
// for a few absolute checks that the paths reach what they claim to.
//
// A segment sent from b is queued to a's veth and may be handled after the
// send returns; a ping from b behind it (same thread, pinned to one CPU, so
// the same backlog queue) is waited for in both tables before comparing.
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "fixtures.hpp"

using namespace nfct;

namespace {

constexpr const char* kKernelTable = "/proc/net/nf_conntrack";
constexpr const char* kKernelStat = "/proc/net/stat/nf_conntrack";
constexpr const char* kOurTable = "/proc/net/nf_ct";
constexpr const char* kOurStat = "/proc/net/stat/nf_ct";
constexpr uint16_t kServerPort = 80;
constexpr long kTimeoutSlack = 2;  // seconds: the two tables are read one after the other
constexpr uint16_t kWindow = 64240;
// The IPv6 half: the same link with fd00:98::/64 (nodad); fd00:98::99 is a's
// silent neighbour as 10.99.0.99 is. Reply-direction segments still have an
// IPv4 barrier ping behind them: it shares their backlog queue all the same.
constexpr const char* kAddrA6 = "fd00:98::1";
constexpr const char* kAddrB6 = "fd00:98::2";
constexpr const char* kSilent6 = "fd00:98::99";
// Reads of both tables before a difference in which entries exist counts,
// the pause doubling from 20 ms (1.3 s in all): the kernel's listing can
// skip a line for as long as entries before it keep going away (below).
constexpr int kReadAttempts = 7;

// Steps compared in the whole run, printed once at the end.
unsigned long g_steps = 0;

class StepTotal : public ::testing::Environment {
 public:
  void TearDown() override {
    if (g_steps) std::printf("differential steps compared: %lu\n", g_steps);
  }
};
[[maybe_unused]] ::testing::Environment* const g_step_total =
    ::testing::AddGlobalTestEnvironment(std::make_unique<StepTotal>().release());

enum class Dir { Orig, Reply };
constexpr Dir flip(Dir d) { return d == Dir::Orig ? Dir::Reply : Dir::Orig; }
constexpr int idx(Dir d) { return d == Dir::Orig ? 0 : 1; }
const char* dir_name(Dir d) { return d == Dir::Orig ? "orig" : "reply"; }

enum class State { None, SynSent, SynRecv, Established, FinWait, CloseWait, LastAck, TimeWait, Close, SynSent2 };
constexpr State kAllStates[] = {State::None,     State::SynSent,   State::SynRecv,  State::Established,
                                State::FinWait,  State::CloseWait, State::LastAck,  State::TimeWait,
                                State::Close,    State::SynSent2};
const char* state_name(State s) {
  static const char* const names[] = {"NONE",       "SYN_SENT", "SYN_RECV",  "ESTABLISHED", "FIN_WAIT",
                                      "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE",       "SYN_SENT2"};
  return names[static_cast<int>(s)];
}

// Packet classes of the transition table (get_conntrack_index), plus a
// flag combination tcp_error refuses before the table is consulted.
enum class Cls { Syn, SynAck, Fin, Ack, Rst, Invalid };
constexpr Cls kAllClasses[] = {Cls::Syn, Cls::SynAck, Cls::Fin, Cls::Ack, Cls::Rst, Cls::Invalid};
const char* class_name(Cls c) {
  static const char* const names[] = {"SYN", "SYNACK", "FIN", "ACK", "RST", "INVALID"};
  return names[static_cast<int>(c)];
}

std::string flag_names(uint8_t f) {
  static const std::pair<uint8_t, const char*> names[] = {
      {tcpflag::SYN, "SYN"}, {tcpflag::FIN, "FIN"}, {tcpflag::RST, "RST"}, {tcpflag::PSH, "PSH"},
      {tcpflag::ACK, "ACK"}, {tcpflag::URG, "URG"}, {tcpflag::ECE, "ECE"}, {tcpflag::CWR, "CWR"}};
  std::string s;
  for (auto [bit, name] : names)
    if (f & bit) s += (s.empty() ? "" : "|") + std::string(name);
  return s.empty() ? "no flags" : s;
}

std::string signed_offset(uint32_t value, uint32_t base) {
  auto d = static_cast<int32_t>(value - base);
  return (d < 0 ? "-" : "+") + std::to_string(d < 0 ? -static_cast<int64_t>(d) : d);
}

// One crafted segment (or ICMP error): where it is sent from and what it is.
struct Seg {
  Dir dir;
  Packet pkt;
  std::string what;

  Seg& window(uint16_t w) { return note(pkt.window(w), " win=" + std::to_string(w)); }
  Seg& wscale(uint8_t s) { return note(pkt.wscale(s), " wscale=" + std::to_string(s)); }
  Seg& mss(uint16_t m) { return note(pkt.mss(m), " mss=" + std::to_string(m)); }
  Seg& sack_permitted() { return note(pkt.sack_permitted(), " sackOK"); }
  Seg& sack(uint32_t left, uint32_t right, uint32_t base) {
    return note(pkt.sack({{left, right}}), " sack=[" + signed_offset(left, base) + "," + signed_offset(right, base) + ")");
  }
  Seg& bad_checksum() { return note(pkt.bad_checksum(), " bad-checksum"); }

 private:
  Seg& note(Packet&, const std::string& s) {
    what += s;
    return *this;
  }
};

// One connection's sequence spaces, numbered as its two endpoints would.
// The natural segments (syn, synack, ack, fin, rst) carry the next sequence
// number of their sender and acknowledge everything the other side sent;
// they advance the model.
class Conn {
 public:
  struct Side {
    uint32_t isn0;  // the first ISN, for printing numbers relative to it
    uint32_t isn;
    uint32_t nxt;
    bool opened = false;
  };

  Conn(uint16_t cport, uint32_t client_isn, uint32_t server_isn, bool v6 = false) : cport_(cport), v6_(v6) {
    side_[0] = {client_isn, client_isn, client_isn};
    side_[1] = {server_isn, server_isn, server_isn};
  }

  uint16_t cport() const { return cport_; }
  Side& side(Dir d) { return side_[idx(d)]; }
  uint32_t nxt(Dir d) const { return side_[idx(d)].nxt; }
  uint32_t isn(Dir d) const { return side_[idx(d)].isn; }

  // Any segment from @d; @len bytes of payload.
  Seg seg(Dir d, uint8_t flags, uint32_t seq, uint32_t ack, size_t len = 0) const {
    const bool orig = d == Dir::Orig;
    const char* client = v6_ ? kAddrA6 : kAddrA;
    const char* server = v6_ ? kSilent6 : kSilent;
    Packet p = Packet::tcp(orig ? client : server, orig ? server : client, orig ? cport_ : kServerPort,
                           orig ? kServerPort : cport_)
                   .flags(flags)
                   .seq(seq)
                   .ack(ack)
                   .window(kWindow);
    if (len) p.payload(std::string(len, 'x'));
    std::ostringstream what;
    what << dir_name(d) << ' ' << flag_names(flags) << " seq=" << (orig ? "C" : "S")
         << signed_offset(seq, side_[idx(d)].isn0);
    if (flags & tcpflag::ACK) what << " ack=" << (orig ? "S" : "C") << signed_offset(ack, side_[idx(flip(d))].isn0);
    if (len) what << " len=" << len;
    return Seg{d, std::move(p), what.str()};
  }

  // A SYN: the sender's ISN (again, if it sent it before: a retransmission).
  Seg syn(Dir d) {
    Side& s = side(d);
    s.opened = true;
    s.nxt = s.isn + 1;
    return seg(d, tcpflag::SYN, s.isn, 0);
  }
  // A SYN with a new ISN well ahead of anything the sender used: a new
  // connection on the same ports.
  Seg syn_new(Dir d) {
    renew(d);
    return syn(d);
  }
  // A SYN/ACK: the sender's ISN, acknowledging the other side's SYN.
  Seg synack(Dir d) {
    Side& s = side(d);
    s.opened = true;
    s.nxt = s.isn + 1;
    return seg(d, tcpflag::SYN | tcpflag::ACK, s.isn, ack_for(d));
  }
  Seg ack(Dir d, size_t len = 0) {
    Seg out = seg(d, len ? tcpflag::ACK | tcpflag::PSH : tcpflag::ACK, nxt(d), ack_for(d), len);
    side(d).nxt += len;
    return out;
  }
  Seg fin(Dir d) {
    Seg out = seg(d, tcpflag::FIN | tcpflag::ACK, nxt(d), ack_for(d));
    side(d).nxt += 1;
    return out;
  }
  // An abort: RST|ACK at the next sequence number; a bare RST if the other
  // side never sent anything there is nothing to acknowledge.
  Seg rst(Dir d) {
    if (!side(flip(d)).opened) return seg(d, tcpflag::RST, nxt(d), 0);
    return seg(d, tcpflag::RST | tcpflag::ACK, nxt(d), nxt(flip(d)));
  }
  // A bare RST @offset bytes from the sender's next sequence number.
  Seg rst_at(Dir d, int64_t offset) { return seg(d, tcpflag::RST, nxt(d) + static_cast<uint32_t>(offset), 0); }
  Seg flags_only(Dir d, uint8_t flags) { return seg(d, flags, nxt(d), flags & tcpflag::ACK ? ack_for(d) : 0); }

  // A segment of class @c from @d in a connection the tracker believes in
  // state @s: a SYN during the handshake is a retransmission, after it a new
  // connection's.
  Seg of_class(Dir d, Cls c, State s) {
    switch (c) {
      case Cls::Syn:
        return s == State::None || s == State::SynSent || s == State::SynRecv || s == State::SynSent2 ? syn(d)
                                                                                                     : syn_new(d);
      case Cls::SynAck: return synack(d);
      case Cls::Fin: return fin(d);
      case Cls::Ack: return ack(d);
      case Cls::Rst: return rst(d);
      case Cls::Invalid: return flags_only(d, 0);
    }
    return ack(d);
  }

  // Both sides past their handshake (which nobody saw), @orig and @reply
  // bytes after their ISNs.
  void midstream(uint32_t orig, uint32_t reply) {
    side_[0].nxt = side_[0].isn + 1 + orig;
    side_[1].nxt = side_[1].isn + 1 + reply;
    side_[0].opened = side_[1].opened = true;
  }

  // A new incarnation of the sender: ISN 16M ahead of anything it used.
  void renew(Dir d) {
    Side& s = side(d);
    s.isn = s.nxt + 0x01000000;
    s.nxt = s.isn;
  }

 private:
  // What @d acknowledges: all the other side sent, or 0 if it sent nothing.
  uint32_t ack_for(Dir d) const { return side_[idx(flip(d))].opened ? nxt(flip(d)) : 0; }

  uint16_t cport_;
  bool v6_;
  Side side_[2];
};

// Sets a sysctl in a namespace for the object's life, then restores it.
class ScopedSysctl {
 public:
  ScopedSysctl(const NetNs& ns, std::string key, const std::string& value) : ns_(ns), key_(std::move(key)) {
    std::string old = ns.output("sysctl -n " + key_ + " 2>/dev/null");
    while (!old.empty() && (old.back() == '\n' || old.back() == ' ')) old.pop_back();
    if (old.empty()) return;
    old_ = old;
    ok_ = ns.run("sysctl -qw " + key_ + "=" + value) == 0;
  }
  ~ScopedSysctl() {
    if (old_) ns_.run("sysctl -qw " + key_ + "=" + *old_);
  }
  ScopedSysctl(const ScopedSysctl&) = delete;
  ScopedSysctl& operator=(const ScopedSysctl&) = delete;
  bool ok() const { return ok_; }

 private:
  const NetNs& ns_;
  std::string key_;
  std::optional<std::string> old_;
  bool ok_ = false;
};

// One knob set on both trackers for the object's life: the kernel's
// net.netfilter.nf_conntrack_NAME and nf_ct's net.nf_ct.NAME.
class BothSysctls {
 public:
  BothSysctls(const NetNs& ns, const std::string& name, const std::string& value)
      : name_(name), kernel_(ns, "net.netfilter.nf_conntrack_" + name, value), ours_(ns, "net.nf_ct." + name, value) {}
  ::testing::AssertionResult ok() const {
    if (!kernel_.ok()) return ::testing::AssertionFailure() << "cannot set net.netfilter.nf_conntrack_" << name_;
    if (!ours_.ok()) return ::testing::AssertionFailure() << "nf_ct has no net.nf_ct." << name_;
    return ::testing::AssertionSuccess();
  }

 private:
  std::string name_;
  ScopedSysctl kernel_, ours_;
};

// What one tracker shows in a: the entries of the watched connections,
// how many barrier pings it counted, and its stat columns.
struct View {
  std::vector<ProcEntry> entries;
  uint64_t barrier_packets = 0;
  unsigned long invalid = 0, icmp_error = 0;
  size_t table_lines = 0;  // every line of the listing, for a failure's message
};

bool same_conn(const ProcEntry& e, const Conn& c) {
  if (e.l4num != IPPROTO_TCP || !e.orig.sport || !e.orig.dport) return false;
  return (*e.orig.sport == c.cport() && *e.orig.dport == kServerPort) ||
         (*e.orig.sport == kServerPort && *e.orig.dport == c.cport());
}

std::string lines(const std::vector<ProcEntry>& v) {
  if (v.empty()) return "(no entry)";
  std::string s;
  for (auto& e : v) s += (s.empty() ? "" : " // ") + e.line;
  return s;
}

}  // namespace

class DifferentialTcp : public TwoHosts {
 protected:
  static void SetUpTestSuite() {
    TwoHosts::SetUpTestSuite();
    // a's stack never answers the crafted reply-direction segments.
    topology().a.checked(std::string("iptables-legacy -A INPUT -s ") + kSilent + " -p tcp -j DROP");
    const auto& t = topology();
    t.a.checked("ip -6 addr add " + std::string(kAddrA6) + "/64 dev " + t.link.if_a() + " nodad && ip -6 neigh add " +
                kSilent6 + " lladdr 02:00:00:00:00:99 dev " + t.link.if_a() +
                " nud permanent && ip6tables-legacy -A INPUT -s " + kSilent6 + " -p tcp -j DROP");
    // b resolves a's IPv6 address now, so no crafted segment waits in b's
    // neighbour queue while the barrier ping behind it goes ahead.
    t.b.checked("ip -6 addr add " + std::string(kAddrB6) + "/64 dev " + t.link.if_b() + " nodad && ping -6 -c1 -W5 " +
                kAddrA6 + " >/dev/null");
    // Segments sent from b and the barrier behind them must share a backlog queue.
    sched_getaffinity(0, sizeof(saved_affinity_), &saved_affinity_);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    sched_setaffinity(0, sizeof(one), &one);
  }
  static void TearDownTestSuite() {
    sched_setaffinity(0, sizeof(saved_affinity_), &saved_affinity_);
    TwoHosts::TearDownTestSuite();
  }

  void SetUp() override {
    ASSERT_TRUE(std::ifstream(kKernelTable)) << "the kernel's tracker is not loaded";
    barrier_id_ = next_barrier_id_++;
    kernel_ = view(kKernelTable, kKernelStat);
    ours_ = view(kOurTable, kOurStat);
  }

  void TearDown() override { RecordProperty("differential_steps", static_cast<int>(steps_)); }

  // A fresh connection: its own client port, ISNs that differ per case.
  Conn& open_conn(bool v6 = false) {
    uint16_t port = next_port_++;
    conns_.emplace_back(port, 0x10000000u + port * 0x10001u, 0xa0000000u + port * 0x20003u, v6);
    Conn& c = conns_.back();
    for (const char* file : {kKernelTable, kOurTable}) {
      auto v = view(file, nullptr).entries;
      EXPECT_TRUE(std::none_of(v.begin(), v.end(), [&](const ProcEntry& e) { return same_conn(e, c); }))
          << "port " << port << " is not fresh in " << file;
    }
    return c;
  }

  // Sends the segment from the side its direction says, then compares.
  void step(const Seg& s) { send_and_compare(s.dir == Dir::Orig ? a : b, s.pkt, s.what); }

  void send_and_compare(const NetNs& from, const Packet& p, const std::string& what) {
    send_from(from, p);
    if (&from == &b) {
      // Queued behind it on the same CPU's backlog.
      ++barrier_seq_;
      send_from(b, Packet::icmp(kAddrB, kAddrA, 8, 0, barrier_id_, barrier_seq_));
    }
    compare(what);
  }

  // Nothing sent: compares again (after a pause, say).
  void recompare(const std::string& what) { compare(what); }

  // Takes a fresh connection to @s the way its endpoints would, and checks
  // that the kernel agrees it got there.
  void drive(Conn& c, State s) {
    switch (s) {
      case State::None: break;
      case State::SynSent: step(c.syn(Dir::Orig)); break;
      case State::SynRecv: drive(c, State::SynSent); step(c.synack(Dir::Reply)); break;
      case State::Established: drive(c, State::SynRecv); step(c.ack(Dir::Orig)); break;
      case State::FinWait: drive(c, State::Established); step(c.fin(Dir::Orig)); break;
      case State::CloseWait: drive(c, State::FinWait); step(c.ack(Dir::Reply)); break;
      case State::LastAck: drive(c, State::CloseWait); step(c.fin(Dir::Reply)); break;
      case State::TimeWait: drive(c, State::LastAck); step(c.ack(Dir::Orig)); break;
      case State::Close: drive(c, State::Established); step(c.rst(Dir::Orig)); break;
      case State::SynSent2: drive(c, State::SynSent); step(c.syn(Dir::Reply)); break;
    }
  }
  void drive_checked(Conn& c, State s) {
    drive(c, s);
    if (s == State::None)
      EXPECT_TRUE(kernel_has_none(c));
    else
      EXPECT_TRUE(kernel_says(c, state_name(s)));
  }

  // Absolute checks on the kernel's entry, so that a broken path cannot pass
  // the comparison vacuously.
  ::testing::AssertionResult kernel_says(const Conn& c, const std::string& state, std::optional<bool> assured = {},
                                         std::optional<long> timeout = {}) const {
    auto v = kernel_entries(c);
    if (v.size() != 1) return ::testing::AssertionFailure() << "kernel: " << v.size() << " entries: " << lines(v);
    const ProcEntry& e = v.front();
    if (e.state != state) return ::testing::AssertionFailure() << "kernel state is not " << state << ": " << e.line;
    if (assured && e.assured != *assured)
      return ::testing::AssertionFailure() << "kernel ASSURED is not " << *assured << ": " << e.line;
    if (timeout && (!e.timeout || *e.timeout > *timeout || *e.timeout < *timeout - kTimeoutSlack))
      return ::testing::AssertionFailure() << "kernel timeout is not " << *timeout << ": " << e.line;
    return ::testing::AssertionSuccess();
  }
  ::testing::AssertionResult kernel_has_none(const Conn& c) const {
    auto v = kernel_entries(c);
    if (!v.empty()) return ::testing::AssertionFailure() << "kernel has " << lines(v);
    return ::testing::AssertionSuccess();
  }
  std::optional<ProcEntry> kernel_entry(const Conn& c) const {
    auto v = kernel_entries(c);
    if (v.empty()) return std::nullopt;
    return v.front();
  }
  // Rise of the kernel's invalid counter at the last step.
  unsigned long kernel_invalid_rise() const { return kernel_invalid_rise_; }
  unsigned long kernel_icmp_error_rise() const { return kernel_icmp_error_rise_; }

 private:
  // The kernel's entries for @c as of the last comparison.
  std::vector<ProcEntry> kernel_entries(const Conn& c) const {
    std::vector<ProcEntry> out;
    for (auto& e : kernel_.entries)
      if (same_conn(e, c)) out.push_back(e);
    return out;
  }

  // Reads a table, parsing only the lines of watched connections and of
  // the barrier ping (the tables keep every earlier case's entries).
  // With @stable, read until two reads in a row give the same lines: the
  // kernel's listing skips live lines while entries expire (snapshot.hpp).
  View view(const char* file, const char* stat, bool stable = false) const {
    std::vector<std::string> needles;
    for (const Conn& c : conns_) needles.push_back("port=" + std::to_string(c.cport()) + " ");
    const std::string barrier = "id=" + std::to_string(barrier_id_) + " ";
    size_t table_lines = 0;
    auto watched = [&] {
      std::vector<std::string> out;
      std::istringstream in(a.read_file(file));
      table_lines = 0;
      for (std::string line; std::getline(in, line); table_lines++) {
        if (line.find(barrier) != std::string::npos ||
            std::any_of(needles.begin(), needles.end(),
                        [&](const std::string& n) { return line.find(n) != std::string::npos; }))
          out.push_back(line);
      }
      return out;
    };
    std::vector<std::string> lines = stable ? read_until_repeated(watched, std::equal_to<>()) : watched();
    View v;
    v.table_lines = table_lines;
    for (const std::string& line : lines) {
      auto e = parse_proc_line(line);
      if (!e) continue;
      if (e->l4num == IPPROTO_ICMP && e->orig.id == barrier_id_ && e->orig.packets)
        v.barrier_packets = *e->orig.packets;
      else if (std::any_of(conns_.begin(), conns_.end(), [&](const Conn& c) { return same_conn(*e, c); }))
        v.entries.push_back(*e);
    }
    if (stat) {
      v.invalid = stat_column(a, stat, "invalid");
      v.icmp_error = stat_column(a, stat, "icmp_error");
    }
    return v;
  }

  void compare(const std::string& what) {
    ++steps_;
    ++g_steps;
    if (trace_) {
      auto now = std::chrono::steady_clock::now();
      std::printf("  step %u (%s) after %lld ms\n", steps_, what.c_str(),
                  static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(now - last_).count()));
      last_ = now;
    }
    // Once both trackers counted every barrier ping sent, they have seen
    // everything b sent before it. A /proc read can skip a line when an
    // entry before it goes away between two read() calls (the seq_file
    // restarts by position), so a difference in which entries exist is read
    // again, the kernel's table until it reads the same twice, before it
    // counts: the trackers' tables do not change without packets.
    View k, o;
    std::string diff;
    int attempt = 0;
    for (; attempt < kReadAttempts; attempt++) {
      if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(20 << (attempt - 1)));
      if (!wait_until([&] {
            k = view(kKernelTable, kKernelStat, attempt > 0);
            o = view(kOurTable, kOurStat);
            return k.barrier_packets >= barrier_seq_ && o.barrier_packets >= barrier_seq_;
          })) {
        ADD_FAILURE() << "barrier ping " << barrier_seq_ << " not counted: kernel " << k.barrier_packets
                      << ", nf_ct " << o.barrier_packets;
        break;
      }
      bool presence = false;
      diff = differences(k, o, &presence);
      if (!presence) break;
    }
    const int reads = std::min(attempt + 1, kReadAttempts);
    if (!diff.empty())
      ADD_FAILURE() << "step " << steps_ << " (" << what << ") differs:" << diff << "\n  (tables of "
                    << k.table_lines << " and " << o.table_lines << " lines, read " << reads << " times)";
    kernel_invalid_rise_ = k.invalid - kernel_.invalid;
    kernel_icmp_error_rise_ = k.icmp_error - kernel_.icmp_error;
    kernel_ = std::move(k);
    ours_ = std::move(o);
  }

  // What differs between the two views for the watched connections, and in
  // how much the stat columns rose since the last step; empty if nothing.
  // *presence: the two disagree on which entries exist.
  std::string differences(const View& k, const View& o, bool* presence) const {
    std::ostringstream diff;
    for (const Conn& c : conns_) {
      std::vector<ProcEntry> ke, oe;
      for (auto& e : k.entries)
        if (same_conn(e, c)) ke.push_back(e);
      for (auto& e : o.entries)
        if (same_conn(e, c)) oe.push_back(e);
      auto order = [](const ProcEntry& x, const ProcEntry& y) {
        return std::tie(*x.orig.sport, x.state) < std::tie(*y.orig.sport, y.state);
      };
      std::sort(ke.begin(), ke.end(), order);
      std::sort(oe.begin(), oe.end(), order);
      std::string mismatch;
      if (ke.size() != oe.size()) {
        mismatch = " entries " + std::to_string(ke.size()) + " vs " + std::to_string(oe.size());
        *presence = true;
      } else {
        for (size_t i = 0; i < ke.size(); i++) {
          const ProcEntry &x = ke[i], &y = oe[i];
          if (x.state != y.state) mismatch += " state";
          if (x.assured != y.assured) mismatch += " ASSURED";
          if (x.unreplied != y.unreplied) mismatch += " UNREPLIED";
          if (!x.timeout || !y.timeout || std::labs(*x.timeout - *y.timeout) > kTimeoutSlack) mismatch += " timeout";
          if (*x.orig.sport != *y.orig.sport) mismatch += " direction";
          if (x.orig.packets != y.orig.packets || x.orig.bytes != y.orig.bytes ||
              x.reply.packets != y.reply.packets || x.reply.bytes != y.reply.bytes)
            mismatch += " counters";
        }
      }
      if (!mismatch.empty())
        diff << "\n  port " << c.cport() << ":" << mismatch << "\n    kernel: " << lines(ke)
             << "\n    nf_ct:  " << lines(oe);
    }
    const unsigned long ki = k.invalid - kernel_.invalid, oi = o.invalid - ours_.invalid;
    const unsigned long kx = k.icmp_error - kernel_.icmp_error, ox = o.icmp_error - ours_.icmp_error;
    if (ki != oi) diff << "\n  invalid rose by " << ki << " in the kernel, " << oi << " in nf_ct";
    if (kx != ox) diff << "\n  icmp_error rose by " << kx << " in the kernel, " << ox << " in nf_ct";
    return diff.str();
  }

  // NFCT_DIFF_TRACE=1: print every step with the time it took.
  const bool trace_ = std::getenv("NFCT_DIFF_TRACE") != nullptr;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  static inline uint16_t next_port_ = 44000;
  static inline uint16_t next_barrier_id_ = 50000;
  static inline cpu_set_t saved_affinity_;
  std::deque<Conn> conns_;
  View kernel_, ours_;
  uint16_t barrier_id_ = 0;
  uint16_t barrier_seq_ = 0;
  unsigned steps_ = 0;
  unsigned long kernel_invalid_rise_ = 0, kernel_icmp_error_rise_ = 0;
};

// ---------------------------------------------------------------------------
// The transition table: each reachable state, each direction, each class.

struct Cell {
  State state;
  Dir dir;
  Cls cls;
  bool v6 = false;  // the connection is IPv6's (instantiated as DifferentialTcp6)
};

std::vector<Cell> all_cells(bool v6 = false) {
  std::vector<Cell> cells;
  for (State s : kAllStates)
    for (Dir d : {Dir::Orig, Dir::Reply}) {
      if (s == State::None && d == Dir::Reply) continue;  // without an entry every packet is original
      for (Cls c : kAllClasses) cells.push_back({s, d, c, v6});
    }
  return cells;
}

void PrintTo(const Cell& c, std::ostream* os) {
  *os << state_name(c.state) << ' ' << dir_name(c.dir) << ' ' << class_name(c.cls);
}

class DifferentialTcpTransition : public DifferentialTcp, public ::testing::WithParamInterface<Cell> {};

TEST_P(DifferentialTcpTransition, Cell) {
  const Cell cell = GetParam();
  Conn& c = open_conn(cell.v6);
  drive_checked(c, cell.state);
  step(c.of_class(cell.dir, cell.cls, cell.state));
  if (cell.cls == Cls::Invalid) {
    EXPECT_EQ(kernel_invalid_rise(), 1u) << "kernel: no flags is INVALID";
  }
}

std::string cell_name(const ::testing::TestParamInfo<Cell>& info) {
  return std::string(state_name(info.param.state)) + "_" + dir_name(info.param.dir) + "_" + class_name(info.param.cls);
}
INSTANTIATE_TEST_SUITE_P(DifferentialTcp, DifferentialTcpTransition, ::testing::ValuesIn(all_cells()), cell_name);
INSTANTIATE_TEST_SUITE_P(DifferentialTcp6, DifferentialTcpTransition, ::testing::ValuesIn(all_cells(true)), cell_name);

// ---------------------------------------------------------------------------
// RST in each state: exactly at the next sequence number, inside the window
// but not exact, below the peer's highest ack, above the window.

enum class RstAt { Exact, InWindow, Below, Above };
constexpr RstAt kAllRst[] = {RstAt::Exact, RstAt::InWindow, RstAt::Below, RstAt::Above};
const char* rst_name(RstAt r) {
  static const char* const names[] = {"exact", "inwindow", "below", "above"};
  return names[static_cast<int>(r)];
}
int64_t rst_offset(RstAt r) {
  switch (r) {
    case RstAt::Exact: return 0;
    case RstAt::InWindow: return 1000;
    case RstAt::Below: return -100000;
    case RstAt::Above: return 10000000;
  }
  return 0;
}

struct RstCase {
  State state;
  Dir dir;
  RstAt at;
  bool v6 = false;  // instantiated as DifferentialTcp6
};

std::vector<RstCase> all_rst_cases(bool v6 = false) {
  std::vector<RstCase> v;
  for (State s : kAllStates) {
    if (s == State::None) continue;
    for (Dir d : {Dir::Orig, Dir::Reply})
      for (RstAt r : kAllRst) v.push_back({s, d, r, v6});
  }
  return v;
}

void PrintTo(const RstCase& c, std::ostream* os) {
  *os << state_name(c.state) << ' ' << dir_name(c.dir) << " RST " << rst_name(c.at);
}

class DifferentialTcpRst : public DifferentialTcp, public ::testing::WithParamInterface<RstCase> {};

TEST_P(DifferentialTcpRst, Rst) {
  const RstCase rc = GetParam();
  Conn& c = open_conn(rc.v6);
  drive_checked(c, rc.state);
  step(c.rst_at(rc.dir, rst_offset(rc.at)));
}

std::string rst_case_name(const ::testing::TestParamInfo<RstCase>& info) {
  return std::string(state_name(info.param.state)) + "_" + dir_name(info.param.dir) + "_" + rst_name(info.param.at);
}
INSTANTIATE_TEST_SUITE_P(DifferentialTcp, DifferentialTcpRst, ::testing::ValuesIn(all_rst_cases()), rst_case_name);
INSTANTIATE_TEST_SUITE_P(DifferentialTcp6, DifferentialTcpRst, ::testing::ValuesIn(all_rst_cases(true)), rst_case_name);

// ---------------------------------------------------------------------------
// Handshakes.

TEST_F(DifferentialTcp, HandshakeReachesEstablishedAssured) {
  Conn& c = open_conn();
  step(c.syn(Dir::Orig).mss(1460));
  ASSERT_TRUE(kernel_says(c, "SYN_SENT", false, 120));
  EXPECT_TRUE(kernel_entry(c)->unreplied);
  step(c.synack(Dir::Reply).mss(1460));
  ASSERT_TRUE(kernel_says(c, "SYN_RECV", false, 60));
  EXPECT_FALSE(kernel_entry(c)->unreplied);
  step(c.ack(Dir::Orig));
  ASSERT_TRUE(kernel_says(c, "ESTABLISHED", true, 432000));
  EXPECT_FALSE(kernel_entry(c)->unreplied);
  step(c.ack(Dir::Reply));
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true, 432000));
}

TEST_F(DifferentialTcp, FullCloseClientFirst) {
  Conn& c = open_conn();
  drive_checked(c, State::TimeWait);
  EXPECT_TRUE(kernel_says(c, "TIME_WAIT", true, 120));
}

TEST_F(DifferentialTcp, FullCloseServerFirst) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  step(c.fin(Dir::Reply));
  step(c.ack(Dir::Orig));
  step(c.fin(Dir::Orig));
  step(c.ack(Dir::Reply));
  EXPECT_TRUE(kernel_says(c, "TIME_WAIT", true));
}

TEST_F(DifferentialTcp, SimultaneousClose) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  Seg client_fin = c.fin(Dir::Orig);
  Seg server_fin = c.seg(Dir::Reply, tcpflag::FIN | tcpflag::ACK, c.nxt(Dir::Reply), c.isn(Dir::Orig) + 1);
  c.side(Dir::Reply).nxt += 1;
  step(client_fin);
  step(server_fin);  // crossed: does not acknowledge the client's FIN
  step(c.ack(Dir::Orig));
  step(c.ack(Dir::Reply));
}

TEST_F(DifferentialTcp, SimultaneousOpen) {
  Conn& c = open_conn();
  step(c.syn(Dir::Orig));
  step(c.syn(Dir::Reply));
  EXPECT_TRUE(kernel_says(c, "SYN_SENT2"));
  step(c.synack(Dir::Orig));
  step(c.synack(Dir::Reply));
  step(c.ack(Dir::Reply));
  step(c.ack(Dir::Orig));
}

// The client's ACK overtakes the server's SYN/ACK.
TEST_F(DifferentialTcp, ReorderedHandshakeAckFirst) {
  Conn& c = open_conn();
  step(c.syn(Dir::Orig));
  Seg server = c.synack(Dir::Reply);
  Seg client = c.ack(Dir::Orig);
  step(client);
  step(server);
  step(client);  // retransmitted by the client after the SYN/ACK
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED"));
}

// The client's first data overtakes its pure ACK.
TEST_F(DifferentialTcp, ReorderedHandshakeDataFirst) {
  Conn& c = open_conn();
  step(c.syn(Dir::Orig));
  step(c.synack(Dir::Reply));
  Seg pure = c.ack(Dir::Orig);
  step(c.ack(Dir::Orig, 200));
  step(pure);
  step(c.ack(Dir::Reply));
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true));
}

// The SYN/ACK overtakes a retransmitted SYN; then the old SYN arrives.
TEST_F(DifferentialTcp, ReorderedHandshakeLateSyn) {
  Conn& c = open_conn();
  Seg syn = c.syn(Dir::Orig);
  step(syn);
  step(c.synack(Dir::Reply));
  step(syn);
  step(c.ack(Dir::Orig));
  step(syn);
}

TEST_F(DifferentialTcp, RetransmittedHandshake) {
  Conn& c = open_conn();
  Seg syn = c.syn(Dir::Orig);
  step(syn);
  step(syn);
  step(syn);
  Seg synack = c.synack(Dir::Reply);
  step(synack);
  step(synack);
  Seg ack = c.ack(Dir::Orig);
  step(ack);
  step(synack);
  step(ack);
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true));
}

// The client gave up on its first SYN and sent another with a new ISN; the
// SYN/ACK answers the second.
TEST_F(DifferentialTcp, SynRetransmittedWithNewIsn) {
  Conn& c = open_conn();
  step(c.syn(Dir::Orig));
  step(c.syn_new(Dir::Orig));
  step(c.synack(Dir::Reply));
  step(c.ack(Dir::Orig));
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true));
}

// A SYN/ACK that answers the first of two SYNs (the one the tracker
// replaced): acks the old ISN.
TEST_F(DifferentialTcp, SynAckForReplacedSyn) {
  Conn& c = open_conn();
  Seg first = c.syn(Dir::Orig);
  const uint32_t first_isn = c.isn(Dir::Orig);
  step(first);
  step(c.syn_new(Dir::Orig));
  step(c.seg(Dir::Reply, tcpflag::SYN | tcpflag::ACK, c.isn(Dir::Reply), first_isn + 1));
}

// Sequence numbers that wrap around 2^32 during the connection.
TEST_F(DifferentialTcp, SequenceWrap) {
  Conn& c = open_conn();
  c.side(Dir::Orig) = {0xffffff00u, 0xffffff00u, 0xffffff00u};
  c.side(Dir::Reply) = {0xfffffff0u, 0xfffffff0u, 0xfffffff0u};
  drive_checked(c, State::Established);
  step(c.ack(Dir::Orig, 1000));
  step(c.ack(Dir::Reply, 1000));
  step(c.ack(Dir::Orig));
  step(c.ack(Dir::Reply));
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true, 432000));
  step(c.fin(Dir::Orig));
  step(c.fin(Dir::Reply));
  step(c.ack(Dir::Orig));
  EXPECT_TRUE(kernel_says(c, "TIME_WAIT"));
}

// ---------------------------------------------------------------------------
// SYN in TIME_WAIT and after RST: reopening.

TEST_F(DifferentialTcp, SynInTimeWaitReopens) {
  Conn& c = open_conn();
  drive_checked(c, State::TimeWait);
  step(c.syn_new(Dir::Orig));
  auto e = kernel_entry(c);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->state, "SYN_SENT") << e->line;
  EXPECT_TRUE(e->unreplied) << "a new entry: " << e->line;
  EXPECT_FALSE(e->assured) << "a new entry: " << e->line;
  c.renew(Dir::Reply);
  step(c.synack(Dir::Reply));
  step(c.ack(Dir::Orig));
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true));
}

TEST_F(DifferentialTcp, SynInTimeWaitServerClosedFirst) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  step(c.fin(Dir::Reply));
  step(c.ack(Dir::Orig));
  step(c.fin(Dir::Orig));
  step(c.ack(Dir::Reply));
  ASSERT_TRUE(kernel_says(c, "TIME_WAIT"));
  step(c.syn_new(Dir::Orig));
  c.renew(Dir::Reply);
  step(c.synack(Dir::Reply));
  step(c.ack(Dir::Orig));
}

// The server's RST closed it; the client's new SYN does not reopen.
TEST_F(DifferentialTcp, SynAfterPeerResetIsIgnored) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  step(c.rst(Dir::Reply));
  ASSERT_TRUE(kernel_says(c, "CLOSE"));
  step(c.syn_new(Dir::Orig));
  c.renew(Dir::Reply);
  step(c.synack(Dir::Reply));
  step(c.ack(Dir::Orig));
}

// The client's own RST closed it; its new SYN reopens.
TEST_F(DifferentialTcp, SynAfterOwnResetReopens) {
  Conn& c = open_conn();
  drive_checked(c, State::Close);
  step(c.syn_new(Dir::Orig));
  c.renew(Dir::Reply);
  step(c.synack(Dir::Reply));
  step(c.ack(Dir::Orig));
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true));
}

// RFC 5961: a SYN in LAST_ACK draws a challenge ACK from the server, which
// must not be taken for the ACK of the last FIN.
TEST_F(DifferentialTcp, ChallengeAckInLastAck) {
  Conn& c = open_conn();
  drive_checked(c, State::LastAck);
  step(c.syn_new(Dir::Orig));
  step(c.seg(Dir::Reply, tcpflag::ACK, c.nxt(Dir::Reply), c.side(Dir::Orig).isn0 + 2));
  step(c.seg(Dir::Orig, tcpflag::ACK, c.side(Dir::Orig).isn0 + 2, c.nxt(Dir::Reply)));
}

// A SYN the tracker ignored (ESTABLISHED) is answered by a SYN/ACK: both
// ends started over, and the tracker follows.
TEST_F(DifferentialTcp, SynAckResyncsAfterIgnoredSyn) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  step(c.syn_new(Dir::Orig));
  c.renew(Dir::Reply);
  step(c.synack(Dir::Reply));
  step(c.ack(Dir::Orig));
}

// A refused connection: the RST answers the SYN with seq 0.
TEST_F(DifferentialTcp, RefusedConnection) {
  Conn& c = open_conn();
  step(c.syn(Dir::Orig));
  step(c.seg(Dir::Reply, tcpflag::RST | tcpflag::ACK, 0, c.nxt(Dir::Orig)));
  EXPECT_TRUE(kernel_has_none(c)) << "an RST as the only answer removes the entry";
}

TEST_F(DifferentialTcp, InvalidFlagCombinations) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  const uint8_t combos[] = {0,
                            tcpflag::FIN,
                            tcpflag::SYN | tcpflag::FIN,
                            tcpflag::SYN | tcpflag::RST,
                            tcpflag::FIN | tcpflag::PSH | tcpflag::URG,
                            tcpflag::SYN | tcpflag::FIN | tcpflag::RST | tcpflag::PSH | tcpflag::ACK | tcpflag::URG,
                            tcpflag::FIN | tcpflag::RST | tcpflag::ACK};
  for (Dir d : {Dir::Orig, Dir::Reply})
    for (uint8_t f : combos) {
      step(c.flags_only(d, f));
      EXPECT_EQ(kernel_invalid_rise(), 1u) << "kernel: " << flag_names(f) << " is not invalid";
    }
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true));
  // PSH, ECE and CWR are allowed with anything valid.
  step(c.flags_only(Dir::Orig, tcpflag::ACK | tcpflag::ECE | tcpflag::CWR));
  step(c.flags_only(Dir::Reply, tcpflag::ACK | tcpflag::URG | tcpflag::PSH));
}

// ---------------------------------------------------------------------------
// Windows: what the kernel checks on sequence and acknowledgement numbers.

TEST_F(DifferentialTcp, SeqAboveReceiverWindow) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  step(c.seg(Dir::Orig, tcpflag::ACK | tcpflag::PSH, c.nxt(Dir::Orig) + 200000, c.nxt(Dir::Reply), 100));
  EXPECT_EQ(kernel_invalid_rise(), 1u) << "kernel: SEQ over the upper bound is INVALID";
  step(c.seg(Dir::Reply, tcpflag::ACK | tcpflag::PSH, c.nxt(Dir::Reply) + 200000, c.nxt(Dir::Orig), 100));
  step(c.ack(Dir::Orig));
}

TEST_F(DifferentialTcp, AckAboveDataSent) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  step(c.seg(Dir::Orig, tcpflag::ACK, c.nxt(Dir::Orig), c.nxt(Dir::Reply) + 100000));
  EXPECT_EQ(kernel_invalid_rise(), 1u) << "kernel: ACK over the upper bound is INVALID";
  step(c.seg(Dir::Reply, tcpflag::ACK, c.nxt(Dir::Reply), c.nxt(Dir::Orig) + 100000));
  // A FIN acknowledging unsent data in FIN_WAIT's answer.
  step(c.fin(Dir::Orig));
  step(c.seg(Dir::Reply, tcpflag::FIN | tcpflag::ACK, c.nxt(Dir::Reply), c.nxt(Dir::Orig) + 5000));
}

// The third handshake packet with a sequence number far below the window:
// ignored by the kernel (no state change), not invalid.
TEST_F(DifferentialTcp, OldSeqBelowWindowInSynRecv) {
  Conn& c = open_conn();
  drive_checked(c, State::SynRecv);
  step(c.seg(Dir::Orig, tcpflag::ACK, c.nxt(Dir::Orig) - 100000, c.nxt(Dir::Reply)));
  step(c.ack(Dir::Orig));
}

// The ACK of the client's FIN carries an old sequence number.
TEST_F(DifferentialTcp, OldSeqBelowWindowInFinWait) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  step(c.ack(Dir::Reply, 1000));
  step(c.ack(Dir::Orig));
  step(c.fin(Dir::Orig));
  step(c.seg(Dir::Reply, tcpflag::ACK, c.nxt(Dir::Reply) - 100000, c.nxt(Dir::Orig)));
  step(c.ack(Dir::Reply));
}

// An ACK far below what the other side already sent.
TEST_F(DifferentialTcp, AckBelowLowerBound) {
  Conn& c = open_conn();
  drive_checked(c, State::SynRecv);
  step(c.seg(Dir::Orig, tcpflag::ACK, c.nxt(Dir::Orig), c.nxt(Dir::Reply) - 100000));
  step(c.ack(Dir::Orig));
  step(c.ack(Dir::Reply, 1000));
  step(c.fin(Dir::Orig));
  step(c.seg(Dir::Reply, tcpflag::ACK, c.nxt(Dir::Reply), c.nxt(Dir::Orig) - 100000));
}

// A FIN a little beyond the window (within the receiver's max window): the
// kernel ignores it and moves no state.
TEST_F(DifferentialTcp, OvershotFinIsIgnored) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  step(c.seg(Dir::Orig, tcpflag::FIN | tcpflag::ACK, c.nxt(Dir::Orig) + kWindow + 1000, c.nxt(Dir::Reply)));
  step(c.fin(Dir::Orig));
}

TEST_F(DifferentialTcp, UnacknowledgedDataShortensTimeout) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  step(c.ack(Dir::Orig, 500));
  step(c.ack(Dir::Orig, 500));
  step(c.seg(Dir::Reply, tcpflag::ACK, c.nxt(Dir::Reply), c.nxt(Dir::Orig) - 500));
  step(c.ack(Dir::Reply));
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true, 432000));
}

TEST_F(DifferentialTcp, ZeroWindowShortensTimeout) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  step(c.ack(Dir::Reply).window(0));
  step(c.ack(Dir::Reply));
}

TEST_F(DifferentialTcp, RetransmissionsShortenTimeout) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  Seg data = c.ack(Dir::Orig, 300);
  for (int i = 0; i < 4; i++) step(data);
  step(c.ack(Dir::Reply));
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true, 432000));
  // The same pure ACK again and again: no data outstanding, only the
  // retransmission counter speaks.
  Seg dup = c.ack(Dir::Orig);
  for (int i = 0; i < 5; i++) step(dup);
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true, 300)) << "max_retrans identical ACKs: the RETRANS timeout";
  step(c.ack(Dir::Reply));
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true, 432000));
}

// Non-default tcp_max_retrans and tcp_timeout_max_retrans on both
// trackers: one identical ACK again is already too many, and the timeout is
// the one set.
TEST_F(DifferentialTcp, RetransmissionKnobs) {
  BothSysctls max_retrans(a, "tcp_max_retrans", "1");
  ASSERT_TRUE(max_retrans.ok());
  BothSysctls timeout_max_retrans(a, "tcp_timeout_max_retrans", "120");
  ASSERT_TRUE(timeout_max_retrans.ok());
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  step(c.ack(Dir::Reply));
  Seg dup = c.ack(Dir::Orig);
  step(dup);
  step(dup);
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true, 120)) << "one retransmission: the timeout set";
  step(c.ack(Dir::Reply));
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true, 432000));
}

// tcp_ignore_invalid_rst=1 on both trackers: an RST below the window is
// no longer INVALID (with 0, the RST cases above count it).
TEST_F(DifferentialTcp, IgnoreInvalidRst) {
  BothSysctls ignore_invalid_rst(a, "tcp_ignore_invalid_rst", "1");
  ASSERT_TRUE(ignore_invalid_rst.ok());
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  step(c.ack(Dir::Orig, 1000));
  step(c.ack(Dir::Reply));
  step(c.rst_at(Dir::Orig, -500));
  EXPECT_EQ(kernel_invalid_rise(), 0u) << "kernel: the RST below the window is let through";
  step(c.ack(Dir::Reply));
}

// Window scaling counts only if both SYNs carry the option: the same
// segment is inside the scaled window and far outside the unscaled one.
TEST_F(DifferentialTcp, WindowScaleBothSides) {
  Conn& c = open_conn();
  step(c.syn(Dir::Orig).wscale(7));
  step(c.synack(Dir::Reply).window(65535).wscale(7));
  step(c.ack(Dir::Orig).window(502));
  step(c.ack(Dir::Reply).window(2000));  // 2000 << 7 = 256000 bytes
  step(c.seg(Dir::Orig, tcpflag::ACK | tcpflag::PSH, c.nxt(Dir::Orig) + 200000, c.nxt(Dir::Reply), 100));
  EXPECT_EQ(kernel_invalid_rise(), 0u) << "inside the scaled window";
  step(c.ack(Dir::Reply).window(2000));
}

TEST_F(DifferentialTcp, WindowScaleClientOnly) {
  Conn& c = open_conn();
  step(c.syn(Dir::Orig).wscale(7));
  step(c.synack(Dir::Reply).window(65535));
  step(c.ack(Dir::Orig).window(502));
  step(c.ack(Dir::Reply).window(2000));
  step(c.seg(Dir::Orig, tcpflag::ACK | tcpflag::PSH, c.nxt(Dir::Orig) + 200000, c.nxt(Dir::Reply), 100));
  EXPECT_EQ(kernel_invalid_rise(), 1u) << "outside the unscaled window";
  step(c.ack(Dir::Reply).window(2000));
}

TEST_F(DifferentialTcp, WindowScaleServerOnly) {
  Conn& c = open_conn();
  step(c.syn(Dir::Orig));
  step(c.synack(Dir::Reply).window(65535).wscale(7));
  step(c.ack(Dir::Orig));
  step(c.ack(Dir::Reply).window(2000));
  step(c.seg(Dir::Orig, tcpflag::ACK | tcpflag::PSH, c.nxt(Dir::Orig) + 200000, c.nxt(Dir::Reply), 100));
}

// SACK blocks widen what an ACK may acknowledge, once SACK was permitted:
// a block over data sent is fine, a block beyond it is INVALID.
TEST_F(DifferentialTcp, SackWithSackPermitted) {
  Conn& c = open_conn();
  step(c.syn(Dir::Orig).mss(1460).sack_permitted());
  step(c.synack(Dir::Reply).mss(1460).sack_permitted());
  step(c.ack(Dir::Orig));
  const uint32_t first = c.nxt(Dir::Orig), base = c.side(Dir::Orig).isn0;
  step(c.ack(Dir::Orig, 1000));
  step(c.ack(Dir::Orig, 1000));
  step(c.seg(Dir::Reply, tcpflag::ACK, c.nxt(Dir::Reply), first).sack(first + 1000, first + 2000, base));
  EXPECT_EQ(kernel_invalid_rise(), 0u);
  step(c.seg(Dir::Reply, tcpflag::ACK, c.nxt(Dir::Reply), first).sack(first + 2000, first + 3000, base));
  EXPECT_EQ(kernel_invalid_rise(), 1u) << "kernel: a SACK block beyond the data sent";
  step(c.ack(Dir::Reply));
}

TEST_F(DifferentialTcp, SackWithoutSackPermitted) {
  Conn& c = open_conn();
  step(c.syn(Dir::Orig).mss(1460));
  step(c.synack(Dir::Reply).mss(1460).sack_permitted());
  step(c.ack(Dir::Orig));
  const uint32_t first = c.nxt(Dir::Orig), base = c.side(Dir::Orig).isn0;
  step(c.ack(Dir::Orig, 1000));
  step(c.ack(Dir::Orig, 1000));
  step(c.seg(Dir::Reply, tcpflag::ACK, c.nxt(Dir::Reply), first).sack(first + 2000, first + 3000, base));
  EXPECT_EQ(kernel_invalid_rise(), 0u) << "kernel: SACK blocks are not read unless permitted";
  step(c.ack(Dir::Reply));
}

TEST_F(DifferentialTcp, BadChecksum) {
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  // Checked where packets come in (PREROUTING) only. A receiver drops the
  // bad one, so it does not count in the model either.
  step(c.seg(Dir::Reply, tcpflag::FIN | tcpflag::ACK, c.nxt(Dir::Reply), c.nxt(Dir::Orig)).bad_checksum());
  EXPECT_EQ(kernel_invalid_rise(), 1u) << "kernel: bad checksum at PREROUTING";
  step(c.fin(Dir::Orig).bad_checksum());
  EXPECT_EQ(kernel_invalid_rise(), 0u) << "kernel: checksums are not checked on output";
  step(c.ack(Dir::Reply));
}

TEST_F(DifferentialTcp, BeLiberalAcceptsOutOfWindow) {
  BothSysctls be_liberal(a, "tcp_be_liberal", "1");
  ASSERT_TRUE(be_liberal.ok());
  Conn& c = open_conn();
  drive_checked(c, State::Established);
  step(c.seg(Dir::Orig, tcpflag::ACK | tcpflag::PSH, c.nxt(Dir::Orig) + 200000, c.nxt(Dir::Reply), 100));
  EXPECT_EQ(kernel_invalid_rise(), 0u) << "kernel: liberal";
  step(c.seg(Dir::Reply, tcpflag::ACK, c.nxt(Dir::Reply), c.nxt(Dir::Orig) + 100000));
  step(c.ack(Dir::Orig));
}

// ---------------------------------------------------------------------------
// Picking up a connection in the middle (tcp_loose).

TEST_F(DifferentialTcp, PickupWithLoose) {
  BothSysctls loose(a, "tcp_loose", "1");
  ASSERT_TRUE(loose.ok());
  Conn& c = open_conn();
  c.midstream(5000, 7000);
  step(c.ack(Dir::Orig, 100));
  ASSERT_TRUE(kernel_says(c, "ESTABLISHED", false, 300));
  EXPECT_TRUE(kernel_entry(c)->unreplied);
  step(c.ack(Dir::Reply, 100));
  step(c.ack(Dir::Orig));
  EXPECT_TRUE(kernel_says(c, "ESTABLISHED", true));
  step(c.ack(Dir::Reply));
  step(c.fin(Dir::Orig));
}

TEST_F(DifferentialTcp, PickupWithoutLoose) {
  BothSysctls loose(a, "tcp_loose", "0");
  ASSERT_TRUE(loose.ok());
  Conn& c = open_conn();
  c.midstream(5000, 7000);
  step(c.ack(Dir::Orig, 100));
  EXPECT_TRUE(kernel_has_none(c));
  EXPECT_EQ(kernel_invalid_rise(), 1u);
  step(c.ack(Dir::Reply, 100));
  step(c.ack(Dir::Orig));
  EXPECT_TRUE(kernel_has_none(c));
  // A SYN still opens.
  step(c.syn(Dir::Orig));
  EXPECT_TRUE(kernel_says(c, "SYN_SENT"));
}

// Picked-up connections get no window checks (both sides liberal).
TEST_F(DifferentialTcp, PickupIsLiberal) {
  BothSysctls loose(a, "tcp_loose", "1");
  ASSERT_TRUE(loose.ok());
  Conn& c = open_conn();
  c.midstream(5000, 7000);
  step(c.ack(Dir::Orig));
  step(c.seg(Dir::Reply, tcpflag::ACK, c.nxt(Dir::Reply), c.nxt(Dir::Orig) + 1000000));
  step(c.seg(Dir::Orig, tcpflag::ACK | tcpflag::PSH, c.nxt(Dir::Orig) + 3000000, c.nxt(Dir::Reply), 10));
  EXPECT_EQ(kernel_invalid_rise(), 0u);
}

// ---------------------------------------------------------------------------
// ICMP errors quoting a TCP flow: RELATED to it, and the entry is not
// refreshed by them.

TEST_F(DifferentialTcp, IcmpErrorsQuotingTcp) {
  Conn& syn_sent = open_conn();
  Conn& est = open_conn();
  Seg syn = syn_sent.syn(Dir::Orig);
  step(syn);
  drive_checked(est, State::Established);
  // Pure ACKs only: no data outstanding to shorten the timeout.
  Seg est_data = est.ack(Dir::Orig);
  step(est_data);
  Seg server_data = est.ack(Dir::Reply);
  step(server_data);
  std::this_thread::sleep_for(std::chrono::seconds(4));
  recompare("4 s later");
  const long before_ss = *kernel_entry(syn_sent)->timeout, before_es = *kernel_entry(est)->timeout;

  // A router on the way (b) says the silent host is unreachable, quoting the SYN.
  send_and_compare(b, Packet::icmp(kAddrB, kAddrA, 3, 1).quote(syn.pkt, 28),
                   "ICMP host unreachable to a quoting the SYN");
  EXPECT_EQ(kernel_icmp_error_rise(), 0u) << "kernel: RELATED, not an error";
  // Fragmentation needed for the client's ACK segment.
  send_and_compare(b, Packet::icmp(kAddrB, kAddrA, 3, 4).quote(est_data.pkt, 28),
                   "ICMP frag needed to a quoting the client's ACK");
  EXPECT_EQ(kernel_icmp_error_rise(), 0u) << "kernel: RELATED, not an error";
  // The client's side says the server's segment was administratively refused.
  send_and_compare(a, Packet::icmp(kAddrA, kSilent, 3, 13).quote(server_data.pkt, 28),
                   "ICMP admin prohibited from a quoting the server's ACK");
  EXPECT_EQ(kernel_icmp_error_rise(), 0u) << "kernel: RELATED, not an error";
  // Time exceeded, with the full quoted segment.
  send_and_compare(b, Packet::icmp(kAddrB, kAddrA, 11, 0).quote(est_data.pkt, 200),
                   "ICMP time exceeded to a quoting the client's ACK in full");
  EXPECT_LE(*kernel_entry(syn_sent)->timeout, before_ss) << "kernel refreshed SYN_SENT on an ICMP error";
  EXPECT_LE(*kernel_entry(est)->timeout, before_es) << "kernel refreshed ESTABLISHED on an ICMP error";
  EXPECT_LE(*kernel_entry(syn_sent)->timeout, 120 - 3);

  // Quoting a TCP flow nobody saw.
  Conn& unknown = open_conn();
  send_and_compare(b, Packet::icmp(kAddrB, kAddrA, 3, 1).quote(unknown.syn(Dir::Orig).pkt, 28),
                   "ICMP host unreachable to a quoting an unknown flow");
  EXPECT_TRUE(kernel_has_none(unknown));
  // Quoting the flow, but with the quoted segment's ports swapped (the
  // direction does not match the error's destination).
  send_and_compare(b, Packet::icmp(kAddrB, kAddrA, 3, 1).quote(server_data.pkt, 28),
                   "ICMP host unreachable to a quoting a segment a received");
  recompare("after the errors");
}
