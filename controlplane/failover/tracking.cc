#include "controlplane/failover/tracking.h"

namespace sluice::failover {
namespace {

bool isUp(const std::map<std::string, bool>& states, const std::string& name) {
  const auto it = states.find(name);
  return it == states.end() || it->second;
}

void track(Tracking& t, bool up, int weight, bool reverse, const std::string& what) {
  if (weight == 0) {
    if (!up && !t.fault) {
      t.fault = true;
      t.why = what + " is down";
    }
    return;
  }
  const int adjustment = (weight > 0) == up ? weight : 0;
  t.weight += reverse ? -adjustment : adjustment;
}

void trackAll(Tracking& t, const config::Config& config, const std::vector<config::TrackScript>& scripts,
              const std::vector<config::TrackInterface>& interfaces, const TrackedStates& states) {
  for (const config::TrackScript& ts : scripts) {
    const config::VrrpScript* s = config.findVrrpScript(ts.name);
    const int weight = ts.weight.value_or(s ? s->weight : 0);
    const bool reverse = ts.reverse || (s && s->weightReverse);
    track(t, isUp(states.scripts, ts.name), weight, reverse, "vrrp_script " + ts.name);
  }
  for (const config::TrackInterface& ti : interfaces) {
    track(t, isUp(states.links, ti.name), ti.weight, ti.reverse, "interface " + ti.name);
  }
}

}  // namespace

Tracking evaluateTracking(const config::Config& config, const config::VrrpInstance& instance,
                          const TrackedStates& states) {
  Tracking t;
  if (instance.interface && !instance.dontTrackPrimary && !isUp(states.links, *instance.interface)) {
    t.fault = true;
    t.why = "interface " + *instance.interface + " is down";
  }
  trackAll(t, config, instance.trackScripts, instance.trackInterfaces, states);
  if (const config::VrrpSyncGroup* g = config.syncGroupOf(instance.name)) {
    trackAll(t, config, g->trackScripts, g->trackInterfaces, states);
  }
  return t;
}

}  // namespace sluice::failover
