#include "controlplane/sluiced/health_follower.h"

#include <chrono>

#include "controlplane/config/keys.h"
#include "controlplane/health/health_log.h"
#include "controlplane/health/server_health.h"
#include "controlplane/sluiced/checker_alerts.h"

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
  if (!alerts_ || !(next.globalDefs == alertGlobals_)) {
    alertGlobals_ = next.globalDefs;
    alerts_ = std::make_unique<failover::SmtpAlerter>(next.globalDefs);
  }
  std::vector<health::CheckKey> checks = health::checksOf(next);
  std::vector<config::BfdInstance> trackedBfd = health::trackedBfdInstances(next);
  if (monitor_ && checks == checks_ && trackedBfd == trackedBfd_) return;
  checks_ = std::move(checks);
  trackedBfd_ = std::move(trackedBfd);
  std::vector<health::CheckerStatus> previous;
  std::map<std::string, bool> previousBfd;
  if (monitor_) {
    previous = monitor_->snapshot();
    previousBfd = monitor_->trackedBfdStates();
  }
  monitor_.reset();  // stops its thread, closes its sockets, kills its scripts
  monitor_ = std::make_unique<health::HealthMonitor>(next, previous, log_, health::BfdPorts{}, previousBfd);
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
    mail(config, checkersSeen_, checkers, before, state);
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

void HealthFollower::mail(const config::Config& config, const std::vector<health::CheckerStatus>& checksBefore,
                          const std::vector<health::CheckerStatus>& checksNow, const tables::HealthState& before,
                          const tables::HealthState& now) {
  if (!alerts_ || !alerts_->enabled(true)) return;  // no smtp_server or no notification_email
  // The monitor's checkers follow checksOf(config)'s order; after a reload
  // that changed them, only quorums are compared.
  const bool sameChecks = checksBefore.size() == checksNow.size();
  std::size_t index = 0;
  for (const config::VirtualServer& vs : config.virtualServers) {
    const std::string service = config::serviceKey(vs);
    for (const config::RealServer& rs : vs.realServers) {
      const std::string server = config::serverKey(rs.address, rs.port);
      const auto verdict = now.servers.find({service, server});
      const bool serverUp = verdict == now.servers.end() || verdict->second.up;
      for (const config::HealthCheck& check : rs.checks) {
        const std::size_t i = index++;
        if (!sameChecks || i >= checksNow.size() || !mailsCheckerChanges(config.globalDefs, rs)) continue;
        const health::CheckerStatus& was = checksBefore[i];
        const health::CheckerStatus& is = checksNow[i];
        if (is.service != service || is.server != server || was.up == is.up) continue;
        alerts_->send(checkerAlert(config.globalDefs, vs, rs, check, is.up, serverUp, is.lastScriptEnd));
      }
    }
    const bool lost = now.quorumLost.contains(service);
    if (lost == before.quorumLost.contains(service) || !mailsQuorumChanges(config.globalDefs, vs)) continue;
    alerts_->send(quorumAlert(config.globalDefs, vs, !lost, health::liveWeight(vs, now.servers)));
  }
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
  nlohmann::json files = nlohmann::json::object();  // what FILE_CHECKs read, by track_file
  if (monitor_) {
    for (const auto& [name, value] : monitor_->trackFileValues()) files[name] = value;
  }
  return {{"running", monitor_ != nullptr},
          {"checkers", std::move(checkers)},
          {"quorum_lost", std::move(lost)},
          {"track_files", std::move(files)}};
}

}  // namespace sluice::sluiced
