// Which client endpoint (address, port) the next packet comes from.
// Sequential over N flows (established, udp: each flow comes back in turn)
// or pseudo-random over the whole client range (syn: new connections from
// random sources). Pure; next() is a few instructions, no division.
// Not thread-safe: one per sending loop.
#pragma once

#include <cstdint>

#include "perf/sluice_bench/options.h"

namespace sluice::bench {

struct Endpoint {
  uint32_t ip;  // host order
  uint16_t port;
};

class FlowCursor {
 public:
  FlowCursor(const Range& ips, const Range& ports, uint64_t flows, bool random)
      : ips_(ips), ports_(ports), flows_(flows), random_(random) {}

  // The client of flow i (sequential numbering: ports first, then addresses).
  Endpoint flowAt(uint64_t i) const {
    const uint64_t nports = ports_.size();
    return Endpoint{static_cast<uint32_t>(ips_.first + i / nports), static_cast<uint16_t>(ports_.first + i % nports)};
  }

  Endpoint next() {
    if (random_) {
      // splitmix64 of a counter; the high and low halves pick address and
      // port by multiply-shift (uniform enough, no division).
      uint64_t x = (counter_ += 0x9E3779B97F4A7C15ull);
      x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
      x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
      x ^= x >> 31;
      const uint64_t ip = ((x >> 32) * ips_.size()) >> 32;
      const uint64_t port = ((x & 0xFFFFFFFFu) * ports_.size()) >> 32;
      return Endpoint{static_cast<uint32_t>(ips_.first + ip), static_cast<uint16_t>(ports_.first + port)};
    }
    const Endpoint e{ips_.first + ipOffset_, static_cast<uint16_t>(ports_.first + portOffset_)};
    if (++index_ == flows_) {
      index_ = 0;
      ipOffset_ = 0;
      portOffset_ = 0;
    } else if (++portOffset_ == ports_.size()) {
      portOffset_ = 0;
      ++ipOffset_;
    }
    return e;
  }

 private:
  Range ips_;
  Range ports_;
  uint64_t flows_;
  bool random_;
  uint64_t counter_ = 0;
  uint64_t index_ = 0;
  uint32_t ipOffset_ = 0;
  uint32_t portOffset_ = 0;
};

}  // namespace sluice::bench
