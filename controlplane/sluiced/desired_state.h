// The one owner of what the workers should run. Five inputs: the
// configuration, the health checks' verdicts, the VIPs this router holds
// (VRRP), the neighbours it learned and whether it is the sync master; out comes a ForwardingTable and a
// NeighbourSet, always rebuilt from those inputs and nothing else.
//
// A configuration change is all or nothing (commit()): it is published at
// once or refused with nothing changed. A change of the other inputs is
// kept and published by publishPending(), which the control loop calls
// every pass: while a worker's ring is full it tries again every
// kPublishRetryMs (a timer on the loop's clock), never by waiting.
// Control thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "controlplane/config/model.h"
#include "controlplane/tables/health_state.h"
#include "controlplane/tables/id_registry.h"
#include "controlplane/tables/vip_ownership.h"
#include "dataplane/dataplane_handle.h"

namespace sluice::sluiced {

class DesiredState {
 public:
  static constexpr uint64_t kPublishRetryMs = 1;

  // The ports' MAC addresses come from the data plane.
  DesiredState(dp::DataplaneHandle& dataplane, config::Config config);

  const config::Config& config() const { return config_; }
  const tables::HealthState& health() const { return health_; }
  const tables::VipOwnership& ownership() const { return ownership_; }
  std::span<const dp::MacAddr> portMacs() const { return portMacs_; }

  // Publishes the first snapshots (the rings are empty: a refusal is a
  // bug). Throws std::runtime_error, or tables::BuildError.
  void publishFirst(tables::HealthState health, tables::VipOwnership ownership,
                    std::vector<dp::Neighbour> neighbours);

  // Makes `next` the configuration if its tables go through to every
  // worker now: false (nothing changed) when a worker is behind. Throws
  // tables::BuildError when the data plane cannot carry it.
  bool commit(const config::Config& next);
  // Makes `next` the configuration now and publishes it as soon as the
  // workers have room: for going back to a configuration that ran before.
  void commitLater(const config::Config& next);

  // The other inputs: published by the next publishPending().
  void setHealth(tables::HealthState health);
  void setOwnership(tables::VipOwnership ownership);
  void setNeighbours(std::vector<dp::Neighbour> learned);
  // Whether the workers hand connections over for sync (the sync master).
  void setSyncSending(bool sending);

  // Publishes what changed since the last publish, when the retry timer
  // allows. Logs the first refusal and the recovery.
  void publishPending(uint64_t nowMs);
  // Something waits to be published (the loop should come back soon).
  bool pending() const { return tableDirty_ || neighboursDirty_; }

 private:
  std::unique_ptr<dp::ForwardingTable> buildTable(const config::Config& config);
  bool publishTable();
  bool publishNeighbours();

  dp::DataplaneHandle& dataplane_;
  std::vector<dp::MacAddr> portMacs_;
  tables::IdRegistry ids_;
  config::Config config_;
  tables::HealthState health_;
  tables::VipOwnership ownership_;
  std::vector<dp::Neighbour> learned_;
  bool syncSending_ = false;
  bool tableDirty_ = false;
  bool neighboursDirty_ = false;
  uint64_t neighbourVersion_ = 0;
  uint64_t nextTry_ = 0;                  // after a refusal: when to try again
  std::optional<uint64_t> stalledSince_;  // a refused publish is pending since then
};

}  // namespace sluice::sluiced
