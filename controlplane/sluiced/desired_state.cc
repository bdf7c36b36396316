#include "controlplane/sluiced/desired_state.h"

#include <iostream>
#include <stdexcept>
#include <utility>

#include "controlplane/tables/table_builder.h"

namespace sluice::sluiced {

DesiredState::DesiredState(dp::DataplaneHandle& dataplane, config::Config config)
    : dataplane_(dataplane), ids_(dp::kMaxServices, dp::kMaxDests), config_(std::move(config)) {
  for (unsigned i = 0; i < dataplane_.portCount(); ++i) portMacs_.push_back(dataplane_.portMac(i));
}

std::unique_ptr<dp::ForwardingTable> DesiredState::buildTable(const config::Config& config) {
  auto table = tables::buildTable(config, portMacs_, ids_, &health_, &ownership_);
  table->version = dataplane_.table() == nullptr ? 1 : dataplane_.table()->version + 1;
  table->sync.send = syncSending_;
  return table;
}

bool DesiredState::publishTable() { return dataplane_.publish(buildTable(config_)); }

bool DesiredState::publishNeighbours() {
  auto set = tables::buildNeighbours(config_, learned_);
  set->version = neighbourVersion_ + 1;
  if (!dataplane_.publish(std::move(set))) return false;
  ++neighbourVersion_;
  return true;
}

void DesiredState::publishFirst(tables::HealthState health, tables::VipOwnership ownership,
                                std::vector<dp::Neighbour> neighbours) {
  health_ = std::move(health);
  ownership_ = std::move(ownership);
  learned_ = std::move(neighbours);
  if (!publishTable()) throw std::runtime_error("the data plane refused the first tables");
  neighboursDirty_ = !publishNeighbours();
}

bool DesiredState::commit(const config::Config& next) {
  // Built before anything changes: a BuildError leaves all as it was.
  auto table = buildTable(next);
  if (!dataplane_.publish(std::move(table))) return false;
  config_ = next;
  tableDirty_ = false;  // this table carries the pending health and VRRP changes too
  // Static neighbours come from the configuration.
  neighboursDirty_ = !publishNeighbours();
  return true;
}

void DesiredState::commitLater(const config::Config& next) {
  config_ = next;
  tableDirty_ = neighboursDirty_ = true;
  nextTry_ = 0;
}

void DesiredState::setHealth(tables::HealthState health) {
  health_ = std::move(health);
  tableDirty_ = true;
}

void DesiredState::setOwnership(tables::VipOwnership ownership) {
  if (ownership == ownership_) return;
  ownership_ = std::move(ownership);
  tableDirty_ = true;
}

void DesiredState::setSyncSending(bool sending) {
  if (sending == syncSending_) return;
  syncSending_ = sending;
  tableDirty_ = true;
}

void DesiredState::setNeighbours(std::vector<dp::Neighbour> learned) {
  learned_ = std::move(learned);
  neighboursDirty_ = true;
}

void DesiredState::publishPending(uint64_t nowMs) {
  if ((!tableDirty_ && !neighboursDirty_) || nowMs < nextTry_) return;
  if (tableDirty_) {
    try {
      tableDirty_ = !publishTable();
    } catch (const std::exception& e) {
      // This configuration was built before with other inputs: not
      // expected; retrying would only repeat it, the next change tries again.
      tableDirty_ = false;
      std::cerr << "sluiced: cannot rebuild the tables: " << e.what() << "\n";
    }
  }
  if (neighboursDirty_) neighboursDirty_ = !publishNeighbours();
  if (tableDirty_ || neighboursDirty_) {
    nextTry_ = nowMs + kPublishRetryMs;
    if (!stalledSince_) {
      stalledSince_ = nowMs;
      std::cerr << "sluiced: a worker has not taken the previous snapshot yet; the new one waits for it\n";
    }
  } else if (stalledSince_) {
    std::cerr << "sluiced: the waiting snapshot is published (after " << nowMs - *stalledSince_ << " ms)\n";
    stalledSince_.reset();
  }
}

}  // namespace sluice::sluiced
