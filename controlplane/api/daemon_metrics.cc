// The daemon's version and start time in /metrics.
#include "controlplane/api/metric_family.h"
#include "controlplane/api/metric_sections.h"

namespace sluice::api::metrics {

using nlohmann::json;

namespace {

// Reloads and what they leave behind: automation that reloads in a loop
// watches these for a refused reload or memory that does not come back.
void writeReloads(const json& status, std::ostream& out) {
  Family version("sluice_config_version", "gauge",
                 "The running configuration's version: 1 at start, one more at each change a reload or an API "
                 "request applied.");
  Family reloads("sluice_config_reloads_total", "counter",
                 "Reloads of the configuration file (SIGHUP, sluicectl reload, the API), by result.");
  Family pool("sluice_packet_pool_buffers", "gauge",
              "The data plane's packet buffers (mbufs), in use (queues, rings, packets in flight, caches) or free.");
  Family retired("sluice_retired_snapshots", "gauge",
                 "Superseded forwarding tables and neighbour sets not yet freed (they wait for every worker).");
  static const json kNone = json::object();
  if (status.is_object()) {
    if (status.contains("config_version")) version.add({}, count(status, "config_version"));
    const json& r = member(status, "reloads", kNone);
    if (!r.empty()) {
      reloads.add({{"result", "applied"}}, count(r, "applied"));
      reloads.add({{"result", "refused"}}, count(r, "refused"));
    }
    const json& p = member(status, "packet_pool", kNone);
    if (!p.empty()) {
      pool.add({{"state", "in_use"}}, count(p, "in_use"));
      pool.add({{"state", "available"}}, count(p, "available"));
    }
    if (status.contains("retired_snapshots")) retired.add({}, count(status, "retired_snapshots"));
  }
  version.writeTo(out);
  reloads.writeTo(out);
  pool.writeTo(out);
  retired.writeTo(out);
}

}  // namespace

void writeDaemon(const json& status, std::ostream& out) {
  // The version as a label of a constant 1 (the *_build_info convention):
  // a query joins it onto other series, and an upgrade shows as a change.
  Family info("sluice_build_info", "gauge", "A constant 1, labelled with the running sluiced's version.");
  // A time, not an uptime: a restart between two scrapes still shows.
  Family started("sluice_start_time_seconds", "gauge", "When sluiced started, in seconds since the Unix epoch.");
  if (status.is_object()) {
    info.add({{"version", text(status, "version")}}, 1);
    if (status.contains("start_time_unix")) started.add({}, count(status, "start_time_unix"));
  }
  info.writeTo(out);
  started.writeTo(out);
  writeReloads(status, out);
  // Only with a TCP listener: the Unix socket authenticates nobody.
  if (!status.is_object() || !status.contains("api") || !status["api"].contains("auth_failures")) return;
  const json& api = status["api"];
  Family failures("sluice_api_auth_failures_total", "counter",
                  "Requests and TLS handshakes refused at the API's TCP listener, by reason.");
  for (const auto& [reason, n] : api["auth_failures"].items()) failures.add({{"reason", reason}}, n.get<uint64_t>());
  Family limited("sluice_api_auth_rate_limited_total", "counter",
                 "Requests answered 429: their client address had too many failed authentications.");
  limited.add({}, count(api, "auth_rate_limited"));
  failures.writeTo(out);
  limited.writeTo(out);
}

}  // namespace sluice::api::metrics
