// The differential oracle's judgement: two snapshots of one namespace's
// table, the kernel's /proc/net/nf_conntrack and nf_ct's /proc/net/nf_ct,
// matched by original tuple and compared field by field. Pure userspace, so
// the unit tests can hand it tables.
#pragma once

#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "proc_table.hpp"

namespace nfct::difftest {

struct Disagreement {
  std::string ns;
  std::string fields;  // what differs, e.g. "state packets" or "missing"
  std::optional<ProcEntry> kernel, ours;

  // The text a known-difference pattern is matched against:
  // "l4=tcp fields=state kernel=<line> nf_ct=<line>" (a missing side is "-").
  std::string signature() const;
};

struct Comparison {
  size_t compared = 0;  // entries judged (present in either table)
  size_t agreed = 0;
  size_t expiring = 0;  // in one table with timeout <= 1 s, gone from the other: not judged
  std::vector<Disagreement> disagreements;
};

// What an entry is matched by: protocol, original tuple, zone.
std::string entry_identity(const ProcEntry& e);

// Tolerances: timeouts and delta-time within 1 s (the tables are read one
// after the other and both print floored seconds); everything else exact.
Comparison compare_tables(const std::string& ns, const std::vector<ProcEntry>& kernel,
                          const std::vector<ProcEntry>& ours);

// A deliberate difference: an ECMAScript regex searched in a signature, and
// why the difference is meant to be.
struct KnownDifference {
  std::string pattern;
  std::string reason;
  std::regex re;
};

// The file has one difference per line, "PATTERN<TAB>REASON"; '#' starts a
// comment line. Throws std::runtime_error on a line without a reason or
// with a bad pattern: an unexplained exemption is not allowed.
std::vector<KnownDifference> parse_known_differences(const std::string& text);
const KnownDifference* find_known(const std::vector<KnownDifference>& known, const Disagreement& d);

}  // namespace nfct::difftest
