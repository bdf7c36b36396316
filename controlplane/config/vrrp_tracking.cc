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

}  // namespace sluice::config
