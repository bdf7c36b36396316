// Health checks and quorum in /metrics.
#include <map>
#include <set>
#include <tuple>

#include "controlplane/api/metric_family.h"
#include "controlplane/api/metric_sections.h"

namespace sluice::api::metrics {

using nlohmann::json;

void writeHealth(const json& health, const json& stats, std::ostream& out) {
  Family up("sluice_real_server_up", "gauge", "1 while the real server passes its health check of this type, else 0.");
  Family quorum("sluice_service_quorum_lost", "gauge",
                "1 while the service's live real servers weigh less than its quorum (quorum_down ran), else 0.");
  const json noArray = json::array();
  // Two checkers of one type on one real server would give one label set
  // twice, which Prometheus refuses: as keepalived does, the server is up
  // for that type only while every one of them passes.
  std::map<std::tuple<std::string, std::string, std::string>, bool> checks;
  for (const json& c : member(health, "checkers", noArray)) {
    const auto key = std::make_tuple(text(c, "service"), text(c, "real_server"), text(c, "type"));
    const bool passes = text(c, "state") == "UP";
    const auto [it, added] = checks.emplace(key, passes);
    if (!added) it->second = it->second && passes;
  }
  for (const auto& [key, passes] : checks) {
    up.add({{"service", std::get<0>(key)}, {"real_server", std::get<1>(key)}, {"check", std::get<2>(key)}},
           passes ? 1 : 0);
  }
  // Every virtual_server, so that 0 is written while the quorum holds; by
  // its API name, as quorum_lost gives it (a group's services share one).
  std::set<std::string> lost;
  for (const json& s : member(health, "quorum_lost", noArray)) {
    if (s.is_string()) lost.insert(s.get<std::string>());
  }
  std::set<std::string> services;
  for (const json& s : member(stats, "services", noArray)) {
    const std::string origin = text(s, "virtual_server");
    services.insert(origin.empty() ? text(s, "id") : origin);
  }
  services.insert(lost.begin(), lost.end());
  for (const std::string& s : services) quorum.add({{"service", s}}, lost.contains(s) ? 1 : 0);
  up.writeTo(out);
  quorum.writeTo(out);
}

}  // namespace sluice::api::metrics
