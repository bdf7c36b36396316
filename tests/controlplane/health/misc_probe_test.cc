// MISC_CHECK's verdicts: keepalived's reading of a script's end (exit 0 up,
// 1 down, misc_dynamic weights), and MiscProbe reporting them from real
// runs. How scripts are run is tests/controlplane/common/script_runner_test.cc.
#include "controlplane/health/misc_probe.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>

#include "loop_support.h"

namespace sluice::health {
namespace {

using namespace std::chrono_literals;
using End = common::ScriptResult::End;

common::ScriptResult exited(int code) {
  return {.end = End::kExited, .code = code, .why = "exit status " + std::to_string(code)};
}

TEST(MiscVerdict, ExitZeroIsUp) {
  const ProbeResult r = miscVerdict(exited(0), false);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.weight, std::nullopt);
  EXPECT_EQ(miscVerdict(exited(0), true).weight, std::nullopt) << "with misc_dynamic, 0 keeps the weight";
}

TEST(MiscVerdict, ExitOneIsDownEvenWithDynamic) {
  for (const bool dynamic : {false, true}) {
    const ProbeResult r = miscVerdict(exited(1), dynamic);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, "exit status 1");
  }
}

TEST(MiscVerdict, DynamicExitCodeIsAWeight) {
  const ProbeResult r = miscVerdict(exited(7), true);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.weight, 5u);
  EXPECT_EQ(miscVerdict(exited(255), true).weight, 253u);
}

TEST(MiscVerdict, OtherExitCodesAreDownWithoutDynamic) {
  const ProbeResult r = miscVerdict(exited(7), false);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "exit status 7");
  EXPECT_EQ(r.weight, std::nullopt);
}

TEST(MiscVerdict, SignalsTimeoutsAndFailuresAreDownWithTheirReason) {
  const common::ScriptResult ends[] = {
      {.end = End::kSignalled, .code = SIGSEGV, .why = "killed by signal SIGSEGV"},
      {.end = End::kTimedOut, .why = "timed out after 300 ms, killed"},
      {.end = End::kFailed, .why = "unknown user 'x'"},
  };
  for (const auto& end : ends) {
    const ProbeResult r = miscVerdict(end, true);
    EXPECT_FALSE(r.ok) << end.why;
    EXPECT_EQ(r.error, end.why);
    EXPECT_EQ(r.weight, std::nullopt);
  }
}

MiscSpec spec(std::string command, bool dynamic) {
  MiscSpec s;
  s.script.command = std::move(command);
  s.script.timeout = 5s;
  s.dynamic = dynamic;
  return s;
}

TEST(MiscProbe, ReportsTheVerdictOfARealRun) {
  common::EventLoop loop;
  MiscProbe weighted(spec("/bin/sh -c 'exit 7'", true));
  const auto up = testing::runProbe(loop, weighted);
  ASSERT_TRUE(up);
  EXPECT_TRUE(up->ok) << up->error;
  EXPECT_EQ(up->weight, 5u);

  MiscProbe failing(spec("/bin/sh -c 'exit 7'", false));
  const auto down = testing::runProbe(loop, failing);
  ASSERT_TRUE(down);
  EXPECT_FALSE(down->ok);
  EXPECT_EQ(down->error, "exit status 7");
}

TEST(MiscProbe, RunsAgainAfterReporting) {
  common::EventLoop loop;
  MiscProbe probe(spec("/bin/true", false));
  for (int i = 0; i < 3; ++i) {
    const auto result = testing::runProbe(loop, probe);
    ASSERT_TRUE(result);
    EXPECT_TRUE(result->ok) << result->error;
  }
}

TEST(MiscProbe, DestroyedBeforeItReportsNeverCallsBack) {
  common::EventLoop loop;
  bool called = false;
  {
    MiscProbe probe(spec("/bin/sleep 30", false));
    probe.start(loop, [&](ProbeResult) { called = true; });
  }
  for (int i = 0; i < 5; ++i) loop.runOnce(10ms);
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace sluice::health
