#include "controlplane/sluiced/health_follower.h"

#include <chrono>

#include "controlplane/config/keys.h"
#include "controlplane/health/health_log.h"
#include "controlplane/health/server_health.h"

namespace sluice::sluiced {
namespace {

using nlohmann::json;

const config::RealServer* realServerOf(const config::Config& config, const std::string& service,
                                       const std::string& server) {
  for (const config::VirtualServer& vs : config.virtualServers) {
    if (config::serviceKey(vs) != service) continue;
    for (const config::RealServer& rs : vs.realServers) {
      if (config::serverKey(rs.address, rs.port) == server) return &rs;
    }
  }
  return nullptr;
}

}  // namespace

tables::HealthState HealthFollower::start(const config::Config& config) {
  reconfigure(config);
  return verdicts(config, {}, false);
}

void HealthFollower::reconfigure(const config::Config& next) {
  std::vector<health::CheckKey> checks = health::checksOf(next);
  if (monitor_ && checks == checks_) return;
  checks_ = std::move(checks);
  std::vector<health::CheckerStatus> previous;
  if (monitor_) previous = monitor_->snapshot();
  monitor_.reset();  // stops its thread, closes its sockets, kills its scripts
  monitor_ = std::make_unique<health::HealthMonitor>(next, previous, log_);
  seen_ = monitor_->generation();
  checkersSeen_ = monitor_->snapshot();
}

std::optional<tables::HealthState> HealthFollower::poll(const config::Config& config,
                                                        const tables::HealthState& before) {
  if (!monitor_ || monitor_->generation() == seen_) return std::nullopt;
  seen_ = monitor_->generation();
  return verdicts(config, before, true);
}

tables::HealthState HealthFollower::verdicts(const config::Config& config, const tables::HealthState& before,
                                             bool log) {
  tables::HealthState state;
  if (!monitor_) return state;
  const std::vector<health::CheckerStatus> checkers = monitor_->snapshot();
  state.servers = health::aggregate(checkers);
  state.quorumLost = health::quorumLost(config, state.servers, before.quorumLost);
  if (log) {
    for (const common::LogLine& line : health::healthLog(config, checkersSeen_, checkers, before, state)) log_(line);
  }
  checkersSeen_ = checkers;
  if (!log) return state;
  auto run = [&](const std::optional<config::ScriptCommand>& script) {
    if (script) notify_.run(*script, config.globalDefs);
  };
  for (const auto& [key, now] : state.servers) {
    const auto was = before.servers.find(key);
    const bool wasUp = was == before.servers.end() || was->second.up;
    if (wasUp == now.up) continue;
    if (const config::RealServer* rs = realServerOf(config, key.first, key.second)) {
      run(now.up ? rs->notifyUp : rs->notifyDown);
    }
  }
  for (const config::VirtualServer& vs : config.virtualServers) {
    const std::string key = config::serviceKey(vs);
    const bool lost = state.quorumLost.contains(key), wasLost = before.quorumLost.contains(key);
    if (lost != wasLost) run(lost ? vs.quorumDown : vs.quorumUp);
  }
  return state;
}

json HealthFollower::json(const tables::HealthState& current) const {
  nlohmann::json checkers = nlohmann::json::array();
  if (monitor_) {
    for (const health::CheckerStatus& c : monitor_->snapshot()) {
      nlohmann::json j = {
          {"service", c.service},
          {"real_server", c.server},
          {"type", c.type},
          {"state", c.up ? "UP" : "DOWN"},
          {"last_error", c.lastError.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.lastError)},
          {"probes", c.probes},
          {"failures", c.failures},
          {"transitions", c.transitions},
          {"last_change_unix",
           std::chrono::duration_cast<std::chrono::seconds>(c.lastChange.time_since_epoch()).count()}};
      if (c.weight) j["weight"] = *c.weight;
      checkers.push_back(std::move(j));
    }
  }
  nlohmann::json lost = nlohmann::json::array();
  for (const std::string& s : current.quorumLost) lost.push_back(s);
  return {{"running", monitor_ != nullptr}, {"checkers", std::move(checkers)}, {"quorum_lost", std::move(lost)}};
}

}  // namespace sluice::sluiced
