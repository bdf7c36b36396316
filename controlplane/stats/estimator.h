// Rates like IPVS's estimator (ip_vs_est.c): every 2 seconds the increase
// of each counter becomes a per-second rate, smoothed by an exponentially
// weighted average that gives the new sample a quarter of the weight. A
// burst shows within seconds and a steady rate converges in about 10 s,
// which is what `ipvsadm --rate` readers expect.
#pragma once

#include <cstdint>
#include <unordered_map>

namespace sluice::stats {

// Monotonic totals of one service or real server, summed over workers.
struct Totals {
  uint64_t conns = 0;
  uint64_t inPkts = 0;
  uint64_t outPkts = 0;
  uint64_t inBytes = 0;
  uint64_t outBytes = 0;
};

// Per second: connections, packets and bytes in and out.
struct Rates {
  double cps = 0;
  double inPps = 0;
  double outPps = 0;
  double inBps = 0;
  double outBps = 0;
};

class RateEstimator {
 public:
  static constexpr uint64_t kIntervalMs = 2000;

  // Records the totals of counter set `key` at `nowMs`. The first call sets
  // the baseline; later calls at least kIntervalMs apart update the rates.
  // Not thread-safe: the control loop alone calls it.
  void sample(uint64_t key, const Totals& totals, uint64_t nowMs);

  // ipvsadm -Z: the rates of `key` start again from zero (its last sample
  // stays, so the next interval gives a rate).
  void reset(uint64_t key) {
    if (const auto it = entries_.find(key); it != entries_.end()) it->second.avg = Rates{};
  }

  // The smoothed rates of `key`, zero when never sampled.
  Rates rates(uint64_t key) const;

  // Keys of a service and of a real server (their ids never collide).
  static uint64_t serviceKey(uint16_t serviceId) { return serviceId; }
  static uint64_t destKey(uint16_t destId) { return (uint64_t{1} << 32) | destId; }

 private:
  struct Entry {
    Totals last;
    uint64_t lastMs = 0;
    Rates avg;
  };
  std::unordered_map<uint64_t, Entry> entries_;
};

}  // namespace sluice::stats
