// The sending and receiving loop of sluice-bench, on one lcore: it waits
// for the links, probes until a frame comes back, opens every flow once
// (warm-up), then sends at the target rate (or as fast as the TX queue
// takes frames) for the duration while receiving, and receives a little
// longer. Every received frame of the measured phase adds its latency.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "perf/sluice_bench/frame.h"
#include "perf/sluice_bench/options.h"
#include "perf/sluice_bench/report.h"

struct rte_mempool;

namespace sluice::bench {

struct Link {
  uint16_t txPort;
  uint16_t rxPort;
  rte_mempool* pool;
  uint8_t srcMac[6];
  uint8_t dstMac[6];
};

// Runs the phases; throws std::runtime_error when a link stays down or no
// frame comes back within the wait. `stop` is polled between bursts;
// `progress` receives one line per second of the measured phase.
Summary runTraffic(const Options& options, const Link& link, const volatile bool& stop,
                   const std::function<void(const std::string&)>& progress);

}  // namespace sluice::bench
