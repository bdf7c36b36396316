// The log lines of a change in the health checks' verdicts, in keepalived's
// words and order (common/keepalived_lines.h). Per virtual server: each
// check that went down or up, then its real server leaving or joining the
// service, then a quorum lost or gained with the sorry server taking over
// or handing back. Pure; thread-safe.
#pragma once

#include <vector>

#include "controlplane/common/log_line.h"
#include "controlplane/config/model.h"
#include "controlplane/health/checker.h"
#include "controlplane/tables/health_state.h"

namespace sluice::health {

// checksBefore, checksNow: two snapshots of one monitor of `config`'s checks
// (in checksOf(config)'s order); when they are not (their sizes differ)
// only the servers' and quorums' lines are given. before, now: the verdicts
// built from them.
std::vector<common::LogLine> healthLog(const config::Config& config, const std::vector<CheckerStatus>& checksBefore,
                                       const std::vector<CheckerStatus>& checksNow, const tables::HealthState& before,
                                       const tables::HealthState& now);

}  // namespace sluice::health
