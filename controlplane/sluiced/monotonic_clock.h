// The control plane's clock: milliseconds of CLOCK_MONOTONIC, the time
// base of the control loop, its timers and the VRRP driver.
#pragma once

#include <chrono>
#include <cstdint>

namespace sluice::sluiced {

inline uint64_t monotonicMs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace sluice::sluiced
