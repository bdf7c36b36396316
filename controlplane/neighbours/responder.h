// The control plane's side of ARP, neighbour discovery and ping: answers
// for the router's own addresses and the VIPs it serves, learns the
// neighbours it hears from on its connected networks, and asks for the
// next hops the workers could not resolve. Pure (frames in, frames out
// through a callback), so it is tested without DPDK.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <span>
#include <utility>

#include "controlplane/neighbours/frames.h"
#include "controlplane/neighbours/neighbour_table.h"
#include "dataplane/forwarding_table.h"

namespace sluice::neighbours {

struct ResponderCounters {
  uint64_t arpAnswered = 0;
  uint64_t ndAnswered = 0;
  uint64_t echoAnswered = 0;
  uint64_t questionsSent = 0;
  uint64_t ignored = 0;  // frames for no one we answer for
  uint64_t rateLimited = 0;  // questions left unanswered: more than kRepliesPerSecond on a port
};

class Responder {
 public:
  // Replies (ARP, NA, echo) per port and second, in bursts of as many: a
  // flood of questions costs the control plane and the TX ring that the
  // VRRP adverts share no more than this.
  static constexpr uint32_t kRepliesPerSecond = 1000;

  using Send = std::function<void(uint16_t port, const Frame& frame)>;
  explicit Responder(Send send) : send_(std::move(send)) {}

  // Handles one frame the workers passed up from `port`; true when the
  // neighbour table changed.
  bool handle(const dp::ForwardingTable& table, uint16_t port, std::span<const uint8_t> frame, uint64_t nowMs);

  // Asks who has addr on port (ARP request or neighbour solicitation),
  // at most once a second per address; false when nothing was sent.
  bool resolve(const dp::ForwardingTable& table, uint16_t port, bool v6, const dp::IpAddr& addr, uint64_t nowMs);

  const NeighbourTable& neighbours() const { return neighbours_; }
  const ResponderCounters& counters() const { return counters_; }

  // The kernel interface behind `port` holds the router's own addresses of
  // that family and answers ARP/ND/pings for them (net_af_packet and
  // net_af_xdp ports): the responder then answers only for VIPs there.
  // askAnonymously (net_af_xdp): replies to the router's own addresses
  // reach only the kernel, so questions go from the unspecified address
  // (ARP sender 0.0.0.0, ND source ::), whose answers the XDP program steers
  // to sluice.
  void leaveToKernel(uint16_t port, bool v6, bool askAnonymously = false);

 private:
  // answersFor, less the own addresses left to the kernel.
  bool repliesFor(const dp::ForwardingTable& table, uint16_t port, bool v6, const dp::IpAddr& addr) const;
  // Takes one reply from the port's budget; false when it is spent.
  bool mayReply(uint16_t port, uint64_t nowMs);
  bool learnIfConnected(const dp::ForwardingTable& table, uint16_t port, bool v6, const dp::IpAddr& addr,
                        const dp::MacAddr& mac, uint64_t nowMs);

  Send send_;
  NeighbourTable neighbours_;
  ResponderCounters counters_;
  std::set<std::pair<uint16_t, bool>> kernelHolds_;  // (port, v6)
  struct Budget {
    uint64_t lastMs = 0;
    double tokens = kRepliesPerSecond;
  };
  std::map<uint16_t, Budget> budgets_;
  std::set<std::pair<uint16_t, bool>> anonymous_;    // (port, v6)
};

// True when port answers for addr: one of its own addresses, or a VIP the
// router serves that lies inside one of the port's networks.
bool answersFor(const dp::ForwardingTable& table, uint16_t port, bool v6, const dp::IpAddr& addr);

}  // namespace sluice::neighbours
