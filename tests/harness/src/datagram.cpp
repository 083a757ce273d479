#include "datagram.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>

namespace nfct {

std::optional<Datagram> recv_datagram(int fd, int flags) {
  char buf[2048];
  Datagram d;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))];
  iovec iov{buf, sizeof(buf)};
  msghdr msg{};
  msg.msg_name = &d.peer;
  msg.msg_namelen = sizeof(d.peer);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  const ssize_t n = ::recvmsg(fd, &msg, flags);
  if (n < 0) return std::nullopt;
  d.payload.assign(buf, static_cast<size_t>(n));
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO) continue;
    in_pktinfo info{};
    std::memcpy(&info, CMSG_DATA(c), sizeof(info));
    char a[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &info.ipi_addr, a, sizeof(a));
    d.local = a;
  }
  return d;
}

bool send_datagram_from(int fd, const std::string& local, const sockaddr_in& peer, std::string_view payload) {
  in_pktinfo info{};
  if (::inet_pton(AF_INET, local.c_str(), &info.ipi_spec_dst) != 1) return false;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
  iovec iov{const_cast<char*>(payload.data()), payload.size()};
  msghdr msg{};
  msg.msg_name = const_cast<sockaddr_in*>(&peer);
  msg.msg_namelen = sizeof(peer);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = IPPROTO_IP;
  c->cmsg_type = IP_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(info));
  std::memcpy(CMSG_DATA(c), &info, sizeof(info));
  return ::sendmsg(fd, &msg, 0) == static_cast<ssize_t>(payload.size());
}

}  // namespace nfct
