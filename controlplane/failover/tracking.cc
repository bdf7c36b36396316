#include "controlplane/failover/tracking.h"

#include <algorithm>

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

// keepalived's track_file rule (vrrp_track.c / track_file.c).
void trackFile(Tracking& t, int64_t value, int weight, bool reverse, const std::string& what) {
  int64_t status = 0;
  if (weight == 0) {
    status = (value != 0) != reverse ? -254 : 0;
  } else {
    status = std::clamp<int64_t>(value * weight * (reverse ? -1 : 1), -254, 253);
  }
  if (status == -254) {
    if (!t.fault) {
      t.fault = true;
      t.why = what + " is " + std::to_string(value);
    }
    return;
  }
  t.weight += static_cast<int>(status);
}

// A track_process or track_bfd: up or not, weighing like a script.
void trackUpDown(Tracking& t, bool up, int weight, bool reverse, const std::string& what) {
  // With weight 0, reverse turns the fault around: up is the fault.
  if (weight == 0 && reverse) up = !up;
  track(t, up, weight, reverse, what);
}

void trackObjects(Tracking& t, const config::Config& config, const std::vector<config::TrackRef>& files,
                  const std::vector<config::TrackRef>& processes, const std::vector<config::TrackRef>& bfds,
                  const TrackedStates& states) {
  for (const config::TrackRef& r : files) {
    const config::TrackFile* f = config.findTrackFile(r.name);
    const auto it = states.files.find(r.name);
    trackFile(t, it == states.files.end() ? 0 : it->second, r.weight.value_or(f ? f->weight : 1),
              r.reverse.value_or(f && f->weightReverse), "track_file " + r.name);
  }
  for (const config::TrackRef& r : processes) {
    const config::TrackProcess* p = config.findTrackProcess(r.name);
    trackUpDown(t, isUp(states.processes, r.name), r.weight.value_or(p ? p->weight : 0),
                r.reverse.value_or(p && p->weightReverse), "track_process " + r.name);
  }
  for (const config::TrackRef& r : bfds) {
    const config::BfdInstance* b = config.findBfdInstance(r.name);
    const auto it = states.bfds.find(r.name);
    trackUpDown(t, it != states.bfds.end() && it->second, r.weight.value_or(b ? b->weight : 0),
                r.reverse.value_or(b && b->weightReverse), "track_bfd " + r.name);
  }
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
  trackObjects(t, config, instance.trackFiles, instance.trackProcesses, instance.trackBfds, states);
  if (const config::VrrpSyncGroup* g = config.syncGroupOf(instance.name)) {
    trackAll(t, config, g->trackScripts, g->trackInterfaces, states);
    trackObjects(t, config, g->trackFiles, g->trackProcesses, g->trackBfds, states);
  }
  return t;
}

}  // namespace sluice::failover
