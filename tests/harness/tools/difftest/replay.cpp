#include "replay.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "wait.hpp"

namespace nfct::difftest {

namespace {

// The MAC the router's end answers to: replayed frames are rewritten to it.
constexpr const char* kRouterMac = "02:00:00:00:00:01";

// A scratch directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nfct-replay.XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

Capture::Capture(const Topology& topo, const std::string& file) : file_(file) {
  // Whole checksums too (tx off): a replayed frame must carry what the
  // trackers saw, corruption by netem included, with nothing to fix.
  const char* offloads = "tso off gso off gro off tx off";
  for (size_t i = 0; i < topo.hosts(); i++) {
    topo.host(i).checked(std::string("ethtool -K eth0 ") + offloads + " >/dev/null");
    topo.router().checked("ethtool -K h" + std::to_string(i) + " " + offloads + " >/dev/null");
  }
  std::filesystem::remove(file_);
  tcpdump_ = std::make_unique<Child>(std::vector<std::string>{"ip", "netns", "exec", topo.router().name(), "tcpdump",
                                                               "-q", "-Z", "root", "-i", "h0", "-s", "0", "-U",
                                                               "-w", file_});
  // tcpdump writes the file header once it is capturing.
  if (!wait_until([&] {
        struct stat st {};
        return ::stat(file_.c_str(), &st) == 0 && st.st_size >= 24;
      }))
    throw std::runtime_error("tcpdump did not start on h0");
}

Capture::~Capture() { tcpdump_->stop(); }

ReplayBed::ReplayBed() {
  router_.checked(std::string("ip link set in0 down && ip link set in0 address ") + kRouterMac +
                  " && ip link set in0 up && sysctl -qw net.ipv4.ip_forward=1 && "
                  "sysctl -qw net.ipv4.conf.all.rp_filter=0 && sysctl -qw net.ipv4.conf.in0.rp_filter=0 && "
                  "ip link add dummy0 type dummy && ip link set dummy0 up && ip route add default dev dummy0");
}

void ReplayBed::feed(const std::string& file) {
  TempDir tmp;
  std::string pcap = file;
  if (file.size() > 3 && file.compare(file.size() - 3, 3, ".gz") == 0) {
    pcap = (tmp.path() / "capture.pcap").string();
    shell_checked("gzip -dc '" + file + "' > '" + pcap + "'");
  }
  // Frames to the router's MAC; nothing else changes (checksums were
  // whole when recorded, and a corrupt one must stay corrupt).
  const std::string rewritten = (tmp.path() / "replay.pcap").string();
  shell_checked("tcprewrite --infile='" + pcap + "' --outfile='" + rewritten + "' --enet-dmac=" + kRouterMac);
  // Twice the recorded speed keeps the recorded order and roughly its pacing.
  shell_checked(feeder_.exec_prefix() + "tcpreplay -q --intf1=out0 --multiplier=2 '" + rewritten + "' >/dev/null");
}

}  // namespace nfct::difftest
