// vrrp_sync_group { }: instances that change state together.
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
  g.list("track_script",
         [](VrrpSyncGroup& group, const Args& a) { group.trackScripts.push_back(readTrackScript(a)); });
  g.list("track_interface",
         [](VrrpSyncGroup& group, const Args& a) { group.trackInterfaces.push_back(readTrackInterface(a)); });
  g.list("track_file",
         [](VrrpSyncGroup& group, const Args& a) { group.trackFiles.push_back(readTrackRef(a, "track_file")); });
  g.list("track_process", [](VrrpSyncGroup& group, const Args& a) {
    group.trackProcesses.push_back(readTrackRef(a, "track_process"));
  });
  g.list("track_bfd",
         [](VrrpSyncGroup& group, const Args& a) { group.trackBfds.push_back(readTrackRef(a, "track_bfd")); });
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
        c.vrrpSyncGroups.push_back(std::move(g));
      });
}

}  // namespace sluice::config
