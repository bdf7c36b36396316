// The daemon's version and start time in /metrics.
#include "controlplane/api/metric_family.h"
#include "controlplane/api/metric_sections.h"

namespace sluice::api::metrics {

using nlohmann::json;

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
