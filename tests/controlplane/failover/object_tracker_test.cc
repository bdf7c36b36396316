// track_file and track_process for VRRP: keepalived's priority and FAULT
// rules for file values and process quorums, the matching of processes by
// comm and command line (a /proc of the test's own), the quorum's delays,
// and the tracker following a real file and a real process.
#include "controlplane/failover/object_tracker.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "controlplane/failover/tracking.h"
#include "tests/controlplane/config/test_util.h"
#include "tests/controlplane/failover/failover_test_support.h"

namespace sluice::failover {
namespace {

using testing::parse;

std::string objectsConfig(const std::string& dir) {
  return R"(
track_file plus { file )" + dir + R"(/plus
  weight 5 }
track_file must { file )" + dir + R"(/must
  weight 0 }
track_file neg { file )" + dir + R"(/neg
  weight -100 }
vrrp_track_process sleeper {
  process sluice-track-sleeper
  full_command
  weight -30
}
vrrp_track_process unused { process nothing-tracks-me }
vrrp_instance VI {
  interface eth0
  virtual_router_id 1
  priority 100
  virtual_ipaddress { 10.0.0.1 }
  track_file { plus
    must
    neg }
  track_process { sleeper }
}
)";
}

Tracking evalObjects(const TrackedStates& s) {
  const config::Config c = parse(objectsConfig("/nonexistent"));
  return evaluateTracking(c, c.vrrpInstances.at(0), s);
}

TrackedStates withFiles(std::map<std::string, int64_t> files) {
  TrackedStates s;
  s.files = std::move(files);
  return s;
}

TEST(TrackObjects, FileValueTimesWeight) {
  EXPECT_EQ(evalObjects({}).weight, 0);  // every file missing reads 0
  EXPECT_EQ(evalObjects(withFiles({{"plus", 3}})).weight, 15);
  EXPECT_EQ(evalObjects(withFiles({{"plus", -2}})).weight, -10);
  EXPECT_EQ(evalObjects(withFiles({{"plus", 1000}})).weight, 253);  // kept within -254..253
  EXPECT_FALSE(evalObjects(withFiles({{"plus", 1000}})).fault);
  EXPECT_EQ(evalObjects(withFiles({{"neg", 2}})).weight, -200);
}

TEST(TrackObjects, FileFaults) {
  const Tracking must = evalObjects(withFiles({{"must", 1}}));  // weight 0: non-zero is a FAULT
  EXPECT_TRUE(must.fault);
  EXPECT_EQ(must.why, "track_file must is 1");
  EXPECT_FALSE(evalObjects(withFiles({{"must", 0}})).fault);
  // keepalived: a product at -254 or below is a FAULT too.
  EXPECT_TRUE(evalObjects(withFiles({{"neg", 3}})).fault);
}

TEST(TrackObjects, ReverseAndTheInstancesOwnWeight) {
  const config::Config c = parse(R"(
track_file f { file /nonexistent/f
  weight 4 reverse }
track_file z { file /nonexistent/z
  weight 0 reverse }
vrrp_instance VI {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress { 10.0.0.1 }
  track_file { f }
}
vrrp_instance V2 {
  interface eth0
  virtual_router_id 2
  virtual_ipaddress { 10.0.0.2 }
  track_file { f weight 2 noreverse
    z }
}
)");
  const TrackedStates three = withFiles({{"f", 3}, {"z", 1}});
  EXPECT_EQ(evaluateTracking(c, c.vrrpInstances.at(0), three).weight, -12);
  EXPECT_EQ(evaluateTracking(c, c.vrrpInstances.at(1), three).weight, 6);
  EXPECT_FALSE(evaluateTracking(c, c.vrrpInstances.at(1), three).fault);
  // weight 0 reverse: a zero value is the FAULT.
  EXPECT_TRUE(evaluateTracking(c, c.vrrpInstances.at(1), withFiles({{"f", 3}})).fault);
}

TEST(TrackObjects, ProcessQuorumWeighsLikeAScript) {
  TrackedStates s;
  s.processes["sleeper"] = false;
  EXPECT_EQ(evalObjects(s).weight, -30);
  s.processes["sleeper"] = true;
  EXPECT_EQ(evalObjects(s).weight, 0);
}

TEST(ProcessScan, MatchesCommAndCommandLines) {
  config::TrackProcess byComm;
  byComm.process = "nginx";
  EXPECT_TRUE(processMatches(byComm, {"nginx", "", false}));
  EXPECT_FALSE(processMatches(byComm, {"nginx", "", true}));  // a zombie is no process
  EXPECT_FALSE(processMatches(byComm, {"nginx-worker", "", false}));

  config::TrackProcess full;
  full.process = "/usr/bin/python3";
  full.fullCommand = true;
  const std::string cmd("/usr/bin/python3\0-m\0http.server\0" "8080\0", 37);
  EXPECT_TRUE(processMatches(full, {"python3", cmd, false}));
  full.params = {"-m", "http.server"};
  full.paramMatch = config::ParamMatch::kExact;
  EXPECT_FALSE(processMatches(full, {"python3", cmd, false}));
  full.paramMatch = config::ParamMatch::kPartial;
  EXPECT_TRUE(processMatches(full, {"python3", cmd, false}));
  full.params = {"-m", "http"};
  EXPECT_FALSE(processMatches(full, {"python3", cmd, false}));
  full.paramMatch = config::ParamMatch::kInitial;  // the last one may be a prefix
  EXPECT_TRUE(processMatches(full, {"python3", cmd, false}));
  full.params = {"-m", "http.server", "8080"};
  full.paramMatch = config::ParamMatch::kExact;
  EXPECT_TRUE(processMatches(full, {"python3", cmd, false}));
}

TEST(ProcessScan, ReadsAProcTree) {
  const config::testing::TempDir proc;
  proc.write("12/stat", "12 (my daemon) S 1 12");
  proc.write("12/cmdline", std::string("/opt/d\0--x\0", 11));
  proc.write("13/stat", "13 (gone) Z 1 13");
  proc.write("self/stat", "not a pid");
  const std::vector<ProcessEntry> all = readProcesses(proc.path(), true, true);
  ASSERT_EQ(all.size(), 2u);
  const auto daemon = std::find_if(all.begin(), all.end(), [](const ProcessEntry& e) { return e.comm == "my daemon"; });
  ASSERT_NE(daemon, all.end());
  EXPECT_EQ(daemon->cmdline, std::string("/opt/d\0--x\0", 11));
  EXPECT_FALSE(daemon->zombie);
  EXPECT_TRUE(std::any_of(all.begin(), all.end(), [](const ProcessEntry& e) { return e.comm == "gone" && e.zombie; }));
}

TEST(ProcessScan, QuorumWithDelays) {
  config::TrackProcess t;
  t.quorum = 2;
  t.quorumMax = 3;
  t.terminateDelay = std::chrono::milliseconds{500};
  using Clock = ProcessQuorum::Clock;
  const Clock::time_point t0{};
  ProcessQuorum q(t, 2);
  EXPECT_TRUE(q.held());
  EXPECT_TRUE(q.update(1, t0));  // lost, but not for 500 ms yet
  EXPECT_EQ(q.due(), t0 + std::chrono::milliseconds{500});
  EXPECT_TRUE(q.update(1, t0 + std::chrono::milliseconds{499}));
  EXPECT_TRUE(q.update(2, t0 + std::chrono::milliseconds{600}));  // back in time: no change
  EXPECT_FALSE(q.due());
  EXPECT_TRUE(q.update(4, t0 + std::chrono::milliseconds{700}));  // above quorum_max
  EXPECT_FALSE(q.update(4, t0 + std::chrono::milliseconds{1200}));
  EXPECT_TRUE(q.update(3, t0 + std::chrono::milliseconds{1300}));  // no fork_delay: at once

  config::TrackProcess none;
  none.quorum = 0;
  none.quorumMax = 0;  // up while no such process runs
  EXPECT_TRUE(ProcessQuorum(none, 0).held());
  EXPECT_FALSE(ProcessQuorum(none, 1).held());
}

// Polls `ok` for at most 5 s.
template <class F>
bool within5s(F ok) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(ObjectTracker, FollowsAFileAndAProcess) {
  const config::testing::TempDir dir;
  dir.write("plus", "2\n");
  const ObjectTracker t(parse(objectsConfig(dir.path())), {}, "/proc", std::chrono::milliseconds{100});
  EXPECT_EQ(t.size(), 4u);  // `unused` is tracked by nothing
  EXPECT_EQ(t.files().at("plus"), 2);
  EXPECT_EQ(t.files().at("must"), 0);  // missing
  ASSERT_TRUE(within5s([&] { return t.processes().count("sleeper") == 1; }));
  EXPECT_FALSE(t.processes().at("sleeper"));

  uint64_t seen = t.generation();
  dir.write("plus", "0x10\n");  // strtol base 0, as keepalived reads it
  EXPECT_TRUE(within5s([&] { return t.files().at("plus") == 16; }));
  EXPECT_GT(t.generation(), seen);
  std::filesystem::rename(dir.path() + "/plus", dir.path() + "/moved");  // gone: 0
  EXPECT_TRUE(within5s([&] { return t.files().at("plus") == 0; }));
  dir.write("must", "garbage");  // no number: 0, no change
  dir.write("neg", "1");
  EXPECT_TRUE(within5s([&] { return t.files().at("neg") == 1; }));
  EXPECT_EQ(t.files().at("must"), 0);

  // A process whose argv[0] is the tracked name appears, then goes.
  seen = t.generation();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    execl("/bin/sleep", "sluice-track-sleeper", "30", static_cast<char*>(nullptr));
    _exit(127);
  }
  EXPECT_TRUE(within5s([&] { return t.processes().at("sleeper"); }));
  EXPECT_EQ(t.processCounts().at("sleeper"), 1u);
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_TRUE(within5s([&] { return !t.processes().at("sleeper"); }));
  EXPECT_GT(t.generation(), seen);
}

}  // namespace
}  // namespace sluice::failover
