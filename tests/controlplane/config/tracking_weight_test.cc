// Where keepalived refuses tracking weights (members of a vrrp_sync_group
// without sync_group_tracking_weight, address owners, a sync group with an
// owner among its members) and a second line for one tracked object: the
// model runs as keepalived runs, and each case is reported as the
// configuration error `keepalived -t` counts it as.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using testing::errorsOf;

const char* kTrackedObjects = R"(
vrrp_script chk_up {
  script "/bin/true"
  weight -20
}
vrrp_script chk_zero {
  script "/bin/true"
}
track_file prio_file {
  file /run/prio
}
track_file heavy_file {
  file /run/heavy
  weight -5
}
vrrp_track_process web {
  process nginx
  weight 10
}
bfd_instance peer_a {
  neighbor_ip 10.0.7.1
  weight -30
}
bfd_instance peer_b {
  neighbor_ip 10.0.7.2
}
)";

const char* kWeightedTrackers = R"(
  track_script { chk_up
    chk_zero }
  track_interface { eth1 weight 10
    eth2 }
  track_file { prio_file
    heavy_file }
  track_process { web }
  track_bfd { peer_a
    peer_b }
)";

std::string instanceBlock(const std::string& name, int vrid, int priority, const std::string& body) {
  return "vrrp_instance " + name + " {\n  state " + (priority == 255 ? "MASTER" : "BACKUP") +
         "\n  interface eth0\n  virtual_router_id " + std::to_string(vrid) + "\n  priority " +
         std::to_string(priority) + "\n  virtual_ipaddress { 192.0.2." + std::to_string(vrid) + " }\n" + body + "}\n";
}

// The messages keepalived -t counts as errors.
std::vector<std::string> reportedErrors(const ParseResult& r) {
  std::vector<std::string> out;
  for (const Diagnostic& d : r.diagnostics) {
    if (d.keepalivedError) out.push_back(d.toString());
  }
  return out;
}

ParseResult parseWeights(const std::string& text) { return parseString(kTrackedObjects + text, "w.conf"); }

TEST(TrackingWeights, SyncGroupMembersTrackWithoutWeights) {
  const auto r = parseWeights("vrrp_sync_group G {\n  group { VI_A\n VI_B }\n}\n" + instanceBlock("VI_A", 60, 100, kWeightedTrackers) +
                           instanceBlock("VI_B", 61, 100, ""));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const VrrpInstance& vi = r.config->vrrpInstances.at(0);
  // The weighted script is not tracked; the weighted interface and the
  // file of weight 1 become weight 0 (a failure is FAULT); the file of
  // weight -5 and the weighted bfd are not tracked; processes keep theirs.
  EXPECT_EQ(vi.trackScripts, (std::vector<TrackScript>{{"chk_zero", std::nullopt, false}}));
  EXPECT_EQ(vi.trackInterfaces, (std::vector<TrackInterface>{{"eth1", 0, false}, {"eth2", 0, false}}));
  EXPECT_EQ(vi.trackFiles, (std::vector<TrackRef>{{"prio_file", 0, std::nullopt}}));
  EXPECT_EQ(vi.trackProcesses, (std::vector<TrackRef>{{"web", std::nullopt, std::nullopt}}));
  EXPECT_EQ(vi.trackBfds, (std::vector<TrackRef>{{"peer_b", std::nullopt, std::nullopt}}));
  const auto reported = reportedErrors(r);
  ASSERT_EQ(reported.size(), 5u) << ::testing::PrintToString(reported);
  EXPECT_NE(reported[0].find("weight 10 of track_interface 'eth1' ignored"), std::string::npos) << reported[0];
  EXPECT_NE(reported[0].find("vrrp_sync_group 'G' without sync_group_tracking_weight"), std::string::npos);
  EXPECT_NE(reported[1].find("track_script 'chk_up' with weight -20 is not tracked"), std::string::npos);
  EXPECT_NE(reported[2].find("weight 1 of track_file 'prio_file' ignored"), std::string::npos);
  EXPECT_NE(reported[3].find("track_file 'heavy_file' with weight -5 is not tracked"), std::string::npos);
  EXPECT_NE(reported[4].find("track_bfd 'peer_a' with weight -30 is not tracked"), std::string::npos);
}

TEST(TrackingWeights, SyncGroupTrackingWeightKeepsThem) {
  for (const char* flag : {"sync_group_tracking_weight", "global_tracking"}) {
    const auto r = parseWeights("vrrp_sync_group G {\n  group { VI_A\n VI_B }\n  " + std::string(flag) + "\n}\n" +
                             instanceBlock("VI_A", 60, 100, kWeightedTrackers) + instanceBlock("VI_B", 61, 100, ""));
    ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
    EXPECT_TRUE(r.config->vrrpSyncGroups.at(0).trackingWeight);
    const VrrpInstance& vi = r.config->vrrpInstances.at(0);
    EXPECT_EQ(vi.trackScripts.size(), 2u);
    EXPECT_EQ(vi.trackInterfaces.at(0).weight, 10);
    EXPECT_EQ(vi.trackFiles.size(), 2u);
    EXPECT_EQ(vi.trackBfds.size(), 2u);
    // global_tracking is keepalived's deprecated name: reported, as keepalived does.
    EXPECT_EQ(reportedErrors(r).size(), std::string(flag) == "global_tracking" ? 1u : 0u)
        << ::testing::PrintToString(reportedErrors(r));
  }
}

TEST(TrackingWeights, AddressOwnerDropsWeightedTrackers) {
  const auto r = parseWeights(instanceBlock("VI_O", 62, 255, kWeightedTrackers));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const VrrpInstance& vi = r.config->vrrpInstances.at(0);
  // As in a sync group, except that the weighted interface is not tracked.
  EXPECT_EQ(vi.trackInterfaces, (std::vector<TrackInterface>{{"eth2", 0, false}}));
  EXPECT_EQ(vi.trackScripts, (std::vector<TrackScript>{{"chk_zero", std::nullopt, false}}));
  EXPECT_EQ(vi.trackFiles, (std::vector<TrackRef>{{"prio_file", 0, std::nullopt}}));
  EXPECT_EQ(vi.trackProcesses.size(), 1u);
  EXPECT_EQ(vi.trackBfds, (std::vector<TrackRef>{{"peer_b", std::nullopt, std::nullopt}}));
  const auto reported = reportedErrors(r);
  ASSERT_EQ(reported.size(), 5u) << ::testing::PrintToString(reported);
  EXPECT_NE(reported[0].find("track_interface 'eth1' with weight 10 is not tracked"), std::string::npos);
  EXPECT_NE(reported[0].find("address owner"), std::string::npos);
  // Unweighted trackers are no error.
  const auto plain = parseWeights(instanceBlock("VI_O", 62, 255, "  track_script { chk_zero }\n  track_interface { eth1 }\n"));
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(reportedErrors(plain).empty());
}

TEST(TrackingWeights, SyncGroupWithAnOwnerTracksWithWeightZero) {
  const auto r = parseWeights(
      "vrrp_sync_group G {\n  group { VI_A\n VI_B }\n  track_script { chk_up }\n  track_process { web weight 0 }\n"
      "  track_file { heavy_file }\n  track_interface { eth1 weight 5 }\n  track_bfd { peer_b }\n}\n" +
      instanceBlock("VI_A", 60, 255, "") + instanceBlock("VI_B", 61, 255, ""));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const VrrpSyncGroup& g = r.config->vrrpSyncGroups.at(0);
  EXPECT_EQ(g.trackScripts, (std::vector<TrackScript>{{"chk_up", 0, false}}));
  EXPECT_EQ(g.trackFiles, (std::vector<TrackRef>{{"heavy_file", 0, std::nullopt}}));
  EXPECT_EQ(g.trackInterfaces, (std::vector<TrackInterface>{{"eth1", 0, false}}));
  EXPECT_EQ(g.trackProcesses, (std::vector<TrackRef>{{"web", 0, std::nullopt}}));
  EXPECT_EQ(g.trackBfds, (std::vector<TrackRef>{{"peer_b", std::nullopt, std::nullopt}}));
  const auto reported = reportedErrors(r);
  ASSERT_EQ(reported.size(), 3u) << ::testing::PrintToString(reported);
  EXPECT_NE(reported[0].find("weight -20 of track_script 'chk_up' set to 0 as member vrrp_instance 'VI_A' is the "
                             "address owner"),
            std::string::npos)
      << reported[0];
}

TEST(TrackingWeights, ASecondLineForOneObjectIsReportedAndIgnored) {
  const auto r = parseWeights(instanceBlock("VI_D", 63, 100,
                                    "  track_script { chk_zero\n    chk_zero weight 5 }\n"
                                    "  track_interface { eth1\n    eth1 weight 5 }\n"
                                    "  track_file { prio_file }\n  track_file { prio_file weight 2 }\n"
                                    "  track_process { web\n    web }\n"
                                    "  track_bfd { peer_b\n    peer_b weight 3 }\n") +
                           "vrrp_sync_group G {\n  group { VI_D }\n  sync_group_tracking_weight\n"
                           "  track_file { prio_file\n    prio_file }\n}\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const VrrpInstance& vi = r.config->vrrpInstances.at(0);
  // The first line counts.
  EXPECT_EQ(vi.trackScripts, (std::vector<TrackScript>{{"chk_zero", std::nullopt, false}}));
  EXPECT_EQ(vi.trackInterfaces, (std::vector<TrackInterface>{{"eth1", 0, false}}));
  EXPECT_EQ(vi.trackFiles, (std::vector<TrackRef>{{"prio_file", std::nullopt, std::nullopt}}));
  EXPECT_EQ(vi.trackProcesses.size(), 1u);
  EXPECT_EQ(vi.trackBfds, (std::vector<TrackRef>{{"peer_b", std::nullopt, std::nullopt}}));
  EXPECT_EQ(r.config->vrrpSyncGroups.at(0).trackFiles.size(), 1u);
  const auto reported = reportedErrors(r);
  ASSERT_EQ(reported.size(), 6u) << ::testing::PrintToString(reported);
  EXPECT_NE(reported[0].find("vrrp_instance 'VI_D': duplicate track_script 'chk_zero' ignored"), std::string::npos)
      << reported[0];
  EXPECT_NE(reported[5].find("vrrp_sync_group 'G': duplicate track_file 'prio_file' ignored"), std::string::npos)
      << reported[5];
  // The same object on an instance and on its group is no duplicate.
  const auto both = parseWeights(instanceBlock("VI_D", 63, 100, "  track_file { prio_file weight 0 }\n") +
                              "vrrp_sync_group G {\n  group { VI_D }\n  track_file { prio_file weight 0 }\n}\n");
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(reportedErrors(both).empty()) << ::testing::PrintToString(reportedErrors(both));
}

}  // namespace
}  // namespace sluice::config
