#include "controlplane/config/vrrp_tracking.h"

namespace sluice::config {

TrackScript readTrackScript(const Args& a) {
  TrackScript t{a.text(0), std::nullopt, false};
  for (std::size_t i = 1; i < a.size(); ++i) {
    const auto word = a.oneOf(i, {"weight", "reverse", "noreverse"});
    if (word == "weight") {
      t.weight = static_cast<int>(a.signedAt(++i, -kMaxTrackWeight, kMaxTrackWeight));
    } else {
      t.reverse = word == "reverse";
    }
  }
  // Scripts may be defined after the instance that tracks them.
  a.context().defer([name = t.name, where = a.whereOf(0)](Config& c, Diagnostics& d) {
    if (c.findVrrpScript(name) == nullptr) {
      d.error(where, "track_script '" + name + "' is not a defined vrrp_script");
    }
  });
  return t;
}

// A `track_interface` line: IFNAME [weight N] [reverse].
TrackInterface readTrackInterface(const Args& a) {
  TrackInterface t{a.text(0), 0, false};
  for (std::size_t i = 1; i < a.size(); ++i) {
    const auto word = a.oneOf(i, {"weight", "reverse", "noreverse"});
    if (word == "weight") {
      t.weight = static_cast<int>(a.signedAt(++i, -kMaxTrackWeight, kMaxTrackWeight));
    } else {
      t.reverse = word == "reverse";
    }
  }
  a.context().defer([name = t.name, where = a.whereOf(0)](Config& c, Diagnostics& d) {
    if (c.dataplane && c.dataplane->findPort(name) == nullptr) {
      d.warning(where, "track_interface '" + name + "' is not a port of the dataplane block");
    }
  });
  return t;
}

TrackRef readTrackRef(const Args& a, std::string_view kind) {
  TrackRef t{a.text(0), std::nullopt, std::nullopt};
  const bool bfd = kind == "track_bfd";
  // keepalived's order: weight first, then its direction.
  if (a.size() > 1) {
    a.oneOf(1, {"weight"});
    a.expect(3, 4);
    const int limit = bfd ? kMaxTrackWeight : kMaxTrackObjectWeight;
    t.weight = static_cast<int>(a.signedAt(2, -limit, limit));
    if (a.size() == 4) t.reverse = a.oneOf(3, {"reverse", "noreverse"}) == "reverse";
  }
  a.context().defer([name = t.name, where = a.whereOf(0), kind = std::string(kind)](Config& c, Diagnostics& d) {
    if (kind == "track_file" && c.findTrackFile(name) == nullptr) {
      d.error(where, "track_file '" + name + "' is not a defined track_file");
    } else if (kind == "track_process" && c.findTrackProcess(name) == nullptr) {
      d.error(where, "track_process '" + name + "' is not a defined vrrp_track_process");
    } else if (kind == "track_bfd" && c.findBfdInstance(name) == nullptr) {
      d.error(where, "track_bfd '" + name + "' is not a defined bfd_instance");
    }
  });
  return t;
}

}  // namespace sluice::config
