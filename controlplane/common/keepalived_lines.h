// The log lines sluiced shares with keepalived 2.2.7, in keepalived's
// words, with the process (hence syslog ident) and severity keepalived logs
// them under: operators' alerts match these lines, so their wording lives
// here and nowhere else. docs/logging.md lists them.
//
// keepalived names a virtual server "[10.0.0.1]:tcp:80", "FWM 1" or
// "[GROUP]:0" and a real server "[192.168.1.20]:tcp:80" (the protocol of
// its virtual server, "none" under a fwmark); IPv6 addresses go in the same
// brackets. All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "controlplane/common/log_line.h"
#include "controlplane/common/script_runner.h"
#include "controlplane/config/model.h"

namespace sluice::common::keepalived {

std::string serviceName(const config::VirtualServer& vs);
std::string serverName(const config::VirtualServer& vs, const wire::IpAddress& address, uint16_t port);

// VRRP (Keepalived_vrrp). `state` as vrrp::stateName gives it; `fromInit`:
// the instance's first state after its start.
LogLine enteringState(std::string_view instance, std::string_view state, bool fromInit);
LogLine syncingGroup(std::string_view group, std::string_view state);
// A vrrp_script's result changed: `ok`, or how its last run ended.
LogLine vrrpScriptResult(std::string_view script, bool ok, const ScriptResult& end);
// sluiced's own line about an instance, in keepalived's "(NAME) ..." form.
LogLine aboutInstance(std::string_view instance, std::string_view what, int severity = LOG_INFO);

// Health checks (Keepalived_healthcheckers): one check of a real server
// went up, or down (`scriptEnd`: how a MISC_CHECK's script ended;
// `reason`: why a DNS_CHECK or SMTP_CHECK failed, in keepalived's words,
// which its line carries). A line with no text: keepalived logs none (a
// DNS_CHECK going up).
LogLine checkUp(const config::VirtualServer& vs, const config::RealServer& rs, const config::HealthCheck& check);
LogLine checkDown(const config::VirtualServer& vs, const config::RealServer& rs, const config::HealthCheck& check,
                  const ScriptResult& scriptEnd, std::string_view reason = {});
// A real server joins (every check up) or leaves its virtual server.
LogLine serverUp(const config::VirtualServer& vs, const config::RealServer& rs);
LogLine serverDown(const config::VirtualServer& vs, const config::RealServer& rs);
// The live weight crossed quorum -/+ hysteresis.
LogLine quorumLost(const config::VirtualServer& vs, uint64_t liveWeight);
LogLine quorumGained(const config::VirtualServer& vs, uint64_t liveWeight);
// With a lost quorum the sorry server takes the alive servers' place, and
// gives it back with the quorum (the virtual server must have one).
LogLine sorryServerIn(const config::VirtualServer& vs);
LogLine sorryServerOut(const config::VirtualServer& vs);
LogLine alivePool(const config::VirtualServer& vs, bool adding);

}  // namespace sluice::common::keepalived
