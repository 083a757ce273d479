// Receiving a UDP datagram together with the address it was sent to, which
// a NAT'ed datagram's receiver needs to tell where NAT delivered it.
#pragma once

#include <netinet/in.h>

#include <optional>
#include <string>

namespace nfct {

struct Datagram {
  std::string payload;
  sockaddr_in peer{};
  std::string local = "?";  // the destination address, from IP_PKTINFO
};

// One datagram from @fd, whose IP_PKTINFO option is on; nothing on error.
std::optional<Datagram> recv_datagram(int fd, int flags = 0);

}  // namespace nfct
