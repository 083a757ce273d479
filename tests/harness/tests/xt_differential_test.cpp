// iptables -m conntrack / -m state: nf_ct's matches (nf_ct_xt.ko) against
// the kernel's xt_conntrack, rule by rule, on the same packets.
//
// Both answer in one namespace, d, where both trackers run (tests/harness/run
// loads nf_conntrack with enable_hooks=1 beside nf_ct). x_tables binds a
// rule to a match when its table is loaded, and prefers nf_ct's IPv4
// registration to the kernel's family-independent one. So d's mangle table
// is loaded first, while nf_ct_xt.ko is absent (iptables autoloads
// xt_conntrack), and never written again; then nf_ct_xt.ko is loaded and
// the same rules go into d's filter table. mangle INPUT/OUTPUT and filter
// INPUT/OUTPUT both run after the trackers' hooks and before confirmation,
// so each pair of rules judges exactly the same packets; the module
// reference counts prove which module holds which table.
//
// Every rule has no target: it only counts. The traffic gives every state
// (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED), both directions, UDP,
// TCP and ICMP; each option has variants that match and that do not. The
// state match proper (revision 0, which iptables 1.8 sends only when the
// kernel lacks the conntrack match) is compared with the kernel's xt_state.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "netns.hpp"
#include "packet.hpp"
#include "proc_table.hpp"
#include "wait.hpp"

using namespace nfct;

namespace {

constexpr const char* kC = "10.98.0.1";
constexpr const char* kD = "10.98.0.2";

struct Rule {
  std::string family;  // the test that checks it
  std::string match;   // iptables-legacy match options
  bool matches;        // does any packet of the traffic match it?
  bool known = true;   // false: whether it matches depends on the kernel
};

// --ctexpire is asked only of packets past their first: the kernel's NEW
// entries keep a relative timeout until confirmed (nf_ct_expires() of an
// unconfirmed entry depends on jiffies), nf_ct's an absolute one. TCP is
// left out: its timeouts follow window tracking (data unacknowledged:
// 300 s), which is the TCP tracker's to match, and tested there.
const std::vector<Rule> kRules = {
    {"State", "-m state --state NEW", true},
    {"State", "-m state --state ESTABLISHED", true},
    {"State", "-m state --state RELATED", true},
    {"State", "-m state --state INVALID", true},
    {"State", "-m state ! --state NEW,ESTABLISHED", true},
    {"State", "-m state ! --state NEW,ESTABLISHED,RELATED,INVALID,UNTRACKED", false},
    {"State", "-m conntrack --ctstate NEW,RELATED", true},
    {"State", "-m conntrack --ctstate SNAT", false},
    {"State", "-m conntrack --ctstate DNAT", false},
    {"State", "-m conntrack ! --ctstate SNAT,DNAT", true},
    {"Untracked", "-m state --state UNTRACKED", true},
    {"Untracked", "-m conntrack ! --ctstate UNTRACKED --ctproto udp", true},
    {"Proto", "-m conntrack --ctproto udp", true},
    {"Proto", "-m conntrack --ctproto tcp", true},
    {"Proto", "-m conntrack --ctproto icmp", true},
    {"Proto", "-m conntrack --ctproto 132", false},
    {"Proto", "-m conntrack ! --ctproto tcp", true},
    // Without an entry only --ctstate is asked: INVALID packets match this.
    {"Proto", "-m conntrack ! --ctproto 132 --ctstate INVALID", true},
    {"Proto", "-m conntrack ! --ctproto 132", true},
    {"Address", "-m conntrack --ctorigsrc 10.98.0.1", true},
    {"Address", "-m conntrack --ctorigsrc 10.98.0.0/24", true},
    {"Address", "-m conntrack --ctorigsrc 10.97.0.0/16", false},
    {"Address", "-m conntrack ! --ctorigsrc 10.98.0.1", false},
    {"Address", "-m conntrack --ctorigdst 10.98.0.2", true},
    {"Address", "-m conntrack --ctorigdst 10.98.0.1", false},
    {"Address", "-m conntrack --ctreplsrc 10.98.0.2/32", true},
    {"Address", "-m conntrack ! --ctreplsrc 10.98.0.2", false},
    {"Address", "-m conntrack --ctrepldst 10.98.0.0/25", true},
    {"Address", "-m conntrack ! --ctrepldst 10.98.0.0/16", false},
    {"Port", "-m conntrack --ctorigsrcport 42001", true},
    {"Port", "-m conntrack --ctorigsrcport 1:1000", false},
    {"Port", "-m conntrack --ctorigdstport 7000:7002", true},
    {"Port", "-m conntrack ! --ctorigdstport 7000:7999", true},
    {"Port", "-m conntrack --ctreplsrcport 7002", true},
    {"Port", "-m conntrack --ctreplsrcport 42002", false},
    {"Port", "-m conntrack --ctrepldstport 42001:42002", true},
    {"Port", "-m conntrack ! --ctrepldstport 0:65535", false},
    {"Status", "-m conntrack --ctstatus SEEN_REPLY", true},
    {"Status", "-m conntrack --ctstatus ASSURED", true},
    {"Status", "-m conntrack --ctstatus CONFIRMED", true},
    {"Status", "-m conntrack ! --ctstatus CONFIRMED", true},
    {"Status", "-m conntrack --ctstatus EXPECTED", false},
    {"Status", "-m conntrack --ctstatus NONE", false},
    {"Status", "-m conntrack ! --ctstatus NONE", true},
    {"Status", "-m conntrack ! --ctstatus SEEN_REPLY,ASSURED --ctproto tcp", true},
    {"Expire", "-m conntrack --ctstate ESTABLISHED,RELATED ! --ctproto tcp --ctexpire 0:45", true},
    {"Expire", "-m conntrack --ctstate ESTABLISHED,RELATED ! --ctproto tcp --ctexpire 46:1000", true},
    {"Expire", "-m conntrack --ctstate ESTABLISHED,RELATED ! --ctproto tcp --ctexpire 1001:500000", false},
    {"Expire", "-m conntrack --ctstate ESTABLISHED,RELATED ! --ctproto tcp ! --ctexpire 0:45", true},
    {"Expire", "-m conntrack --ctstate ESTABLISHED,RELATED ! --ctproto tcp ! --ctexpire 0:1000", false},
    {"Direction", "-m conntrack --ctdir ORIGINAL", true},
    {"Direction", "-m conntrack --ctdir REPLY", true},
    {"Direction", "-m conntrack --ctdir REPLY --ctstate NEW", false},
    {"Direction", "-m conntrack --ctstate ESTABLISHED --ctproto tcp --ctorigdstport 7002 --ctdir REPLY", true},
    // The state match itself (revision 0), as iptables sends it when the
    // kernel has no conntrack match: installed through xt_rev_shim.
    {"StateRev0", "-m state --state NEW", true},
    {"StateRev0", "-m state --state ESTABLISHED", true},
    {"StateRev0", "-m state --state RELATED", true},
    {"StateRev0", "-m state --state INVALID", true},
    {"StateRev0", "-m state ! --state NEW,ESTABLISHED", true},
    {"StateRev0", "-m state --state NEW,ESTABLISHED,RELATED,INVALID,UNTRACKED", true},
    // Nothing on the debug kernel; one packet on stock (which has NOTRACK),
    // in xt_state and nf_ct alike: only the comparison holds everywhere.
    {"StateRev0", "-m state ! --state NEW,ESTABLISHED,RELATED,INVALID,UNTRACKED", false, false},
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int module_refs(const std::string& module) {
  std::string refs = slurp("/sys/module/" + module + "/refcnt");
  return refs.empty() ? -1 : std::stoi(refs);
}

// Packet counters of a chain's rules, in order.
std::vector<unsigned long> counters(const NetNs& ns, const std::string& table, const std::string& chain) {
  std::istringstream in(ns.output("iptables-legacy -w -t " + table + " -L " + chain + " -v -x -n"));
  std::vector<unsigned long> out;
  std::string line;
  for (int skip = 0; skip < 2 && std::getline(in, line); skip++) {
  }
  while (std::getline(in, line)) {
    std::istringstream row(line);
    unsigned long pkts = 0;
    if (row >> pkts) out.push_back(pkts);
  }
  return out;
}

struct XtTopology {
  NetNs c{"xtc"};
  NetNs d{"xtd"};
  VethPair link{c, std::string(kC) + "/24", d, std::string(kD) + "/24"};
};

}  // namespace

class XtDifferential : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      setup();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void TearDownTestSuite() {
    if (topology_) {
      topology_->d.run("iptables-legacy -w -F");  // lets go of nf_ct_xt
      topology_->d.run("iptables-legacy -w -t mangle -F");
      topology_->d.run("iptables-legacy -w -t raw -F");
    }
    if (loaded_xt_) shell("rmmod nf_ct_xt");
    // They hold nf_conntrack, which tests/harness/run unloads at the end.
    for (const char* module : {"xt_conntrack", "xt_state", "xt_CT"})
      if (!preloaded_.contains(module)) shell(std::string("rmmod ") + module + " 2>/dev/null");
    topology_.reset();
  }

  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  // Compares the kernel's and nf_ct's counters for every rule of @family,
  // and that the traffic does or does not match each as written.
  void compare(const std::string& family) {
    int checked = 0;
    for (size_t i = 0; i < kRules.size(); i++) {
      if (kRules[i].family != family) continue;
      unsigned long any = 0;
      for (const char* chain : {"INPUT", "OUTPUT"}) {
        unsigned long kernel = kernel_[chain].at(i), ours = ours_[chain].at(i);
        EXPECT_EQ(kernel, ours) << chain << " " << kRules[i].match;
        any += kernel;
      }
      if (kRules[i].known) {
        EXPECT_EQ(any > 0, kRules[i].matches) << kRules[i].match << ": " << any << " packets";
      }
      checked++;
    }
    EXPECT_GT(checked, 0);
  }

  static int rules_of(const std::string& family) {
    return static_cast<int>(std::count_if(kRules.begin(), kRules.end(), [&](const Rule& r) { return r.family == family; }));
  }

  static inline std::unique_ptr<XtTopology> topology_;
  static inline std::string setup_error_;
  static inline bool loaded_xt_ = false;
  static inline bool untracked_ = false;
  static inline std::set<std::string> preloaded_;
  static inline std::map<std::string, std::vector<unsigned long>> kernel_, ours_;

 private:
  // One iptables-legacy-restore per batch: one exec per rule costs
  // minutes on the debug kernel. The state rules proper come last in
  // kRules, in a batch of their own, with the shim.
  static void add_rules(const NetNs& ns, const std::string& table) {
    const std::string shim =
        "LD_PRELOAD=" + (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "libnfct_xt_rev_shim.so").string();
    for (bool rev0 : {false, true}) {
      const std::string path = "/tmp/nfct-xt-" + table + (rev0 ? "-rev0" : "") + ".rules";
      {
        std::ofstream script(path);
        script << "*" << table << "\n";
        for (const char* chain : {"INPUT", "OUTPUT"})
          for (auto& r : kRules)
            if ((r.family == "StateRev0") == rev0) script << "-A " << chain << " " << r.match << "\n";
        script << "COMMIT\n";
      }
      ns.checked((rev0 ? shim + " " : "") + "iptables-legacy-restore -w --noflush < " + path);
      std::filesystem::remove(path);
    }
  }

  static void setup() {
    if (!module_loaded("nf_conntrack")) throw std::runtime_error("the kernel's tracker is not loaded");
    if (module_loaded("nf_ct_xt")) throw std::runtime_error("nf_ct_xt is loaded: the kernel's match cannot be bound");
    for (const char* module : {"xt_conntrack", "xt_CT", "xt_state"})
      if (module_loaded(module)) preloaded_.insert(module);
    if (preloaded_.contains("xt_state")) throw std::runtime_error("xt_state is loaded: its rule count is unknown");
    topology_ = std::make_unique<XtTopology>();
    const NetNs& c = topology_->c;
    const NetNs& d = topology_->d;

    // NOTRACK needs xt_CT, which not every kernel has (the debug one lacks it).
    untracked_ = d.run("iptables-legacy -w -t raw -A PREROUTING -p udp --dport 7005 -j CT --notrack 2>/dev/null") == 0;

    add_rules(d, "mangle");  // the kernel's xt_conntrack, autoloaded
    const char* dir = std::getenv("NF_CT_MODDIR");
    shell_checked("modprobe x_tables && insmod " + std::string(dir ? dir : ".") + "/nf_ct_xt.ko");
    loaded_xt_ = true;
    add_rules(d, "filter");  // nf_ct_xt

    const int rules = 2 * static_cast<int>(kRules.size());
    if (module_refs("nf_ct_xt") != rules)
      throw std::runtime_error("nf_ct_xt holds " + std::to_string(module_refs("nf_ct_xt")) + " rules, not " +
                               std::to_string(rules));
    const int rev0 = 2 * rules_of("StateRev0");
    if (module_refs("xt_conntrack") < rules - rev0) throw std::runtime_error("xt_conntrack does not hold the mangle rules");
    if (module_refs("xt_state") != rev0) throw std::runtime_error("xt_state does not hold the mangle state rules");

    traffic(c, d);
    for (const char* chain : {"INPUT", "OUTPUT"}) {
      kernel_[chain] = counters(d, "mangle", chain);
      ours_[chain] = counters(d, "filter", chain);
      if (kernel_[chain].size() != kRules.size() || ours_[chain].size() != kRules.size())
        throw std::runtime_error(std::string("cannot read the counters of ") + chain);
    }
  }

  static void send(const NetNs& ns, const Packet& p) {
    ScopedNetnsEnter enter(ns);
    RawSender sender;
    sender.send(p);
  }

  static void traffic(const NetNs& c, const NetNs& d) {
    // UDP request and answer, real sockets: NEW, then ESTABLISHED (reply).
    d.checked("socat -T3 UDP4-RECVFROM:7001,bind=" + std::string(kD) + " SYSTEM:\"echo pong\" & "
              "for i in $(seq 50); do ss -uln | grep -q \":7001 \" && break; sleep 0.05; done");
    c.checked("echo ping | socat -t3 -T3 - UDP4:" + std::string(kD) + ":7001,sourceport=42001 | grep -q pong");
    // TCP, real stacks: handshake, data both ways, FIN from both; ASSURED.
    d.checked("socat -t3 -T3 TCP4-LISTEN:7002,bind=" + std::string(kD) + ",reuseaddr SYSTEM:\"read l; echo pong\" & "
              "for i in $(seq 50); do ss -tln | grep -q \":7002 \" && break; sleep 0.05; done");
    c.checked("echo ping | socat -t3 -T3 - TCP4:" + std::string(kD) + ":7002,sourceport=42002 | grep -q pong");
    // Past two seconds, a packet of the answered UDP flow makes it a stream
    // (120 s, ASSURED); c has closed its socket and answers port unreachable,
    // RELATED in the original direction.
    std::this_thread::sleep_for(std::chrono::milliseconds(2200));
    send(d, Packet::udp(kD, kC, 7001, 42001).payload("late"));
    // ICMP echo with a fixed id, answered by d's stack.
    send(c, Packet::icmp(kC, kD, 8, 0, 4242, 1));
    // UDP to a closed port: d's port unreachable is RELATED (reply direction).
    send(c, Packet::udp(kC, kD, 42003, 7003).payload("anyone?"));
    // SYN+FIN: INVALID in both trackers, no entry.
    send(c, Packet::tcp(kC, kD, 42004, 7004).flags(tcpflag::SYN | tcpflag::FIN));
    // NOTRACK'ed at d's raw PREROUTING: UNTRACKED.
    send(c, Packet::udp(kC, kD, 42005, 7005).payload("untracked"));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    // Last, a ping: once its answer is in both tables, d has judged all of the above.
    send(c, Packet::icmp(kC, kD, 8, 0, 4243, 1));
    for (const char* file : {"/proc/net/nf_ct", "/proc/net/nf_conntrack"}) {
      bool seen = wait_until([&] {
        for (auto& e : parse_proc_table(d.read_file(file)))
          if (e.l4num == IPPROTO_ICMP && e.orig.id == 4243u && e.reply.packets == 1u) return true;
        return false;
      });
      if (!seen) throw std::runtime_error(std::string("the last ping never showed in ") + file);
    }
  }
};

TEST_F(XtDifferential, EachRuleIsHeldByItsModule) {
  const int rev0 = 2 * rules_of("StateRev0");
  EXPECT_EQ(module_refs("nf_ct_xt"), 2 * static_cast<int>(kRules.size()));
  EXPECT_GE(module_refs("xt_conntrack"), 2 * static_cast<int>(kRules.size()) - rev0);
  EXPECT_EQ(module_refs("xt_state"), rev0) << "the state rules went to another match";
}

TEST_F(XtDifferential, State) { compare("State"); }
TEST_F(XtDifferential, StateRev0) { compare("StateRev0"); }

TEST_F(XtDifferential, Untracked) {
  if (!untracked_) GTEST_SKIP() << "no xt_CT in this kernel: NOTRACK cannot be set";
  compare("Untracked");
}

TEST_F(XtDifferential, Proto) { compare("Proto"); }
TEST_F(XtDifferential, Address) { compare("Address"); }
TEST_F(XtDifferential, Port) { compare("Port"); }
TEST_F(XtDifferential, Status) { compare("Status"); }
TEST_F(XtDifferential, Expire) { compare("Expire"); }
TEST_F(XtDifferential, Direction) { compare("Direction"); }

// What nf_ct cannot answer is refused when the rule is loaded, not accepted.
TEST_F(XtDifferential, RawTableRulesAreRefused) {
  const NetNs& d = topology_->d;
  EXPECT_NE(d.run("iptables-legacy -w -t raw -A PREROUTING -m conntrack --ctstate NEW 2>/dev/null"), 0);
  EXPECT_NE(d.run("iptables-legacy -w -t raw -A OUTPUT -m state --state INVALID 2>/dev/null"), 0);
  EXPECT_EQ(shell("dmesg | grep -q \"nf_ct_xt: conntrack match in the raw table\""), 0);
}
