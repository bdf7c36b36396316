// The forwarding table the forwarder's tests share (tests/dataplane and
// tests/security): the lab of seed section 4.1 built by hand, so that a
// test adds only the services it is about.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/forwarder.h"
#include "dataplane/forwarding_table.h"

namespace sluice::dp::testing {

inline constexpr uint16_t kExt = 0;  // the port toward the clients
inline constexpr uint16_t kInt = 1;  // the port toward the real servers

// 02:00:00:00:00:LAST.
MacAddr mac(uint8_t last);

// `text`/`len`, IPv6 when the text has a colon.
Prefix prefix(const std::string& text, uint8_t len);

// VIPs outside (10.0.0.0/24, fd00:10::/64), real servers 192.168.1.20..23
// and fd00:192:168:1::20..23 inside (192.168.1.0/24, fd00:192:168:1::/64);
// the router is 10.0.0.2 / fd00:10::2 and 192.168.1.2 / fd00:192:168:1::2.
// Neighbours: every real server, clients 10.0.0.101, 10.0.0.102 and
// fd00:10::101. No services and no owned VIPs until a test adds them.
struct Lab {
  std::unique_ptr<ForwardingTable> table = std::make_unique<ForwardingTable>();
  NeighbourSet neighbours;

  Lab();

  // Adds a service with one real server per weight, 192.168.1.20.. (or
  // fd00:192:168:1::20.. for an IPv6 VIP) on the service's port.
  Service& addService(const std::string& vip, uint16_t port, uint8_t proto, const std::vector<int32_t>& weights,
                      const std::string& scheduler = "rr", FwdMethod method = FwdMethod::kNat);

  // Hands the table, ready for one worker, and the neighbours to `f`.
  void attach(Forwarder& f);
};

}  // namespace sluice::dp::testing
