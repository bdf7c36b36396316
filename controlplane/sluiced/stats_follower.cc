#include "controlplane/sluiced/stats_follower.h"

#include <filesystem>
#include <fstream>
#include <iostream>

#include "controlplane/stats/stats.h"

namespace sluice::sluiced {

std::vector<const dp::WorkerCounters*> StatsFollower::workers() const {
  std::vector<const dp::WorkerCounters*> out;
  for (unsigned w = 0; w < dataplane_.workerCount(); ++w) out.push_back(&dataplane_.counters(w));
  return out;
}

void StatsFollower::poll(uint64_t nowMs) {
  if (nowMs - lastSample_ < stats::RateEstimator::kIntervalMs) return;
  lastSample_ = nowMs;
  stats::sampleRates(rates_, *dataplane_.table(), workers(), nowMs);
}

nlohmann::json StatsFollower::json() const {
  return stats::countersJson(*dataplane_.table(), workers(), rates_, zeroed_);
}

std::size_t StatsFollower::zero(const std::string& origin) {
  return stats::zeroCounters(*dataplane_.table(), workers(), origin, zeroed_, rates_);
}

void StatsFollower::write(const nlohmann::json& stats) const {
  const std::string tmp = statsFile_ + ".tmp";
  {
    std::ofstream out(tmp);
    out << stats.dump(2) << "\n";
    if (!out) {
      std::cerr << "sluiced: cannot write " << tmp << "\n";
      return;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, statsFile_, ec);
  if (ec) std::cerr << "sluiced: cannot write " << statsFile_ << ": " << ec.message() << "\n";
}

}  // namespace sluice::sluiced
