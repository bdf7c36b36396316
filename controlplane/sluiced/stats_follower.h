// Follows the workers' counters: samples them for the rate estimator
// (ipvsadm --rate) every RateEstimator::kIntervalMs, and writes them to the
// stats file (SIGUSR2, and at stop). Control thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/stats/stats.h"
#include "dataplane/dataplane_handle.h"

namespace sluice::sluiced {

class StatsFollower {
 public:
  StatsFollower(const dp::DataplaneHandle& dataplane, std::string statsFile)
      : dataplane_(dataplane), statsFile_(std::move(statsFile)) {}

  void poll(uint64_t nowMs);
  // /v1/stats: the counters and rates per service and real server, drops.
  nlohmann::json json() const;
  // ipvsadm -Z: the counters of the services from virtual_server `origin`
  // (every service when empty) start again from zero. Returns how many
  // services that was.
  std::size_t zero(const std::string& origin);
  // Writes `stats` to the stats file (atomically, by rename); a failure is
  // logged.
  void write(const nlohmann::json& stats) const;
  const std::string& file() const { return statsFile_; }

 private:
  std::vector<const dp::WorkerCounters*> workers() const;

  const dp::DataplaneHandle& dataplane_;
  std::string statsFile_;
  stats::RateEstimator rates_;
  stats::ZeroBaselines zeroed_;
  uint64_t lastSample_ = 0;
};

}  // namespace sluice::sluiced
