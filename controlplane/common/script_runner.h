// Runs keepalived's scripts (MISC_CHECK, vrrp_script, notify and quorum
// scripts) as child processes watched through a pidfd on an EventLoop, so
// a slow script delays nothing but itself. What the exit status means is
// the caller's business: this only says how the script ended.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/common/event_loop.h"

namespace sluice::common {

struct ScriptSpec {
  // The command as written: an absolute path and its arguments, split like
  // keepalived does (blanks separate words, "..." or '...' group them, no
  // shell).
  std::string command;
  // Past this the script's process group gets SIGTERM, then SIGKILL a
  // second later.
  std::chrono::milliseconds timeout{5000};
  // Who runs the script; `group` is used only with `user`; unset, the
  // user's primary group. Without a user, the daemon itself, except that a
  // root daemon with script security uses keepalived_script or refuses.
  std::optional<std::string> user;
  std::optional<std::string> group;
  // global_defs' enable_script_security: refuse scripts that a non-root
  // user could modify, and never run a script as root by default.
  bool scriptSecurity = false;
};

// How one run of a script ended.
struct ScriptResult {
  enum class End : uint8_t {
    kExited,     // `code` is its exit status
    kSignalled,  // `code` is the signal that killed it
    kTimedOut,   // killed at the timeout
    kFailed,     // never ran (bad command, refused, exec failed) or its status was lost
  };
  End end = End::kFailed;
  int code = 0;
  // In words, for logs: "exit status 1", "killed by signal SIGSEGV",
  // "timed out after 300 ms, killed", or why it did not run.
  std::string why;

  bool exitedWith(int status) const { return end == End::kExited && code == status; }
};

// The words of a script command, or nullopt when a quote is not closed (or
// there are no words). Thread-safe.
std::optional<std::vector<std::string>> splitScriptCommand(std::string_view command);

// With script security: why `path` (an absolute path) or a directory above
// it could be changed by a user other than root, or nullopt when none can.
// keepalived's rule: every component must be owned by root and be neither
// world-writable nor writable by a group other than root's; a directory with
// the sticky bit (like /tmp) may be writable. Symbolic links are followed
// and the real file's directories checked too. Thread-safe; blocks on stat().
std::optional<std::string> scriptInsecurity(const std::string& path);

// One script, run once per start(). Its stdio is /dev/null and it inherits
// no other descriptor. The daemon must not ignore SIGCHLD (the kernel would
// reap the script and lose its status). Loop thread only; the loop must
// outlive the runner.
class ScriptRunner {
 public:
  using Done = std::function<void(ScriptResult)>;

  explicit ScriptRunner(ScriptSpec spec);
  // Abandons a running script: SIGKILLs its process group and reaps it.
  ~ScriptRunner();
  ScriptRunner(const ScriptRunner&) = delete;
  ScriptRunner& operator=(const ScriptRunner&) = delete;

  // Runs the script; `done` gets how it ended later, never from inside
  // start(), and may destroy the runner. Starting again while a run is
  // under way abandons that run without calling its `done`.
  void start(EventLoop& loop, Done done);

  const ScriptSpec& spec() const { return spec_; }

 private:
  std::optional<std::string> launch(EventLoop& loop);  // error text, or nullopt once the child runs
  void onChildReady();
  void onTimeout();
  std::string readChildError();
  void finish(ScriptResult result);
  void failLater(EventLoop& loop, std::string error);
  void abandon();  // kill and reap a running script, stop watching it
  void stopWatching();
  void signalGroup(int sig) const;

  ScriptSpec spec_;
  std::string script_;  // the executable: the first word of the command
  EventLoop* loop_ = nullptr;
  Done done_;
  pid_t pid_ = -1;     // the running script (and its process group), or -1
  int pidfd_ = -1;     // readable once the script has exited
  int errPipe_ = -1;   // the child writes why it could not exec the script
  bool timedOut_ = false;
  std::optional<EventLoop::TimerId> timeoutTimer_;
  std::optional<EventLoop::TimerId> killTimer_;
  // Posted callbacks hold a weak_ptr to this token: a runner destroyed (or
  // restarted) before they run is not touched.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sluice::common
