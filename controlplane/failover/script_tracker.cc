#include "controlplane/failover/script_tracker.h"

#include <algorithm>
#include <chrono>

#include "controlplane/common/keepalived_lines.h"
#include "controlplane/common/script_config.h"

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

ScriptTracker::ScriptTracker(const config::Config& config, common::LogSink log)
    : log_(common::orStderr(std::move(log))) {
  for (const config::VrrpScript& s : config.vrrpScripts) {
    if (!tracked(config, s.name)) continue;  // keepalived runs only the scripts in use
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(s.timeout.value_or(s.interval));
    Script script{s, std::make_unique<common::ScriptRunner>(common::scriptSpec(
                         config::ScriptCommand{s.script, s.user, s.group}, config.globalDefs, timeout))};
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
  scripts_[index].runner->start(loop_, [this, index](const common::ScriptResult& end) {
    record(index, end);
    loop_.after(scripts_[index].config.interval, [this, index] { run(index); });
  });
}

void ScriptTracker::record(std::size_t index, const common::ScriptResult& end) {
  Script& s = scripts_[index];
  const bool ok = end.exitedWith(0);  // keepalived: any other end is a failure
  if (ok == s.ok) {
    s.streak = 0;
    return;
  }
  if (++s.streak < (ok ? s.config.rise : s.config.fall)) return;
  s.ok = ok;
  s.streak = 0;
  log_(common::keepalived::vrrpScriptResult(s.config.name, s.ok, end));
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
