// keepalived's smtp_alert mails of the health checks: a check of a real
// server going up or down, and a virtual server gaining or losing its
// quorum, in keepalived 2.2.7's subjects and bodies. Who is mailed follows
// keepalived's precedence: the block's own smtp_alert, else global_defs'
// smtp_alert_checker, else smtp_alert, else yes for a real server and no
// for a virtual server. Pure; thread-safe.
#pragma once

#include <cstdint>

#include "controlplane/common/script_runner.h"
#include "controlplane/config/model.h"
#include "controlplane/failover/smtp_alert.h"

namespace sluice::sluiced {

bool mailsCheckerChanges(const config::GlobalDefs& globals, const config::RealServer& rs);
bool mailsQuorumChanges(const config::GlobalDefs& globals, const config::VirtualServer& vs);

// One check of `rs` changed to `checkUp`; `serverUp`: the real server
// after it (the subject's UP or DOWN); `scriptEnd`: how a MISC_CHECK's
// script ended.
failover::Alert checkerAlert(const config::GlobalDefs& globals, const config::VirtualServer& vs,
                             const config::RealServer& rs, const config::HealthCheck& check, bool checkUp,
                             bool serverUp, const common::ScriptResult& scriptEnd);
// `vs` gained (`up`) or lost its quorum; `liveWeight`: the weight of its
// live real servers.
failover::Alert quorumAlert(const config::GlobalDefs& globals, const config::VirtualServer& vs, bool up,
                            uint64_t liveWeight);

}  // namespace sluice::sluiced
