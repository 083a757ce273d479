// Network namespaces and veth pairs that exist exactly as long as the objects
// that made them. Setup uses iproute2, as a person would; packets are sent
// from sockets opened inside the namespace.
#pragma once

#include <string>

#include "fd.hpp"

namespace nfct {

// Runs a shell command; returns its exit status (or -1 if it did not exit).
int shell(const std::string& cmd);
// Runs a shell command and returns what it printed on stdout.
std::string shell_output(const std::string& cmd);
// Throws std::runtime_error unless the command exits 0.
void shell_checked(const std::string& cmd);
// Whether /proc/modules lists the module (loaded or still unloading).
bool module_loaded(const std::string& module);

class NetNs {
 public:
  // Creates the namespace with loopback up; the name gets a per-process suffix.
  explicit NetNs(const std::string& base_name);
  ~NetNs();
  NetNs(const NetNs&) = delete;
  NetNs& operator=(const NetNs&) = delete;

  const std::string& name() const { return name_; }
  // A command line prefix that runs a program inside the namespace.
  std::string exec_prefix() const { return "ip netns exec " + name_ + " "; }
  int run(const std::string& cmd) const;
  std::string output(const std::string& cmd) const;
  void checked(const std::string& cmd) const;
  // Reads a file as seen from inside the namespace (e.g. /proc/net/nf_ct).
  std::string read_file(const std::string& path) const;

 private:
  std::string name_;
};

// Moves the calling thread into a namespace until destroyed. Sockets opened
// meanwhile stay in that namespace for life.
class ScopedNetnsEnter {
 public:
  explicit ScopedNetnsEnter(const NetNs& ns);
  ~ScopedNetnsEnter();
  ScopedNetnsEnter(const ScopedNetnsEnter&) = delete;
  ScopedNetnsEnter& operator=(const ScopedNetnsEnter&) = delete;

 private:
  Fd original_;
};

// A veth pair between two namespaces, each end addressed (CIDR) and up.
class VethPair {
 public:
  VethPair(const NetNs& a, const std::string& addr_a, const NetNs& b, const std::string& addr_b);
  // The same with chosen interface names, for a namespace with several links.
  VethPair(const NetNs& a, const std::string& addr_a, const std::string& if_a, const NetNs& b,
           const std::string& addr_b, const std::string& if_b);
  ~VethPair();
  VethPair(const VethPair&) = delete;
  VethPair& operator=(const VethPair&) = delete;

  const std::string& if_a() const { return if_a_; }
  const std::string& if_b() const { return if_b_; }

 private:
  const NetNs& a_;
  std::string if_a_;
  std::string if_b_;
};

}  // namespace nfct
