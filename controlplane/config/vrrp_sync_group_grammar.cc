// vrrp_sync_group { }: instances that change state together.
#include "controlplane/config/tracking_weight_rules.h"
#include "controlplane/config/vrrp_tracking.h"

namespace sluice::config {
namespace {

Block<VrrpSyncGroup> syncGroupGrammar() {
  Block<VrrpSyncGroup> g;
  g.list("group", [](VrrpSyncGroup& group, const Args& a) {
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string name = a.text(i);
      group.instances.push_back(name);
      const auto where = a.whereOf(i);
      a.context().define("vrrp_sync_group member", name, where,
                         "vrrp_instance '" + name + "' is already in a vrrp_sync_group");
      a.context().defer([name, where](Config& c, Diagnostics& d) {
        if (c.findVrrpInstance(name) == nullptr) {
          d.error(where, "vrrp_sync_group names unknown vrrp_instance '" + name + "'");
        }
      });
    }
  });
  // Each tracker kind, with keepalived's refusal of a second line for one object.
  const auto owner = [](const VrrpSyncGroup& group) { return "vrrp_sync_group '" + group.name + "'"; };
  g.list("track_script", [owner](VrrpSyncGroup& group, const Args& a) {
    addTracked(group.trackScripts, readTrackScript(a), a, owner(group), "track_script");
  });
  g.list("track_interface", [owner](VrrpSyncGroup& group, const Args& a) {
    addTracked(group.trackInterfaces, readTrackInterface(a), a, owner(group), "track_interface");
  });
  g.list("track_file", [owner](VrrpSyncGroup& group, const Args& a) {
    addTracked(group.trackFiles, readTrackRef(a, "track_file"), a, owner(group), "track_file");
  });
  g.list("track_process", [owner](VrrpSyncGroup& group, const Args& a) {
    addTracked(group.trackProcesses, readTrackRef(a, "track_process"), a, owner(group), "track_process");
  });
  g.list("track_bfd", [owner](VrrpSyncGroup& group, const Args& a) {
    addTracked(group.trackBfds, readTrackRef(a, "track_bfd"), a, owner(group), "track_bfd");
  });
  // Any words after these flags are ignored, as keepalived ignores them.
  g.value("sync_group_tracking_weight", [](VrrpSyncGroup& group, const Args&) { group.trackingWeight = true; });
  g.value("global_tracking", [](VrrpSyncGroup& group, const Args& a) {
    a.keepalivedError("vrrp_sync_group '" + group.name +
                      "': global_tracking is deprecated, read as sync_group_tracking_weight (keepalived reports "
                      "this too)");
    group.trackingWeight = true;
  });
  g.value("smtp_alert", [](VrrpSyncGroup& group, const Args& a) { group.smtpAlert = a.flag(); });
  addNotifyKeywords(g, [](VrrpSyncGroup& group) -> NotifyScripts& { return group.notify; });
  return g;
}

}  // namespace

void addVrrpSyncGroupKeywords(Block<Config>& top) {
  top.child<VrrpSyncGroup>(
      "vrrp_sync_group",
      [](Config&, const Args& a) {
        a.expect(1, 1);
        VrrpSyncGroup g;
        g.name = a.text(0);
        return g;
      },
      syncGroupGrammar(),
      [](Config& c, VrrpSyncGroup&& g, const Args& a) {
        if (!a.context().define("vrrp_sync_group", g.name, a.where())) {
          return;
        }
        // keepalived drops such a group (its other lines were unknown
        // keywords) and runs the instances on their own.
        if (g.instances.empty()) {
          a.warn("vrrp_sync_group '" + g.name + "' has no group { } of instances; it is removed, as keepalived does");
          return;
        }
        deferSyncGroupTrackingWeights(a.context(), g.name, a.where());
        c.vrrpSyncGroups.push_back(std::move(g));
      });
}

}  // namespace sluice::config
