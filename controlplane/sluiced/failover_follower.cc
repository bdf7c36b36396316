#include "controlplane/sluiced/failover_follower.h"

#include <algorithm>
#include <utility>

#include "controlplane/failover/status_json.h"
#include "controlplane/health/monitor.h"
#include "controlplane/sluiced/link_state.h"

namespace sluice::sluiced {
namespace {

constexpr uint64_t kLinkCheckEveryMs = 100;  // track_interface and the instances' own ports

// keepalived's state names for notify scripts: an instance shut down is STOP.
std::string notifyState(vrrp::State s) { return s == vrrp::State::kInit ? "STOP" : std::string(vrrp::stateName(s)); }

}  // namespace

FailoverFollower::FailoverFollower(dp::DataplaneHandle& dataplane, const config::Config& config,
                                   std::span<const dp::MacAddr> portMacs, Resolve resolve,
                                   common::NotifyScripts& scripts, common::LogSink log)
    : dataplane_(dataplane),
      portMacs_(portMacs.begin(), portMacs.end()),
      resolve_(std::move(resolve)),
      notify_(scripts),
      log_(common::orStderr(std::move(log))) {
  auto send = [this](uint16_t port, const failover::Frame& frame) { dataplane_.send(port, frame); };
  // Unicast peers are neighbours like any next hop: resolved on demand.
  auto neighbour = [this](uint16_t port, const wire::IpAddress& peer) -> std::optional<dp::MacAddr> {
    if (const dp::Neighbour* n = dataplane_.neighbours()->find(peer, port)) return n->mac;
    resolve_(port, peer.isV6(), dp::IpAddr::of(peer));
    return std::nullopt;
  };
  driver_ = std::make_unique<failover::Driver>(config, portInfos(config), failover::Io{send, neighbour, log_});
}

void FailoverFollower::check(const config::Config& next) const {
  const failover::Driver trial(next, portInfos(next), {});
}

bool FailoverFollower::same(const config::Config& a, const config::Config& b) {
  return a.vrrpInstances == b.vrrpInstances && a.vrrpSyncGroups == b.vrrpSyncGroups &&
         a.vrrpScripts == b.vrrpScripts && a.globalDefs == b.globalDefs && a.trackFiles == b.trackFiles &&
         a.trackProcesses == b.trackProcesses &&
         health::trackedBfdInstances(a) == health::trackedBfdInstances(b);
}

std::vector<failover::PortInfo> FailoverFollower::portInfos(const config::Config& config) const {
  std::vector<failover::PortInfo> ports;
  for (std::size_t i = 0; i < config.dataplane->ports.size() && i < portMacs_.size(); ++i) {
    const config::DataplanePort& p = config.dataplane->ports[i];
    ports.push_back({p.name, portMacs_[i], p.addresses});
  }
  return ports;
}

failover::TrackedStates FailoverFollower::trackedStates(const config::Config& config) {
  failover::TrackedStates states;
  for (unsigned i = 0; i < dataplane_.portCount() && i < config.dataplane->ports.size(); ++i) {
    const config::DataplanePort& port = config.dataplane->ports[i];
    states.links[port.name] = portLinkUp(dataplane_.linkUp(i), port.device);
  }
  if (scripts_) {
    scriptsSeen_ = scripts_->generation();
    states.scripts = scripts_->states();
  }
  if (objects_) {
    objectsSeen_ = objects_->generation();
    states.files = objects_->files();
    states.processes = objects_->processes();
  }
  if (bfdStates_) states.bfds = bfdStates_();
  return states;
}

void FailoverFollower::start(const config::Config& config, uint64_t nowMs) {
  now_ = nowMs;
  scripts_ = std::make_unique<failover::ScriptTracker>(config, log_);
  objects_ = std::make_unique<failover::ObjectTracker>(config, log_);
  alerts_ = std::make_unique<failover::SmtpAlerter>(config.globalDefs);
  tracked_ = trackedStates(config);
  driver_->setTracked(tracked_, vrrp::Millis(nowMs));
  lastLinkCheck_ = nowMs;
  ownershipSeen_ = driver_->ownershipVersion();
  driver_->start(vrrp::Millis(nowMs));
}

bool FailoverFollower::handleFrame(uint16_t port, std::span<const uint8_t> frame, uint64_t nowMs) {
  now_ = nowMs;
  return driver_->handleFrame(port, frame, vrrp::Millis(nowMs));
}

std::optional<tables::VipOwnership> FailoverFollower::poll(const config::Config& config, uint64_t nowMs) {
  now_ = nowMs;
  const vrrp::Millis now{nowMs};
  if (nowMs - lastLinkCheck_ >= kLinkCheckEveryMs || (scripts_ && scripts_->generation() != scriptsSeen_) ||
      (objects_ && objects_->generation() != objectsSeen_)) {
    lastLinkCheck_ = nowMs;
    failover::TrackedStates states = trackedStates(config);
    if (states.links != tracked_.links || states.scripts != tracked_.scripts || states.files != tracked_.files ||
        states.processes != tracked_.processes || states.bfds != tracked_.bfds) {
      if (states.bfds != tracked_.bfds) logBfdChanges(config, states.bfds);
      tracked_ = std::move(states);
      driver_->setTracked(tracked_, now);
    }
  }
  driver_->tick(now);
  notifyTransitions(config);
  if (driver_->ownershipVersion() == ownershipSeen_) return std::nullopt;
  ownershipSeen_ = driver_->ownershipVersion();
  return driver_->ownership();
}

void FailoverFollower::logBfdChanges(const config::Config& config, const std::map<std::string, bool>& now) const {
  for (const auto& state : now) {
    const std::string& name = state.first;
    const bool up = state.second;
    const auto before = tracked_.bfds.find(name);
    if ((before != tracked_.bfds.end() && before->second) == up) continue;
    auto names = [&name](const std::vector<config::TrackRef>& refs) {
      return std::any_of(refs.begin(), refs.end(), [&name](const config::TrackRef& r) { return r.name == name; });
    };
    for (const config::VrrpInstance& i : config.vrrpInstances) {
      const config::VrrpSyncGroup* g = config.syncGroupOf(i.name);
      if (!names(i.trackBfds) && (g == nullptr || !names(g->trackBfds))) continue;
      log_({common::LogSource::kVrrp, LOG_INFO,
            "VRRP_Instance(" + i.name + ") Tracked BFD instance " + name + " is " + (up ? "UP" : "DOWN")});
    }
  }
}

void FailoverFollower::reconfigure(const config::Config& next) {
  driver_->reconfigure(next, vrrp::Millis(now_));
  scripts_ = std::make_unique<failover::ScriptTracker>(next, log_);
  objects_.reset();  // its watches go before the next one's
  objects_ = std::make_unique<failover::ObjectTracker>(next, log_);
  alerts_ = std::make_unique<failover::SmtpAlerter>(next.globalDefs);
  scriptsSeen_ = 0;
  objectsSeen_ = 0;
  lastLinkCheck_ = 0;  // the new instances get their tracked states at once
}

void FailoverFollower::stop(const config::Config& config, uint64_t nowMs) {
  driver_->stop(vrrp::Millis(nowMs));
  if (alerts_) notifyTransitions(config);
  scripts_.reset();
  objects_.reset();
  alerts_.reset();
}

void FailoverFollower::notifyTransitions(const config::Config& config) {
  auto notify = [&](const config::NotifyScripts& n, const std::optional<bool>& smtpAlert, const std::string& kind,
                    const std::string& name, vrrp::State state, std::optional<uint8_t> priority) {
    if (state != vrrp::State::kInit && alerts_->enabled(smtpAlert)) {
      alerts_->send(failover::transitionAlert(config.globalDefs, kind == "GROUP", name, notifyState(state)));
    }
    const std::optional<config::ScriptCommand>* script = nullptr;
    switch (state) {
      case vrrp::State::kMaster: script = &n.master; break;
      case vrrp::State::kBackup: script = &n.backup; break;
      case vrrp::State::kFault: script = &n.fault; break;
      case vrrp::State::kInit: script = &n.stop; break;
    }
    const auto timeout =
        state == vrrp::State::kInit ? common::NotifyScripts::kStopTimeout : common::NotifyScripts::kDefaultTimeout;
    if (*script) notify_.run(**script, config.globalDefs, timeout);
    if (!n.any) return;
    // keepalived's arguments: INSTANCE|GROUP, the name, the state, the priority.
    config::ScriptCommand any = *n.any;
    any.command += " " + kind + " \"" + name + "\" " + notifyState(state);
    if (priority) any.command += " " + std::to_string(*priority);
    notify_.run(any, config.globalDefs, timeout);
  };
  for (const failover::Transition& t : driver_->takeTransitions()) {
    if (const config::VrrpInstance* vi = config.findVrrpInstance(t.instance)) {
      notify(vi->notify, vi->smtpAlert, "INSTANCE", t.instance, t.to, t.priority);
    }
    if (!t.group || groupStates_[*t.group] == t.to) continue;
    groupStates_[*t.group] = t.to;
    if (const config::VrrpSyncGroup* g = config.findVrrpSyncGroup(*t.group)) {
      notify(g->notify, g->smtpAlert, "GROUP", g->name, t.to, std::nullopt);
    }
  }
}

nlohmann::json FailoverFollower::json() const {
  nlohmann::json j = failover::vrrpJson(*driver_);
  // The tracked files' values and processes' quorums, as the instances see them.
  nlohmann::json files = nlohmann::json::object(), processes = nlohmann::json::object();
  if (objects_) {
    for (const auto& [name, value] : objects_->files()) files[name] = value;
    const std::map<std::string, uint32_t> counts = objects_->processCounts();
    for (const auto& [name, held] : objects_->processes()) {
      const auto count = counts.find(name);
      processes[name] = {{"quorum", held ? "gained" : "lost"},
                         {"processes", count == counts.end() ? 0u : count->second}};
    }
  }
  j["track_files"] = std::move(files);
  j["track_processes"] = std::move(processes);
  return j;
}

vrrp::State FailoverFollower::instanceState(std::string_view name) const {
  const failover::Instance* inst = driver_->instance(name);
  return inst ? inst->machine.state() : vrrp::State::kInit;
}

std::optional<wire::IpAddress> FailoverFollower::masterOf(std::string_view name) const {
  const failover::Instance* inst = driver_->instance(name);
  if (inst == nullptr || inst->machine.state() != vrrp::State::kBackup) return std::nullopt;
  return inst->machine.masterAddress();
}

}  // namespace sluice::sluiced
