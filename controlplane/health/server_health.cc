#include "controlplane/health/server_health.h"

#include "controlplane/config/keys.h"

namespace sluice::health {

HealthView aggregate(const std::vector<CheckerStatus>& checkers) {
  HealthView view;
  for (const CheckerStatus& c : checkers) {
    tables::ServerHealth& h = view[{c.service, c.server}];
    h.up = h.up && c.up;
    if (c.weight) h.weight = c.weight;
  }
  return view;
}

uint64_t liveWeight(const config::VirtualServer& vs, const HealthView& servers) {
  const std::string key = config::serviceKey(vs);
  uint64_t live = 0;
  for (const config::RealServer& rs : vs.realServers) {
    const auto it = servers.find({key, config::serverKey(rs.address, rs.port)});
    if (it == servers.end()) {
      live += rs.weight;
    } else if (it->second.up) {
      live += it->second.weight.value_or(rs.weight);
    }
  }
  return live;
}

bool quorumUp(bool wasUp, uint64_t liveWeight, uint32_t quorum, uint32_t hysteresis) {
  if (wasUp) return liveWeight + hysteresis >= quorum;
  return liveWeight >= uint64_t{quorum} + hysteresis;
}

std::set<std::string> quorumLost(const config::Config& config, const HealthView& servers,
                                 const std::set<std::string>& lostBefore) {
  std::set<std::string> lost;
  for (const config::VirtualServer& vs : config.virtualServers) {
    const std::string key = config::serviceKey(vs);
    if (!quorumUp(!lostBefore.contains(key), liveWeight(vs, servers), vs.quorum, vs.hysteresis)) lost.insert(key);
  }
  return lost;
}

}  // namespace sluice::health
