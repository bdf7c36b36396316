// ScriptRunner runs real scripts on a real EventLoop: how they end, their
// arguments, timeouts, users, script security and descriptors.
#include "controlplane/common/script_runner.h"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "script_support.h"

namespace sluice::common {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::processGone;
using testing::readPid;
using testing::ScriptDir;

ScriptSpec spec(std::string command) {
  ScriptSpec s;
  s.command = std::move(command);
  s.timeout = 5s;
  return s;
}

// Starts `runner` and runs the loop until it reports (at most 10 s).
std::optional<ScriptResult> run(ScriptRunner& runner, EventLoop& loop) {
  std::optional<ScriptResult> result;
  runner.start(loop, [&](ScriptResult r) { result = std::move(r); });
  EXPECT_FALSE(result.has_value()) << "done must not be called from inside start()";
  const auto deadline = Clock::now() + 10s;
  while (!result && Clock::now() < deadline) loop.runOnce(50ms);
  return result;
}

std::optional<ScriptResult> run(ScriptSpec s) {
  EventLoop loop;
  ScriptRunner runner(std::move(s));
  return run(runner, loop);
}

// Tests that switch users or need root-owned scripts.
class ScriptRunnerAsRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (users, root-owned scripts)";
  }
};

TEST(SplitScriptCommand, BlanksSeparateQuotesGroup) {
  using Words = std::vector<std::string>;
  EXPECT_EQ(splitScriptCommand("/bin/check.sh 1"), (Words{"/bin/check.sh", "1"}));
  EXPECT_EQ(splitScriptCommand("  /a\t b  "), (Words{"/a", "b"}));
  EXPECT_EQ(splitScriptCommand(R"(/a "b c" 'd "e"' x"y z"w "")"), (Words{"/a", "b c", "d \"e\"", "xy zw", ""}));
  EXPECT_EQ(splitScriptCommand("/a \"b"), std::nullopt);
  EXPECT_EQ(splitScriptCommand("   "), std::nullopt);
}

TEST(ScriptRunner, ReportsTheExitStatus) {
  ScriptDir dir;
  for (const int code : {0, 1, 7}) {
    const auto result = run(spec(dir.script("exit.sh", "exit " + std::to_string(code))));
    ASSERT_TRUE(result);
    EXPECT_EQ(result->end, ScriptResult::End::kExited);
    EXPECT_EQ(result->code, code);
    EXPECT_TRUE(result->exitedWith(code));
    EXPECT_EQ(result->why, "exit status " + std::to_string(code));
  }
}

TEST(ScriptRunner, ReportsTheSignalThatKilledIt) {
  ScriptDir dir;
  const auto result = run(spec(dir.script("segv.sh", "kill -SEGV $$")));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, ScriptResult::End::kSignalled);
  EXPECT_EQ(result->code, SIGSEGV);
  EXPECT_EQ(result->why, "killed by signal SIGSEGV");
}

TEST(ScriptRunner, ArgumentsReachTheScriptWithoutAShell) {
  ScriptDir dir;
  const fs::path out = dir.path() / "args";
  const std::string script = dir.script("args.sh", "printf '%s|' \"$@\" > \"$1\"");
  const auto result = run(spec(script + " " + out.string() + " \"a b\" '$HOME'"));
  ASSERT_TRUE(result);
  ASSERT_TRUE(result->exitedWith(0)) << result->why;
  std::stringstream got;
  got << std::ifstream(out).rdbuf();
  EXPECT_EQ(got.str(), out.string() + "|a b|$HOME|");
}

TEST(ScriptRunner, TimeoutKillsTheScriptAndReapsIt) {
  ScriptDir dir;
  const fs::path pidFile = dir.path() / "pid";
  ScriptSpec s = spec(dir.script("slow.sh", "echo $$ > " + pidFile.string() + "\nsleep 30"));
  s.timeout = 300ms;
  const auto started = Clock::now();
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_LT(Clock::now() - started, 2s);
  EXPECT_EQ(result->end, ScriptResult::End::kTimedOut);
  EXPECT_EQ(result->why, "timed out after 300 ms, killed");
  const pid_t pid = readPid(pidFile);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(processGone(pid));
}

TEST(ScriptRunner, ScriptIgnoringSigtermIsKilledASecondLater) {
  ScriptDir dir;
  // `exec sleep` so the process that ignores SIGTERM is the one we signal.
  ScriptSpec s = spec(dir.script("stubborn.sh", "trap '' TERM\nexec sleep 30"));
  s.timeout = 100ms;
  const auto started = Clock::now();
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_GE(Clock::now() - started, 1s);
  EXPECT_LT(Clock::now() - started, 3s);
  EXPECT_EQ(result->end, ScriptResult::End::kTimedOut);
  EXPECT_EQ(result->why, "timed out after 100 ms, killed");
}

// What `id` says inside a script run as `user` (and `group`): "uid gid groups".
std::string idOfScript(const std::optional<std::string>& user, const std::optional<std::string>& group) {
  ScriptDir dir;
  const fs::path out = dir.subdir("out", 0777) / "id";  // the script's user may write here
  ScriptSpec s = spec(dir.script("id.sh", "echo $(id -u) $(id -g) $(id -G) > \"$1\"") + " " + out.string());
  s.user = user;
  s.group = group;
  const auto result = run(s);
  if (!result || !result->exitedWith(0)) return "failed: " + (result ? result->why : "no result");
  std::string line;
  std::getline(std::ifstream(out), line);
  return line;
}

TEST_F(ScriptRunnerAsRoot, RunsAsTheGivenUserWithOnlyItsPrimaryGroup) {
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  const std::string uid = std::to_string(nobody->pw_uid);
  const std::string gid = std::to_string(nobody->pw_gid);
  EXPECT_EQ(idOfScript("nobody", std::nullopt), uid + " " + gid + " " + gid);
}

TEST_F(ScriptRunnerAsRoot, RunsWithTheGivenGroup) {
  const passwd* nobody = ::getpwnam("nobody");
  const group* daemon = ::getgrnam("daemon");
  if (nobody == nullptr || daemon == nullptr) GTEST_SKIP() << "needs user nobody and group daemon";
  const std::string gid = std::to_string(daemon->gr_gid);
  EXPECT_EQ(idOfScript("nobody", "daemon"), std::to_string(nobody->pw_uid) + " " + gid + " " + gid);
}

TEST(ScriptRunner, UnknownUserIsAnError) {
  ScriptDir dir;
  ScriptSpec s = spec(dir.script("up.sh", "exit 0"));
  s.user = "no-such-user-sluice";
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, ScriptResult::End::kFailed);
  EXPECT_EQ(result->why, "unknown user 'no-such-user-sluice'");
}

TEST_F(ScriptRunnerAsRoot, ScriptSecurityRunsARootOwnedScript) {
  ScriptDir dir;
  ScriptSpec s = spec(dir.script("up.sh", "exit 0"));
  s.scriptSecurity = true;
  s.user = "nobody";
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->exitedWith(0)) << result->why;
}

TEST_F(ScriptRunnerAsRoot, ScriptSecurityRefusesAWorldWritableScript) {
  ScriptDir dir;
  const std::string script = dir.script("open.sh", "exit 0", 0757);
  ScriptSpec s = spec(script);
  s.scriptSecurity = true;
  s.user = "nobody";
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, ScriptResult::End::kFailed);
  EXPECT_EQ(result->why, "enable_script_security: refusing " + script + ": " + script + " is world-writable");
}

TEST_F(ScriptRunnerAsRoot, ScriptSecurityRefusesAScriptInAWorldWritableDirectory) {
  ScriptDir dir;
  const fs::path open = dir.subdir("open", 0777);  // no sticky bit: anyone may replace the script
  const std::string script = (open / "up.sh").string();
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  ::chmod(script.c_str(), 0755);
  ScriptSpec s = spec(script);
  s.scriptSecurity = true;
  s.user = "nobody";
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, ScriptResult::End::kFailed);
  EXPECT_EQ(result->why, "enable_script_security: refusing " + script + ": " + open.string() + " is world-writable");
}

TEST_F(ScriptRunnerAsRoot, ScriptSecurityWithoutAUserNeedsKeepalivedScript) {
  if (::getpwnam("keepalived_script") != nullptr) GTEST_SKIP() << "keepalived_script exists here";
  ScriptDir dir;
  ScriptSpec s = spec(dir.script("up.sh", "exit 0"));
  s.scriptSecurity = true;
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, ScriptResult::End::kFailed);
  EXPECT_EQ(result->why, "enable_script_security: no script user");
}

TEST(ScriptRunner, RelativePathIsRefused) {
  const auto result = run(spec("check.sh 1"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, ScriptResult::End::kFailed);
  EXPECT_EQ(result->why, "script must be an absolute path: check.sh");
}

TEST(ScriptRunner, MissingScriptSaysWhy) {
  const auto result = run(spec("/nonexistent/sluice-check.sh"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->end, ScriptResult::End::kFailed);
  EXPECT_EQ(result->why, "cannot run /nonexistent/sluice-check.sh: exec: No such file or directory");
}

TEST(ScriptRunner, DaemonDescriptorsDoNotReachTheScript) {
  ScriptDir dir;
  const fs::path out = dir.path() / "fds";
  const int inherited = ::open("/dev/null", O_RDONLY);  // not close-on-exec: would reach a plain exec
  ASSERT_GE(inherited, 3);
  // Everything open in the script but its stdio and the fd `ls` itself opens.
  const std::string script = dir.script("fds.sh", "ls /proc/self/fd > \"$1\"");
  const auto result = run(spec(script + " " + out.string()));
  ASSERT_TRUE(result);
  ASSERT_TRUE(result->exitedWith(0)) << result->why;
  std::ifstream in(out);
  int fd = 0;
  int count = 0;
  while (in >> fd) ++count;
  EXPECT_EQ(count, 4) << "0, 1, 2 (stdout to the file) and ls's own directory fd";
  ::close(inherited);
}

TEST(ScriptRunner, DestructorKillsARunningScript) {
  ScriptDir dir;
  const fs::path pidFile = dir.path() / "pid";
  EventLoop loop;
  bool called = false;
  pid_t pid = -1;
  {
    ScriptRunner runner(spec(dir.script("slow.sh", "echo $$ > " + pidFile.string() + "\nsleep 30")));
    runner.start(loop, [&](ScriptResult) { called = true; });
    pid = readPid(pidFile);
    ASSERT_GT(pid, 0);
    EXPECT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_TRUE(processGone(pid));
  for (int i = 0; i < 10; ++i) loop.runOnce(10ms);
  EXPECT_FALSE(called);
}

TEST(ScriptRunner, DestroyedBeforeAPostedFailureRuns) {
  EventLoop loop;
  bool called = false;
  {
    ScriptRunner runner(spec("relative.sh"));
    runner.start(loop, [&](ScriptResult) { called = true; });
  }
  for (int i = 0; i < 5; ++i) loop.runOnce(10ms);
  EXPECT_FALSE(called);
}

TEST(ScriptRunner, RunsAgainAfterReporting) {
  ScriptDir dir;
  EventLoop loop;
  ScriptRunner runner(spec(dir.script("up.sh", "exit 0")));
  for (int i = 0; i < 3; ++i) {
    const auto result = run(runner, loop);
    ASSERT_TRUE(result);
    EXPECT_TRUE(result->exitedWith(0)) << result->why;
  }
}

}  // namespace
}  // namespace sluice::common
