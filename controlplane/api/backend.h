// What the router needs from the running daemon. The control loop
// implements it; tests use a fake. Every call runs on the control loop's
// thread, one at a time, which is what serializes changes.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "controlplane/config/model.h"

namespace sluice::api {

class Backend {
 public:
  virtual ~Backend() = default;

  // The running configuration.
  virtual const config::Config& config() const = 0;

  // Makes `next` the running configuration: builds its tables and publishes
  // them to every worker, or changes nothing and throws ApiError (422 when
  // the data plane cannot carry it, 503 when a worker is behind).
  virtual void apply(const config::Config& next) = 0;

  // Re-reads the config file and applies it; returns {reloaded, added,
  // removed, changed} or throws ApiError 422 with the diagnostics.
  virtual nlohmann::json reload() = 0;

  // /v1/config/diff: how the running configuration differs from the
  // config file, which a reload would go back to (API and ipvsadm changes
  // are run-time changes): {file, same, added, removed, changed,
  // other_settings} by the API's service names; throws ApiError 422 when
  // the file does not parse.
  virtual nlohmann::json configDiff() const = 0;

  // /v1/status, /v1/stats (see stats::countersJson).
  virtual nlohmann::json status() const = 0;
  virtual nlohmann::json stats() const = 0;

  // ipvsadm -Z: the counters and rates of one service (its API name) and
  // its real servers, or of every service when `service` is empty, start
  // again from zero. Throws ApiError 404 for an unknown service.
  virtual void zeroCounters(const std::string& service) = 0;

  // /v1/health: {running, checkers: [{service, real_server, type, state,
  // last_error, ...}]}.
  virtual nlohmann::json health() const = 0;

  // /v1/vrrp: {running, instances: [{name, state, priority,
  // effective_priority, master_address, transitions, counters, ...}]}.
  virtual nlohmann::json vrrp() const = 0;

  // /v1/sync: connection sync (lvs_sync_daemon): {enabled, role, peer,
  // sent, received, dropped, lag_ms, ...}.
  virtual nlohmann::json sync() const = 0;

  // One page of connections from `cursor` ("" = the start): {connections,
  // next_cursor}.
  virtual nlohmann::json connections(const std::string& cursor, unsigned limit) = 0;
};

}  // namespace sluice::api
