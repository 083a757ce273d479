// nfct_load: end-to-end traffic across a veth pair for the benchmarks, with
// real sockets on both ends, so a tracker's cost is seen as the whole
// stack sees it. Prints one line of key=value results.
//
//   nfct_load udp DST PORT FLOWS SECONDS
//       FLOWS sockets, each from its own source port, take turns sending
//       64-byte datagrams to DST:PORT for SECONDS. Nobody listens there, so
//       the receiver drops each one after its PREROUTING and LOCAL_IN hooks
//       (a veth delivers within the sender's send()). Prints packets=, pps=.
//   nfct_load tcp-sink ADDR PORT
//       Accepts connections on ADDR:PORT and discards what they send, until
//       killed.
//   nfct_load tcp DST PORT FLOWS SECONDS
//       FLOWS connections to a tcp-sink, each written by its own thread in
//       16 KiB chunks for SECONDS. Prints bytes=, mbit_per_s=.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "fd.hpp"

namespace {

using Clock = std::chrono::steady_clock;

bool parse_addr(const char* text, uint16_t port, sockaddr_in* sa) {
  *sa = sockaddr_in{};
  sa->sin_family = AF_INET;
  sa->sin_port = htons(port);
  return inet_pton(AF_INET, text, &sa->sin_addr) == 1;
}

bool parse_uint(const char* text, unsigned long max, unsigned long* out) {
  char* end = nullptr;
  errno = 0;
  *out = std::strtoul(text, &end, 10);
  return !errno && end != text && !*end && *out > 0 && *out <= max;
}

int udp_load(const sockaddr_in& dst, unsigned long flows, unsigned long seconds) {
  std::vector<nfct::Fd> socks;
  for (unsigned long i = 0; i < flows; i++) {
    nfct::Fd s(socket(AF_INET, SOCK_DGRAM, 0));
    if (!s || connect(s.get(), reinterpret_cast<const sockaddr*>(&dst), sizeof(dst))) {
      std::perror("nfct_load: udp socket");
      return 1;
    }
    socks.push_back(std::move(s));
  }
  std::array<char, 64> payload{};
  unsigned long sent = 0, failed = 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(seconds);
  while (Clock::now() < deadline) {
    for (auto& s : socks) {
      // A refused send (the ICMP port unreachable of an earlier datagram) still went through the stack.
      if (send(s.get(), payload.data(), payload.size(), 0) == static_cast<ssize_t>(payload.size()))
        sent++;
      else if (errno == ECONNREFUSED)
        sent++;
      else
        failed++;
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("packets=%lu failed=%lu seconds=%.3f pps=%.0f\n", sent, failed, elapsed, sent / elapsed);
  return failed > sent / 100 ? 1 : 0;
}

int tcp_sink(const sockaddr_in& addr) {
  nfct::Fd listener(socket(AF_INET, SOCK_STREAM, 0));
  const int one = 1;
  if (!listener || setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
      bind(listener.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) || listen(listener.get(), 64)) {
    std::perror("nfct_load: tcp-sink");
    return 1;
  }
  std::vector<std::jthread> readers;
  for (;;) {
    nfct::Fd conn(accept(listener.get(), nullptr, nullptr));
    if (!conn) {
      std::perror("nfct_load: accept");
      return 1;
    }
    readers.emplace_back([c = std::move(conn)] {
      std::vector<char> buf(1 << 16);
      while (read(c.get(), buf.data(), buf.size()) > 0) {
      }
    });
  }
}

int tcp_load(const sockaddr_in& dst, unsigned long flows, unsigned long seconds) {
  std::vector<nfct::Fd> socks;
  for (unsigned long i = 0; i < flows; i++) {
    nfct::Fd s(socket(AF_INET, SOCK_STREAM, 0));
    if (!s || connect(s.get(), reinterpret_cast<const sockaddr*>(&dst), sizeof(dst))) {
      std::perror("nfct_load: tcp connect");
      return 1;
    }
    socks.push_back(std::move(s));
  }
  std::atomic<unsigned long> total{0};
  std::atomic<bool> error{false};
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(seconds);
  {
    std::vector<std::jthread> writers;
    for (auto& s : socks) {
      writers.emplace_back([&, fd = s.get()] {
        std::vector<char> chunk(16 << 10);
        unsigned long mine = 0;
        while (Clock::now() < deadline) {
          const ssize_t n = write(fd, chunk.data(), chunk.size());
          if (n <= 0) {
            error = true;
            break;
          }
          mine += static_cast<unsigned long>(n);
        }
        total += mine;
      });
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("bytes=%lu seconds=%.3f mbit_per_s=%.0f\n", total.load(), elapsed, total * 8 / elapsed / 1e6);
  return error ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  unsigned long port = 0, flows = 0, seconds = 0;
  sockaddr_in addr{};
  if (mode == "tcp-sink" && argc == 4 && parse_uint(argv[3], 65535, &port) &&
      parse_addr(argv[2], static_cast<uint16_t>(port), &addr))
    return tcp_sink(addr);
  if ((mode == "udp" || mode == "tcp") && argc == 6 && parse_uint(argv[3], 65535, &port) &&
      parse_addr(argv[2], static_cast<uint16_t>(port), &addr) && parse_uint(argv[4], 4096, &flows) &&
      parse_uint(argv[5], 3600, &seconds))
    return mode == "udp" ? udp_load(addr, flows, seconds) : tcp_load(addr, flows, seconds);
  std::fprintf(stderr,
               "usage: %s udp DST PORT FLOWS SECONDS | tcp-sink ADDR PORT | tcp DST PORT FLOWS SECONDS\n",
               argv[0]);
  return 2;
}
