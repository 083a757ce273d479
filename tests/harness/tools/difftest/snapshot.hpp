// One namespace's two tables read for a differential comparison, and the
// comparison judged over fresh reads.
//
// /proc/net/nf_conntrack is not a snapshot. Each read() returns at most a
// page, and the next resumes by counting entries from the first bucket of
// the kernel's one hash table of all namespaces (ct_get_idx): an entry
// removed meanwhile before that point, in any namespace, makes the next read
// skip a live line, and one added repeats a line. The listing itself kills
// the expired entries it meets (ct_seq_show), so the first read of a table
// holding expired entries the GC has not reached yet loses live lines: 191
// of 1,500 in a stock boot with 375 entries expired among them; the second
// read lost 4, the third none. nf_ct's listing resumes from a cursor in its
// own table (nf_ct_limits: a listing while entries go lists each live one
// once), so only the kernel's side is read again.
#pragma once

#include <string>
#include <vector>

#include "compare.hpp"
#include "netns.hpp"
#include "proc_table.hpp"

namespace nfct::difftest {

inline constexpr const char* kKernelTable = "/proc/net/nf_conntrack";
inline constexpr const char* kOurTable = "/proc/net/nf_ct";
inline constexpr const char* kKernelCount = "/proc/sys/net/netfilter/nf_conntrack_count";  // per netns

// The kernel's table once two reads in a row list the same entries and one
// of them as many as the namespace's count (at most 20 reads; the first
// agreeing pair if no reading is whole, the last reading if none agree).
std::vector<ProcEntry> read_kernel_table(const NetNs& ns);

struct Snapshot {
  Comparison comparison;
  std::vector<ProcEntry> kernel;  // the first reading's kernel table
};

// Both tables compared. A disagreement must be there in at least 3 of 5
// readings to count: one a skipped line or an entry expiring between the
// two tables' reads made is gone in the next, a real one stays.
Snapshot snapshot(const std::string& label, const NetNs& ns);

}  // namespace nfct::difftest
