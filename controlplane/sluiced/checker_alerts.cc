#include "controlplane/sluiced/checker_alerts.h"

#include <string>

#include "controlplane/common/keepalived_lines.h"

namespace sluice::sluiced {
namespace {

namespace words = common::keepalived;

// keepalived's body per checker: TCP_CHECK and MISC_CHECK name themselves,
// HTTP_GET and SSL_GET (and any other) say CHECK.
std::string checkerBody(const config::HealthCheck& check, bool up, const common::ScriptResult& scriptEnd) {
  if (check.type == config::CheckType::kTcp) {
    return up ? "=> TCP CHECK succeed on service <=" : "=> TCP CHECK failed on service <=";
  }
  if (check.type == config::CheckType::kMisc) {
    const std::string how =
        up ? "succeeded" : scriptEnd.end == common::ScriptResult::End::kTimedOut ? "timed out" : "failed";
    return "=> MISC CHECK " + how + " on service <=";
  }
  if (check.type == config::CheckType::kHttp || check.type == config::CheckType::kSsl) {
    return up ? "=> CHECK succeed on service <=" : "=> CHECK failed on service : HTTP request failed <=";
  }
  return up ? "=> CHECK succeed on service <=" : "=> CHECK failed on service <=";
}

}  // namespace

bool mailsCheckerChanges(const config::GlobalDefs& globals, const config::RealServer& rs) {
  return rs.smtpAlert.value_or(globals.smtpAlertChecker.value_or(globals.smtpAlert.value_or(true)));
}

bool mailsQuorumChanges(const config::GlobalDefs& globals, const config::VirtualServer& vs) {
  return vs.smtpAlert.value_or(globals.smtpAlertChecker.value_or(globals.smtpAlert.value_or(false)));
}

failover::Alert checkerAlert(const config::GlobalDefs& globals, const config::VirtualServer& vs,
                             const config::RealServer& rs, const config::HealthCheck& check, bool checkUp,
                             bool serverUp, const common::ScriptResult& scriptEnd) {
  failover::Alert a;
  a.subject = "[" + failover::alertRouterId(globals) + "] Realserver " + words::serverName(vs, rs.address, rs.port) +
              " of virtual server " + words::serviceName(vs) + " - " + (serverUp ? "UP" : "DOWN");
  a.body = checkerBody(check, checkUp, scriptEnd);
  return a;
}

failover::Alert quorumAlert(const config::GlobalDefs& globals, const config::VirtualServer& vs, bool up,
                            uint64_t liveWeight) {
  // keepalived writes quorum+hysteresis and then the threshold it compared
  // with, which is quorum-hysteresis for a lost quorum.
  const int64_t threshold = int64_t{vs.quorum} + (up ? 1 : -1) * int64_t{vs.hysteresis};
  failover::Alert a;
  a.subject = "[" + failover::alertRouterId(globals) + "] Virtualserver " + words::serviceName(vs) + " - " +
              (up ? "UP" : "DOWN");
  a.body = std::string("=> ") + (up ? "Gained quorum " : "Lost quorum ") + std::to_string(vs.quorum) + "+" +
           std::to_string(vs.hysteresis) + "=" + std::to_string(threshold) + " <= " + std::to_string(liveWeight) +
           " <=";
  return a;
}

}  // namespace sluice::sluiced
