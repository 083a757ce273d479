#include "netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace nfct {

int shell(const std::string& cmd) {
  int status = std::system(cmd.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::string shell_output(const std::string& cmd) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(cmd.c_str(), "r"), ::pclose);
  if (!pipe) throw std::runtime_error("popen failed: " + cmd);
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  return out;
}

void shell_checked(const std::string& cmd) {
  int rc = shell(cmd);
  if (rc != 0) throw std::runtime_error("command failed (" + std::to_string(rc) + "): " + cmd);
}

bool module_loaded(const std::string& module) {
  std::ifstream modules("/proc/modules");
  for (std::string line; std::getline(modules, line);)
    if (line.starts_with(module + ' ')) return true;
  return false;
}

namespace {
std::string unique_suffix() {
  static std::atomic<int> counter{0};
  return std::to_string(::getpid()) + "-" + std::to_string(counter++);
}
}  // namespace

NetNs::NetNs(const std::string& base_name) : name_("nfct-" + base_name + "-" + unique_suffix()) {
  shell_checked("ip netns add " + name_);
  shell_checked(exec_prefix() + "ip link set lo up");
}

NetNs::~NetNs() { shell("ip netns del " + name_ + " 2>/dev/null"); }

int NetNs::run(const std::string& cmd) const { return shell(exec_prefix() + "sh -c '" + cmd + "'"); }

std::string NetNs::output(const std::string& cmd) const {
  return shell_output(exec_prefix() + "sh -c '" + cmd + "'");
}

void NetNs::checked(const std::string& cmd) const { shell_checked(exec_prefix() + "sh -c '" + cmd + "'"); }

std::string NetNs::read_file(const std::string& path) const {
  // /proc/net follows the reading thread's namespace.
  ScopedNetnsEnter enter(*this);
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path + " in " + name_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ScopedNetnsEnter::ScopedNetnsEnter(const NetNs& ns) : original_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
  if (!original_) throw std::runtime_error("cannot open own netns");
  Fd target(::open(("/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC));
  if (!target || ::setns(target.get(), CLONE_NEWNET) != 0)
    throw std::runtime_error("cannot enter netns " + ns.name());
}

ScopedNetnsEnter::~ScopedNetnsEnter() { ::setns(original_.get(), CLONE_NEWNET); }

VethPair::VethPair(const NetNs& a, const std::string& addr_a, const NetNs& b, const std::string& addr_b)
    : VethPair(a, addr_a, "veth0", b, addr_b, "veth1") {}

VethPair::VethPair(const NetNs& a, const std::string& addr_a, const std::string& if_a, const NetNs& b,
                   const std::string& addr_b, const std::string& if_b)
    : a_(a), if_a_(if_a), if_b_(if_b) {
  shell_checked("ip link add " + if_a_ + " netns " + a.name() + " type veth peer name " + if_b_ + " netns " +
                b.name());
  a.checked("ip addr add " + addr_a + " dev " + if_a_ + " && ip link set " + if_a_ + " up");
  b.checked("ip addr add " + addr_b + " dev " + if_b_ + " && ip link set " + if_b_ + " up");
}

VethPair::~VethPair() { a_.run("ip link del " + if_a_ + " 2>/dev/null"); }

}  // namespace nfct
