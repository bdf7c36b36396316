// track_file / vrrp_track_file / vrrp_track_process blocks, the
// track_file { } and track_process { } of instances and sync groups, and
// FILE_CHECK: keepalived's keywords, defaults and refusals, and the JSON
// round trip.
#include <gtest/gtest.h>

#include <algorithm>

#include "controlplane/config/json.h"
#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using testing::errorsOf;
using testing::warningsOf;

const char* kTrackers = R"(
track_file tf_plain {
  file /run/plain
}
vrrp_track_file tf_old {
  file "/run/old value"
  weight -10 reverse
  init_file 7 overwrite
}
vrrp_track_process tp_comm {
  process nginx
  quorum 2
  quorum_max 4
  weight 15 reverse
  delay 1.5
  fork_delay 0.25
}
vrrp_track_process tp_args {
  process /usr/bin/python3 -m http.server
  param_match partial
}
vrrp_sync_group G {
  group { VI }
  sync_group_tracking_weight
  track_file { tf_plain weight 3 }
  track_process { tp_args }
}
vrrp_instance VI {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress { 10.0.0.1 }
  track_file {
    tf_plain
    tf_old weight -7 noreverse
  }
  track_process {
    tp_comm weight 0
  }
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 10.0.1.1 80 {
    FILE_CHECK {
      track_file tf_plain
    }
    FILE_CHECK {
      track_file tf_old
      weight 0 reverse
    }
  }
}
)";

ParseResult parseTrackers(const std::string& text) { return parseString(text, "t.conf"); }

TEST(Trackers, KeywordsAndDefaults) {
  const auto r = parseTrackers(kTrackers);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const Config& c = *r.config;
  ASSERT_EQ(c.trackFiles.size(), 2u);
  EXPECT_EQ(c.trackFiles[0], (TrackFile{"tf_plain", "/run/plain", 1, false, std::nullopt, false}));
  EXPECT_EQ(c.trackFiles[1], (TrackFile{"tf_old", "/run/old value", -10, true, 7, true}));
  // The older name is accepted with keepalived's deprecation notice.
  EXPECT_EQ(warningsOf(r), (std::vector<std::string>{
                               "t.conf:5: \"vrrp_track_file\" is deprecated, please use \"track_file\""}));

  ASSERT_EQ(c.trackProcesses.size(), 2u);
  const TrackProcess& comm = c.trackProcesses[0];
  EXPECT_EQ(comm.process, "nginx");
  EXPECT_FALSE(comm.fullCommand);
  EXPECT_EQ(comm.paramMatch, ParamMatch::kNone);
  EXPECT_EQ(comm.quorum, 2u);
  EXPECT_EQ(comm.quorumMax, 4u);
  EXPECT_EQ(comm.weight, 15);
  EXPECT_TRUE(comm.weightReverse);
  EXPECT_EQ(comm.terminateDelay, Duration{1500});  // `delay` sets both, fork_delay then its own
  EXPECT_EQ(comm.forkDelay, Duration{250});
  const TrackProcess& args = c.trackProcesses[1];
  EXPECT_EQ(args.process, "/usr/bin/python3");
  EXPECT_EQ(args.params, (std::vector<std::string>{"-m", "http.server"}));
  EXPECT_EQ(args.paramMatch, ParamMatch::kPartial);
  EXPECT_TRUE(args.fullCommand);
  EXPECT_EQ(args.quorum, 1u);
  EXPECT_EQ(args.weight, 0);

  const VrrpInstance& vi = c.vrrpInstances.at(0);
  EXPECT_EQ(vi.trackFiles, (std::vector<TrackRef>{{"tf_plain", std::nullopt, std::nullopt}, {"tf_old", -7, false}}));
  EXPECT_EQ(vi.trackProcesses, (std::vector<TrackRef>{{"tp_comm", 0, std::nullopt}}));
  const VrrpSyncGroup& g = c.vrrpSyncGroups.at(0);
  EXPECT_EQ(g.trackFiles, (std::vector<TrackRef>{{"tf_plain", 3, std::nullopt}}));
  EXPECT_EQ(g.trackProcesses, (std::vector<TrackRef>{{"tp_args", std::nullopt, std::nullopt}}));

  const RealServer& rs = c.virtualServers.at(0).realServers.at(0);
  EXPECT_TRUE(rs.checks.empty());
  EXPECT_EQ(rs.fileChecks, (std::vector<FileCheck>{{"tf_plain", std::nullopt, false}, {"tf_old", 0, true}}));
}

TEST(Trackers, JsonRoundTrip) {
  const auto r = parseTrackers(kTrackers);
  ASSERT_TRUE(r.ok());
  const nlohmann::json j = toJson(*r.config);
  EXPECT_EQ(j["track_processes"][1]["param_match"], "partial");
  EXPECT_EQ(j["track_files"][1]["init_file"], 7);
  EXPECT_EQ(configFromJson(j), *r.config);
}

TEST(Trackers, InitFileDefaultsToZero) {
  const auto r = parseTrackers("track_file t {\n file /tmp/x\n init_file\n}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->trackFiles.at(0).initValue, 0);
  EXPECT_FALSE(r.config->trackFiles.at(0).initOverwrite);
}

TEST(Trackers, Refusals) {
  const auto r = parseTrackers(R"(
track_file nofile {
  weight 2
}
track_file big {
  file /tmp/big
  weight 255
  init_file soon
}
vrrp_track_process noproc {
  quorum 3
}
vrrp_track_process q {
  process a
  quorum_max 2
  quorum 3
  param_match sometimes
}
vrrp_instance VI {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress { 10.0.0.1 }
  track_file {
    missing
    big weight
    big height 3
  }
  track_process {
    q weight -300
  }
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 10.0.1.1 80 {
    FILE_CHECK {
      weight 3
    }
    FILE_CHECK {
      track_file absent
    }
  }
}
)");
  EXPECT_FALSE(r.ok());
  const std::vector<std::string> errors = errorsOf(r);
  auto has = [&](const std::string& text) {
    return std::any_of(errors.begin(), errors.end(), [&](const std::string& e) { return e.find(text) != e.npos; });
  };
  EXPECT_TRUE(has("t.conf:2: track_file 'nofile' has no file")) << ::testing::PrintToString(errors);
  EXPECT_TRUE(has("t.conf:7:")) << "weight 255 is beyond keepalived's -254..254";
  EXPECT_TRUE(has("t.conf:8:")) << "init_file takes a number and overwrite only";
  EXPECT_TRUE(has("t.conf:10: vrrp_track_process 'noproc' has no process"));
  EXPECT_TRUE(has("t.conf:16: quorum is greater than quorum_max"));
  EXPECT_TRUE(has("t.conf:17:")) << "param_match is initial or partial";
  EXPECT_TRUE(has("t.conf:24: track_file 'missing' is not a defined track_file"));
  EXPECT_TRUE(has("t.conf:25:")) << "weight needs its value";
  EXPECT_TRUE(has("t.conf:26:")) << "only weight follows the name";
  EXPECT_TRUE(has("t.conf:29:")) << "track_process weight beyond -254..254";
  EXPECT_TRUE(has("t.conf:35: FILE_CHECK has no track_file"));
  EXPECT_TRUE(has("t.conf:39: track_file 'absent' is not a defined track_file"));
}

}  // namespace
}  // namespace sluice::config
