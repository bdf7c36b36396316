// The parts of /metrics, each from its /v1 document (see metrics.h):
// every function writes its families, with HELP and TYPE even when it has
// no sample. Internal to metrics.cc and its tests. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

namespace sluice::api::metrics {

// Read leniently: a /metrics scrape must not fail because a document lacks
// a field (an older backend, a feature not configured); the sample then
// reads 0 or is left out.
inline uint64_t count(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return 0;
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<uint64_t>() : 0;
}
inline std::string text(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return "";
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}
// j[key] when present and of the kind of `empty`, else `empty`.
inline const nlohmann::json& member(const nlohmann::json& j, const char* key, const nlohmann::json& empty) {
  if (!j.is_object()) return empty;
  const auto it = j.find(key);
  return it == j.end() || it->type() != empty.type() ? empty : *it;
}

// Services and real servers (ipvsadm's counters), drops by reason, XDP
// steering failures: from /v1/stats.
void writeTraffic(const nlohmann::json& stats, std::ostream& out);
// Per worker: packets, connection table fill, evictions and sizes.
void writeWorkers(const nlohmann::json& stats, uint32_t connTableSize, std::ostream& out);
// VRRP instances: state, priorities, transitions (from /v1/vrrp).
void writeVrrp(const nlohmann::json& vrrp, std::ostream& out);
// Health checks per real server and quorum per service (from /v1/health;
// the services from /v1/stats).
void writeHealth(const nlohmann::json& health, const nlohmann::json& stats, std::ostream& out);
// Connection sync (from /v1/sync).
void writeSync(const nlohmann::json& sync, std::ostream& out);
// Build info and start time (from /v1/status).
void writeDaemon(const nlohmann::json& status, std::ostream& out);

}  // namespace sluice::api::metrics
