// Which virtual addresses this router holds now, as the table builder
// applies it. A configuration without vrrp_instance blocks is a router on
// its own: it holds every VIP. With VRRP, a router holds exactly the
// addresses (virtual_ipaddress and virtual_ipaddress_excluded) of its
// instances in MASTER; it answers ARP/ND and pings only for those and
// schedules new connections only to services on them. Filled by
// controlplane/failover.
#pragma once

#include <set>

#include "controlplane/config/address.h"

namespace sluice::tables {

struct VipOwnership {
  bool vrrp = false;                // false: every VIP is held
  std::set<wire::IpAddress> held;

  bool holds(const wire::IpAddress& a) const { return !vrrp || held.contains(a); }
  bool operator==(const VipOwnership&) const = default;
};

}  // namespace sluice::tables
