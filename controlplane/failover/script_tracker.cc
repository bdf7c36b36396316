#include "controlplane/failover/script_tracker.h"

#include <algorithm>
#include <iostream>

#include "controlplane/health/misc_probe.h"

namespace sluice::failover {
namespace {

bool tracked(const config::Config& config, const std::string& name) {
  auto names = [&](const std::vector<config::TrackScript>& list) {
    return std::any_of(list.begin(), list.end(), [&](const config::TrackScript& t) { return t.name == name; });
  };
  return std::any_of(config.vrrpInstances.begin(), config.vrrpInstances.end(),
                     [&](const config::VrrpInstance& i) { return names(i.trackScripts); }) ||
         std::any_of(config.vrrpSyncGroups.begin(), config.vrrpSyncGroups.end(),
                     [&](const config::VrrpSyncGroup& g) { return names(g.trackScripts); });
}

}  // namespace

ScriptTracker::ScriptTracker(const config::Config& config) {
  for (const config::VrrpScript& s : config.vrrpScripts) {
    if (!tracked(config, s.name)) continue;  // keepalived runs only the scripts in use
    health::MiscSpec m;
    m.command = s.script;
    m.timeout = s.timeout.value_or(s.interval);
    m.user = s.user ? s.user : config.globalDefs.scriptUser;
    m.group = s.user ? s.group : config.globalDefs.scriptGroup;
    m.scriptSecurity = config.globalDefs.enableScriptSecurity;
    Script script{s, std::make_unique<health::MiscProbe>(m)};
    script.ok = !s.initFail;
    states_[s.name] = script.ok;
    scripts_.push_back(std::move(script));
  }
  if (scripts_.empty()) return;
  for (std::size_t i = 0; i < scripts_.size(); ++i) loop_.post([this, i] { run(i); });
  thread_ = std::thread([this] { loop_.run(); });
}

ScriptTracker::~ScriptTracker() {
  if (thread_.joinable()) {
    loop_.stop();
    thread_.join();
  }
  scripts_.clear();  // kills scripts still running, before the loop goes
}

void ScriptTracker::run(std::size_t index) {
  scripts_[index].probe->start(loop_, [this, index](const health::ProbeResult& r) {
    record(index, r);
    loop_.after(scripts_[index].config.interval, [this, index] { run(index); });
  });
}

void ScriptTracker::record(std::size_t index, const health::ProbeResult& result) {
  Script& s = scripts_[index];
  if (result.ok == s.ok) {
    s.streak = 0;
    return;
  }
  if (++s.streak < (result.ok ? s.config.rise : s.config.fall)) return;
  s.ok = result.ok;
  s.streak = 0;
  std::cerr << "sluiced: VRRP_Script(" << s.config.name << ") " << (s.ok ? "succeeded" : "failed")
            << (s.ok || result.error.empty() ? "" : ": " + result.error) << "\n";
  {
    const std::lock_guard lock(mutex_);
    states_[s.config.name] = s.ok;
  }
  generation_.fetch_add(1, std::memory_order_release);
}

std::map<std::string, bool> ScriptTracker::states() const {
  const std::lock_guard lock(mutex_);
  return states_;
}

}  // namespace sluice::failover
