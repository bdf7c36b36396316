// keepalived's tracking rules: weights up and down, reverse, weight 0 as
// FAULT, the instance's own interface, and the sync group's tracked objects.
#include "controlplane/failover/tracking.h"

#include <gtest/gtest.h>

#include "tests/controlplane/failover/failover_test_support.h"

namespace sluice::failover {
namespace {

using testing::parse;

const char* kTrackingConfig = R"(
vrrp_script plus { script "/bin/true"
  weight 10 }
vrrp_script minus { script "/bin/true"
  weight -20 }
vrrp_script must { script "/bin/true" }
vrrp_sync_group G {
  group { VI }
  sync_group_tracking_weight
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
  const config::Config c = parse(kTrackingConfig);
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

TEST(Tracking, TrackBfdWeighsItsSessionLikeKeepalived) {
  const config::Config c = parse(R"(
bfd_instance plus { neighbor_ip 192.0.2.1
  weight 10 }
bfd_instance minus { neighbor_ip 192.0.2.2
  weight -20 }
bfd_instance must { neighbor_ip 192.0.2.3 }
bfd_instance turned { neighbor_ip 192.0.2.4 }
bfd_instance rev { neighbor_ip 192.0.2.5 }
vrrp_sync_group G {
  group { VI }
  sync_group_tracking_weight
  track_bfd { turned weight 0 reverse }
}
vrrp_instance VI {
  interface eth0
  virtual_router_id 1
  track_bfd { plus
    minus
    must
    rev weight 4 reverse }
  virtual_ipaddress { 10.0.0.1 }
}
)");
  auto eval = [&](std::map<std::string, bool> bfds) {
    TrackedStates s;
    s.bfds = std::move(bfds);
    return evaluateTracking(c, c.vrrpInstances.at(0), s);
  };
  const std::map<std::string, bool> allUp{{"plus", true}, {"minus", true}, {"must", true}, {"turned", false}, {"rev", true}};
  EXPECT_FALSE(eval(allUp).fault);
  EXPECT_EQ(eval(allUp).weight, 10 - 4);  // the line's weight 4 reverse: -4 while up
  auto with = [&](const std::string& name, bool up) {
    auto m = allUp;
    m[name] = up;
    return eval(m);
  };
  EXPECT_EQ(with("plus", false).weight, -4);
  EXPECT_EQ(with("minus", false).weight, 10 - 20 - 4);  // a negative weight counts while down
  EXPECT_EQ(with("rev", false).weight, 10);
  // Weight 0: down is a FAULT; with reverse (the group's), Up is.
  EXPECT_TRUE(with("must", false).fault);
  EXPECT_EQ(with("must", false).why, "track_bfd must is down");
  EXPECT_TRUE(with("turned", true).fault);
  // A session not yet reported is down, as keepalived starts it.
  EXPECT_TRUE(eval({}).fault);
}

// keepalived's rules where weights cannot apply, as the parsed model runs:
// a sync group member without sync_group_tracking_weight and an address owner.
TEST(Tracking, SyncGroupMembersAndAddressOwnersTrackWithoutWeights) {
  const config::Config c = parse(R"(
vrrp_script minus { script "/bin/true"
  weight -20 }
vrrp_sync_group G {
  group { VI
    VI_B }
}
vrrp_instance VI {
  interface eth0
  virtual_router_id 1
  track_script { minus }
  track_interface { eth1 weight 7 }
  virtual_ipaddress { 10.0.0.1 }
}
vrrp_instance VI_B {
  interface eth0
  virtual_router_id 2
  virtual_ipaddress { 10.0.0.2 }
}
vrrp_instance OWNER {
  state MASTER
  interface eth0
  virtual_router_id 3
  priority 255
  track_script { minus }
  track_interface { eth1 weight 7 }
  virtual_ipaddress { 10.0.0.3 }
}
)");
  const config::VrrpInstance& member = c.vrrpInstances.at(0);
  const config::VrrpInstance& owner = c.vrrpInstances.at(2);
  const TrackedStates scriptDown{{{"minus", false}}, {}};
  const TrackedStates linkDown{{}, {{"eth1", false}}};
  // The weighted script is not tracked: down moves nothing.
  EXPECT_EQ(evaluateTracking(c, member, scriptDown).weight, 0);
  EXPECT_FALSE(evaluateTracking(c, member, scriptDown).fault);
  EXPECT_EQ(evaluateTracking(c, owner, scriptDown).weight, 0);
  EXPECT_FALSE(evaluateTracking(c, owner, scriptDown).fault);
  // The member's weighted interface counts with weight 0: down is FAULT;
  // the owner does not track it at all.
  EXPECT_EQ(evaluateTracking(c, member, {}).weight, 0);
  EXPECT_TRUE(evaluateTracking(c, member, linkDown).fault);
  EXPECT_EQ(evaluateTracking(c, owner, {}).weight, 0);
  EXPECT_FALSE(evaluateTracking(c, owner, linkDown).fault);
}

}  // namespace
}  // namespace sluice::failover
