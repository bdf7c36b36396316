// The control-plane thread of a running sluiced: serves ARP/ND and pings
// from the exception ring, resolves next hops, rebuilds and publishes
// snapshots, reclaims old ones, estimates rates, answers the control API
// (its requests arrive through a command queue and run here, one at a
// time) and signals (SIGTERM/SIGINT stop, SIGHUP reloads the config file,
// SIGUSR2 writes the counters). Neighbour changes publish a new
// NeighbourSet only, so schedulers keep their state.
//
// It never sleeps inside a pass: a snapshot a worker cannot take yet (its
// ring is full) stays pending and is tried again at the next passes (an API
// change that changed nothing is run again, for up to 200 ms), while the
// loop goes on answering ARP, VRRP and the other requests. It reaches the data
// plane through dp::DataplaneHandle only, so tests drive it on a fake:
// start(), then poll() with the time they choose, then stop().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/api/backend.h"
#include "controlplane/api/command_queue.h"
#include "controlplane/api/http_server.h"
#include "controlplane/config/model.h"
#include "controlplane/failover/driver.h"
#include "controlplane/failover/script_tracker.h"
#include "controlplane/failover/smtp_alert.h"
#include "controlplane/health/monitor.h"
#include "controlplane/tables/health_state.h"
#include "controlplane/neighbours/responder.h"
#include "controlplane/sluiced/kernel_addresses.h"
#include "controlplane/stats/estimator.h"
#include "controlplane/tables/id_registry.h"
#include "dataplane/dataplane_handle.h"

namespace sluice::sluiced {

class ControlLoop : public api::Backend {
 public:
  // configFile: what a reload re-reads; statsFile: where SIGUSR2 writes the
  // counters as JSON; listen: the API's listeners.
  // kernel: which ports' own addresses the kernel holds and answers for.
  // Throws std::invalid_argument when a VRRP instance cannot run on the ports.
  ControlLoop(dp::DataplaneHandle& dataplane, config::Config config, std::string configFile, std::string statsFile,
              api::ListenOptions listen, const KernelAddresses& kernel);

  // Starts the API, then serves (start, poll, stop) until a stop signal
  // (which must be blocked in every thread, see run.cc). Returns the exit
  // status; throws when the API cannot listen. Control thread.
  int run(int signalFd);

  // Publishes the first snapshot, starts the health checks, the workers
  // and VRRP; nowMs is the loop's clock (monotonicMs() when run() drives
  // it). Throws std::runtime_error when the first snapshot cannot be
  // published. Control thread.
  void start(uint64_t nowMs);
  // One pass of the loop at time nowMs: API commands, exception frames,
  // resolves, health and VRRP changes, pending publishes, timers. Never
  // blocks. Control thread.
  void poll(uint64_t nowMs);
  // Closes the command queue, resigns VRRP mastership (then waits 20 ms so
  // that the workers send the resignation), stops the scripts, checks and
  // workers and writes the stats file. Control thread.
  void stop(uint64_t nowMs);

  // Runs one API request (control thread): its answer, or nullopt when a
  // worker has not taken the previous tables yet, which changed nothing:
  // the command queue runs it again at a later pass, for up to 200 ms,
  // after which the answer is that 503. The answer to a request that went
  // through is held (nullopt) until every worker has taken the tables, so
  // that the client's next packet meets them, or for 200 ms at most.
  std::optional<api::Response> answer(const api::Request& request);

  // A previous sluiced with this pid file did not stop cleanly: /v1/status
  // says so and what was lost.
  void notePreviousRun(const std::string& pid);

  // Writes the counters to the stats file (atomically, by rename).
  void writeStats() const;

  // api::Backend (control loop thread only).
  const config::Config& config() const override { return config_; }
  void apply(const config::Config& next) override;
  nlohmann::json reload() override;
  nlohmann::json status() const override;
  nlohmann::json stats() const override;
  nlohmann::json health() const override;
  nlohmann::json vrrp() const override;
  nlohmann::json connections(const std::string& cursor, unsigned limit) override;

 private:
  void publishNeighbours();
  // Builds the tables of config_ with the current health verdicts and VIP
  // ownership and publishes them: false when a worker's ring is full.
  // Throws tables::BuildError.
  bool publishTables();
  // Publishes the snapshots left pending (a full ring, or a health or VRRP
  // change), at most every kPublishRetryMs.
  void publishPending(uint64_t nowMs);
  // The health checks' verdicts for the table builder. With `log`, also
  // logs what changed since the tables were built and runs the notify and
  // quorum scripts of those changes.
  tables::HealthState healthState(bool log);
  // Rebuilds the tables when a check changed state.
  void followHealth();
  const config::RealServer* realServerOf(const std::string& service, const std::string& server) const;
  // notify_up/notify_down/quorum_up/quorum_down, when configured.
  void runScript(const std::optional<config::ScriptCommand>& script);
  // A new monitor for `next`, starting each check that still exists in the
  // state the old monitor had (apply() calls it when the checks differ).
  void restartHealth(const config::Config& next);
  void reloadOnSignal();
  // VRRP: feeds the driver the ports' links and the vrrp_scripts' results,
  // rebuilds the tables when the VIPs held change, and runs the notify
  // scripts of the transitions.
  void followFailover(uint64_t nowMs);
  void notifyTransitions();
  std::vector<failover::PortInfo> portInfos(const config::Config& config) const;
  failover::Io failoverIo();
  failover::TrackedStates trackedStates();
  // The parts of a configuration the VRRP driver runs on are equal.
  static bool sameVrrp(const config::Config& a, const config::Config& b);
  void resolveNextHops(uint64_t nowMs, bool all);
  std::vector<const dp::WorkerCounters*> workerCounters() const;

  dp::DataplaneHandle& rt_;
  config::Config config_;
  std::string configFile_;
  std::string statsFile_;
  api::ListenOptions listen_;
  std::vector<dp::MacAddr> portMacs_;
  tables::IdRegistry ids_;
  neighbours::Responder responder_;
  stats::RateEstimator rates_;
  api::CommandQueue commands_;
  bool neighboursDirty_ = false;  // a new neighbour snapshot is due
  bool tablesDirty_ = false;      // tables with the current health and ownership are due
  uint64_t nextPublishTry_ = 0;   // after a refused publish: when to try again
  std::optional<uint64_t> stalledSince_;  // a refused publish is pending since then (logged once)
  uint64_t now_ = 0;              // the loop's clock at the current pass
  bool publishRefused_ = false;   // apply() refused a change for a worker behind
  std::optional<uint64_t> answerPutOffSince_;  // the first API request in line is put off since then
  std::optional<api::Response> heldAnswer_;    // its answer, until the workers took its tables
  std::optional<uint64_t> reloadRetryUntil_;   // a SIGHUP reload put off for a worker behind
  uint64_t lastResolve_ = 0, lastRefresh_ = 0, lastRates_ = 0;
  uint64_t neighbourVersion_ = 0;
  uint64_t startedMs_ = 0;
  nlohmann::json lastReload_;     // null until a reload
  nlohmann::json previousRun_ = {{"clean", true}};
  std::unique_ptr<health::HealthMonitor> health_;
  uint64_t healthSeen_ = 0;       // the monitor's generation healthState_ reflects
  tables::HealthState healthState_;  // what the tables are (or, while tablesDirty_, will be) built with
  std::unique_ptr<failover::Driver> failover_;
  std::unique_ptr<failover::ScriptTracker> vrrpScripts_;
  std::unique_ptr<failover::SmtpAlerter> alerts_;
  tables::VipOwnership ownership_;   // what the tables are (or, while tablesDirty_, will be) built with
  uint64_t ownershipSeen_ = 0;       // the driver's ownership version it reflects
  uint64_t scriptsSeen_ = 0;
  uint64_t lastLinkCheck_ = 0;
  failover::TrackedStates tracked_;
  std::map<std::string, vrrp::State> groupStates_;  // vrrp_sync_group -> state last notified
};

}  // namespace sluice::sluiced
