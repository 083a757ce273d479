// Receiving a UDP datagram together with the address it was sent to, which
// a NAT'ed datagram's receiver needs to tell where NAT delivered it.
#pragma once

#include <netinet/in.h>

#include <optional>
#include <string>
#include <string_view>

namespace nfct {

struct Datagram {
  std::string payload;
  sockaddr_in peer{};
  std::string local = "?";  // the destination address, from IP_PKTINFO
};

// One datagram from @fd, whose IP_PKTINFO option is on; nothing on error.
std::optional<Datagram> recv_datagram(int fd, int flags = 0);
// Sends @payload to @peer from the local address @local (IP_PKTINFO), as
// a socket bound to any address answers from the one it was reached at.
bool send_datagram_from(int fd, const std::string& local, const sockaddr_in& peer, std::string_view payload);

}  // namespace nfct
