// The control loop's health side: the monitor of the configuration's
// checks, the verdicts the tables are built with, and the notify and
// quorum scripts of their changes.
#include <iostream>

#include "controlplane/health/server_health.h"
#include "controlplane/sluiced/control_loop.h"
#include "controlplane/tables/keys.h"

namespace sluice::sluiced {
namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds kNotifyTimeout{30'000};  // notify and quorum scripts

}  // namespace

void ControlLoop::restartHealth(const config::Config& next) {
  std::vector<health::CheckerStatus> previous;
  if (health_) previous = health_->snapshot();
  health_.reset();  // stops its thread, closes its sockets, kills its scripts
  health_ = std::make_unique<health::HealthMonitor>(next, previous);
  healthSeen_ = health_->generation();
}

tables::HealthState ControlLoop::healthState(bool log) {
  tables::HealthState state;
  if (!health_) return state;
  const std::vector<health::CheckerStatus> checkers = health_->snapshot();
  state.servers = health::aggregate(checkers);
  state.quorumLost = health::quorumLost(config_, state.servers, healthState_.quorumLost);
  if (!log) return state;
  for (const auto& [key, now] : state.servers) {
    const auto before = healthState_.servers.find(key);
    const bool wasUp = before == healthState_.servers.end() || before->second.up;
    if (wasUp == now.up) continue;
    std::string why;
    for (const health::CheckerStatus& c : checkers) {
      if (c.service == key.first && c.server == key.second && !c.up) why = c.type + ": " + c.lastError;
    }
    std::cerr << "sluiced: real server " << key.second << " of " << key.first << " is "
              << (now.up ? "up" : "down (" + why + ")") << "\n";
    if (const config::RealServer* rs = realServerOf(key.first, key.second)) {
      runScript(now.up ? rs->notifyUp : rs->notifyDown);
    }
  }
  for (const config::VirtualServer& vs : config_.virtualServers) {
    const std::string key = tables::serviceKey(vs);
    const bool lost = state.quorumLost.contains(key), wasLost = healthState_.quorumLost.contains(key);
    if (lost == wasLost) continue;
    std::cerr << "sluiced: service " << key << (lost ? " lost its quorum" : " has its quorum again") << "\n";
    runScript(lost ? vs.quorumDown : vs.quorumUp);
  }
  return state;
}

const config::RealServer* ControlLoop::realServerOf(const std::string& service, const std::string& server) const {
  for (const config::VirtualServer& vs : config_.virtualServers) {
    if (tables::serviceKey(vs) != service) continue;
    for (const config::RealServer& rs : vs.realServers) {
      if (tables::serverKey(rs.address, rs.port) == server) return &rs;
    }
  }
  return nullptr;
}

void ControlLoop::runScript(const std::optional<config::ScriptCommand>& script) {
  if (script && health_) health_->runScript(*script, config_.globalDefs, kNotifyTimeout);
}

void ControlLoop::followHealth() {
  if (!health_ || health_->generation() == healthSeen_) return;
  healthSeen_ = health_->generation();
  healthState_ = healthState(true);  // logs and runs the scripts once per change
  // publishPending publishes it, later passes again while a worker is behind.
  tablesDirty_ = true;
}

json ControlLoop::health() const {
  json checkers = json::array();
  if (health_) {
    for (const health::CheckerStatus& c : health_->snapshot()) {
      json j = {{"service", c.service},
                {"real_server", c.server},
                {"type", c.type},
                {"state", c.up ? "UP" : "DOWN"},
                {"last_error", c.lastError.empty() ? json(nullptr) : json(c.lastError)},
                {"probes", c.probes},
                {"failures", c.failures},
                {"transitions", c.transitions},
                {"last_change_unix",
                 std::chrono::duration_cast<std::chrono::seconds>(c.lastChange.time_since_epoch()).count()}};
      if (c.weight) j["weight"] = *c.weight;
      checkers.push_back(std::move(j));
    }
  }
  json lost = json::array();
  for (const std::string& s : healthState_.quorumLost) lost.push_back(s);
  return {{"running", health_ != nullptr}, {"checkers", std::move(checkers)}, {"quorum_lost", std::move(lost)}};
}

}  // namespace sluice::sluiced
