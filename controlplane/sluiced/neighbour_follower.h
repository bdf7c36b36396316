// Follows the neighbours: answers ARP, ND and pings among the frames the
// workers pass up (neighbours::Responder), learns the neighbours it hears
// from, and asks for the next hops of the tables (the ones the workers
// could not resolve at once, those never resolved every second, all of
// them now and then for MAC changes). Control thread only.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/neighbours/responder.h"
#include "controlplane/sluiced/kernel_addresses.h"
#include "dataplane/dataplane_handle.h"

namespace sluice::sluiced {

class NeighbourFollower {
 public:
  // kernel: which ports' own addresses the kernel holds and answers for.
  NeighbourFollower(dp::DataplaneHandle& dataplane, const KernelAddresses& kernel);

  // The next-hop timers start at nowMs.
  void start(uint64_t nowMs) { now_ = lastRefresh_ = nowMs; }
  // One frame passed up by the workers; true when the learned neighbours changed.
  bool handleFrame(uint16_t port, std::span<const uint8_t> frame, uint64_t nowMs);
  // The resolve requests of the workers and the next-hop timers.
  void poll(uint64_t nowMs);
  // Asks who has `addr` on `port` (at most once a second per address).
  void resolve(uint16_t port, bool v6, const dp::IpAddr& addr);

  std::vector<dp::Neighbour> learned() const { return responder_.neighbours().entries(); }
  // The responder's counters for /v1/status.
  nlohmann::json json() const;

 private:
  void resolveNextHops(bool all);

  dp::DataplaneHandle& dataplane_;
  neighbours::Responder responder_;
  uint64_t now_ = 0;  // the loop's clock at the last call
  uint64_t lastResolve_ = 0, lastRefresh_ = 0;
};

}  // namespace sluice::sluiced
