#include "compare.hpp"

#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>

namespace nfct::difftest {

// Within a namespace, what the kernel hashes an entry by.
std::string entry_identity(const ProcEntry& e) {
  std::ostringstream k;
  k << e.l3num << ' ' << e.l4num << ' ' << e.orig.src << ' ' << e.orig.dst;
  if (e.orig.sport) k << " sport=" << *e.orig.sport << " dport=" << *e.orig.dport;
  if (e.orig.type) k << " type=" << *e.orig.type << " code=" << *e.orig.code << " id=" << *e.orig.id;
  // GRE's keys are its ports: one address pair has an entry per PPTP call.
  if (e.orig.srckey) k << " srckey=" << *e.orig.srckey << " dstkey=" << e.orig.dstkey.value_or(0);
  if (e.zone) k << " zone=" << *e.zone;
  return k.str();
}

namespace {

bool same_endpoints(const ProcTuple& a, const ProcTuple& b) {
  return a.src == b.src && a.dst == b.dst && a.sport == b.sport && a.dport == b.dport && a.type == b.type &&
         a.code == b.code && a.id == b.id;
}

template <typename T>
bool within_one(const std::optional<T>& a, const std::optional<T>& b) {
  if (!a || !b) return a.has_value() == b.has_value();
  return (*a > *b ? *a - *b : *b - *a) <= 1;
}

std::string differing_fields(const ProcEntry& k, const ProcEntry& o) {
  std::string f;
  auto add = [&f](const char* name) { f += f.empty() ? name : std::string(" ") + name; };
  if (k.l4 != o.l4) add("l4");
  if (!same_endpoints(k.reply, o.reply)) add("reply-tuple");
  if (k.state != o.state) add("state");
  if (k.assured != o.assured) add("assured");
  if (k.unreplied != o.unreplied) add("unreplied");
  if (k.orig.packets != o.orig.packets) add("orig-packets");
  if (k.orig.bytes != o.orig.bytes) add("orig-bytes");
  if (k.reply.packets != o.reply.packets) add("reply-packets");
  if (k.reply.bytes != o.reply.bytes) add("reply-bytes");
  if (!within_one(k.timeout, o.timeout)) add("timeout");
  if (k.mark != o.mark) add("mark");
  if (!within_one(k.delta_time, o.delta_time)) add("delta-time");
  return f;
}

bool about_to_expire(const ProcEntry& e) { return e.timeout && *e.timeout <= 1; }

}  // namespace

std::string Disagreement::signature() const {
  const ProcEntry* any = kernel ? &*kernel : &*ours;
  return "l4=" + (any ? any->l4 : std::string("?")) + " fields=" + fields + " kernel=" + (kernel ? kernel->line : "-") +
         " nf_ct=" + (ours ? ours->line : "-");
}

Comparison compare_tables(const std::string& ns, const std::vector<ProcEntry>& kernel,
                          const std::vector<ProcEntry>& ours) {
  Comparison c;
  std::map<std::string, const ProcEntry*> by_id;
  for (auto& o : ours) {
    if (!by_id.emplace(entry_identity(o), &o).second)
      c.disagreements.push_back({ns, "duplicate-in-nf_ct", std::nullopt, o});
  }
  for (auto& k : kernel) {
    auto it = by_id.find(entry_identity(k));
    if (it == by_id.end()) {
      if (about_to_expire(k)) {
        c.expiring++;
        continue;
      }
      c.compared++;
      c.disagreements.push_back({ns, "missing-in-nf_ct", k, std::nullopt});
      continue;
    }
    const ProcEntry& o = *it->second;
    by_id.erase(it);
    c.compared++;
    std::string f = differing_fields(k, o);
    if (f.empty())
      c.agreed++;
    else
      c.disagreements.push_back({ns, f, k, o});
  }
  for (auto& [id, o] : by_id) {
    if (about_to_expire(*o)) {
      c.expiring++;
      continue;
    }
    c.compared++;
    c.disagreements.push_back({ns, "missing-in-kernel", std::nullopt, *o});
  }
  return c;
}

std::vector<KnownDifference> parse_known_differences(const std::string& text) {
  std::vector<KnownDifference> out;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); n++) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    std::string reason = tab == std::string::npos ? "" : line.substr(tab + 1);
    if (reason.find_first_not_of(" \t") == std::string::npos)
      throw std::runtime_error("known differences, line " + std::to_string(n) + ": no reason given");
    std::string pattern = line.substr(0, tab);
    try {
      out.push_back({pattern, reason, std::regex(pattern)});
    } catch (const std::regex_error& e) {
      throw std::runtime_error("known differences, line " + std::to_string(n) + ": " + e.what());
    }
  }
  return out;
}

const KnownDifference* find_known(const std::vector<KnownDifference>& known, const Disagreement& d) {
  const std::string sig = d.signature();
  for (auto& k : known)
    if (std::regex_search(sig, k.re)) return &k;
  return nullptr;
}

}  // namespace nfct::difftest
