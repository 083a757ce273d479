// nfct_difftest: the differential oracle on real traffic. The kernel's
// nf_conntrack (enable_hooks=1 acct=1 tstamp=1) and nf_ct must both be
// loaded; this builds the namespaces, drives seeded rounds of traffic, and
// at each quiet point (traffic stopped, both tables still) compares every
// namespace's two tables entry by entry.
//
//   nfct_difftest --seed N --duration S [--known FILE] [--tap FILE]
//                 [--hosts N] [--parallel N] [--flows MIN:MAX] [--no-impair]
//                 [--capture FILE.pcap]
//   nfct_difftest --replay FILE.pcap[.gz] [--known FILE] [--tap FILE] [--min-entries N]
//
// --capture records host 0's link (seen from the router, after both
// directions' netem) for the replay corpus, with segmentation and checksum
// offloads off so that every frame fits the link and carries its true sum. --replay feeds such a capture into a
// router namespace with tcpreplay and compares that namespace's tables.
//
// Prints every disagreement with both lines and the seed, then one summary
// line "difftest: seed=... agreement=...%". Exits 1 on any disagreement not
// in the known-differences file, on a quiet point that never came, or on a
// snapshot that compared fewer entries than its round had flows (or than
// --min-entries). A disagreement counts when 3 of 5 readings show it
// (snapshot.hpp).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "compare.hpp"
#include "replay.hpp"
#include "snapshot.hpp"
#include "proc_table.hpp"
#include "traffic.hpp"
#include "wait.hpp"

using namespace nfct;
using namespace nfct::difftest;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Options {
  uint64_t seed = 1;
  unsigned duration = 60;
  unsigned hosts = 4;
  unsigned parallel = 6;
  size_t min_flows = 10, max_flows = 40;
  size_t min_entries = 1;  // a snapshot comparing fewer fails
  bool impair = true;
  std::string known, tap, capture, replay;
};

[[noreturn]] void usage() {
  std::cerr << "usage: nfct_difftest --seed N --duration S [--known FILE] [--tap FILE] [--hosts N] "
               "[--parallel N] [--flows MIN:MAX] [--no-impair] [--capture FILE.pcap]\n"
               "       nfct_difftest --replay FILE.pcap[.gz] [--known FILE] [--tap FILE] [--min-entries N]\n";
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    try {
      if (a == "--seed") o.seed = std::stoull(value());
      else if (a == "--duration") o.duration = static_cast<unsigned>(std::stoul(value()));
      else if (a == "--hosts") o.hosts = static_cast<unsigned>(std::stoul(value()));
      else if (a == "--parallel") o.parallel = static_cast<unsigned>(std::stoul(value()));
      else if (a == "--known") o.known = value();
      else if (a == "--tap") o.tap = value();
      else if (a == "--no-impair") o.impair = false;
      else if (a == "--capture") o.capture = value();
      else if (a == "--replay") o.replay = value();
      else if (a == "--min-entries") o.min_entries = std::stoul(value());
      else if (a == "--flows") {
        std::string v = value();
        size_t colon = v.find(':');
        if (colon == std::string::npos) usage();
        o.min_flows = std::stoul(v.substr(0, colon));
        o.max_flows = std::stoul(v.substr(colon + 1));
      } else usage();
    } catch (const std::logic_error&) {
      usage();
    }
  }
  if (o.hosts < 2 || o.parallel < 1 || o.min_flows > o.max_flows) usage();
  return o;
}

struct Namespace {
  std::string label;
  const NetNs* ns;
};

std::vector<ProcEntry> read_table(const NetNs& ns, const char* file) { return parse_proc_table(ns.read_file(file)); }

std::string keys(const std::vector<ProcEntry>& t) {
  std::string out;
  for (auto& k : sorted_keys(t)) out += k + "\n";
  return out;
}

// Everything that moves when a packet is tracked, in every table.
std::string activity(const std::vector<Namespace>& all) {
  std::string out;
  for (auto& n : all) out += keys(read_table(*n.ns, kKernelTable)) + keys(read_table(*n.ns, kOurTable));
  return out;
}

// A quiet point: the tables unchanged for a whole second (late
// retransmissions and netem's delayed copies have landed), bounded.
bool settle(const std::vector<Namespace>& all) {
  std::string last = activity(all);
  auto still_since = Clock::now();
  return wait_until(
      [&] {
        std::string now = activity(all);
        if (now != last) {
          last = std::move(now);
          still_since = Clock::now();
          return false;
        }
        return Clock::now() - still_since >= 1s;
      },
      60s, 200ms);
}

// How an entry looked when last seen, for the census: "tcp TIME_WAIT ASSURED".
std::string category(const ProcEntry& e) {
  std::string c = e.l4;
  if (!e.state.empty()) c += " " + e.state;
  if (e.assured) c += " ASSURED";
  if (e.unreplied) c += " UNREPLIED";
  return c;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse_args(argc, argv);
  std::vector<KnownDifference> known;
  if (!opt.known.empty()) known = parse_known_differences(read_text(opt.known));

  std::mt19937_64 rng(opt.seed);
  // Exactly one of the two test beds, with the namespaces it compares.
  std::optional<Topology> topo;
  std::optional<ReplayBed> replay;
  std::vector<Namespace> all;
  if (opt.replay.empty()) {
    std::cout << "difftest: seed=" << opt.seed << " duration=" << opt.duration << "s hosts=" << opt.hosts
              << (opt.impair ? "" : " no impairment") << std::endl;
    topo.emplace(opt.hosts, rng, opt.impair);
    for (auto& line : topo->impairments()) std::cout << "  netem " << line << "\n";
    all.push_back({"router", &topo->router()});
    for (size_t i = 0; i < topo->hosts(); i++) all.push_back({"h" + std::to_string(i), &topo->host(i)});
  } else {
    std::cout << "difftest: replay of " << opt.replay << std::endl;
    replay.emplace();
    all.push_back({"replay-router", &replay->router()});
  }

  // What reproduces a disagreement: the seed, or the capture replayed.
  const std::string origin = opt.replay.empty() ? "seed=" + std::to_string(opt.seed) : "replay=" + opt.replay;
  std::ostringstream tap;
  size_t snapshots = 0, compared = 0, agreed = 0, expiring = 0, listed = 0, unlisted = 0, flows = 0, failed = 0;
  bool all_quiet = true, all_enough = true;
  std::map<std::string, std::string> seen;  // "ns|identity" -> category when last seen
  const auto began = Clock::now();
  // A snapshot must compare at least @min_entries entries: one that
  // compared nothing (a table never read, a topology that carried nothing)
  // proves nothing.
  auto judge = [&](const std::string& when, size_t min_entries) {
    bool quiet = settle(all);
    all_quiet = all_quiet && quiet;
    snapshots++;
    size_t snap_compared = 0, snap_agreed = 0, snap_unlisted = 0;
    for (auto& n : all) {
      auto [c, kernel] = snapshot(n.label, *n.ns);
      for (auto& e : kernel) seen[n.label + "|" + entry_identity(e)] = category(e);
      snap_compared += c.compared;
      snap_agreed += c.agreed;
      expiring += c.expiring;
      for (auto& d : c.disagreements) {
        const KnownDifference* k = find_known(known, d);
        std::cout << (k ? "LISTED" : "DISAGREE") << " " << origin << " snapshot=" << snapshots << " ns=" << d.ns
                  << " fields=" << d.fields << "\n  kernel: " << (d.kernel ? d.kernel->line : "-")
                  << "\n  nf_ct:  " << (d.ours ? d.ours->line : "-") << "\n";
        if (k)
          std::cout << "  deliberate: " << k->reason << "\n";
        (k ? listed : snap_unlisted)++;
      }
    }
    compared += snap_compared;
    agreed += snap_agreed;
    unlisted += snap_unlisted;
    const bool enough = snap_compared >= min_entries;
    all_enough = all_enough && enough;
    tap << (snap_unlisted == 0 && quiet && enough ? "ok " : "not ok ") << snapshots << " - " << when << ": "
        << snap_compared << " entries, " << snap_agreed << " agree, " << snap_unlisted << " unlisted disagreements"
        << (quiet ? "" : " (tables never went quiet)")
        << (enough ? "" : " (fewer than " + std::to_string(min_entries) + " entries compared)") << "\n";
    std::cout << "snapshot " << snapshots << " (" << when << "): " << snap_compared << " entries, " << snap_agreed
              << " agree" << (quiet ? "" : ", tables never went quiet") << std::endl;
  };

  if (replay) {
    replay->feed(opt.replay);
  } else {
    std::optional<Capture> capture;
    if (!opt.capture.empty()) capture.emplace(*topo, opt.capture);
    Servers servers(*topo);
    Clients clients(*topo);
    Clock::duration traffic{};
    for (unsigned round = 1; traffic < std::chrono::seconds(opt.duration); round++) {
      auto plan = plan_round(rng, topo->hosts(), opt.min_flows, opt.max_flows);
      auto start = Clock::now();
      RoundStats s = clients.run(plan, opt.parallel);
      traffic += Clock::now() - start;
      flows += s.flows;
      failed += s.failed;
      // Every flow of the round left an entry, at its client at least.
      judge("after round " + std::to_string(round) + " (" + std::to_string(s.flows) + " flows)",
            std::max(opt.min_entries, s.flows));
    }
    // The end: abandoned connections closed, the servers gone.
    clients.close_abandoned();
  }
  judge("end", opt.min_entries);

  // The census: distinct entries (per namespace) over the run, as last seen.
  std::map<std::string, size_t> census;
  for (auto& [id, cat] : seen) census[cat]++;
  std::cout << "census: " << seen.size() << " distinct entries in " << all.size() << " namespaces over "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - began).count() << " s\n";
  for (auto& [cat, n] : census) std::cout << "  " << n << " " << cat << "\n";
  const double pct = compared ? 100.0 * static_cast<double>(agreed) / static_cast<double>(compared) : 100.0;
  char pct_text[32];
  std::snprintf(pct_text, sizeof(pct_text), "%.2f", pct);
  std::cout << "difftest: " << origin << " flows=" << flows << " flows_incomplete=" << failed
            << " snapshots=" << snapshots << " compared=" << compared << " agreed=" << agreed
            << " listed=" << listed << " unlisted=" << unlisted << " expiring=" << expiring
            << " agreement=" << pct_text << "%" << std::endl;
  if (!opt.tap.empty()) {
    std::ofstream out(opt.tap);
    out << "TAP version 13\n" << tap.str() << "1.." << snapshots << "\n";
  }
  return unlisted == 0 && all_quiet && all_enough ? 0 : 1;
}
