// The difftest generator: hosts in their own namespaces around a router
// namespace, seeded netem impairments on every link, servers on every host,
// and rounds of seeded client flows between them. Every decision (which
// flows, sizes, close style, netem parameters) comes from the seed; only
// real-time scheduling and netem's own in-kernel randomness do not.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fd.hpp"
#include "netns.hpp"

namespace nfct::difftest {

// Every namespace whose tables are compared: the router and the hosts.
class Topology {
 public:
  Topology(unsigned hosts, std::mt19937_64& rng, bool impair);
  ~Topology();
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  const NetNs& router() const { return router_; }
  size_t hosts() const { return hosts_.size(); }
  const NetNs& host(size_t i) const { return *hosts_[i]; }
  static std::string host_addr(size_t i) { return "10.77." + std::to_string(i) + ".2"; }
  static std::string gateway(size_t i) { return "10.77." + std::to_string(i) + ".1"; }
  // Routed by the router to a dummy device: packets to it are forwarded and vanish.
  static std::string silent_addr() { return "10.77.99.99"; }
  // What netem was told on each link, for the report.
  const std::vector<std::string>& impairments() const { return impairments_; }

 private:
  NetNs router_{"dt-router"};
  std::vector<std::unique_ptr<NetNs>> hosts_;
  std::vector<std::unique_ptr<VethPair>> links_;  // after hosts_: deleted first
  std::vector<std::string> impairments_;
};

// The listening side on every host, until destroyed:
//   TCP 80: a request header (request length, response length, close style),
//           the request, the response, then the close the header asked for;
//   UDP 53: answers each datagram with as many bytes as its first two ask;
//   UDP 5001: a sink that never answers.
// TCP 81 and UDP 9 are left closed, for RSTs and ICMP port unreachable.
class Servers {
 public:
  explicit Servers(const Topology& topo);
  ~Servers();
  Servers(const Servers&) = delete;
  Servers& operator=(const Servers&) = delete;

 private:
  void tcp_accept_loop(int listener);
  void udp_echo_loop(int sock);
  void udp_sink_loop(int sock);
  void tcp_session(Fd conn);

  std::atomic<bool> stop_{false};
  std::vector<Fd> sockets_;
  std::mutex sessions_mutex_;
  std::vector<std::jthread> sessions_;
  std::vector<std::jthread> loops_;  // last: joined before the sockets close
};

enum class FlowKind {
  kTcpRequest,    // request/response, closed by FIN from either side
  kTcpBulkUp,     // large request, small response
  kTcpBulkDown,   // small request, large response
  kTcpClientRst,  // the client aborts (RST) after the exchange
  kTcpServerRst,  // the server aborts after its response
  kTcpAbandoned,  // established, then left idle and open until the end
  kTcpHalfOpen,   // SYNs to an address that never answers
  kTcpRefused,    // SYN to a closed port: RST back
  kUdpRequest,    // requests to the echo port, each answered
  kUdpStream,     // one-way datagrams to the sink
  kUdpUnreachable,  // to a closed port: ICMP port unreachable
  kPing,          // ICMP echo
  kTraceroute,    // UDP probes with TTL 1, 2, 3: time exceeded, then port unreachable
};
const char* flow_name(FlowKind k);

struct Flow {
  FlowKind kind;
  size_t client, server;  // host indices
  uint32_t request = 0, response = 0, count = 1;
  uint32_t hold_ms = 0;  // kTcpHalfOpen: how long the connect is left trying
};

struct RoundStats {
  size_t flows = 0, failed = 0;
};

// Plans one round of flows from the generator.
std::vector<Flow> plan_round(std::mt19937_64& rng, size_t hosts, size_t min_flows, size_t max_flows);

class Clients {
 public:
  explicit Clients(const Topology& topo) : topo_(topo) {}
  // Runs the flows, at most @parallel at a time; returns when all are done.
  RoundStats run(const std::vector<Flow>& flows, unsigned parallel);
  // Closes the abandoned connections (with FIN), so the end sees them go.
  void close_abandoned();

 private:
  bool run_flow(const Flow& f);
  bool tcp_exchange(const Flow& f, uint32_t mode);
  const Topology& topo_;
  std::mutex abandoned_mutex_;
  std::vector<Fd> abandoned_;
};

}  // namespace nfct::difftest
