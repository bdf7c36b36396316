// From the checkers' states to tables::HealthState, with keepalived's
// rules: a real server is up when every check of it is up; MISC_CHECK
// misc_dynamic sets its weight; a service whose live weight falls below
// quorum (with hysteresis) has lost its quorum. Pure; thread-safe.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "controlplane/config/model.h"
#include "controlplane/health/checker.h"
#include "controlplane/tables/health_state.h"

namespace sluice::health {

using HealthView = decltype(tables::HealthState::servers);

HealthView aggregate(const std::vector<CheckerStatus>& checkers);

// The weight of `vs`'s real servers that are up (a server without checks
// counts as up; misc_dynamic's weight replaces the configured one).
uint64_t liveWeight(const config::VirtualServer& vs, const HealthView& servers);

// keepalived's quorum with hysteresis: up when the live weight reaches
// quorum + hysteresis, down when it falls below quorum - hysteresis,
// else unchanged.
bool quorumUp(bool wasUp, uint64_t liveWeight, uint32_t quorum, uint32_t hysteresis);

// The services of `config` whose quorum is lost now, given which were lost
// before (`lostBefore`).
std::set<std::string> quorumLost(const config::Config& config, const HealthView& servers,
                                 const std::set<std::string>& lostBefore);

}  // namespace sluice::health
