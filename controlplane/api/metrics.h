// Prometheus text exposition (format 0.0.4) of the counters /v1/stats
// shows: per service and real server (labels service, real_server), drops
// by reason, and per-worker packet counters. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace sluice::api {

// stats: the document stats::countersJson returns.
std::string prometheusText(const nlohmann::json& stats);

}  // namespace sluice::api
