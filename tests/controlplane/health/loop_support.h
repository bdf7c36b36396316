// Shared by the health tests: run a probe or a loop until done, bounded.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <optional>

#include "controlplane/common/event_loop.h"
#include "controlplane/health/probe.h"

namespace sluice::health::testing {

// Runs `probe` on `loop` and returns its result (nullopt after `limit`).
inline std::optional<ProbeResult> runProbe(common::EventLoop& loop, Probe& probe,
                                           std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  std::optional<ProbeResult> result;
  probe.start(loop, [&](ProbeResult r) { result = std::move(r); });
  const auto deadline = common::Clock::now() + limit;
  while (!result && common::Clock::now() < deadline) loop.runOnce(std::chrono::milliseconds(20));
  return result;
}

// Runs the loop until `done()` or `limit`.
template <class Done>
bool runUntil(common::EventLoop& loop, Done done, std::chrono::milliseconds limit) {
  const auto deadline = common::Clock::now() + limit;
  while (!done() && common::Clock::now() < deadline) loop.runOnce(std::chrono::milliseconds(5));
  return done();
}

}  // namespace sluice::health::testing
