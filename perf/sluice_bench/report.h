// What a run counted and how it is shown: the live progress line and the
// final summary, as text or JSON. Pure: the caller passes the TSC rate.
#pragma once

#include <cstdint>
#include <string>

#include "perf/sluice_bench/latency.h"
#include "perf/sluice_bench/options.h"

namespace sluice::bench {

struct Counts {
  uint64_t txPackets = 0;
  uint64_t rxPackets = 0;  // frames of the measured phase that came back
  uint64_t rxStale = 0;    // frames of an earlier phase (probe, warm-up)
  uint64_t rxOther = 0;    // frames that are not sluice-bench's
  uint64_t txNoBuffer = 0; // packets not built: the pool was empty
  LatencyHistogram latency;

  void add(const Counts& o) {
    txPackets += o.txPackets;
    rxPackets += o.rxPackets;
    rxStale += o.rxStale;
    rxOther += o.rxOther;
    txNoBuffer += o.txNoBuffer;
    latency.merge(o.latency);
  }
};

struct Summary {
  const Options* options = nullptr;
  double seconds = 0;      // of sending
  double tscHz = 1;
  uint32_t frameSize = 64;
  Counts counts;
  uint64_t warmupSent = 0;
  uint64_t warmupReceived = 0;
};

// One line for the terminal: the last interval's rates, loss and latency.
std::string progressLine(double elapsedS, double intervalS, uint32_t frameSize, double tscHz, const Counts& interval);

// The final result, as an aligned text block or a JSON object.
std::string summaryText(const Summary& s);
std::string summaryJson(const Summary& s);

}  // namespace sluice::bench
