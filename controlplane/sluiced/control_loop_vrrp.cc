// The control loop's VRRP side: the driver's ports and I/O, the tracked
// objects it is fed, the tables rebuilt when the VIPs held change, and the
// notify scripts and mails of its transitions.
#include <iostream>

#include "controlplane/failover/status_json.h"
#include "controlplane/sluiced/control_loop.h"
#include "controlplane/sluiced/link_state.h"
#include "controlplane/tables/table_builder.h"

namespace sluice::sluiced {
namespace {

constexpr uint64_t kLinkCheckEveryMs = 100;  // track_interface and the instances' own ports

// keepalived's state names for notify scripts: an instance shut down is STOP.
std::string notifyState(vrrp::State s) { return s == vrrp::State::kInit ? "STOP" : std::string(vrrp::stateName(s)); }

}  // namespace

bool ControlLoop::sameVrrp(const config::Config& a, const config::Config& b) {
  return a.vrrpInstances == b.vrrpInstances && a.vrrpSyncGroups == b.vrrpSyncGroups &&
         a.vrrpScripts == b.vrrpScripts && a.globalDefs == b.globalDefs;
}

std::vector<failover::PortInfo> ControlLoop::portInfos(const config::Config& config) const {
  std::vector<failover::PortInfo> ports;
  for (std::size_t i = 0; i < config.dataplane->ports.size() && i < portMacs_.size(); ++i) {
    const config::DataplanePort& p = config.dataplane->ports[i];
    ports.push_back({p.name, portMacs_[i], p.addresses});
  }
  return ports;
}

failover::Io ControlLoop::failoverIo() {
  auto send = [this](uint16_t port, const failover::Frame& frame) { rt_.send(port, frame); };
  // Unicast peers are neighbours like any next hop: resolved on demand.
  auto neighbour = [this](uint16_t port, const vrrp::IpAddress& peer) -> std::optional<dp::MacAddr> {
    const config::IpAddress a = failover::toConfigAddress(peer);
    const dp::IpAddr ip = tables::toIpAddr(a);
    if (const dp::Neighbour* n = rt_.neighbours()->find(ip, !a.isV4(), port)) return n->mac;
    responder_.resolve(*rt_.table(), port, !a.isV4(), ip, now_);
    return std::nullopt;
  };
  return {send, neighbour};
}

failover::TrackedStates ControlLoop::trackedStates() {
  failover::TrackedStates states;
  for (unsigned i = 0; i < rt_.portCount() && i < config_.dataplane->ports.size(); ++i) {
    const config::DataplanePort& port = config_.dataplane->ports[i];
    states.links[port.name] = portLinkUp(rt_.linkUp(i), port.device);
  }
  if (vrrpScripts_) {
    scriptsSeen_ = vrrpScripts_->generation();
    states.scripts = vrrpScripts_->states();
  }
  return states;
}

void ControlLoop::followFailover(uint64_t nowMs) {
  const vrrp::Millis now{nowMs};
  if (nowMs - lastLinkCheck_ >= kLinkCheckEveryMs || (vrrpScripts_ && vrrpScripts_->generation() != scriptsSeen_)) {
    lastLinkCheck_ = nowMs;
    failover::TrackedStates states = trackedStates();
    if (states.links != tracked_.links || states.scripts != tracked_.scripts) {
      tracked_ = std::move(states);
      failover_->setTracked(tracked_, now);
    }
  }
  failover_->tick(now);
  notifyTransitions();
  const uint64_t version = failover_->ownershipVersion();
  if (version == ownershipSeen_) return;
  ownershipSeen_ = version;
  tables::VipOwnership next = failover_->ownership();
  if (next == ownership_) return;
  ownership_ = std::move(next);
  // publishPending publishes it, later passes again while a worker is behind.
  tablesDirty_ = true;
}

void ControlLoop::notifyTransitions() {
  auto notify = [this](const config::NotifyScripts& n, const std::optional<bool>& smtpAlert, const std::string& kind,
                       const std::string& name, vrrp::State state, std::optional<uint8_t> priority) {
    if (state != vrrp::State::kInit && alerts_->enabled(smtpAlert)) {
      alerts_->send(failover::transitionAlert(config_.globalDefs, kind == "GROUP", name, notifyState(state)));
    }
    switch (state) {
      case vrrp::State::kMaster: runScript(n.master); break;
      case vrrp::State::kBackup: runScript(n.backup); break;
      case vrrp::State::kFault: runScript(n.fault); break;
      case vrrp::State::kInit: runScript(n.stop); break;
    }
    if (!n.any) return;
    // keepalived's arguments: INSTANCE|GROUP, the name, the state, the priority.
    config::ScriptCommand any = *n.any;
    any.command += " " + kind + " \"" + name + "\" " + notifyState(state);
    if (priority) any.command += " " + std::to_string(*priority);
    runScript(any);
  };
  for (const failover::Transition& t : failover_->takeTransitions()) {
    if (const config::VrrpInstance* vi = config_.findVrrpInstance(t.instance)) {
      notify(vi->notify, vi->smtpAlert, "INSTANCE", t.instance, t.to, t.priority);
    }
    if (!t.group || groupStates_[*t.group] == t.to) continue;
    groupStates_[*t.group] = t.to;
    if (const config::VrrpSyncGroup* g = config_.findVrrpSyncGroup(*t.group)) {
      notify(g->notify, g->smtpAlert, "GROUP", g->name, t.to, std::nullopt);
    }
  }
}

nlohmann::json ControlLoop::vrrp() const { return failover::vrrpJson(*failover_); }

}  // namespace sluice::sluiced
