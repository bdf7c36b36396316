// Typed messages between workers and the control plane.
#pragma once

#include <cstdint>

#include "dataplane/flow.h"

namespace sluice::dp {

// A worker found no MAC address for a next hop: the control plane should
// ask (ARP or neighbour solicitation) on `port`.
struct ResolveRequest {
  IpAddr addr;
  uint16_t port;  // port index, as in the snapshot
  uint8_t v6;
  uint8_t pad = 0;
};

}  // namespace sluice::dp
