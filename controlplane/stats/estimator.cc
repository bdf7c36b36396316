#include "controlplane/stats/estimator.h"

namespace sluice::stats {
namespace {

// The weight of a new sample, as IPVS (avg += (rate - avg) / 4).
constexpr double kWeight = 0.25;

void smooth(double& avg, uint64_t from, uint64_t to, double seconds) {
  // Counters only grow; a smaller value means a new counter: no rate yet.
  const double rate = to >= from ? static_cast<double>(to - from) / seconds : 0.0;
  avg += (rate - avg) * kWeight;
}

}  // namespace

void RateEstimator::sample(uint64_t key, const Totals& totals, uint64_t nowMs) {
  auto [it, fresh] = entries_.try_emplace(key);
  Entry& e = it->second;
  if (fresh) {
    e.last = totals;
    e.lastMs = nowMs;
    return;
  }
  if (nowMs < e.lastMs + kIntervalMs) return;
  const double seconds = static_cast<double>(nowMs - e.lastMs) / 1000.0;
  smooth(e.avg.cps, e.last.conns, totals.conns, seconds);
  smooth(e.avg.inPps, e.last.inPkts, totals.inPkts, seconds);
  smooth(e.avg.outPps, e.last.outPkts, totals.outPkts, seconds);
  smooth(e.avg.inBps, e.last.inBytes, totals.inBytes, seconds);
  smooth(e.avg.outBps, e.last.outBytes, totals.outBytes, seconds);
  e.last = totals;
  e.lastMs = nowMs;
}

Rates RateEstimator::rates(uint64_t key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? Rates{} : it->second.avg;
}

}  // namespace sluice::stats
