// What the health checks decided, as the table builder applies it: real
// servers that are down (left out of their service, or kept with weight 0
// under inhibit_on_failure), weights set by MISC_CHECK misc_dynamic, and
// services whose quorum is lost (their sorry_server takes every new
// connection). Filled by controlplane/health.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace sluice::tables {

struct ServerHealth {
  bool up = true;
  std::optional<uint32_t> weight;  // misc_dynamic
};

struct HealthState {
  // By (service, real server) API names; servers without checks are absent.
  std::map<std::pair<std::string, std::string>, ServerHealth> servers;
  std::set<std::string> quorumLost;  // service API names
};

}  // namespace sluice::tables
