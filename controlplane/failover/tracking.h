// What tracked objects do to a VRRP instance, keepalived's rules: every
// track_script and track_interface of the instance and of its
// vrrp_sync_group. A tracked object with weight 0 that is down puts the
// instance in FAULT; otherwise a positive weight is added while the object
// is up and a negative one while it is down (`reverse` turns the sign of
// the adjustment). A track_file adds its value times its weight (keepalived:
// the product kept within -254..253, and -254 is a FAULT), or with weight
// 0 a non-zero value (reverse: zero) is a FAULT. A track_process is up
// while its quorum is held, and weighs like a script; so does a track_bfd
// while its BFD session is Up (keepalived starts it down: absent is down).
// With weight 0, reverse turns the fault around for both. The instance's
// own interface going down is a FAULT unless dont_track_primary. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "controlplane/config/model.h"

namespace sluice::failover {

struct TrackedStates {
  std::map<std::string, bool> scripts;  // vrrp_script name -> OK; absent: OK
  std::map<std::string, bool> links;    // port name -> up; absent: up
  std::map<std::string, int64_t> files;     // track_file name -> value; absent: 0
  std::map<std::string, bool> processes;    // vrrp_track_process name -> quorum held; absent: held
  std::map<std::string, bool> bfds;         // bfd_instance name -> session Up; absent: down
};

struct Tracking {
  bool fault = false;
  int weight = 0;
  std::optional<std::string> why;  // the first object that faults
};

Tracking evaluateTracking(const config::Config& config, const config::VrrpInstance& instance,
                          const TrackedStates& states);

}  // namespace sluice::failover
