// NotifyScripts on its own thread: a script runs, a slow one is killed at
// its timeout, an unsafe one is refused, and only failures are logged.
#include "controlplane/common/notify_scripts.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "script_support.h"

namespace sluice::common {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::processGone;
using testing::readPid;
using testing::ScriptDir;

// What NotifyScripts logs, from its thread, waited for from the test's.
class LogLines {
 public:
  NotifyScripts::Log sink() {
    return [this](const std::string& line) {
      {
        const std::lock_guard lock(mutex_);
        lines_.push_back(line);
      }
      changed_.notify_all();
    };
  }

  // The first line that contains `text`, waiting up to `wait`; empty if none.
  std::string waitFor(const std::string& text, std::chrono::milliseconds wait = 5s) {
    std::unique_lock lock(mutex_);
    std::string found;
    changed_.wait_for(lock, wait, [&] {
      for (const auto& line : lines_) {
        if (line.find(text) != std::string::npos) found = line;
      }
      return !found.empty();
    });
    return found;
  }

  std::vector<std::string> all() {
    const std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
};

TEST(NotifyScripts, RunsTheScriptWithItsArgumentsAndLogsNothing) {
  ScriptDir dir;
  const fs::path pidFile = dir.path() / "pid";
  LogLines log;
  NotifyScripts scripts(log.sink());
  scripts.run(config::ScriptCommand{dir.script("notify.sh", "echo $$ > \"$1\"") + " " + pidFile.string()},
              config::GlobalDefs{}, 5s);
  const pid_t pid = readPid(pidFile);
  ASSERT_GT(pid, 0) << "the notify script did not run";
  EXPECT_EQ(log.waitFor("notify.sh", 300ms), "") << "a script that exits 0 is not logged";
  EXPECT_TRUE(log.all().empty());
}

TEST(NotifyScripts, ASlowScriptIsKilledAtItsTimeout) {
  ScriptDir dir;
  const fs::path pidFile = dir.path() / "pid";
  LogLines log;
  NotifyScripts scripts(log.sink());
  const std::string script = dir.script("slow.sh", "echo $$ > " + pidFile.string() + "\nsleep 30");
  scripts.run(config::ScriptCommand{script}, config::GlobalDefs{}, 200ms);
  EXPECT_EQ(log.waitFor("timed out"), "script " + script + ": timed out after 200 ms, killed");
  const pid_t pid = readPid(pidFile);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(processGone(pid));
}

TEST(NotifyScripts, ScriptSecurityRefusesAWorldWritableScript) {
  ScriptDir dir;
  const fs::path ran = dir.path() / "ran";
  LogLines log;
  NotifyScripts scripts(log.sink());
  const std::string script = dir.script("open.sh", "touch " + ran.string(), 0757);
  config::GlobalDefs globals;
  globals.enableScriptSecurity = true;
  globals.scriptUser = "nobody";
  scripts.run(config::ScriptCommand{script}, globals, 5s);
  // Root's test finds the script world-writable; anyone else's, not root's.
  const std::string line = log.waitFor("refusing");
  EXPECT_EQ(line.rfind("script " + script + ": enable_script_security: refusing " + script + ": ", 0), 0u) << line;
  EXPECT_FALSE(fs::exists(ran));
}

TEST(NotifyScripts, DestructionKillsScriptsStillRunning) {
  ScriptDir dir;
  const fs::path pidFile = dir.path() / "pid";
  pid_t pid = -1;
  {
    NotifyScripts scripts([](const std::string&) {});
    scripts.run(config::ScriptCommand{dir.script("slow.sh", "echo $$ > " + pidFile.string() + "\nsleep 30")},
                config::GlobalDefs{}, 30s);
    pid = readPid(pidFile);
    ASSERT_GT(pid, 0);
  }
  EXPECT_TRUE(processGone(pid));
}

}  // namespace
}  // namespace sluice::common
