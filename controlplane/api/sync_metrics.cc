// Connection sync (lvs_sync_daemon) in /metrics.
#include "controlplane/api/metric_family.h"
#include "controlplane/api/metric_sections.h"

namespace sluice::api::metrics {

using nlohmann::json;

void writeSync(const json& sync, std::ostream& out) {
  Family enabled("sluice_sync_enabled", "gauge", "1 when lvs_sync_daemon is configured, else 0.");
  Family master("sluice_sync_master", "gauge", "1 while this router sends its connections (sync master).");
  Family backup("sluice_sync_backup", "gauge", "1 while this router takes its peer's connections (sync backup).");
  Family messages("sluice_sync_messages_total", "counter", "Connection sync messages, by direction.");
  Family entries("sluice_sync_entries_total", "counter", "Connection sync entries, by direction.");
  Family dropped("sluice_sync_dropped_total", "counter",
                 "Connection sync entries or messages dropped, by reason (refused_*: received datagrams).");
  Family lag("sluice_sync_lag_milliseconds", "gauge", "How long the oldest connection not yet sent has waited.");
  const bool on = sync.is_object() && sync.value("enabled", false);
  if (sync.is_object()) enabled.add({}, on ? 1 : 0);
  if (on) {
    // role: master, backup or master+backup (both daemons running).
    const std::string role = text(sync, "role");
    master.add({}, role.starts_with("master") ? 1 : 0);
    backup.add({}, role.ends_with("backup") ? 1 : 0);
    const json noObject = json::object();
    for (const char* direction : {"sent", "received"}) {
      const json& d = member(sync, direction, noObject);
      messages.add({{"direction", direction}}, count(d, "messages"));
      entries.add({{"direction", direction}}, count(d, "entries"));
    }
    const json& drops = member(sync, "dropped", noObject);
    for (const auto& [reason, n] : drops.items()) {
      if (n.is_number()) dropped.add({{"reason", reason}}, n.get<uint64_t>());
    }
    for (const auto& [reason, n] : member(drops, "refused", noObject).items()) {
      if (n.is_number()) dropped.add({{"reason", "refused_" + reason}}, n.get<uint64_t>());
    }
    lag.add({}, count(sync, "lag_ms"));
  }
  for (const Family* f : {&enabled, &master, &backup, &messages, &entries, &dropped, &lag}) f->writeTo(out);
}

}  // namespace sluice::api::metrics
