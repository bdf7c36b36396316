// Prometheus text exposition (format 0.0.4) of the counters /v1/stats
// shows: per service and real server (labels service, real_server), drops
// by reason, per-worker packet counters, and the control plane's XDP
// steering failures (from stats["control"], when present). Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace sluice::api {

// stats: the document stats::countersJson returns.
std::string prometheusText(const nlohmann::json& stats);

}  // namespace sluice::api
