// The control-plane thread of a running sluiced: the orchestration of one
// owner of desired state and the followers that feed it, each with one
// job (see docs/architecture.md):
//   DesiredState       configuration, verdicts, VIPs held, neighbours ->
//                      the snapshots published to the workers
//   NeighbourFollower  ARP/ND/pings, learned neighbours, next hops
//   HealthFollower     the health checks and their scripts
//   FailoverFollower   VRRP, its notify scripts and mails
//   SyncFollower       connection sync with the peer router
//   StatsFollower      rates and the stats file
//   ApiBackend         the control API and reloads
// It reaches the data plane through dp::DataplaneHandle only, so tests
// drive it on a fake: start(), then poll() with the time they choose, then
// stop(). A pass never blocks and never waits for a worker.
#pragma once

#include <cstdint>
#include <string>

#include "controlplane/common/notify_scripts.h"
#include "controlplane/config/model.h"
#include "controlplane/sluiced/api_backend.h"
#include "controlplane/sluiced/desired_state.h"
#include "controlplane/sluiced/failover_follower.h"
#include "controlplane/sluiced/health_follower.h"
#include "controlplane/sluiced/kernel_addresses.h"
#include "controlplane/sluiced/neighbour_follower.h"
#include "controlplane/sluiced/stats_follower.h"
#include "controlplane/sluiced/sync_follower.h"
#include "dataplane/dataplane_handle.h"

namespace sluice::sluiced {

class ControlLoop {
 public:
  // configFile: what a reload re-reads; statsFile: where SIGUSR2 writes the
  // counters as JSON; listen: the API's listeners; kernel: which ports' own
  // addresses the kernel holds and answers for; log: where VRRP's and the
  // health checks' changes are told (stderr by default). Throws
  // std::invalid_argument when a VRRP instance cannot run on the ports.
  ControlLoop(dp::DataplaneHandle& dataplane, const config::Config& config, std::string configFile,
              std::string statsFile, api::ListenOptions listen, const KernelAddresses& kernel,
              common::LogSink log = {});

  // Starts the API, then serves (start, poll, stop) until a stop signal
  // (which must be blocked in every thread, see run.cc). Returns the exit
  // status; throws when the API cannot listen.
  int run(int signalFd);

  // Publishes the first snapshots, starts the health checks, the workers
  // and VRRP. Throws std::runtime_error when the first snapshot cannot be
  // published.
  void start(uint64_t nowMs);
  // One pass at time nowMs: API requests, frames passed up, the followers'
  // changes, pending publishes, timers. Never blocks.
  void poll(uint64_t nowMs);
  // Resigns VRRP mastership (then waits 20 ms so that the workers send the
  // resignation), runs the notify_stop scripts, stops the scripts, checks
  // and workers, waits for the notify scripts (2.5 s at most) and writes
  // the stats file.
  void stop(uint64_t nowMs);

  ApiBackend& api() { return api_; }
  // Writes the counters (/v1/stats) to the stats file.
  void writeStats() const { stats_.write(api_.stats()); }

 private:
  // ApiBackend::Parts::apply and rollBack.
  void apply(const config::Config& next);
  void rollBack(const config::Config& previous);

  dp::DataplaneHandle& dataplane_;
  common::NotifyScripts scripts_;  // the followers' notify scripts run here
  DesiredState state_;
  NeighbourFollower neighbours_;
  HealthFollower health_;
  FailoverFollower failover_;
  SyncFollower sync_;
  StatsFollower stats_;
  ApiBackend api_;
};

}  // namespace sluice::sluiced
