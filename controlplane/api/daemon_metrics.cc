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
}

}  // namespace sluice::api::metrics
