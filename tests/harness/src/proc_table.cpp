#include "proc_table.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>
#include <stdexcept>

namespace nfct {

namespace {

std::vector<std::string_view> split_spaces(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

template <typename T>
bool to_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool is_upper_word(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9'))) return false;
  return true;
}

}  // namespace

std::vector<std::string> sorted_keys(const std::vector<ProcEntry>& table) {
  std::vector<std::string> keys;
  for (auto& e : table) keys.push_back(e.key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::string ProcEntry::key() const {
  std::ostringstream k;
  auto tuple = [&k](const ProcTuple& t) {
    k << t.src << ' ' << t.dst;
    if (t.sport) k << " sport=" << *t.sport << " dport=" << *t.dport;
    if (t.type) k << " type=" << *t.type << " code=" << *t.code << " id=" << *t.id;
    if (t.srckey) k << " srckey=" << *t.srckey << " dstkey=" << t.dstkey.value_or(0);
    if (t.packets) k << " packets=" << *t.packets << " bytes=" << *t.bytes;
  };
  k << l3 << ' ' << l4num << ' ' << state;
  if (gre_timeout) k << " timeout=" << *gre_timeout << " stream_timeout=" << gre_stream_timeout.value_or(0);
  k << " | ";
  tuple(orig);
  k << " | ";
  tuple(reply);
  k << (unreplied ? " UNREPLIED" : "") << (assured ? " ASSURED" : "");
  return k.str();
}

std::optional<ProcEntry> parse_proc_line(std::string_view line, std::string* error) {
  auto fail = [error](const std::string& why) -> std::optional<ProcEntry> {
    if (error) *error = why;
    return std::nullopt;
  };
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  auto w = split_spaces(line);
  ProcEntry e;
  e.line = std::string(line);
  if (w.size() < 6) return fail("too few fields");
  e.l3 = w[0];
  if (!to_number(w[1], e.l3num)) return fail("bad l3 number");
  e.l4 = w[2];
  if (!to_number(w[3], e.l4num)) return fail("bad l4 number");
  size_t i = 4;
  long timeout;
  if (to_number(w[i], timeout)) {
    e.timeout = timeout;
    ++i;
  }
  if (i < w.size() && is_upper_word(w[i])) e.state = w[i++];

  // Then: orig tuple [zone-orig] [acct] [UNREPLIED] reply tuple [zone-reply] [acct] [flags] key=values... use=N
  int tuple_no = 0;
  ProcTuple* t = nullptr;
  for (; i < w.size(); ++i) {
    std::string_view f = w[i];
    if (f == "[UNREPLIED]") {
      e.unreplied = true;
      continue;
    }
    if (f == "[ASSURED]") {
      e.assured = true;
      continue;
    }
    if (f == "[OFFLOAD]" || f == "[HW_OFFLOAD]") continue;
    size_t eq = f.find('=');
    if (eq == std::string_view::npos) return fail("unexpected field " + std::string(f));
    std::string_view k = f.substr(0, eq), v = f.substr(eq + 1);
    if (k == "src") {
      if (++tuple_no > 2) return fail("more than two tuples");
      t = tuple_no == 1 ? &e.orig : &e.reply;
      t->src = v;
    } else if (k == "dst" && t) {
      t->dst = v;
    } else if ((k == "sport" || k == "dport") && t) {
      uint16_t p;
      if (!to_number(v, p)) return fail("bad port");
      (k == "sport" ? t->sport : t->dport) = p;
    } else if ((k == "type" || k == "code" || k == "id") && t) {
      unsigned n;
      if (!to_number(v, n)) return fail("bad icmp field");
      (k == "type" ? t->type : k == "code" ? t->code : t->id) = n;
    } else if ((k == "packets" || k == "bytes") && t) {
      uint64_t n;
      if (!to_number(v, n)) return fail("bad counter");
      (k == "packets" ? t->packets : t->bytes) = n;
    } else if (k == "mark") {
      unsigned n;
      if (!to_number(v, n)) return fail("bad mark");
      e.mark = n;
    } else if (k == "zone") {
      unsigned n;
      if (!to_number(v, n)) return fail("bad zone");
      e.zone = n;
    } else if (k == "delta-time") {
      uint64_t n;
      if (!to_number(v, n)) return fail("bad delta-time");
      e.delta_time = n;
    } else if (k == "use") {
      if (!to_number(v, e.use)) return fail("bad use");
      if (i + 1 != w.size()) return fail("use= is not last");
    } else if ((k == "srckey" || k == "dstkey") && t) {
      unsigned n;
      if (v.substr(0, 2) != "0x") return fail("bad gre key");
      auto [p, ec] = std::from_chars(v.data() + 2, v.data() + v.size(), n, 16);
      if (ec != std::errc() || p != v.data() + v.size()) return fail("bad gre key");
      (k == "srckey" ? t->srckey : t->dstkey) = n;
    } else if ((k == "timeout" || k == "stream_timeout") && !t) {
      unsigned n;
      if (!v.empty() && v.back() == ',') v.remove_suffix(1);
      if (!to_number(v, n)) return fail("bad gre timeout");
      (k == "timeout" ? e.gre_timeout : e.gre_stream_timeout) = n;
    } else if (k == "zone-orig" || k == "zone-reply" || k == "secctx") {
      // Printed by configurations nf_ct does not use; accepted so the kernel's lines parse.
    } else {
      return fail("unknown key " + std::string(k));
    }
  }
  if (tuple_no != 2) return fail("expected two tuples");
  if (e.use == 0) return fail("missing use=");
  if (e.orig.dst.empty() || e.reply.dst.empty()) return fail("tuple without dst");
  return e;
}

std::vector<ProcEntry> parse_proc_table(std::string_view text) {
  std::vector<ProcEntry> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    start = nl + 1;
    if (line.empty()) continue;
    std::string why;
    auto e = parse_proc_line(line, &why);
    if (!e) throw std::runtime_error("unparseable proc line (" + why + "): " + std::string(line));
    out.push_back(std::move(*e));
  }
  return out;
}

}  // namespace nfct
