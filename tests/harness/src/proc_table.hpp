// Lines of /proc/net/nf_ct (and /proc/net/nf_conntrack, same format) as structs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nfct {

struct ProcTuple {
  std::string src, dst;
  std::optional<uint16_t> sport, dport;         // TCP, UDP, UDP-Lite, SCTP, DCCP
  std::optional<unsigned> type, code, id;       // ICMP
  std::optional<unsigned> srckey, dstkey;       // GRE
  std::optional<uint64_t> packets, bytes;       // with accounting on
  bool operator==(const ProcTuple&) const = default;
};

struct ProcEntry {
  std::string l3;  // "ipv4"
  unsigned l3num = 0;
  std::string l4;  // "tcp", "udp", "icmp", "unknown", ...
  unsigned l4num = 0;
  std::optional<long> timeout;  // absent for offloaded entries
  std::string state;            // TCP (and other stateful protocols); empty otherwise
  std::optional<unsigned> gre_timeout, gre_stream_timeout;  // GRE's "timeout=30, stream_timeout=180"
  ProcTuple orig, reply;
  bool unreplied = false;
  bool assured = false;
  std::optional<unsigned> mark, zone;
  std::optional<uint64_t> delta_time;
  unsigned use = 0;
  std::string line;  // as read, without the newline

  // Everything a differential comparison looks at, minus use= and the clocks.
  std::string key() const;
};

// Parses one line; std::nullopt (and a reason in *error) if it is not in the format.
std::optional<ProcEntry> parse_proc_line(std::string_view line, std::string* error = nullptr);
// Parses a whole file's text; throws std::runtime_error on a bad line.
std::vector<ProcEntry> parse_proc_table(std::string_view text);
// The entries' key()s, sorted: what two reads of a table are compared by.
std::vector<std::string> sorted_keys(const std::vector<ProcEntry>& table);

// Reads a listing until two reads in a row are the same (by @same), at most
// @max_reads times; the last read if they never are. The kernel's
// /proc/net/nf_conntrack skips live lines while entries go (see
// tools/difftest/snapshot.hpp), so one read of it is not a snapshot.
template <typename Read, typename Same>
auto read_until_repeated(Read read, Same same, int max_reads = 20) {
  auto last = read();
  for (int reads = 1; reads < max_reads; reads++) {
    auto now = read();
    if (same(now, last)) return now;
    last = std::move(now);
  }
  return last;
}

}  // namespace nfct
