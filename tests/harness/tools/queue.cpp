// nfct_queue: an NFQUEUE listener for the selftests, over raw nfnetlink.
//
//   nfct_queue --queue N --hold          keep every packet queued, never answer
//   nfct_queue --queue N [--grow BYTES]  accept every packet; with --grow, as a
//                                        new payload BYTES longer (UDP: zeros
//                                        appended, lengths and checksums fixed)
//
// Prints "bound" once the queue is bound, then "packet ID LEN" for each
// packet, flushed, so that a test can poll its output. Runs until killed;
// on exit the kernel drops what is still queued.
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "fd.hpp"

namespace {

struct Options {
  uint16_t queue = 0;
  bool hold = false;
  unsigned grow = 0;
};

[[noreturn]] void usage() {
  std::cerr << "usage: nfct_queue --queue N [--hold | --grow BYTES]\n";
  std::exit(2);
}

// One netlink message under construction: header, nfgenmsg, attributes.
class Message {
 public:
  Message(uint16_t type, uint16_t queue) {
    buf_.resize(NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg)));
    auto* nlh = reinterpret_cast<nlmsghdr*>(buf_.data());
    nlh->nlmsg_type = static_cast<uint16_t>(NFNL_SUBSYS_QUEUE << 8 | type);
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    auto* g = reinterpret_cast<nfgenmsg*>(buf_.data() + NLMSG_HDRLEN);
    g->nfgen_family = AF_UNSPEC;
    g->version = NFNETLINK_V0;
    g->res_id = htons(queue);
  }
  Message& attr(uint16_t type, const void* data, size_t len) {
    size_t at = buf_.size();
    buf_.resize(at + NLA_ALIGN(NLA_HDRLEN + len));
    auto* nla = reinterpret_cast<nlattr*>(buf_.data() + at);
    nla->nla_type = type;
    nla->nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
    std::memcpy(buf_.data() + at + NLA_HDRLEN, data, len);
    return *this;
  }
  // Verdicts go unacknowledged: an ack awaited could arrive behind packets.
  Message& no_ack() {
    reinterpret_cast<nlmsghdr*>(buf_.data())->nlmsg_flags = NLM_F_REQUEST;
    return *this;
  }
  const std::vector<char>& finish(uint32_t seq) {
    auto* nlh = reinterpret_cast<nlmsghdr*>(buf_.data());
    nlh->nlmsg_len = static_cast<uint32_t>(buf_.size());
    nlh->nlmsg_seq = seq;
    return buf_;
  }

 private:
  std::vector<char> buf_;
};

class Queue {
 public:
  explicit Queue(uint16_t num) : num_(num), fd_(socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER)) {
    if (!fd_) throw std::runtime_error("netlink socket: " + std::string(strerror(errno)));
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    if (bind(fd_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) < 0)
      throw std::runtime_error("bind: " + std::string(strerror(errno)));
    nfqnl_msg_config_cmd cmd{};
    cmd.command = NFQNL_CFG_CMD_BIND;
    cmd.pf = htons(AF_INET);
    Message bind_cmd(NFQNL_MSG_CONFIG, num_);
    request(bind_cmd.attr(NFQA_CFG_CMD, &cmd, sizeof(cmd)));
    nfqnl_msg_config_params params{};
    params.copy_range = htonl(0xffff);
    params.copy_mode = NFQNL_COPY_PACKET;
    Message copy(NFQNL_MSG_CONFIG, num_);
    request(copy.attr(NFQA_CFG_PARAMS, &params, sizeof(params)));
  }

  // Sends and waits for the ack; a refusal is an error.
  void request(Message& m) {
    send(m.finish(++seq_));
    char buf[8192];
    for (;;) {
      ssize_t n = recv(fd_.get(), buf, sizeof(buf), 0);
      if (n < 0) throw std::runtime_error("recv: " + std::string(strerror(errno)));
      for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq != seq_) continue;
        int err = static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
        if (err) throw std::runtime_error("nfqueue config: " + std::string(strerror(-err)));
        return;
      }
    }
  }

  void verdict(uint32_t id, const std::vector<char>* payload) {
    nfqnl_msg_verdict_hdr vh{};
    vh.verdict = htonl(NF_ACCEPT);
    vh.id = htonl(id);
    Message m(NFQNL_MSG_VERDICT, num_);
    m.attr(NFQA_VERDICT_HDR, &vh, sizeof(vh));
    if (payload) m.attr(NFQA_PAYLOAD, payload->data(), payload->size());
    send(m.no_ack().finish(++seq_));
  }

  int fd() const { return fd_.get(); }

 private:
  void send(const std::vector<char>& b) {
    sockaddr_nl to{};
    to.nl_family = AF_NETLINK;
    if (sendto(fd_.get(), b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)) < 0)
      throw std::runtime_error("sendto: " + std::string(strerror(errno)));
  }

  uint16_t num_;
  nfct::Fd fd_;
  uint32_t seq_ = 0;
};

uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint32_t add(const void* data, size_t len, uint32_t sum = 0) {
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (len % 2) sum += static_cast<uint32_t>(p[len - 1] << 8);
  return sum;
}

// The same UDP datagram with @more zero bytes of payload appended.
std::vector<char> grown(const char* pkt, size_t len, unsigned more) {
  std::vector<char> out(pkt, pkt + len);
  auto* ip = reinterpret_cast<iphdr*>(out.data());
  size_t ihl = ip->ihl * 4u;
  if (len < ihl + sizeof(udphdr) || ip->protocol != IPPROTO_UDP) return out;
  out.resize(len + more, 0);
  ip = reinterpret_cast<iphdr*>(out.data());
  ip->tot_len = htons(static_cast<uint16_t>(out.size()));
  ip->check = 0;
  ip->check = htons(fold(add(ip, ihl)));
  auto* uh = reinterpret_cast<udphdr*>(out.data() + ihl);
  uint16_t ulen = static_cast<uint16_t>(out.size() - ihl);
  uh->len = htons(ulen);
  uh->check = 0;
  uint32_t sum = add(&ip->saddr, 8);
  sum += IPPROTO_UDP + ulen;
  uint16_t c = fold(add(uh, ulen, sum));
  uh->check = htons(c ? c : 0xffff);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--hold") o.hold = true;
    else if (a == "--queue" && i + 1 < argc) o.queue = static_cast<uint16_t>(std::stoul(argv[++i]));
    else if (a == "--grow" && i + 1 < argc) o.grow = static_cast<unsigned>(std::stoul(argv[++i]));
    else usage();
  }
  try {
    Queue q(o.queue);
    std::cout << "bound" << std::endl;
    std::vector<char> buf(0x10000 + 4096);
    for (;;) {
      ssize_t n = recv(q.fd(), buf.data(), buf.size(), 0);
      if (n < 0) throw std::runtime_error("recv: " + std::string(strerror(errno)));
      for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
        if ((h->nlmsg_type & 0xff) != NFQNL_MSG_PACKET) continue;
        uint32_t id = 0;
        const char* payload = nullptr;
        size_t plen = 0;
        int rest = static_cast<int>(h->nlmsg_len - NLMSG_SPACE(sizeof(nfgenmsg)));
        auto* a = reinterpret_cast<nlattr*>(static_cast<char*>(NLMSG_DATA(h)) + NLMSG_ALIGN(sizeof(nfgenmsg)));
        for (; rest >= static_cast<int>(NLA_HDRLEN) && a->nla_len >= NLA_HDRLEN && a->nla_len <= rest;
             rest -= NLA_ALIGN(a->nla_len), a = reinterpret_cast<nlattr*>(reinterpret_cast<char*>(a) + NLA_ALIGN(a->nla_len))) {
          const char* data = reinterpret_cast<const char*>(a) + NLA_HDRLEN;
          switch (a->nla_type & NLA_TYPE_MASK) {
            case NFQA_PACKET_HDR:
              id = ntohl(reinterpret_cast<const nfqnl_msg_packet_hdr*>(data)->packet_id);
              break;
            case NFQA_PAYLOAD:
              payload = data;
              plen = a->nla_len - NLA_HDRLEN;
              break;
          }
        }
        std::cout << "packet " << id << " " << plen << std::endl;
        if (o.hold) continue;
        if (o.grow && payload) {
          auto p = grown(payload, plen, o.grow);
          q.verdict(id, &p);
        } else {
          q.verdict(id, nullptr);
        }
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "nfct_queue: " << e.what() << "\n";
    return 1;
  }
}
