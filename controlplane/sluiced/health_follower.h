// Follows the health checks: runs a monitor of the configuration's checks
// and, when a verdict changes, logs it in keepalived's words
// (health/health_log.h), runs the real server's notify_up /
// notify_down and the service's quorum_up / quorum_down scripts, mails
// keepalived's smtp_alert of each (checker_alerts.h), and hands
// the control loop the verdicts the tables are to be built with.
// Control thread only (the monitor runs the checks on its own thread).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/common/log_line.h"
#include "controlplane/common/notify_scripts.h"
#include "controlplane/config/model.h"
#include "controlplane/failover/smtp_alert.h"
#include "controlplane/health/monitor.h"
#include "controlplane/tables/health_state.h"

namespace sluice::sluiced {

class HealthFollower {
 public:
  // scripts: where the notify and quorum scripts run; log: where the
  // changes are told (stderr by default).
  explicit HealthFollower(common::NotifyScripts& scripts, common::LogSink log = {})
      : notify_(scripts), log_(common::orStderr(std::move(log))) {}

  // Starts checking `config`'s real servers; the verdicts to start from.
  tables::HealthState start(const config::Config& config);
  // A monitor for `next` when its checks differ from the running ones,
  // starting each check that still exists in the state it had.
  void reconfigure(const config::Config& next);
  // The new verdicts when a check changed state since the last call
  // (logged, their scripts run), else nullopt. `before`: the verdicts the
  // tables are built with now.
  std::optional<tables::HealthState> poll(const config::Config& config, const tables::HealthState& before);
  // Stops the checks (and their scripts) and the mails.
  void stop() {
    monitor_.reset();
    alerts_.reset();
  }

  // Whether each session a track_bfd follows is Up (the monitor runs them
  // with BFD_CHECK's); empty when none runs.
  std::map<std::string, bool> trackedBfdStates() const {
    return monitor_ ? monitor_->trackedBfdStates() : std::map<std::string, bool>{};
  }

  // /v1/health: the checkers and the services whose quorum is lost.
  nlohmann::json json(const tables::HealthState& current) const;

 private:
  tables::HealthState verdicts(const config::Config& config, const tables::HealthState& before, bool log);
  // The smtp_alert mails of a change from `before` to `now`.
  void mail(const config::Config& config, const std::vector<health::CheckerStatus>& checksBefore,
            const std::vector<health::CheckerStatus>& checksNow, const tables::HealthState& before,
            const tables::HealthState& now);

  common::NotifyScripts& notify_;
  common::LogSink log_;
  std::unique_ptr<health::HealthMonitor> monitor_;
  std::unique_ptr<failover::SmtpAlerter> alerts_;  // sends from a thread of its own
  config::GlobalDefs alertGlobals_;                 // what alerts_ was made with
  std::vector<health::CheckKey> checks_;              // what the monitor checks
  std::vector<config::BfdInstance> trackedBfd_;       // the sessions it runs for track_bfd
  std::vector<health::CheckerStatus> checkersSeen_;  // the monitor's checkers when last read
  uint64_t seen_ = 0;                     // the monitor's generation last read
};

}  // namespace sluice::sluiced
