// The UDP insert race behind Kubernetes' "DNS takes 5 seconds": the first two
// packets of one new UDP flow, sent at the same moment from two CPUs through
// a gateway that DNATs a Service address to one of two endpoints at random.
// Both packets miss the table, each gets its own unconfirmed entry and maybe
// its own endpoint, and only one entry can win confirmation. nf_conntrack
// lets the loser through: onto the winner's entry when their bindings are
// the same, else into the table by its reply tuple alone. Both packets must
// arrive; none may be dropped.
//
//   cli 10.77.0.2 --- gw 10.77.0.1 | 10.78.0.1 --- srv 10.78.0.2, 10.78.0.3
//   Service 10.96.0.10:53 -> 10.78.0.2:5353 or 10.78.0.3:5353 (statistic)
//
// Races are up to the scheduler: the case repeats rounds of flows (at most
// 8) until the gateway's clashres counter shows some and, in the last
// round, one flow's two packets reached different endpoints, and fails if
// that never happened. Each endpoint answers every datagram at once: the
// answer to a loser that went in by its reply tuple alone must come back
// through that entry, which lives one second. After that second only the
// winner's endpoint still reaches the client: the loser's entry is gone.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "datagram.hpp"
#include "fixtures.hpp"
#include "netns.hpp"
#include "wait.hpp"

using namespace nfct;
using namespace std::chrono_literals;

namespace {

constexpr const char* kService = "10.96.0.10";
constexpr unsigned kServicePort = 53;
constexpr unsigned kEndpointPort = 5353;
constexpr unsigned kFlowsPerRound = 256;
constexpr unsigned kMaxRounds = 8;

void pin_to_cpu(unsigned cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  ::pthread_setaffinity_np(::pthread_self(), sizeof(set), &set);
}

sockaddr_in inet(const char* addr, unsigned port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, addr, &sa.sin_addr);
  return sa;
}

// What the endpoints received: per client port, the endpoint addresses
// its datagrams reached and how many datagrams.
struct Received {
  std::map<unsigned, std::set<std::string>> endpoints;
  unsigned datagrams = 0;
};

// A UDP socket on srv's port 5353 (both addresses) that reports each
// datagram's destination address.
class Endpoints {
 public:
  explicit Endpoints(const NetNs& srv) {
    ScopedNetnsEnter enter(srv);
    fd_ = Fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    int one = 1, size = 8 << 20;
    ::setsockopt(fd_.get(), IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
    // Two rounds' worth queued without loss, whatever the scheduler does.
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
    sockaddr_in any = inet("0.0.0.0", kEndpointPort);
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&any), sizeof(any)) != 0)
      throw std::runtime_error("bind 5353: " + std::string(std::strerror(errno)));
  }

  // Reads until @want datagrams are in or none came for @idle, answering
  // each at once from the address it reached.
  void drain(Received& r, unsigned want, std::chrono::milliseconds idle = 3000ms) {
    while (r.datagrams < want) {
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(idle.count())) <= 0) return;
      auto d = recv_datagram(fd_.get(), MSG_DONTWAIT);
      if (!d) continue;
      r.endpoints[ntohs(d->peer.sin_port)].insert(d->local);
      r.datagrams++;
      send_from(d->local, d->peer, "answer");
    }
  }

  bool send_from(const std::string& local, const sockaddr_in& peer, std::string_view payload) {
    return send_datagram_from(fd_.get(), local, peer, payload);
  }

 private:
  Fd fd_;
};

// The client's sockets of one round, by source port.
struct Flows {
  std::map<unsigned, Fd> socks;

  // Reads the answers that arrive until none has for @idle: per port, how many.
  std::map<unsigned, unsigned> answers(std::chrono::milliseconds idle) {
    std::map<unsigned, unsigned> got;
    std::vector<pollfd> fds;
    std::vector<unsigned> ports;
    for (auto& [port, s] : socks) {
      fds.push_back({s.get(), POLLIN, 0});
      ports.push_back(port);
    }
    while (::poll(fds.data(), fds.size(), static_cast<int>(idle.count())) > 0) {
      for (size_t i = 0; i < fds.size(); i++) {
        char buf[64];
        while (::recv(fds[i].fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0) got[ports[i]]++;
      }
    }
    return got;
  }
};

unsigned port_of(const Fd& s) {
  sockaddr_in sa{};
  socklen_t len = sizeof(sa);
  ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

class NatRace : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!module_loaded("nf_ct_nat")) {
      const char* dir = std::getenv("NF_CT_MODDIR");
      loaded_nat_ = shell("modprobe -a ip_tables ip6_tables && insmod " + std::string(dir ? dir : ".") + "/nf_ct_nat.ko") == 0;
    }
  }
  static void TearDownTestSuite() {
    if (loaded_nat_) wait_until([] { return shell("rmmod nf_ct_nat 2>/dev/null") == 0; }, 15s);
  }

  static inline bool loaded_nat_ = false;
};

TEST_F(NatRace, UdpFlowFromTwoCpusAtOnceBothPacketsPass) {
  ASSERT_TRUE(module_loaded("nf_ct_nat"));
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one CPU: packets cannot race";

  NetNs cli("race-cli"), gw("race-gw"), srv("race-srv");
  VethPair lan(cli, "10.77.0.2/24", gw, "10.77.0.1/24");
  VethPair wan(gw, "10.78.0.1/24", srv, "10.78.0.2/24");
  cli.checked("ip route add default via 10.77.0.1");
  srv.checked("ip addr add 10.78.0.3/24 dev " + wan.if_b() + " && ip route add default via 10.78.0.1");
  gw.checked("sysctl -qw net.ipv4.ip_forward=1");
  // kube-proxy's way: the first endpoint with probability 1/2, else the second.
  const std::string match = std::string("-d ") + kService + " -p udp --dport " + std::to_string(kServicePort);
  gw.checked("iptables-legacy -w -t nat -A PREROUTING " + match +
             " -m statistic --mode random --probability 0.5 -j DNAT --to-destination 10.78.0.2:5353");
  gw.checked("iptables-legacy -w -t nat -A PREROUTING " + match + " -j DNAT --to-destination 10.78.0.3:5353");

  Endpoints endpoints(srv);
  const sockaddr_in service = inet(kService, kServicePort);
  auto stat = [&](const char* column) { return stat_column(gw, "/proc/net/stat/nf_ct", column); };

  // Neighbours resolved first: a packet queued behind ARP is not racing.
  {
    Received warm;
    ScopedNetnsEnter enter(cli);
    Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    for (int i = 0; i < 2; i++)
      ::sendto(s.get(), "warm", 4, 0, reinterpret_cast<const sockaddr*>(&service), sizeof(service));
    endpoints.drain(warm, 2);
    ASSERT_EQ(warm.datagrams, 2u) << "the Service does not answer at all";
  }

  // The client's own tracking races too (two sends on one socket): no NAT there.
  auto cli_stat = [&](const char* file, const char* column) { return stat_column(cli, file, column); };
  const unsigned long clash0 = stat("clashres"), failed0 = stat("insert_failed"), drop0 = stat("drop");
  const unsigned long cli_failed0 = cli_stat("/proc/net/stat/nf_ct", "insert_failed");
  const unsigned long kcli_failed0 = cli_stat("/proc/net/stat/nf_conntrack", "insert_failed");
  Received got;
  unsigned sent = 0, rounds = 0;
  auto sent_at = std::chrono::steady_clock::now();  // the last round's packets
  // Answers back at the client: each flow's two, except that a loser's
  // may come after its entry's second on a slow kernel (the winner's may not).
  unsigned unanswered = 0, loser_answers = 0;
  Flows flows;
  // A flow of the last round whose two packets reached different
  // endpoints: a race resolved onto the loser's reply-only entry.
  auto last_split = [&] {
    std::vector<unsigned> ports;
    for (const auto& [port, s] : flows.socks)
      if (auto it = got.endpoints.find(port); it != got.endpoints.end() && it->second.size() > 1)
        ports.push_back(port);
    return ports;
  };
  auto split_flows = [&] {
    unsigned n = 0;
    for (const auto& [port, where] : got.endpoints) n += where.size() > 1;
    return n;
  };
  while (rounds < kMaxRounds && (rounds < 2 || stat("clashres") == clash0 || last_split().empty())) {
    rounds++;
    // Every flow its own socket, so its own source port: a new flow each.
    std::vector<Fd> socks;
    {
      ScopedNetnsEnter enter(cli);
      for (unsigned i = 0; i < kFlowsPerRound; i++) {
        Fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        ASSERT_TRUE(s);
        ASSERT_EQ(::connect(s.get(), reinterpret_cast<const sockaddr*>(&service), sizeof(service)), 0);
        socks.push_back(std::move(s));
      }
    }
    std::barrier start(2);
    std::atomic<unsigned> send_errors = 0;
    std::atomic<int> send_errno = 0;
    auto sender = [&](unsigned cpu) {
      pin_to_cpu(cpu);
      const char payload[] = "query";
      for (auto& s : socks) {
        start.arrive_and_wait();
        if (::send(s.get(), payload, sizeof(payload), 0) < 0) {
          send_errors++;
          send_errno = errno;
        }
      }
    };
    // The endpoints answer while the round is still being sent: a loser's
    // answer must meet its reply-only entry within that entry's second,
    // which answering after the whole round missed on the debug kernel.
    std::jthread answerer([&, want = sent + 2 * kFlowsPerRound] { endpoints.drain(got, want); });
    {
      std::jthread t0(sender, 0), t1(sender, 1);
    }
    sent_at = std::chrono::steady_clock::now();
    // EPERM: the client's own tracker dropped one of its racing packets.
    ASSERT_EQ(send_errors.load(), 0u) << std::strerror(send_errno.load()) << "; client insert_failed: nf_ct "
                                      << cli_stat("/proc/net/stat/nf_ct", "insert_failed") - cli_failed0
                                      << ", nf_conntrack "
                                      << cli_stat("/proc/net/stat/nf_conntrack", "insert_failed") - kcli_failed0;
    sent += 2 * kFlowsPerRound;
    answerer.join();  // all datagrams in, or 3 s without one
    flows.socks.clear();
    for (auto& sock : socks) flows.socks.emplace(port_of(sock), std::move(sock));
    auto back = flows.answers(1000ms);
    for (const auto& [port, s] : flows.socks) {
      const unsigned n = back.contains(port) ? back[port] : 0;
      if (got.endpoints[port].size() > 1) {
        loser_answers += n > 1;
        unanswered += n == 0;  // the winner's answer, at least, comes back
      } else {
        unanswered += n != 2;
      }
    }
  }
  const auto split_ports = last_split();

  const unsigned long races = stat("clashres") - clash0;
  const unsigned split = split_flows();
  std::cout << "  flows: " << sent / 2 << " in " << rounds << " rounds, races resolved: " << races
            << ", flows whose two packets reached different endpoints: " << split << std::endl;
  ::testing::Test::RecordProperty("udp_races", static_cast<int>(races));

  EXPECT_EQ(stat("insert_failed") - failed0, 0u) << "a racing packet lost its insert";
  EXPECT_EQ(stat("drop") - drop0, 0u);
  EXPECT_EQ(got.datagrams, sent) << "packets of racing flows were lost";
  ASSERT_GT(races, 0u) << "no two packets raced in " << sent / 2 << " flows: nothing was shown";
  // Each different-endpoint flow is a race the loser won by its reply tuple:
  // at least one must have, or that path was not taken.
  EXPECT_GT(split, 0u) << "no racing loser went through on its reply-only entry";
  EXPECT_LE(split, races);
  EXPECT_EQ(unanswered, 0u) << "flows whose answers did not both come back";
  // Some loser's answer came back, through its reply-only entry.
  EXPECT_GT(loser_answers, 0u) << "no answer to a race's loser came back";
  ASSERT_FALSE(split_ports.empty()) << "no flow of the last round reached both endpoints";

  // Both endpoints answer each split flow again, until only one answer per
  // flow comes back: the loser's entry has expired, its endpoint's answer
  // is no longer mapped back to the Service, the winner's still is.
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  ::inet_pton(AF_INET, "10.77.0.2", &peer.sin_addr);
  unsigned probes = 0;
  std::map<unsigned, unsigned> late;
  const bool expired = wait_until(
      [&] {
        probes++;
        for (unsigned port : split_ports) {
          peer.sin_port = htons(static_cast<uint16_t>(port));
          endpoints.send_from("10.78.0.2", peer, "late");
          endpoints.send_from("10.78.0.3", peer, "late");
        }
        late = flows.answers(300ms);
        return std::all_of(split_ports.begin(), split_ports.end(),
                           [&](unsigned port) { return late.contains(port) && late[port] == 1; });
      },
      10s, 200ms);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent_at);
  std::cout << "  split flows of the last round: " << split_ports.size() << ", losers' answers back (all rounds): "
            << loser_answers << "; one endpoint left " << took.count() << " ms after the round was sent ("
            << probes << " probes)" << std::endl;
  EXPECT_TRUE(expired) << "10 s after the race, split flows still answered from both endpoints (or neither)";
}

}  // namespace
