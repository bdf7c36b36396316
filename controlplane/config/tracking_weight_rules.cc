#include "controlplane/config/tracking_weight_rules.h"

#include <algorithm>

namespace sluice::config {
namespace {

constexpr int kOwnerPriority = 255;

// The weight a tracker line has once its object's own weight fills a gap.
int scriptWeight(const Config& c, const TrackScript& t) {
  const VrrpScript* s = c.findVrrpScript(t.name);
  return t.weight.value_or(s != nullptr ? s->weight : 0);
}
int fileWeight(const Config& c, const TrackRef& t) {
  const TrackFile* f = c.findTrackFile(t.name);
  return t.weight.value_or(f != nullptr ? f->weight : 1);
}
int processWeight(const Config& c, const TrackRef& t) {
  const TrackProcess* p = c.findTrackProcess(t.name);
  return t.weight.value_or(p != nullptr ? p->weight : 0);
}
int bfdWeight(const Config& c, const TrackRef& t) {
  const BfdInstance* b = c.findBfdInstance(t.name);
  return t.weight.value_or(b != nullptr ? b->weight : 0);
}

// keepalived: a sync group without sync_group_tracking_weight keeps its
// members' unweighted trackers (a weighted interface becomes unweighted, a
// track_file of the default weight 1 too) and drops the weighted ones; an
// address owner outside such a group drops them all, interfaces included.
void clearInstanceWeights(Config& c, VrrpInstance& vi, const SourceLocation& where, Diagnostics& d) {
  const VrrpSyncGroup* g = c.syncGroupOf(vi.name);
  const bool sync = g != nullptr && !g->trackingWeight;
  if (!sync && vi.priority != kOwnerPriority) return;
  const std::string who = "vrrp_instance '" + vi.name + "': ";
  const std::string why = sync ? " as the instance is in vrrp_sync_group '" + g->name +
                                     "' without sync_group_tracking_weight (keepalived reports this too)"
                               : " as the instance is the address owner, priority 255 (keepalived reports this too)";
  std::erase_if(vi.trackInterfaces, [&](TrackInterface& t) {
    if (t.weight == 0) return false;
    if (sync) {
      d.keepalivedError(where, who + "weight " + std::to_string(t.weight) + " of track_interface '" + t.name +
                                   "' ignored" + why + "; the interface going down is a FAULT");
      t.weight = 0;
      return false;
    }
    d.keepalivedError(where, who + "track_interface '" + t.name + "' with weight " + std::to_string(t.weight) +
                                 " is not tracked" + why);
    return true;
  });
  std::erase_if(vi.trackScripts, [&](const TrackScript& t) {
    const int w = scriptWeight(c, t);
    if (w == 0) return false;
    d.keepalivedError(where, who + "track_script '" + t.name + "' with weight " + std::to_string(w) +
                                 " is not tracked" + why);
    return true;
  });
  std::erase_if(vi.trackFiles, [&](TrackRef& t) {
    const int w = fileWeight(c, t);
    if (w == 0) return false;
    if (w == 1) {
      d.keepalivedError(where, who + "weight 1 of track_file '" + t.name + "' ignored" + why +
                                   "; a non-zero value is a FAULT (write weight 0)");
      t.weight = 0;
      return false;
    }
    d.keepalivedError(where, who + "track_file '" + t.name + "' with weight " + std::to_string(w) +
                                 " is not tracked" + why);
    return true;
  });
  std::erase_if(vi.trackBfds, [&](const TrackRef& t) {
    const int w = bfdWeight(c, t);
    if (w == 0) return false;
    d.keepalivedError(where, who + "track_bfd '" + t.name + "' with weight " + std::to_string(w) +
                                 " is not tracked" + why);
    return true;
  });
  // keepalived 2.2.7 leaves an instance's track_process weights as they are.
}

template <class T, class Weight>
void clearGroupWeights(std::vector<T>& list, Weight weight, const std::string& kind, const std::string& prefix,
                       const std::string& why, const SourceLocation& where, Diagnostics& d) {
  for (T& t : list) {
    const int w = weight(t);
    if (w == 0) continue;
    d.keepalivedError(where, prefix + "weight " + std::to_string(w) + " of " + kind + " '" + t.name + "' set to 0" +
                                 why);
    t.weight = 0;
  }
}

// keepalived: a sync group with an address owner among its members tracks
// its objects with weight 0, a failure being a FAULT of every member.
void clearGroupOwnerWeights(Config& c, VrrpSyncGroup& g, const SourceLocation& where, Diagnostics& d) {
  const auto owner = std::find_if(g.instances.begin(), g.instances.end(), [&](const std::string& name) {
    const VrrpInstance* vi = c.findVrrpInstance(name);
    return vi != nullptr && vi->priority == kOwnerPriority;
  });
  if (owner == g.instances.end()) return;
  const std::string prefix = "vrrp_sync_group '" + g.name + "': ";
  const std::string why = " as member vrrp_instance '" + *owner +
                          "' is the address owner, priority 255 (keepalived reports this too)";
  clearGroupWeights(
      g.trackScripts, [&](const TrackScript& t) { return scriptWeight(c, t); }, "track_script", prefix, why, where,
      d);
  clearGroupWeights(
      g.trackFiles, [&](const TrackRef& t) { return fileWeight(c, t); }, "track_file", prefix, why, where, d);
  clearGroupWeights(
      g.trackProcesses, [&](const TrackRef& t) { return processWeight(c, t); }, "track_process", prefix, why,
      where, d);
  clearGroupWeights(
      g.trackBfds, [&](const TrackRef& t) { return bfdWeight(c, t); }, "track_bfd", prefix, why, where, d);
  clearGroupWeights(
      g.trackInterfaces, [](const TrackInterface& t) { return t.weight; }, "track_interface", prefix, why, where,
      d);
}

}  // namespace

void deferInstanceTrackingWeights(ParseContext& ctx, const std::string& instance, const SourceLocation& where) {
  ctx.defer([instance, where](Config& c, Diagnostics& d) {
    for (VrrpInstance& vi : c.vrrpInstances) {
      if (vi.name == instance) clearInstanceWeights(c, vi, where, d);
    }
  });
}

void deferSyncGroupTrackingWeights(ParseContext& ctx, const std::string& group, const SourceLocation& where) {
  ctx.defer([group, where](Config& c, Diagnostics& d) {
    for (VrrpSyncGroup& g : c.vrrpSyncGroups) {
      if (g.name == group) clearGroupOwnerWeights(c, g, where, d);
    }
  });
}

}  // namespace sluice::config
