#include "controlplane/sluiced/summary.h"

namespace sluice::sluiced {

std::string summarize(const config::Config& config, const std::string& path, std::size_t warnings) {
  std::size_t realServers = 0;
  std::size_t checks = 0;
  for (const auto& vs : config.virtualServers) {
    realServers += vs.realServers.size();
    for (const auto& rs : vs.realServers) {
      checks += rs.checks.size() + rs.fileChecks.size();
    }
  }
  const auto n = [](std::size_t v) { return std::to_string(v); };
  std::string out = "sluiced: configuration " + path + " is valid\n";
  out += "  vrrp instances: " + n(config.vrrpInstances.size()) +
         " (sync groups: " + n(config.vrrpSyncGroups.size()) + ", scripts: " + n(config.vrrpScripts.size()) +
         ")\n";
  out += "  virtual servers: " + n(config.virtualServers.size()) + ", real servers: " + n(realServers) +
         ", health checks: " + n(checks) + "\n";
  if (config.dataplane) {
    out += "  dataplane: present (ports: " + n(config.dataplane->ports.size()) +
           ", workers: " + n(config.dataplane->lcores.size() - 1) + ")\n";
  } else {
    out += "  dataplane: absent\n";
  }
  if (const auto& sync = config.globalDefs.lvsSyncDaemon) {
    out += "  connection sync: on " + sync->interface + ", " +
           (sync->instance ? "following vrrp_instance " + *sync->instance : std::string("sending and receiving")) +
           ", sync id " + n(sync->syncId) + "\n";
  } else {
    out += "  connection sync: off\n";
  }
  out += "  warnings: " + n(warnings) + "\n";
  return out;
}

}  // namespace sluice::sluiced
