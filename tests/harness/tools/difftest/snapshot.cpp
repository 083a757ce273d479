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
  return read_until_repeated([&] { return parse_proc_table(ns.read_file(kKernelTable)); },
                             [](const auto& x, const auto& y) { return sorted_keys(x) == sorted_keys(y); });
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
