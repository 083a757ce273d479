// Two hosts on one link, each in its own namespace, as most behavioural
// cases need: a (10.99.0.1) and b (10.99.0.2). 10.99.0.99 is a neighbour of
// a that never answers: packets to it leave a and vanish.
//
// The topology is built once per test suite (namespaces are slow to make on
// the debug kernel); each case uses its own ports, so cases stay independent.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "netns.hpp"
#include "packet.hpp"
#include "proc_table.hpp"
#include "wait.hpp"

namespace nfct {

inline constexpr const char* kAddrA = "10.99.0.1";
inline constexpr const char* kAddrB = "10.99.0.2";
inline constexpr const char* kSilent = "10.99.0.99";

// A column of a /proc/net/stat file (e.g. "invalid" of /proc/net/stat/nf_ct),
// summed over its per-CPU rows; ~0UL if there is no such column.
inline unsigned long stat_column(const NetNs& ns, const std::string& file, const std::string& column) {
  std::istringstream in(ns.read_file(file));
  std::string line, word;
  std::getline(in, line);
  std::istringstream header(line);
  size_t index = 0, found = SIZE_MAX;
  for (; header >> word; index++)
    if (word == column) found = index;
  unsigned long sum = 0;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    for (size_t i = 0; row >> word; i++)
      if (i == found) sum += std::stoul(word, nullptr, 16);
  }
  return found == SIZE_MAX ? ~0UL : sum;
}

struct TwoHostTopology {
  NetNs a{"a"};
  NetNs b{"b"};
  VethPair link{a, std::string(kAddrA) + "/24", b, std::string(kAddrB) + "/24"};

  TwoHostTopology() {
    a.checked(std::string("ip neigh add ") + kSilent + " lladdr 02:00:00:00:00:99 dev veth0 nud permanent");
  }
};

class TwoHosts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { topology_ = std::make_unique<TwoHostTopology>(); }
  static void TearDownTestSuite() { topology_.reset(); }

  const NetNs& a = topology_->a;
  const NetNs& b = topology_->b;

  // For suites that set the namespaces up once, in their SetUpTestSuite.
  static const TwoHostTopology& topology() { return *topology_; }

  void send_from(const NetNs& ns, const Packet& p) {
    ScopedNetnsEnter enter(ns);
    RawSender sender;
    sender.send(p);
  }

  static std::vector<ProcEntry> table(const NetNs& ns, const std::string& file = "/proc/net/nf_ct") {
    return parse_proc_table(ns.read_file(file));
  }

  // The entry whose original tuple has this protocol and source port (ICMP: id).
  static std::optional<ProcEntry> find(const NetNs& ns, unsigned proto, unsigned sport_or_id,
                                       const std::string& file = "/proc/net/nf_ct") {
    for (auto& e : table(ns, file)) {
      if (e.l4num != proto) continue;
      if (e.orig.sport == sport_or_id || e.orig.id == sport_or_id) return e;
    }
    return std::nullopt;
  }

  static std::optional<ProcEntry> wait_for(const NetNs& ns, unsigned proto, unsigned sport_or_id,
                                           const std::function<bool(const ProcEntry&)>& ready =
                                               [](const ProcEntry&) { return true; },
                                           const std::string& file = "/proc/net/nf_ct") {
    std::optional<ProcEntry> found;
    wait_until([&] {
      found = find(ns, proto, sport_or_id, file);
      return found && ready(*found);
    });
    return found;
  }

 private:
  static inline std::unique_ptr<TwoHostTopology> topology_;
};

}  // namespace nfct
