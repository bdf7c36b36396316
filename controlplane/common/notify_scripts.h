// keepalived's fire-and-forget scripts: notify, notify_up/notify_down,
// quorum_up/quorum_down, notify_master/backup/fault/stop. Each runs once on
// this class's own event loop and thread, as script_user, killed at its
// timeout; a failure is logged, never retried.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <string>
#include <thread>

#include "controlplane/common/event_loop.h"
#include "controlplane/common/script_runner.h"
#include "controlplane/config/model.h"

namespace sluice::common {

class NotifyScripts {
 public:
  // keepalived's default for notify scripts (script_timeout is for checks).
  static constexpr std::chrono::milliseconds kDefaultTimeout{30'000};
  // keepalived kills the scripts it runs while stopping (notify_stop, the
  // STOP of `notify`) after one second.
  static constexpr std::chrono::milliseconds kStopTimeout{1'000};

  // One line per script that did not exit 0, called on the loop's thread.
  using Log = std::function<void(const std::string& line)>;

  // Starts the loop's thread. `log` defaults to stderr.
  explicit NotifyScripts(Log log = {});
  // Stops the thread and kills the scripts still running.
  ~NotifyScripts();
  NotifyScripts(const NotifyScripts&) = delete;
  NotifyScripts& operator=(const NotifyScripts&) = delete;

  // Any thread: runs `script` soon, resolved against `globals` (user,
  // group, script security), killed after `timeout`.
  void run(const config::ScriptCommand& script, const config::GlobalDefs& globals,
           std::chrono::milliseconds timeout = kDefaultTimeout);

  // At exit, from the owner's thread: waits until every script asked for
  // has ended or `limit` has passed (the destructor kills the rest), so
  // that notify_stop scripts get their second. Returns whether all ended.
  // Blocks: call it only once the control loop has stopped.
  bool drain(std::chrono::milliseconds limit);

 private:
  void launch(ScriptSpec spec);  // loop thread

  Log log_;
  EventLoop loop_;
  std::list<ScriptRunner> running_;  // loop thread only; a list, so entries stay put
  std::atomic<int> unfinished_{0};   // asked for by run() and not ended yet
  std::thread thread_;
};

}  // namespace sluice::common
