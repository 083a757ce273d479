#include "traffic.hpp"

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace nfct::difftest {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A flow that has not finished in this long is given up (netem loss can
// stall a connection for several retransmission timeouts).
constexpr auto kFlowLimit = 30s;

sockaddr_in address(const std::string& ip, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (inet_pton(AF_INET, ip.c_str(), &sa.sin_addr) != 1) throw std::runtime_error("bad address " + ip);
  return sa;
}

// Sockets belong to the namespace they were opened in, whichever thread uses them later.
Fd socket_in(const NetNs& ns, int type, int proto = 0) {
  ScopedNetnsEnter enter(ns);
  Fd s(::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto));
  if (!s) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  return s;
}

void set_int(int fd, int level, int opt, int value) {
  if (::setsockopt(fd, level, opt, &value, sizeof(value)) != 0)
    throw std::runtime_error(std::string("setsockopt: ") + std::strerror(errno));
}

// Waits for @events on @fd; false at the deadline or when @stop is raised.
bool wait_fd(int fd, short events, Clock::time_point deadline, const std::atomic<bool>* stop = nullptr) {
  for (;;) {
    if (stop && stop->load()) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<long>(left, 100)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

// Takes one answer (a datagram or echo reply) if it comes within a second:
// it may be lost on the way, and the flow goes on either way.
bool recv_answer(int fd) {
  if (!wait_fd(fd, POLLIN, Clock::now() + std::chrono::seconds(1))) return false;
  std::array<char, 2048> buf{};
  ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
  return true;
}

bool send_all(int fd, const std::vector<char>& buf, Clock::time_point deadline,
              const std::atomic<bool>* stop = nullptr) {
  size_t done = 0;
  while (done < buf.size()) {
    ssize_t n = ::send(fd, buf.data() + done, buf.size() - done, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_fd(fd, POLLOUT, deadline, stop)) return false;
    } else {
      return false;
    }
  }
  return true;
}

bool recv_exact(int fd, char* out, size_t len, Clock::time_point deadline, const std::atomic<bool>* stop = nullptr) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = ::recv(fd, out + done, len - done, MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_fd(fd, POLLIN, deadline, stop)) return false;
    } else {
      return false;  // EOF or error before the whole message
    }
  }
  return true;
}

bool recv_n(int fd, size_t len, Clock::time_point deadline, const std::atomic<bool>* stop = nullptr) {
  std::vector<char> buf(64 * 1024);
  while (len > 0) {
    size_t chunk = std::min(len, buf.size());
    if (!recv_exact(fd, buf.data(), chunk, deadline, stop)) return false;
    len -= chunk;
  }
  return true;
}

// Reads and discards until the peer's FIN (true) or an error/deadline (false).
bool drain_to_eof(int fd, Clock::time_point deadline, const std::atomic<bool>* stop = nullptr) {
  std::array<char, 16384> buf{};
  for (;;) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n == 0) return true;
    if (n > 0) continue;
    if (errno != EAGAIN && errno != EINTR) return false;
    if (!wait_fd(fd, POLLIN, deadline, stop)) return false;
  }
}

void abort_on_close(int fd) {
  linger l{1, 0};  // close() then sends RST instead of FIN
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

// A nonblocking connect, waited for; the socket's error (0 = connected).
int connect_wait(int fd, const sockaddr_in& to, Clock::time_point deadline) {
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof(to)) == 0) return 0;
  if (errno != EINPROGRESS) return errno;
  if (!wait_fd(fd, POLLOUT, deadline)) return ETIMEDOUT;
  int err = 0;
  socklen_t len = sizeof(err);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}

// Waits for an ICMP error on a socket with IP_RECVERR and takes it off the queue.
bool wait_icmp_error(int fd, Clock::time_point deadline) {
  if (!wait_fd(fd, POLLERR, deadline)) return false;
  std::array<char, 512> data{}, control{};
  iovec iov{data.data(), data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  return ::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) >= 0;
}

std::vector<char> pattern(size_t n, char seed) {
  std::vector<char> v(n);
  for (size_t i = 0; i < n; i++) v[i] = static_cast<char>(seed + i);
  return v;
}

// The TCP 80 header: request length, response length, close style.
enum Close : uint32_t {
  kClientFin = 0,  // the client closes first, the server follows
  kServerFin = 1,  // the server closes first after its response
  kServerRst = 2,  // the server aborts once the client says it has the response
  kHold = 3,       // both stay open until the client closes
  kClientRst = 4,  // the client aborts after the response
};

}  // namespace

// --- topology ---------------------------------------------------------------

Topology::Topology(unsigned hosts, std::mt19937_64& rng, bool impair) {
  router_.checked("sysctl -qw net.ipv4.ip_forward=1 && ip link add dummy0 type dummy && "
                  "ip addr add 10.77.99.1/24 dev dummy0 && ip link set dummy0 up");
  for (unsigned i = 0; i < hosts; i++) {
    hosts_.push_back(std::make_unique<NetNs>("dt-h" + std::to_string(i)));
    const NetNs& h = *hosts_.back();
    links_.push_back(std::make_unique<VethPair>(h, host_addr(i) + "/24", "eth0", router_, gateway(i) + "/24",
                                                "h" + std::to_string(i)));
    // Ping sockets (no raw socket needed) for every group.
    h.checked("ip route add default via " + gateway(i) + " && sysctl -qw net.ipv4.ping_group_range=\"0 2147483647\"");
  }
  if (!impair) return;
  // Per link end: delay 1-30 ms with jitter up to half of it, loss and
  // duplication up to 4%, reordering up to 20%, corruption up to 1% (a bad
  // checksum, which both trackers must call invalid where packets come in).
  std::uniform_int_distribution<int> delay(1, 30), loss(0, 40), dup(0, 40), reorder(0, 200), corrupt(0, 10);
  auto netem = [&](const NetNs& ns, const std::string& dev) {
    int d = delay(rng);
    int jitter = std::uniform_int_distribution<int>(0, d / 2)(rng);
    int l = loss(rng), du = dup(rng), r = reorder(rng), c = corrupt(rng);
    // Tenths of a percent.
    auto pct = [](int tenths) { return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "%"; };
    std::string args = "delay " + std::to_string(d) + "ms " + std::to_string(jitter) + "ms loss " + pct(l) +
                       " duplicate " + pct(du) + " reorder " + pct(r) + " 50% corrupt " + pct(c);
    ns.checked("tc qdisc add dev " + dev + " root netem " + args);
    impairments_.push_back(ns.name() + " " + dev + ": " + args);
  };
  for (unsigned i = 0; i < hosts; i++) {
    netem(*hosts_[i], "eth0");
    netem(router_, "h" + std::to_string(i));
  }
}

Topology::~Topology() = default;

// --- servers ----------------------------------------------------------------

Servers::Servers(const Topology& topo) {
  for (size_t i = 0; i < topo.hosts(); i++) {
    const NetNs& h = topo.host(i);
    auto bound = [&](int type, uint16_t port) {
      Fd s = socket_in(h, type);
      set_int(s.get(), SOL_SOCKET, SO_REUSEADDR, 1);
      sockaddr_in sa = address(Topology::host_addr(i), port);
      if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)) != 0)
        throw std::runtime_error(std::string("bind: ") + std::strerror(errno));
      if (type == SOCK_STREAM && ::listen(s.get(), 128) != 0)
        throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
      sockets_.push_back(std::move(s));
      return sockets_.back().get();
    };
    int tcp = bound(SOCK_STREAM, 80), echo = bound(SOCK_DGRAM, 53), sink = bound(SOCK_DGRAM, 5001);
    loops_.emplace_back([this, tcp] { tcp_accept_loop(tcp); });
    loops_.emplace_back([this, echo] { udp_echo_loop(echo); });
    loops_.emplace_back([this, sink] { udp_sink_loop(sink); });
  }
}

Servers::~Servers() {
  stop_ = true;
  loops_.clear();  // joins
  std::lock_guard lock(sessions_mutex_);
  sessions_.clear();
}

void Servers::tcp_accept_loop(int listener) {
  while (!stop_) {
    if (!wait_fd(listener, POLLIN, Clock::now() + 1s, &stop_)) continue;
    Fd conn(::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!conn) continue;
    std::lock_guard lock(sessions_mutex_);
    sessions_.emplace_back([this, c = std::move(conn)]() mutable { tcp_session(std::move(c)); });
  }
}

void Servers::tcp_session(Fd conn) {
  const int fd = conn.get();
  auto deadline = Clock::now() + kFlowLimit;
  std::array<uint32_t, 3> header{};
  if (!recv_exact(fd, reinterpret_cast<char*>(header.data()), sizeof(header), deadline, &stop_)) return;
  const uint32_t request = ntohl(header[0]), response = ntohl(header[1]), close = ntohl(header[2]);
  if (!recv_n(fd, request, deadline, &stop_)) return;
  if (!send_all(fd, pattern(response, 's'), deadline, &stop_)) return;
  switch (close) {
    case kServerFin:
      ::shutdown(fd, SHUT_WR);
      drain_to_eof(fd, deadline, &stop_);
      break;
    case kServerRst: {
      char ack;
      if (recv_exact(fd, &ack, 1, deadline, &stop_)) abort_on_close(fd);
      break;
    }
    case kHold:
      // Abandoned: open until the client closes at the end of the run.
      drain_to_eof(fd, Clock::time_point::max(), &stop_);
      break;
    default:
      drain_to_eof(fd, deadline, &stop_);
      break;
  }
}

void Servers::udp_echo_loop(int sock) {
  std::array<char, 2048> buf{};
  while (!stop_) {
    if (!wait_fd(sock, POLLIN, Clock::now() + 1s, &stop_)) continue;
    sockaddr_in from{};
    socklen_t len = sizeof(from);
    ssize_t n = ::recvfrom(sock, buf.data(), buf.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 2) continue;
    size_t want = (static_cast<unsigned char>(buf[0]) << 8) | static_cast<unsigned char>(buf[1]);
    want = std::clamp<size_t>(want, 1, 1400);
    auto reply = pattern(want, 'u');
    ::sendto(sock, reply.data(), reply.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), len);
  }
}

void Servers::udp_sink_loop(int sock) {
  std::array<char, 2048> buf{};
  while (!stop_) {
    if (!wait_fd(sock, POLLIN, Clock::now() + 1s, &stop_)) continue;
    while (::recv(sock, buf.data(), buf.size(), MSG_DONTWAIT) > 0) {
    }
  }
}

// --- clients ----------------------------------------------------------------

const char* flow_name(FlowKind k) {
  switch (k) {
    case FlowKind::kTcpRequest: return "tcp-request";
    case FlowKind::kTcpBulkUp: return "tcp-bulk-up";
    case FlowKind::kTcpBulkDown: return "tcp-bulk-down";
    case FlowKind::kTcpClientRst: return "tcp-client-rst";
    case FlowKind::kTcpServerRst: return "tcp-server-rst";
    case FlowKind::kTcpAbandoned: return "tcp-abandoned";
    case FlowKind::kTcpHalfOpen: return "tcp-half-open";
    case FlowKind::kTcpRefused: return "tcp-refused";
    case FlowKind::kUdpRequest: return "udp-request";
    case FlowKind::kUdpStream: return "udp-stream";
    case FlowKind::kUdpUnreachable: return "udp-unreachable";
    case FlowKind::kPing: return "ping";
    case FlowKind::kTraceroute: return "traceroute";
  }
  return "?";
}

std::vector<Flow> plan_round(std::mt19937_64& rng, size_t hosts, size_t min_flows, size_t max_flows) {
  // Weights in FlowKind order: mostly short request/response, some of everything.
  std::discrete_distribution<int> kind({25, 4, 4, 6, 6, 2, 3, 4, 15, 6, 5, 10, 4});
  std::uniform_int_distribution<size_t> count(min_flows, max_flows), host(0, hosts - 1);
  auto between = [&rng](uint32_t lo, uint32_t hi) { return std::uniform_int_distribution<uint32_t>(lo, hi)(rng); };
  std::vector<Flow> flows(count(rng));
  for (auto& f : flows) {
    f.kind = static_cast<FlowKind>(kind(rng));
    f.client = host(rng);
    f.server = (f.client + 1 + host(rng) % (hosts - 1)) % hosts;  // another host
    f.request = between(1, 1500);
    f.response = between(1, 16000);
    f.count = between(1, 4);
    switch (f.kind) {
      case FlowKind::kTcpRequest: f.count = between(0, 1); break;  // which side closes first
      case FlowKind::kTcpBulkUp: f.request = between(64 * 1024, 512 * 1024); break;
      case FlowKind::kTcpBulkDown: f.response = between(64 * 1024, 512 * 1024); break;
      case FlowKind::kTcpHalfOpen: f.hold_ms = between(100, 2500); break;
      case FlowKind::kUdpRequest: f.request = between(2, 600); f.response = between(1, 1400); break;
      case FlowKind::kUdpStream: f.count = between(5, 120); f.request = between(1, 1400); break;
      case FlowKind::kPing: f.request = between(0, 1000); break;
      default: break;
    }
  }
  return flows;
}

RoundStats Clients::run(const std::vector<Flow>& flows, unsigned parallel) {
  std::atomic<size_t> next{0}, failed{0};
  {
    std::vector<std::jthread> workers;
    for (unsigned w = 0; w < parallel; w++)
      workers.emplace_back([&] {
        for (size_t i; (i = next++) < flows.size();) {
          bool ok = false;
          try {
            ok = run_flow(flows[i]);
          } catch (const std::exception&) {
          }
          if (!ok) failed++;
        }
      });
  }
  return {flows.size(), failed.load()};
}

void Clients::close_abandoned() {
  std::lock_guard lock(abandoned_mutex_);
  abandoned_.clear();
}

bool Clients::tcp_exchange(const Flow& f, uint32_t close) {
  auto deadline = Clock::now() + kFlowLimit;
  Fd s = socket_in(topo_.host(f.client), SOCK_STREAM);
  if (connect_wait(s.get(), address(Topology::host_addr(f.server), 80), deadline) != 0) return false;
  std::array<uint32_t, 3> header{htonl(f.request), htonl(f.response), htonl(close)};
  std::vector<char> msg(reinterpret_cast<char*>(header.data()), reinterpret_cast<char*>(header.data()) + sizeof(header));
  auto body = pattern(f.request, 'c');
  msg.insert(msg.end(), body.begin(), body.end());
  if (!send_all(s.get(), msg, deadline) || !recv_n(s.get(), f.response, deadline)) return false;
  switch (close) {
    case kServerFin:
      return drain_to_eof(s.get(), deadline);
    case kServerRst: {
      send_all(s.get(), {'k'}, deadline);
      drain_to_eof(s.get(), deadline);  // ends with ECONNRESET
      return true;
    }
    case kClientRst:
      abort_on_close(s.get());
      return true;
    case kHold: {
      std::lock_guard lock(abandoned_mutex_);
      abandoned_.push_back(std::move(s));
      return true;
    }
    default:
      return true;  // closing s sends the FIN
  }
}

bool Clients::run_flow(const Flow& f) {
  const NetNs& client = topo_.host(f.client);
  const std::string server = Topology::host_addr(f.server);
  auto deadline = Clock::now() + kFlowLimit;
  switch (f.kind) {
    case FlowKind::kTcpRequest:
      return tcp_exchange(f, f.count ? kServerFin : kClientFin);
    case FlowKind::kTcpBulkUp:
    case FlowKind::kTcpBulkDown:
      return tcp_exchange(f, kClientFin);
    case FlowKind::kTcpClientRst:
      return tcp_exchange(f, kClientRst);
    case FlowKind::kTcpServerRst:
      return tcp_exchange(f, kServerRst);
    case FlowKind::kTcpAbandoned:
      return tcp_exchange(f, kHold);
    case FlowKind::kTcpHalfOpen: {
      Fd s = socket_in(client, SOCK_STREAM);
      // Nobody answers: the connect retransmits its SYN until given up.
      int err = connect_wait(s.get(), address(Topology::silent_addr(), 80),
                             Clock::now() + std::chrono::milliseconds(f.hold_ms));
      return err == ETIMEDOUT;
    }
    case FlowKind::kTcpRefused: {
      Fd s = socket_in(client, SOCK_STREAM);
      return connect_wait(s.get(), address(server, 81), deadline) == ECONNREFUSED;
    }
    case FlowKind::kUdpRequest: {
      Fd s = socket_in(client, SOCK_DGRAM);
      auto to = address(server, 53);
      if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) return false;
      bool all = true;
      for (uint32_t i = 0; i < f.count; i++) {
        auto req = pattern(f.request, 'q');
        req[0] = static_cast<char>(f.response >> 8);
        req[1] = static_cast<char>(f.response & 0xff);
        if (!send_all(s.get(), req, deadline)) return false;
        all = recv_answer(s.get()) && all;
      }
      return all;
    }
    case FlowKind::kUdpStream: {
      Fd s = socket_in(client, SOCK_DGRAM);
      auto to = address(server, 5001);
      if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) return false;
      for (uint32_t i = 0; i < f.count; i++)
        if (!send_all(s.get(), pattern(f.request, 'd'), deadline)) return false;
      return true;
    }
    case FlowKind::kUdpUnreachable: {
      Fd s = socket_in(client, SOCK_DGRAM);
      set_int(s.get(), IPPROTO_IP, IP_RECVERR, 1);
      auto to = address(server, 9);
      if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) return false;
      bool all = true;
      for (uint32_t i = 0; i < f.count; i++) {
        ::send(s.get(), "x", 1, MSG_DONTWAIT);
        all = wait_icmp_error(s.get(), Clock::now() + 1s) && all;
      }
      return all;
    }
    case FlowKind::kPing: {
      Fd s = socket_in(client, SOCK_DGRAM, IPPROTO_ICMP);
      auto to = address(server, 0);
      if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) return false;
      bool all = true;
      for (uint32_t i = 0; i < f.count; i++) {
        std::vector<char> echo(sizeof(icmphdr) + f.request, 'p');
        icmphdr h{};
        h.type = ICMP_ECHO;
        h.un.echo.sequence = htons(static_cast<uint16_t>(i + 1));  // the kernel fills in the id and checksum
        std::memcpy(echo.data(), &h, sizeof(h));
        if (!send_all(s.get(), echo, deadline)) return false;
        all = recv_answer(s.get()) && all;
      }
      return all;
    }
    case FlowKind::kTraceroute: {
      bool all = true;
      for (int ttl = 1; ttl <= 3; ttl++) {
        Fd s = socket_in(client, SOCK_DGRAM);
        set_int(s.get(), IPPROTO_IP, IP_RECVERR, 1);
        set_int(s.get(), IPPROTO_IP, IP_TTL, ttl);
        auto to = address(server, static_cast<uint16_t>(33433 + ttl));
        if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&to), sizeof(to)) != 0) return false;
        ::send(s.get(), "traceroute probe", 16, MSG_DONTWAIT);
        // TTL 1 expires at the router (time exceeded), later ones reach the closed port.
        all = wait_icmp_error(s.get(), Clock::now() + 1s) && all;
      }
      return all;
    }
  }
  return false;
}

}  // namespace nfct::difftest
