// keepalived's tracking rules: weights up and down, reverse, weight 0 as
// FAULT, the instance's own interface, and the sync group's tracked objects.
#include "controlplane/failover/tracking.h"

#include <gtest/gtest.h>

#include "tests/controlplane/failover/failover_test_support.h"

namespace sluice::failover {
namespace {

using testing::parse;

const char* kConfig = R"(
vrrp_script plus { script "/bin/true"
  weight 10 }
vrrp_script minus { script "/bin/true"
  weight -20 }
vrrp_script must { script "/bin/true" }
vrrp_sync_group G {
  group { VI }
  track_interface { eth2 weight -5 }
}
vrrp_instance VI {
  interface eth0
  virtual_router_id 1
  track_script { plus
    minus
    must }
  track_interface { eth1 weight 7 }
  virtual_ipaddress { 10.0.0.1 }
}
)";

Tracking eval(const TrackedStates& s) {
  const config::Config c = parse(kConfig);
  return evaluateTracking(c, c.vrrpInstances.at(0), s);
}

TEST(Tracking, WeightsFollowKeepalivedsRules) {
  EXPECT_EQ(eval({}).weight, 10 + 7);  // all up: positive weights count
  EXPECT_FALSE(eval({}).fault);
  EXPECT_EQ(eval({{{"plus", false}}, {}}).weight, 7);
  EXPECT_EQ(eval({{{"minus", false}}, {}}).weight, 10 + 7 - 20);
  EXPECT_EQ(eval({{}, {{"eth1", false}}}).weight, 10);
  EXPECT_EQ(eval({{}, {{"eth2", false}}}).weight, 10 + 7 - 5);  // the group's interface
}

TEST(Tracking, WeightZeroAndTheOwnInterfaceFault) {
  const Tracking must = eval({{{"must", false}}, {}});
  EXPECT_TRUE(must.fault);
  EXPECT_EQ(must.why, "vrrp_script must is down");
  EXPECT_TRUE(eval({{}, {{"eth0", false}}}).fault);
}

TEST(Tracking, ReverseTurnsTheAdjustment) {
  const config::Config c = parse(R"(
vrrp_script plus { script "/bin/true"
  weight 10 reverse }
vrrp_instance VI {
  interface eth0
  virtual_router_id 1
  dont_track_primary
  track_script { plus }
  virtual_ipaddress { 10.0.0.1 }
}
)");
  EXPECT_EQ(evaluateTracking(c, c.vrrpInstances[0], {}).weight, -10);
  EXPECT_EQ(evaluateTracking(c, c.vrrpInstances[0], {{{"plus", false}}, {}}).weight, 0);
  EXPECT_FALSE(evaluateTracking(c, c.vrrpInstances[0], {{}, {{"eth0", false}}}).fault);  // dont_track_primary
}

}  // namespace
}  // namespace sluice::failover
