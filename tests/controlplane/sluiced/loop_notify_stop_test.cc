// notify_stop at the daemon's stop, as keepalived: every vrrp_instance and
// vrrp_sync_group goes to STOP, runs its notify_stop and its `notify` script
// with STOP; the stop waits for them, but kills one still running after a
// second, so the exit stays bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "tests/controlplane/common/script_support.h"
#include "tests/controlplane/sluiced/loop_fixture.h"

namespace sluice::sluiced::testing {
namespace {

using common::testing::processGone;
using common::testing::readPid;
using common::testing::ScriptDir;

std::string stopConfig(const std::string& instanceStop, const std::string& groupStop, const std::string& notify) {
  return R"(
vrrp_sync_group G {
    group {
        VI_1
    }
    notify_stop )" + groupStop + R"(
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.10
    }
    notify_stop )" + instanceStop + R"(
    notify )" + notify + R"(
}
)";
}

std::string fileText(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// catches: notify_stop never run at the stop (the loop's scripts were
// dropped before the instances went to STOP), `notify` not told STOP, or the
// exit not waiting for the scripts it started.
TEST_F(LoopTest, StopRunsNotifyStopAndNotifyWithStop) {
  ScriptDir scripts;
  const auto out = scripts.path();
  const std::string stop = scripts.script("stop.sh", "echo \"stop $*\" >> " + (out / "stop.out").string());
  const std::string groupStop = scripts.script("gstop.sh", "echo \"gstop $*\" >> " + (out / "gstop.out").string());
  const std::string notify = scripts.script("notify.sh", "echo \"$*\" >> " + (out / "notify.out").string());
  startWith(stopConfig(stop, groupStop, notify));
  runFor(200);
  // The start's BACKUP script ends first (scripts run side by side).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (fileText(out / "notify.out").empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(std::filesystem::exists(out / "stop.out")) << "notify_stop ran before the stop";
  loop->stop(now);
  EXPECT_EQ(fileText(out / "stop.out"), "stop \n");
  EXPECT_EQ(fileText(out / "gstop.out"), "gstop \n");
  EXPECT_EQ(fileText(out / "notify.out"), "INSTANCE VI_1 BACKUP 100\nINSTANCE VI_1 STOP 100\n");
}

// catches: an exit held up by a notify_stop script that never ends
// (keepalived kills it after a second).
TEST_F(LoopTest, StopKillsASlowNotifyStopScript) {
  ScriptDir scripts;
  const auto pidFile = scripts.path() / "pid";
  const std::string slow = scripts.script("slow.sh", "echo $$ > " + pidFile.string() + "\nexec sleep 30");
  const std::string quick = scripts.script("quick.sh", "true");
  startWith(stopConfig(slow, quick, quick));
  runFor(200);
  const auto begin = std::chrono::steady_clock::now();
  loop->stop(now);
  const auto took = std::chrono::steady_clock::now() - begin;
  const pid_t pid = readPid(pidFile);
  ASSERT_GT(pid, 0) << "notify_stop did not run";
  EXPECT_TRUE(processGone(pid));
  EXPECT_GE(took, std::chrono::milliseconds(900)) << "the stop did not wait for notify_stop";
  EXPECT_LT(took, std::chrono::milliseconds(3'000));
}

}  // namespace
}  // namespace sluice::sluiced::testing
