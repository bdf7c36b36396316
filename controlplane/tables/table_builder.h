// Turns the configuration model and the ports' MAC addresses into a
// ForwardingTable snapshot for the workers, and the static and learned
// neighbours into a NeighbourSet snapshot. Pure: no
// DPDK, so it is tested on its own. Control path; exception-safe (a failed
// build leaves nothing behind but the ids it registered).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <span>
#include <stdexcept>

#include "controlplane/config/model.h"
#include "controlplane/tables/health_state.h"
#include "controlplane/tables/id_registry.h"
#include "controlplane/tables/vip_ownership.h"
#include "dataplane/forwarding_table.h"

namespace sluice::tables {

// A configuration the data plane cannot carry (e.g. too many services).
class BuildError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Port i of the snapshot is config.dataplane->ports[i] with portMacs[i].
// `health` (optional) removes or inhibits real servers that are down;
// `ownership` (optional: every VIP held) leaves the VIPs this router does
// not hold unanswered and their services on standby.
// Throws BuildError when the config has no dataplane block or exceeds a
// data-plane limit.
std::unique_ptr<dp::ForwardingTable> buildTable(const config::Config& config, std::span<const dp::MacAddr> portMacs,
                                                IdRegistry& ids, const HealthState* health = nullptr,
                                                const VipOwnership* ownership = nullptr);

// The connection timeouts of a configuration: IPVS's defaults, then
// global_defs lvs_timeouts, then the dataplane block's. Thread-safe.
dp::ConnTimeouts timeoutsOf(const config::Config& config);

// The dataplane block's static neighbours, then the learned ones they do
// not override.
std::unique_ptr<dp::NeighbourSet> buildNeighbours(const config::Config& config,
                                                  std::span<const dp::Neighbour> learned);

// A config prefix as the data plane keeps it.
dp::Prefix toPrefix(const config::IpPrefix& p);

// The snapshot's port index of an interface name, or dp::kNoPort.
uint16_t portIndex(const config::Dataplane& dataplane, std::string_view name);

}  // namespace sluice::tables
