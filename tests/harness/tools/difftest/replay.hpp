// The replay corpus: recording one link of a difftest run, and feeding such
// a recording into a router namespace where both trackers watch it.
#pragma once

#include <memory>
#include <string>

#include "child.hpp"
#include "netns.hpp"
#include "traffic.hpp"

namespace nfct::difftest {

// tcpdump on the router's link to host 0 while it exists, whole frames.
// Offloads are turned off on every link first: a segmentation-offload
// super-frame would not fit the link when replayed, and checksum offload
// leaves partial sums in the capture.
class Capture {
 public:
  Capture(const Topology& topo, const std::string& file);
  ~Capture();
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

 private:
  std::string file_;
  std::unique_ptr<Child> tcpdump_;
};

// A feeder namespace whose veth leads into a router namespace. The router
// forwards everything to a dummy device (so both directions of every flow
// are forwarded and confirmed) with reverse-path filtering off.
class ReplayBed {
 public:
  ReplayBed();
  const NetNs& router() const { return router_; }
  // Replays a capture (pcap, or pcap.gz) into the router; returns when done.
  void feed(const std::string& file);

 private:
  NetNs router_{"dt-replay"};
  NetNs feeder_{"dt-feed"};
  VethPair link_{feeder_, "10.66.0.2/24", "out0", router_, "10.66.0.1/24", "in0"};
};

}  // namespace nfct::difftest
