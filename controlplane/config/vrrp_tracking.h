// Pieces shared by the vrrp_instance and vrrp_sync_group grammars:
// track_script / track_interface lines and the notify_* keywords.
#pragma once

#include "controlplane/config/grammars.h"

namespace sluice::config {

// keepalived's limit for tracking weights: priorities stay within 1-254.
inline constexpr int kMaxTrackWeight = 253;

// keepalived's limit for track_file and track_process weights.
inline constexpr int kMaxTrackObjectWeight = 254;

// A `track_file`, `track_process` or `track_bfd` line (`kind` says which):
// NAME [weight N [reverse|noreverse]] (track_bfd: N within -253..253); the
// track_file / vrrp_track_process / bfd_instance must exist once the whole
// file is read. Not thread-safe.
TrackRef readTrackRef(const Args& a, std::string_view kind);

// A `track_script` line: NAME [weight N] [reverse|noreverse]; the script
// must exist once the whole file is read. Not thread-safe.
TrackScript readTrackScript(const Args& a);
// A `track_interface` line: IFNAME [weight N] [reverse]. Not thread-safe.
TrackInterface readTrackInterface(const Args& a);

// Adds a tracker line's entry to `list`. keepalived reports a second line
// naming the same object in one block as a configuration error and keeps
// the first; so does sluice (`owner` names the block). Not thread-safe.
template <class T>
void addTracked(std::vector<T>& list, T item, const Args& a, const std::string& owner, std::string_view kind) {
  for (const T& t : list) {
    if (t.name == item.name) {
      a.keepalivedError(owner + ": duplicate " + std::string(kind) + " '" + item.name +
                        "' ignored (keepalived reports this too)");
      return;
    }
  }
  list.push_back(std::move(item));
}

// The notify_* keywords shared by instances and sync groups; `scripts`
// finds the NotifyScripts inside the object being built.
template <class T, class Get>
void addNotifyKeywords(Block<T>& b, Get scripts) {
  b.value("notify_master", [scripts](T& t, const Args& a) { scripts(t).master = a.script(); });
  b.value("notify_backup", [scripts](T& t, const Args& a) { scripts(t).backup = a.script(); });
  b.value("notify_fault", [scripts](T& t, const Args& a) { scripts(t).fault = a.script(); });
  b.value("notify_stop", [scripts](T& t, const Args& a) { scripts(t).stop = a.script(); });
  b.value("notify", [scripts](T& t, const Args& a) { scripts(t).any = a.script(); });
}

}  // namespace sluice::config
