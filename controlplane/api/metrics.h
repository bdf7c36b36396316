// Prometheus text exposition (format 0.0.4) of what an operator alerts
// on: the counters /v1/stats shows (per service and real server, drops by
// reason, per worker, XDP steering failures), the connection tables'
// fill and size, VRRP instances, health checks and quorum, connection
// sync, and the daemon's version and start time. docs/metrics.md lists
// every family. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "controlplane/api/backend.h"

namespace sluice::api {

// The documents /metrics is made from, each as its /v1 resource gives it;
// a missing one (null) leaves its families without samples.
struct MetricsSources {
  nlohmann::json stats;   // /v1/stats (stats::countersJson, with "control")
  nlohmann::json status;  // /v1/status: version, start_time_unix
  nlohmann::json health;  // /v1/health: checkers, quorum_lost
  nlohmann::json vrrp;    // /v1/vrrp: instances
  nlohmann::json sync;    // /v1/sync: enabled, role, sent, received, dropped, lag_ms
  uint32_t connTableSize = 0;  // the dataplane block's conn_table_size (IPv4 entries per worker); 0: unknown
};

// What the running daemon gives for each of them.
MetricsSources metricsSources(const Backend& b);

std::string prometheusText(const MetricsSources& in);

}  // namespace sluice::api
