// keepalived's MISC_CHECK: a script decides whether a real server is up. It
// runs as a child process watched through a pidfd on the EventLoop, so a
// slow script delays nothing but its own check.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/common/event_loop.h"
#include "controlplane/health/probe.h"

namespace sluice::health {

struct MiscSpec {
  // misc_path as written: an absolute path and its arguments, split like
  // keepalived does (blanks separate words, "..." or '...' group them, no
  // shell).
  std::string command;
  // misc_timeout; the caller resolves an unset one to delay_loop.
  std::chrono::milliseconds timeout{5000};
  // misc_dynamic: exit codes 2..255 mean up with weight code - 2.
  bool dynamic = false;
  // Who runs the script: the check's `user`, else global_defs' script_user.
  // `group` is used only with `user`; unset, the user's primary group.
  std::optional<std::string> user;
  std::optional<std::string> group;
  // global_defs' enable_script_security: refuse scripts that a non-root
  // user could modify, and never run a script as root by default.
  bool scriptSecurity = false;
};

// The words of a misc_path, or nullopt when a quote is not closed (or there
// are no words). Thread-safe.
std::optional<std::vector<std::string>> splitMiscCommand(std::string_view command);

// With script security: why `path` (an absolute path) or a directory above
// it could be changed by a user other than root, or nullopt when none can.
// keepalived's rule: every component must be owned by root and be neither
// world-writable nor writable by a group other than root's; a directory with
// the sticky bit (like /tmp) may be writable. Symbolic links are followed
// and the real file's directories checked too. Thread-safe; blocks on stat().
std::optional<std::string> scriptInsecurity(const std::string& path);

// One run of the script. Exit status 0 is up; 1 is down; with `dynamic`,
// 2..255 is up with a weight; otherwise any other status, a signal, a
// failure to start it or the timeout is down. On timeout the script's
// process group gets SIGTERM, then SIGKILL a second later.
// The script runs as `user`; without one, as the daemon, except that a root
// daemon with script security uses keepalived_script or refuses to run it.
// Its stdio is /dev/null and it inherits no other descriptor. The daemon
// must not ignore SIGCHLD (the kernel would reap the script and lose its
// status). Loop thread only; the loop must outlive the probe.
class MiscProbe : public Probe {
 public:
  explicit MiscProbe(MiscSpec spec);
  // Abandons a running script: SIGKILLs its process group and reaps it.
  ~MiscProbe() override;
  MiscProbe(const MiscProbe&) = delete;
  MiscProbe& operator=(const MiscProbe&) = delete;

  // Runs the script; `done` gets the result later, never from inside
  // start(). Starting again while a run is under way abandons that run.
  void start(common::EventLoop& loop, Done done) override;

 private:
  std::optional<std::string> launch(common::EventLoop& loop);  // error text, or nullopt once the child runs
  void onChildReady();
  void onTimeout();
  std::string readChildError();
  void finish(ProbeResult result);
  void failLater(common::EventLoop& loop, std::string error);
  void abandon();  // kill and reap a running script, stop watching it
  void stopWatching();
  void signalGroup(int sig) const;

  MiscSpec spec_;
  std::string script_;  // the executable: the first word of the command
  common::EventLoop* loop_ = nullptr;
  Done done_;
  pid_t pid_ = -1;     // the running script (and its process group), or -1
  int pidfd_ = -1;     // readable once the script has exited
  int errPipe_ = -1;   // the child writes why it could not exec the script
  bool timedOut_ = false;
  std::optional<common::EventLoop::TimerId> timeoutTimer_;
  std::optional<common::EventLoop::TimerId> killTimer_;
  // Posted callbacks hold a weak_ptr to this token: a probe destroyed (or
  // restarted) before they run is not touched.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace sluice::health
