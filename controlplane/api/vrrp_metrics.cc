// VRRP instances in /metrics.
#include "controlplane/api/metric_family.h"
#include "controlplane/api/metric_sections.h"

namespace sluice::api::metrics {

using nlohmann::json;

void writeVrrp(const json& vrrp, std::ostream& out) {
  // An enum as node_exporter writes one (systemd units): a sample per
  // state, 1 for the current one, so that a rule can match on the state
  // and a missing instance shows as absent rather than as a bogus value.
  Family state("sluice_vrrp_state", "gauge", "1 for the VRRP instance's current state, 0 for the others.");
  Family priority("sluice_vrrp_priority", "gauge", "The VRRP instance's configured priority.");
  Family effective("sluice_vrrp_effective_priority", "gauge",
                   "The priority the VRRP instance advertises: configured plus tracked weights.");
  Family transitions("sluice_vrrp_transitions_total", "counter", "State changes of the VRRP instance.");
  const json noArray = json::array();
  for (const json& inst : member(vrrp, "instances", noArray)) {
    const std::string name = text(inst, "name"), current = text(inst, "state");
    for (const char* s : {"INIT", "BACKUP", "MASTER", "FAULT"}) {
      state.add({{"vrrp_instance", name}, {"state", s}}, current == s ? 1 : 0);
    }
    const Labels labels{{"vrrp_instance", name}};
    priority.add(labels, count(inst, "priority"));
    effective.add(labels, count(inst, "effective_priority"));
    transitions.add(labels, count(inst, "transitions"));
  }
  for (const Family* f : {&state, &priority, &effective, &transitions}) f->writeTo(out);
}

}  // namespace sluice::api::metrics
