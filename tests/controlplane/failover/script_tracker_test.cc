// vrrp_script runs: a failing script goes KO after `fall` failures, a
// succeeding one OK after `rise`, init_fail starts KO, and only scripts
// that something tracks run. Real processes, bounded waits.
#include "controlplane/failover/script_tracker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/controlplane/failover/failover_test_support.h"

namespace sluice::failover {
namespace {

using testing::parse;

// Polls the tracker (at most 5 s) until `name` is in state `ok`.
bool becomes(const ScriptTracker& t, const std::string& name, bool ok) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto states = t.states();
    if (const auto it = states.find(name); it != states.end() && it->second == ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

const char* kConfig = R"(
vrrp_script chk_fails {
  script "/bin/false"
  interval 0.1
  fall 3
}
vrrp_script chk_comes_up {
  script "/bin/true"
  interval 0.1
  rise 2
  init_fail
}
vrrp_script chk_unused {
  script "/bin/false"
  interval 0.1
}
vrrp_instance VI {
  interface eth0
  virtual_router_id 1
  track_script {
    chk_fails
    chk_comes_up
  }
  virtual_ipaddress { 10.0.0.1 }
}
)";

TEST(ScriptTracker, RiseFallAndInitFail) {
  const ScriptTracker t(parse(kConfig));
  EXPECT_EQ(t.size(), 2u);  // chk_unused is tracked by nothing: it never runs
  const auto start = t.states();
  EXPECT_TRUE(start.at("chk_fails"));       // OK until it has failed `fall` times
  EXPECT_FALSE(start.at("chk_comes_up"));   // init_fail
  EXPECT_TRUE(becomes(t, "chk_fails", false));
  EXPECT_TRUE(becomes(t, "chk_comes_up", true));
  EXPECT_GE(t.generation(), 2u);
}

TEST(ScriptTracker, AHangingScriptIsKilledAtItsTimeoutAndCountsAsAFailure) {
  const ScriptTracker t(parse(R"(
vrrp_script chk_hangs {
  script "/bin/sleep 30"
  interval 0.1
  timeout 0.2
}
vrrp_instance VI {
  interface eth0
  virtual_router_id 1
  track_script { chk_hangs }
  virtual_ipaddress { 10.0.0.1 }
}
)"));
  EXPECT_TRUE(becomes(t, "chk_hangs", false));
}

}  // namespace
}  // namespace sluice::failover
