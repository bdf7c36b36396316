#include "controlplane/health/health_log.h"

#include "controlplane/common/keepalived_lines.h"
#include "controlplane/config/keys.h"
#include "controlplane/health/server_health.h"

namespace sluice::health {
namespace {

namespace words = common::keepalived;

// A server without checks is absent from the verdicts: up.
bool upIn(const tables::HealthState& state, const std::string& service, const std::string& server) {
  const auto it = state.servers.find({service, server});
  return it == state.servers.end() || it->second.up;
}

}  // namespace

std::vector<common::LogLine> healthLog(const config::Config& config, const std::vector<CheckerStatus>& checksBefore,
                                       const std::vector<CheckerStatus>& checksNow, const tables::HealthState& before,
                                       const tables::HealthState& now) {
  std::vector<common::LogLine> lines;
  const bool sameChecks = checksBefore.size() == checksNow.size();
  std::size_t index = 0;  // the monitor's checker of the check at hand
  for (const config::VirtualServer& vs : config.virtualServers) {
    const std::string service = config::serviceKey(vs);
    for (const config::RealServer& rs : vs.realServers) {
      const std::string server = config::serverKey(rs.address, rs.port);
      for (const config::HealthCheck& check : rs.checks) {
        const std::size_t i = index++;
        if (!sameChecks || i >= checksNow.size()) continue;
        const CheckerStatus& was = checksBefore[i];
        const CheckerStatus& is = checksNow[i];
        if (is.service != service || is.server != server || was.up == is.up) continue;
        common::LogLine line =
            is.up ? words::checkUp(vs, rs, check) : words::checkDown(vs, rs, check, is.lastScriptEnd, is.lastError);
        if (!line.text.empty()) lines.push_back(std::move(line));
      }
      const bool wasUp = upIn(before, service, server), isUp = upIn(now, service, server);
      if (wasUp != isUp) lines.push_back(isUp ? words::serverUp(vs, rs) : words::serverDown(vs, rs));
    }
    const bool lost = now.quorumLost.contains(service);
    if (lost == before.quorumLost.contains(service)) continue;
    const uint64_t live = liveWeight(vs, now.servers);
    lines.push_back(lost ? words::quorumLost(vs, live) : words::quorumGained(vs, live));
    if (!vs.sorryServer) continue;
    lines.push_back(lost ? words::sorryServerIn(vs) : words::sorryServerOut(vs));
    lines.push_back(words::alivePool(vs, !lost));
  }
  return lines;
}

}  // namespace sluice::health
