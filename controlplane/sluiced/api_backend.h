// The control API's side of the daemon: api::Backend over the desired
// state and the followers, the HTTP listeners, the command queue that
// hands their requests to the control loop, and SIGHUP reloads.
//
// An API change is answered only once every worker has taken its tables,
// so that the client's next packet meets the change; the loop goes on
// meanwhile. A change a worker cannot take yet changes nothing and runs
// again at later passes; after kPatienceMs either way the answer is 503,
// and a change already made is rolled back: applied atomically or not at
// all. Control thread only (but listen()).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "controlplane/api/backend.h"
#include "controlplane/api/command_queue.h"
#include "controlplane/api/http_server.h"
#include "controlplane/sluiced/desired_state.h"
#include "controlplane/sluiced/failover_follower.h"
#include "controlplane/sluiced/health_follower.h"
#include "controlplane/sluiced/neighbour_follower.h"
#include "controlplane/sluiced/stats_follower.h"
#include "controlplane/sluiced/sync_follower.h"

namespace sluice::sluiced {

class ApiBackend : public api::Backend {
 public:
  // How long a change waits for a worker before it is refused.
  static constexpr uint64_t kPatienceMs = 200;

  // What the backend reads and how it changes the configuration.
  struct Parts {
    dp::DataplaneHandle& dataplane;
    const DesiredState& state;
    const HealthFollower& health;
    const FailoverFollower& failover;
    const NeighbourFollower& neighbours;
    StatsFollower& stats;  // not const: ipvsadm -Z zeroes its counters
    const SyncFollower& sync;
    // Makes `next` the running configuration everywhere, or changes
    // nothing and throws api::ApiError (422 cannot run, 503 a worker behind).
    std::function<void(const config::Config& next)> apply;
    // Goes back to `previous`, published as soon as the workers have room.
    std::function<void(const config::Config& previous)> rollBack;
  };

  // configFile: what a reload re-reads.
  ApiBackend(Parts parts, std::string configFile, api::ListenOptions listen);

  // Starts the listeners (throws when a socket is in use); their requests
  // run in poll(). Control thread, before the loop.
  void listen();
  // Refuses new requests and stops the listeners.
  void close();
  // Readable while requests wait.
  int eventFd() const { return commands_.eventFd(); }

  // The loop's clock starts at nowMs.
  void start(uint64_t nowMs) { now_ = nowMs; }
  // The requests waiting, a SIGHUP reload put off.
  void poll(uint64_t nowMs);
  // SIGHUP: reloads the config file and logs the outcome.
  void reloadOnSignal();

  // Runs one request: its answer, or nullopt to be asked again at the next
  // pass (a worker behind, or the answer held until every worker took the
  // change).
  std::optional<api::Response> answer(const api::Request& request);

  // A previous sluiced with this pid file did not stop cleanly: /v1/status
  // says so and what was lost.
  void notePreviousRun(const std::string& pid);
  // The control plane's counters for /v1/status and the stats file.
  nlohmann::json control() const;

  // api::Backend.
  const config::Config& config() const override { return parts_.state.config(); }
  void apply(const config::Config& next) override;
  nlohmann::json reload() override;
  nlohmann::json configDiff() const override;
  nlohmann::json status() const override;
  nlohmann::json stats() const override;
  void zeroCounters(const std::string& service) override;
  nlohmann::json health() const override { return parts_.health.json(parts_.state.health()); }
  nlohmann::json vrrp() const override { return parts_.failover.json(); }
  nlohmann::json sync() const override { return parts_.sync.json(now_); }
  nlohmann::json connections(const std::string& cursor, unsigned limit) override;

 private:
  // What reload() did within the request being answered: counted once the
  // answer goes out (a reload put off for a worker behind runs again).
  enum class ReloadOutcome { kNone, kApplied, kRefused, kBehind };
  void countReload(ReloadOutcome outcome);
  uint64_t uptimeS() const;
  // The listeners and the TCP listener's failed authentications.
  nlohmann::json apiListenerJson() const;

  Parts parts_;
  std::string configFile_;
  api::ListenOptions listenOptions_;
  std::optional<api::HttpServer> server_;
  api::CommandQueue commands_;
  uint64_t startedMs_;  // monotonicMs() at construction, for the uptime
  int64_t startedUnix_;  // the wall clock then, for /v1/status and /metrics
  // The connection tables' size the workers were started with: a reload
  // may change conn_table_size in the running configuration, but only a
  // restart resizes the tables.
  uint32_t connTableSize_;
  uint64_t now_ = 0;    // the loop's clock at the current pass
  bool publishRefused_ = false;                // apply() refused a change for a worker behind
  std::optional<uint64_t> putOffSince_;        // the first request in line is put off since then
  std::optional<api::Response> heldAnswer_;    // its answer, until the workers took its tables
  std::optional<config::Config> changedFrom_;  // the configuration before the request's change, to roll back to
  std::optional<uint64_t> reloadRetryUntil_;   // a SIGHUP reload put off for a worker behind
  nlohmann::json lastReload_;                  // null until a reload
  ReloadOutcome reloadOutcome_ = ReloadOutcome::kNone;  // of the request being answered
  ReloadOutcome heldReload_ = ReloadOutcome::kNone;     // of the request whose answer is held
  // The running configuration's version: 1 at start, one more at each
  // change a reload or an API request applied (and at each rollback).
  uint64_t configVersion_ = 1;
  uint64_t reloadsApplied_ = 0;  // reloads answered as applied (also those that changed nothing)
  uint64_t reloadsRefused_ = 0;  // reloads refused: the file, a restart-only change, or a worker behind
  nlohmann::json previousRun_ = {{"clean", true}};
};

}  // namespace sluice::sluiced
