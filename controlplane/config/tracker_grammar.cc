// track_file { } (and its older name vrrp_track_file) and
// vrrp_track_process { }: files and processes whose state moves VRRP
// priorities and real server weights (tracker_model.h).
#include <cctype>
#include <climits>

#include "controlplane/config/vrrp_tracking.h"

namespace sluice::config {
namespace {

Block<TrackFile> trackFileGrammar() {
  Block<TrackFile> f;
  f.value("file", [](TrackFile& t, const Args& a) {
    a.expect(1, 1);
    if (!t.path.empty()) a.fail("track_file '" + t.name + "' already has a file");
    t.path = a.text(0);
  });
  f.value("weight", [](TrackFile& t, const Args& a) {
    a.expect(1, 2);
    t.weight = static_cast<int>(a.signedAt(0, -kMaxTrackObjectWeight, kMaxTrackObjectWeight));
    if (a.size() == 2) t.weightReverse = a.oneOf(1, {"reverse", "noreverse"}) == "reverse";
  });
  f.value("init_file", [](TrackFile& t, const Args& a) {
    t.initValue = 0;
    t.initOverwrite = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string& word = a.text(i);
      if (!word.empty() && (std::isdigit(static_cast<unsigned char>(word[0])) != 0 || word[0] == '-')) {
        t.initValue = static_cast<int>(a.signedAt(i, INT_MIN, INT_MAX));
        if (*t.initValue < -kMaxTrackObjectWeight || *t.initValue > kMaxTrackObjectWeight) {
          a.warn("track_file '" + t.name + "' init value " + word + " is outside the sensible range [-254, 254]");
        }
      } else if (a.oneOf(i, {"overwrite"}) == "overwrite") {
        t.initOverwrite = true;
      }
    }
  });
  return f;
}

void addTrackFile(Block<Config>& top, const char* keyword) {
  top.child<TrackFile>(
      keyword,
      [keyword](Config&, const Args& a) {
        a.expect(1, 1);
        if (std::string_view(keyword) == "vrrp_track_file") {
          a.warn("\"vrrp_track_file\" is deprecated, please use \"track_file\"");
        }
        TrackFile t;
        t.name = a.text(0);
        return t;
      },
      trackFileGrammar(),
      [](Config& c, TrackFile&& t, const Args& a) {
        if (t.path.empty()) a.fail("track_file '" + t.name + "' has no file");
        if (a.context().define("track_file", t.name, a.where())) c.trackFiles.push_back(std::move(t));
      });
}

Block<TrackProcess> trackProcessGrammar() {
  Block<TrackProcess> p;
  p.value("process", [](TrackProcess& t, const Args& a) {
    if (!t.process.empty()) a.fail("vrrp_track_process '" + t.name + "' already has a process");
    t.process = a.text(0);
    for (std::size_t i = 1; i < a.size(); ++i) t.params.push_back(a.text(i));
    if (!t.params.empty()) {
      if (t.paramMatch == ParamMatch::kNone) t.paramMatch = ParamMatch::kExact;
      t.fullCommand = true;
    }
  });
  p.value("param_match", [](TrackProcess& t, const Args& a) {
    a.expect(0, 1);
    t.paramMatch = a.size() == 0                          ? ParamMatch::kExact
                   : a.oneOf(0, {"initial", "partial"}) == "initial" ? ParamMatch::kInitial
                                                                     : ParamMatch::kPartial;
    t.fullCommand = true;
  });
  p.value("full_command", [](TrackProcess& t, const Args& a) {
    a.none();
    t.fullCommand = true;
  });
  p.value("weight", [](TrackProcess& t, const Args& a) {
    a.expect(1, 2);
    t.weight = static_cast<int>(a.signedAt(0, -kMaxTrackObjectWeight, kMaxTrackObjectWeight));
    if (a.size() == 2) t.weightReverse = a.oneOf(1, {"reverse", "noreverse"}) == "reverse";
  });
  p.value("quorum", [](TrackProcess& t, const Args& a) {
    a.expect(1, 1);
    const auto quorum = a.number<std::uint32_t>(0, 1, 65535);
    if (quorum > t.quorumMax) a.fail("quorum is greater than quorum_max");
    t.quorum = quorum;
  });
  p.value("quorum_max", [](TrackProcess& t, const Args& a) {
    a.expect(1, 1);
    const auto max = a.number<std::uint32_t>(0, 0, 65535);
    if ((max != 0 || t.quorum > 1) && max < t.quorum) a.fail("quorum_max is less than quorum");
    t.quorumMax = max;
    if (max == 0) {
      t.quorum = 0;  // up while no such process runs
    } else if (t.quorum == 0) {
      t.quorum = 1;
    }
  });
  auto delay = [](bool terminate, bool fork) {
    return [terminate, fork](TrackProcess& t, const Args& a) {
      a.expect(1, 1);
      const Duration d = a.timer(0, Duration{1}, std::chrono::seconds{3600});
      if (terminate) t.terminateDelay = d;
      if (fork) t.forkDelay = d;
    };
  };
  p.value("delay", delay(true, true));
  p.value("terminate_delay", delay(true, false));
  p.value("fork_delay", delay(false, true));
  return p;
}

}  // namespace

void addTrackerKeywords(Block<Config>& top) {
  addTrackFile(top, "track_file");
  addTrackFile(top, "vrrp_track_file");
  top.child<TrackProcess>(
      "vrrp_track_process",
      [](Config&, const Args& a) {
        a.expect(1, 1);
        TrackProcess t;
        t.name = a.text(0);
        return t;
      },
      trackProcessGrammar(),
      [](Config& c, TrackProcess&& t, const Args& a) {
        if (t.process.empty()) a.fail("vrrp_track_process '" + t.name + "' has no process");
        if (a.context().define("vrrp_track_process", t.name, a.where())) c.trackProcesses.push_back(std::move(t));
      });
}

}  // namespace sluice::config
