// nfct_flood: opens COUNT UDP flows as fast as one socket can, one packet
// each, every one to a different destination address and port, and prints
// how long that took. Used by tests/bench/scale.sh to fill a table.
//
// Usage: nfct_flood BASE_ADDR COUNT [SOURCE_PORT]
//   flow i goes to BASE_ADDR + i / 50000, port 10000 + i % 50000, from
//   SOURCE_PORT (default 40000), so a second run refreshes the same flows.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fd.hpp"

namespace {

constexpr unsigned kPortsPerAddr = 50000;
constexpr unsigned kBatch = 256;

sockaddr_in flow_dst(in_addr_t base, unsigned i) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(ntohl(base) + i / kPortsPerAddr);
  sa.sin_port = htons(10000 + i % kPortsPerAddr);
  return sa;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: %s BASE_ADDR COUNT [SOURCE_PORT]\n", argv[0]);
    return 2;
  }
  in_addr base{};
  if (inet_pton(AF_INET, argv[1], &base) != 1) {
    std::fprintf(stderr, "nfct_flood: bad address %s\n", argv[1]);
    return 2;
  }
  char* end = nullptr;
  const unsigned long count = std::strtoul(argv[2], &end, 10);
  if (*end || count == 0 || count > 16UL * kPortsPerAddr * 256) {
    std::fprintf(stderr, "nfct_flood: bad count %s\n", argv[2]);
    return 2;
  }
  const unsigned long sport = argc == 4 ? std::strtoul(argv[3], &end, 10) : 40000;
  if ((argc == 4 && *end) || sport == 0 || sport > 65535) {
    std::fprintf(stderr, "nfct_flood: bad source port %s\n", argv[3]);
    return 2;
  }
  nfct::Fd sock(socket(AF_INET, SOCK_DGRAM, 0));
  if (!sock) {
    std::perror("nfct_flood: socket");
    return 1;
  }
  const int one = 1;
  sockaddr_in src{};
  src.sin_family = AF_INET;
  src.sin_port = htons(static_cast<uint16_t>(sport));
  if (setsockopt(sock.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
      bind(sock.get(), reinterpret_cast<sockaddr*>(&src), sizeof(src))) {
    std::perror("nfct_flood: bind");
    return 1;
  }

  std::array<char, 1> payload{'x'};
  std::vector<sockaddr_in> dst(kBatch);
  std::vector<iovec> iov(kBatch);
  std::vector<mmsghdr> msgs(kBatch);
  unsigned long sent = 0, failed = 0;
  const auto start = std::chrono::steady_clock::now();
  while (sent + failed < count) {
    const unsigned n = static_cast<unsigned>(std::min<unsigned long>(kBatch, count - sent - failed));
    for (unsigned j = 0; j < n; j++) {
      dst[j] = flow_dst(base.s_addr, static_cast<unsigned>(sent + failed + j));
      iov[j] = {payload.data(), payload.size()};
      msgs[j] = {};
      msgs[j].msg_hdr.msg_name = &dst[j];
      msgs[j].msg_hdr.msg_namelen = sizeof(dst[j]);
      msgs[j].msg_hdr.msg_iov = &iov[j];
      msgs[j].msg_hdr.msg_iovlen = 1;
    }
    const int r = sendmmsg(sock.get(), msgs.data(), n, 0);
    if (r > 0) {
      sent += static_cast<unsigned>(r);
    } else {
      failed++;  // this flow's packet was refused (e.g. table full): go on
    }
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("flows=%lu sent=%lu failed=%lu seconds=%.3f per_second=%.0f\n", count, sent, failed, took.count(),
              static_cast<double>(sent) / took.count());
  return 0;
}
