// keepalived's vrrp_script: every script some track_script names runs every
// `interval` (killed after `timeout`, run as its `user` or script_user, with
// script security as MISC_CHECK) on one event loop in its own thread. A
// script is OK after `rise` successes in a row (exit 0) and KO after `fall`
// failures in a row; it starts OK, or KO with init_fail. The control loop
// reads states() when generation() moves and hands them to the driver.
// A change of a script's state is logged as keepalived words it.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/common/event_loop.h"
#include "controlplane/common/log_line.h"
#include "controlplane/common/script_runner.h"
#include "controlplane/config/model.h"

namespace sluice::failover {

class ScriptTracker {
 public:
  // log: where a script's change is told, from the tracker's thread
  // (stderr when empty).
  explicit ScriptTracker(const config::Config& config, common::LogSink log = {});
  ~ScriptTracker();
  ScriptTracker(const ScriptTracker&) = delete;
  ScriptTracker& operator=(const ScriptTracker&) = delete;

  // Any thread: vrrp_script name -> OK.
  std::map<std::string, bool> states() const;
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::size_t size() const { return scripts_.size(); }

 private:
  struct Script {
    config::VrrpScript config;
    std::unique_ptr<common::ScriptRunner> runner;
    bool ok = true;
    uint32_t streak = 0;  // results in a row that disagree with `ok`
  };
  void run(std::size_t index);
  void record(std::size_t index, const common::ScriptResult& end);

  common::LogSink log_;
  common::EventLoop loop_;
  std::vector<Script> scripts_;  // loop thread only, once started
  mutable std::mutex mutex_;
  std::map<std::string, bool> states_;  // guarded by mutex_
  std::atomic<uint64_t> generation_{0};
  std::thread thread_;
};

}  // namespace sluice::failover
