// MiscProbe runs real scripts on a real EventLoop: keepalived's exit codes,
// timeouts, users and script security.
#include "controlplane/health/misc_probe.h"

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

namespace sluice::health {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A fresh directory under /tmp (root-owned and sticky, which script security
// accepts), mode 0755 so other users can run the scripts in it.
class ScriptDir {
 public:
  ScriptDir() {
    char tmpl[] = "/tmp/sluice-misc-XXXXXX";
    path_ = ::mkdtemp(tmpl);
    fs::permissions(path_, fs::perms(0755));
  }
  ~ScriptDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }

  const fs::path& path() const { return path_; }

  // Writes an executable /bin/sh script; returns its path.
  std::string script(const std::string& name, const std::string& body, mode_t mode = 0755) const {
    const fs::path file = path_ / name;
    std::ofstream(file) << "#!/bin/sh\n" << body << "\n";
    ::chmod(file.c_str(), mode);
    return file.string();
  }

  // A subdirectory with `mode` (chmod, so the umask does not interfere).
  fs::path subdir(const std::string& name, mode_t mode) const {
    const fs::path dir = path_ / name;
    fs::create_directory(dir);
    ::chmod(dir.c_str(), mode);
    return dir;
  }

 private:
  fs::path path_;
};

MiscSpec spec(std::string command) {
  MiscSpec s;
  s.command = std::move(command);
  s.timeout = 5s;
  return s;
}

// Starts `probe` and runs the loop until it reports (at most 10 s).
std::optional<ProbeResult> run(MiscProbe& probe, common::EventLoop& loop) {
  std::optional<ProbeResult> result;
  probe.start(loop, [&](ProbeResult r) { result = std::move(r); });
  EXPECT_FALSE(result.has_value()) << "done must not be called from inside start()";
  const auto deadline = common::Clock::now() + 10s;
  while (!result && common::Clock::now() < deadline) loop.runOnce(50ms);
  return result;
}

std::optional<ProbeResult> run(MiscSpec s) {
  common::EventLoop loop;
  MiscProbe probe(std::move(s));
  return run(probe, loop);
}

// The pid a script wrote to `file`, waiting up to 5 s for it to appear.
pid_t readPid(const fs::path& file) {
  const auto deadline = common::Clock::now() + 5s;
  while (common::Clock::now() < deadline) {
    std::ifstream in(file);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(10ms);
  }
  return -1;
}

// Gone for good: not running, and not a zombie of ours left unreaped.
bool processGone(pid_t pid) {
  const bool notRunning = ::kill(pid, 0) != 0 && errno == ESRCH;
  const bool notOurChild = ::waitpid(pid, nullptr, WNOHANG) < 0 && errno == ECHILD;
  return notRunning && notOurChild;
}

// Tests that switch users or need root-owned scripts.
class MiscProbeAsRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (users, root-owned scripts)";
  }
};

TEST(SplitMiscCommand, BlanksSeparateQuotesGroup) {
  using Words = std::vector<std::string>;
  EXPECT_EQ(splitMiscCommand("/bin/check.sh 1"), (Words{"/bin/check.sh", "1"}));
  EXPECT_EQ(splitMiscCommand("  /a\t b  "), (Words{"/a", "b"}));
  EXPECT_EQ(splitMiscCommand(R"(/a "b c" 'd "e"' x"y z"w "")"), (Words{"/a", "b c", "d \"e\"", "xy zw", ""}));
  EXPECT_EQ(splitMiscCommand("/a \"b"), std::nullopt);
  EXPECT_EQ(splitMiscCommand("   "), std::nullopt);
}

TEST(MiscProbe, ExitZeroIsUp) {
  ScriptDir dir;
  const auto result = run(spec(dir.script("up.sh", "exit 0")));
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->ok) << result->error;
  EXPECT_EQ(result->weight, std::nullopt);
}

TEST(MiscProbe, ExitOneIsDown) {
  ScriptDir dir;
  const auto result = run(spec(dir.script("down.sh", "exit 1")));
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->error, "exit status 1");
}

TEST(MiscProbe, DynamicExitCodeIsAWeight) {
  ScriptDir dir;
  MiscSpec s = spec(dir.script("w.sh", "exit 7"));
  s.dynamic = true;
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->ok) << result->error;
  EXPECT_EQ(result->weight, 5u);

  s.command = dir.script("one.sh", "exit 1");  // 1 stays down with misc_dynamic
  const auto down = run(s);
  ASSERT_TRUE(down);
  EXPECT_FALSE(down->ok);
}

TEST(MiscProbe, OtherExitCodesAreDownWithoutDynamic) {
  ScriptDir dir;
  const auto result = run(spec(dir.script("seven.sh", "exit 7")));
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->error, "exit status 7");
  EXPECT_EQ(result->weight, std::nullopt);
}

TEST(MiscProbe, KilledBySignalIsDownWithItsName) {
  ScriptDir dir;
  const auto result = run(spec(dir.script("segv.sh", "kill -SEGV $$")));
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->error, "killed by signal SIGSEGV");
}

TEST(MiscProbe, ArgumentsReachTheScriptWithoutAShell) {
  ScriptDir dir;
  const fs::path out = dir.path() / "args";
  const std::string script = dir.script("args.sh", "printf '%s|' \"$@\" > \"$1\"");
  const auto result = run(spec(script + " " + out.string() + " \"a b\" '$HOME'"));
  ASSERT_TRUE(result);
  ASSERT_TRUE(result->ok) << result->error;
  std::stringstream got;
  got << std::ifstream(out).rdbuf();
  EXPECT_EQ(got.str(), out.string() + "|a b|$HOME|");
}

TEST(MiscProbe, TimeoutKillsTheScriptAndReapsIt) {
  ScriptDir dir;
  const fs::path pidFile = dir.path() / "pid";
  MiscSpec s = spec(dir.script("slow.sh", "echo $$ > " + pidFile.string() + "\nsleep 30"));
  s.timeout = 300ms;
  const auto started = common::Clock::now();
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_LT(common::Clock::now() - started, 2s);
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->error, "timed out after 300 ms, killed");
  const pid_t pid = readPid(pidFile);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(processGone(pid));
}

TEST(MiscProbe, ScriptIgnoringSigtermIsKilledASecondLater) {
  ScriptDir dir;
  // `exec sleep` so the process that ignores SIGTERM is the one we signal.
  MiscSpec s = spec(dir.script("stubborn.sh", "trap '' TERM\nexec sleep 30"));
  s.timeout = 100ms;
  const auto started = common::Clock::now();
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_GE(common::Clock::now() - started, 1s);
  EXPECT_LT(common::Clock::now() - started, 3s);
  EXPECT_EQ(result->error, "timed out after 100 ms, killed");
}

// What `id` says inside a script run as `user` (and `group`): "uid gid groups".
std::string idOfScript(const std::optional<std::string>& user, const std::optional<std::string>& group) {
  ScriptDir dir;
  const fs::path out = dir.subdir("out", 0777) / "id";  // the script's user may write here
  MiscSpec s = spec(dir.script("id.sh", "echo $(id -u) $(id -g) $(id -G) > \"$1\"") + " " + out.string());
  s.user = user;
  s.group = group;
  const auto result = run(s);
  if (!result || !result->ok) return "failed: " + (result ? result->error : "no result");
  std::string line;
  std::getline(std::ifstream(out), line);
  return line;
}

TEST_F(MiscProbeAsRoot, RunsAsTheGivenUserWithOnlyItsPrimaryGroup) {
  const passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  const std::string uid = std::to_string(nobody->pw_uid);
  const std::string gid = std::to_string(nobody->pw_gid);
  EXPECT_EQ(idOfScript("nobody", std::nullopt), uid + " " + gid + " " + gid);
}

TEST_F(MiscProbeAsRoot, RunsWithTheGivenGroup) {
  const passwd* nobody = ::getpwnam("nobody");
  const group* daemon = ::getgrnam("daemon");
  if (nobody == nullptr || daemon == nullptr) GTEST_SKIP() << "needs user nobody and group daemon";
  const std::string gid = std::to_string(daemon->gr_gid);
  EXPECT_EQ(idOfScript("nobody", "daemon"), std::to_string(nobody->pw_uid) + " " + gid + " " + gid);
}

TEST(MiscProbe, UnknownUserIsAnError) {
  ScriptDir dir;
  MiscSpec s = spec(dir.script("up.sh", "exit 0"));
  s.user = "no-such-user-sluice";
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->error, "unknown user 'no-such-user-sluice'");
}

TEST_F(MiscProbeAsRoot, ScriptSecurityRunsARootOwnedScript) {
  ScriptDir dir;
  MiscSpec s = spec(dir.script("up.sh", "exit 0"));
  s.scriptSecurity = true;
  s.user = "nobody";
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->ok) << result->error;
}

TEST_F(MiscProbeAsRoot, ScriptSecurityRefusesAWorldWritableScript) {
  ScriptDir dir;
  const std::string script = dir.script("open.sh", "exit 0", 0757);
  MiscSpec s = spec(script);
  s.scriptSecurity = true;
  s.user = "nobody";
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->error, "enable_script_security: refusing " + script + ": " + script + " is world-writable");
}

TEST_F(MiscProbeAsRoot, ScriptSecurityRefusesAScriptInAWorldWritableDirectory) {
  ScriptDir dir;
  const fs::path open = dir.subdir("open", 0777);  // no sticky bit: anyone may replace the script
  const std::string script = (open / "up.sh").string();
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  ::chmod(script.c_str(), 0755);
  MiscSpec s = spec(script);
  s.scriptSecurity = true;
  s.user = "nobody";
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->error, "enable_script_security: refusing " + script + ": " + open.string() + " is world-writable");
}

TEST_F(MiscProbeAsRoot, ScriptSecurityWithoutAUserNeedsKeepalivedScript) {
  if (::getpwnam("keepalived_script") != nullptr) GTEST_SKIP() << "keepalived_script exists here";
  ScriptDir dir;
  MiscSpec s = spec(dir.script("up.sh", "exit 0"));
  s.scriptSecurity = true;
  const auto result = run(s);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->error, "enable_script_security: no script user");
}

TEST(MiscProbe, RelativePathIsRefused) {
  const auto result = run(spec("check.sh 1"));
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->error, "misc_path must be an absolute path");
}

TEST(MiscProbe, MissingScriptSaysWhy) {
  const auto result = run(spec("/nonexistent/sluice-check.sh"));
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->ok);
  EXPECT_EQ(result->error, "cannot run /nonexistent/sluice-check.sh: exec: No such file or directory");
}

TEST(MiscProbe, DaemonDescriptorsDoNotReachTheScript) {
  ScriptDir dir;
  const fs::path out = dir.path() / "fds";
  const int inherited = ::open("/dev/null", O_RDONLY);  // not close-on-exec: would reach a plain exec
  ASSERT_GE(inherited, 3);
  // Everything open in the script but its stdio and the fd `ls` itself opens.
  const std::string script = dir.script("fds.sh", "ls /proc/self/fd > \"$1\"");
  const auto result = run(spec(script + " " + out.string()));
  ASSERT_TRUE(result);
  ASSERT_TRUE(result->ok) << result->error;
  std::ifstream in(out);
  int fd = 0;
  int count = 0;
  while (in >> fd) ++count;
  EXPECT_EQ(count, 4) << "0, 1, 2 (stdout to the file) and ls's own directory fd";
  ::close(inherited);
}

TEST(MiscProbe, DestructorKillsARunningScript) {
  ScriptDir dir;
  const fs::path pidFile = dir.path() / "pid";
  common::EventLoop loop;
  bool called = false;
  pid_t pid = -1;
  {
    MiscProbe probe(spec(dir.script("slow.sh", "echo $$ > " + pidFile.string() + "\nsleep 30")));
    probe.start(loop, [&](ProbeResult) { called = true; });
    pid = readPid(pidFile);
    ASSERT_GT(pid, 0);
    EXPECT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_TRUE(processGone(pid));
  for (int i = 0; i < 10; ++i) loop.runOnce(10ms);
  EXPECT_FALSE(called);
}

TEST(MiscProbe, DestroyedBeforeAPostedFailureRuns) {
  common::EventLoop loop;
  bool called = false;
  {
    MiscProbe probe(spec("relative.sh"));
    probe.start(loop, [&](ProbeResult) { called = true; });
  }
  for (int i = 0; i < 5; ++i) loop.runOnce(10ms);
  EXPECT_FALSE(called);
}

TEST(MiscProbe, RunsAgainAfterReporting) {
  ScriptDir dir;
  common::EventLoop loop;
  MiscProbe probe(spec(dir.script("up.sh", "exit 0")));
  for (int i = 0; i < 3; ++i) {
    const auto result = run(probe, loop);
    ASSERT_TRUE(result);
    EXPECT_TRUE(result->ok) << result->error;
  }
}

}  // namespace
}  // namespace sluice::health
