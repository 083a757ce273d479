#include "snapshot.hpp"

#include <algorithm>
#include <map>

namespace nfct::difftest {

namespace {

// What a disagreement is recognised by across readings: the entry and the
// fields, not the lines (timeouts and delta-time move between reads).
std::string identity(const Disagreement& d) {
  return d.fields + " " + entry_identity(d.kernel ? *d.kernel : *d.ours);
}

Snapshot read_once(const std::string& label, const NetNs& ns) {
  auto kernel = read_kernel_table(ns);
  auto ours = parse_proc_table(ns.read_file(kOurTable));
  auto c = compare_tables(label, kernel, ours);
  return {std::move(c), std::move(kernel)};
}

}  // namespace

std::vector<ProcEntry> read_kernel_table(const NetNs& ns) {
  // A reading is whole when it lists at least the namespace's count read
  // after it: a skipped line leaves it short. Two short readings can agree
  // (while another namespace's entries are freed, for seconds on the debug
  // kernel, the same lines can fall after a page boundary), so agreement
  // alone is not enough. Under traffic the count also holds unconfirmed
  // entries and may not be met: then two agreeing readings are taken.
  constexpr int kMaxReads = 20;
  auto whole = [&](const std::vector<ProcEntry>& t) {
    return t.size() >= std::stoul(ns.read_file(kKernelCount));
  };
  auto last = parse_proc_table(ns.read_file(kKernelTable));
  bool last_whole = whole(last);
  std::vector<ProcEntry> agreed;
  for (int reads = 1; reads < kMaxReads; reads++) {
    auto now = parse_proc_table(ns.read_file(kKernelTable));
    const bool now_whole = whole(now);
    if (sorted_keys(now) == sorted_keys(last)) {
      if (now_whole || last_whole) return now_whole ? now : last;
      if (agreed.empty()) agreed = now;
    }
    last = std::move(now);
    last_whole = now_whole;
  }
  return agreed.empty() ? last : agreed;
}

Snapshot snapshot(const std::string& label, const NetNs& ns) {
  constexpr int kReadings = 5, kMajority = 3;
  Snapshot first = read_once(label, ns);
  if (first.comparison.disagreements.empty()) return first;
  std::map<std::string, int> seen;
  for (auto& d : first.comparison.disagreements) seen[identity(d)]++;
  for (int i = 1; i < kReadings; i++)
    for (auto& d : read_once(label, ns).comparison.disagreements) seen[identity(d)]++;
  auto& ds = first.comparison.disagreements;
  const size_t before = ds.size();
  ds.erase(std::remove_if(ds.begin(), ds.end(), [&](const Disagreement& d) { return seen[identity(d)] < kMajority; }),
           ds.end());
  // A passing disagreement was an entry judged equal in the other readings.
  first.comparison.agreed += before - ds.size();
  return first;
}

}  // namespace nfct::difftest
