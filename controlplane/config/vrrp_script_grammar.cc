// vrrp_script { }: a command whose exit status moves VRRP priorities.
#include "controlplane/config/vrrp_tracking.h"

namespace sluice::config {
namespace {

Block<VrrpScript> scriptGrammar() {
  Block<VrrpScript> s;
  s.value("script", [](VrrpScript& v, const Args& a) { v.script = a.rest(0); });
  s.value("interval", [](VrrpScript& v, const Args& a) {
    a.expect(1, 1);
    v.interval = a.timer(0, Duration{10}, std::chrono::seconds{86400});
  });
  s.value("timeout", [](VrrpScript& v, const Args& a) {
    a.expect(1, 1);
    v.timeout = a.timer(0, Duration{10}, std::chrono::seconds{86400});
  });
  s.value("weight", [](VrrpScript& v, const Args& a) {
    a.expect(1, 2);
    v.weight = static_cast<int>(a.signedAt(0, -kMaxTrackWeight, kMaxTrackWeight));
    if (a.size() == 2) {
      v.weightReverse = a.oneOf(1, {"reverse", "noreverse"}) == "reverse";
    }
  });
  s.value("rise", [](VrrpScript& v, const Args& a) {
    a.expect(1, 1);
    v.rise = a.number<std::uint32_t>(0, 1, 1'000'000);
  });
  s.value("fall", [](VrrpScript& v, const Args& a) {
    a.expect(1, 1);
    v.fall = a.number<std::uint32_t>(0, 1, 1'000'000);
  });
  s.value("user", [](VrrpScript& v, const Args& a) {
    a.expect(1, 2);
    v.user = a.text(0);
    if (a.size() == 2) {
      v.group = a.text(1);
    }
  });
  s.value("init_fail", [](VrrpScript& v, const Args& a) { v.initFail = a.flag(); });
  return s;
}

}  // namespace

void addVrrpScriptKeywords(Block<Config>& top) {
  top.child<VrrpScript>(
      "vrrp_script",
      [](Config&, const Args& a) {
        a.expect(1, 1);
        VrrpScript s;
        s.name = a.text(0);
        return s;
      },
      scriptGrammar(),
      [](Config& c, VrrpScript&& s, const Args& a) {
        if (s.script.empty()) {
          a.error("vrrp_script '" + s.name + "' has no script");
        }
        if (a.context().define("vrrp_script", s.name, a.where())) {
          c.vrrpScripts.push_back(std::move(s));
        }
      });
}

}  // namespace sluice::config
