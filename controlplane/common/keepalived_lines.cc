#include "controlplane/common/keepalived_lines.h"

#include "controlplane/config/address.h"

namespace sluice::common::keepalived {
namespace {

LogLine vrrp(std::string text) { return {LogSource::kVrrp, LOG_INFO, std::move(text)}; }
LogLine checker(std::string text) { return {LogSource::kChecker, LOG_INFO, std::move(text)}; }

// keepalived's service_type: the virtual server's protocol, 0 under a
// fwmark (which ignores `protocol`).
std::string protocolOf(const config::VirtualServer& vs) {
  if (vs.kind == config::VirtualServerKind::kFwmark) return "none";
  switch (vs.protocol) {
    case config::Protocol::kTcp: return "tcp";
    case config::Protocol::kUdp: return "udp";
    case config::Protocol::kSctp: return "sctp";
  }
  return "?";
}

std::string server(const config::VirtualServer& vs, const config::RealServer& rs) {
  return serverName(vs, rs.address, rs.port);
}

bool inhibited(const config::VirtualServer& vs, const config::RealServer& rs) {
  return rs.inhibitOnFailure.value_or(vs.inhibitOnFailure);
}

// MISC_CHECK names the script by its first word.
std::string scriptName(const std::string& command) {
  const auto words = splitScriptCommand(command);
  return words && !words->empty() ? words->front() : command;
}

std::string miscPrefix(const config::VirtualServer& vs, const config::RealServer& rs, const config::HealthCheck& c) {
  return "Misc check for [" + server(vs, rs) + " VS " + serviceName(vs) + "] by [" + scriptName(c.miscPath) + "] ";
}

}  // namespace

std::string serviceName(const config::VirtualServer& vs) {
  switch (vs.kind) {
    case config::VirtualServerKind::kFwmark: return "FWM " + std::to_string(vs.fwmark);
    case config::VirtualServerKind::kGroup: return "[" + vs.group + "]:0";  // a group's own port is 0
    case config::VirtualServerKind::kAddress: break;
  }
  return serverName(vs, vs.address, vs.port);
}

std::string serverName(const config::VirtualServer& vs, const wire::IpAddress& address, uint16_t port) {
  return "[" + config::toString(address) + "]:" + protocolOf(vs) + ":" + std::to_string(port);
}

LogLine enteringState(std::string_view instance, std::string_view state, bool fromInit) {
  return vrrp("(" + std::string(instance) + ") Entering " + std::string(state) + " STATE" +
              (fromInit ? " (init)" : ""));
}

LogLine syncingGroup(std::string_view group, std::string_view state) {
  return vrrp("VRRP_Group(" + std::string(group) + ") Syncing instances to " + std::string(state) + " state");
}

LogLine vrrpScriptResult(std::string_view script, bool ok, const ScriptResult& end) {
  const std::string head = "VRRP_Script(" + std::string(script) + ") ";
  if (ok) return vrrp(head + "succeeded");
  switch (end.end) {
    case ScriptResult::End::kExited: return vrrp(head + "failed (exited with status " + std::to_string(end.code) + ")");
    case ScriptResult::End::kSignalled: return vrrp(head + "failed (due to signal " + std::to_string(end.code) + ")");
    case ScriptResult::End::kTimedOut: return vrrp(head + "timed_out");
    case ScriptResult::End::kFailed: break;
  }
  // Never ran (refused, not found): keepalived would not have run it either;
  // sluice says why.
  return vrrp(head + "failed" + (end.why.empty() ? "" : " (" + end.why + ")"));
}

LogLine aboutInstance(std::string_view instance, std::string_view what, int severity) {
  return {LogSource::kVrrp, severity, "(" + std::string(instance) + ") " + std::string(what)};
}

LogLine checkUp(const config::VirtualServer& vs, const config::RealServer& rs, const config::HealthCheck& check) {
  switch (check.type) {
    case config::CheckType::kTcp: return checker("TCP connection to " + server(vs, rs) + " success.");
    case config::CheckType::kHttp:
    case config::CheckType::kSsl: return checker("Remote Web server " + server(vs, rs) + " succeed on service.");
    case config::CheckType::kSmtp: return checker("Remote SMTP server " + server(vs, rs) + " succeed on service.");
    case config::CheckType::kDns: return checker("");
    case config::CheckType::kBfd: return checker("BFD check of [" + check.bfdName + "] RS(" + server(vs, rs) + ") is UP");
    case config::CheckType::kUdp: return checker("UDP connection to " + server(vs, rs) + " success.");
    case config::CheckType::kPing: return checker("ICMP connection to " + server(vs, rs) + " success.");
    case config::CheckType::kMisc: break;
  }
  return checker(miscPrefix(vs, rs, check) + "succeeded.");
}

LogLine checkDown(const config::VirtualServer& vs, const config::RealServer& rs, const config::HealthCheck& check,
                  const ScriptResult& scriptEnd, std::string_view reason) {
  const uint32_t retries = check.fall > 0 ? check.fall - 1 : 0;  // fall = retry + 1
  const std::string after = retries > 0 ? " failed after " + std::to_string(retries) + " retries." : " failed.";
  switch (check.type) {
    case config::CheckType::kTcp: return checker("TCP_CHECK on service " + server(vs, rs) + after);
    case config::CheckType::kHttp:
    case config::CheckType::kSsl: return checker("HTTP_CHECK on service " + server(vs, rs) + after);
    // DNS_CHECK and SMTP_CHECK say why; only DNS_CHECK counts the retries.
    case config::CheckType::kDns:
      return checker("DNS_CHECK (" + server(vs, rs) + ") " + std::string(reason) +
                     (retries > 0 ? " after " + std::to_string(retries) + " retries" : ""));
    case config::CheckType::kSmtp: return checker("SMTP_CHECK " + std::string(reason));
    case config::CheckType::kBfd:
      return checker("BFD check of [" + check.bfdName + "] RS(" + server(vs, rs) + ") is DOWN");
    case config::CheckType::kUdp: return checker("UDP_CHECK on service " + server(vs, rs) + after);
    case config::CheckType::kPing:  // names the virtual server too when it counts retries
      return checker("ICMP CHECK on service " + server(vs, rs) +
                     (retries > 0 ? " of " + serviceName(vs) + after : after));
    case config::CheckType::kMisc: break;
  }
  // MISC_CHECK counts its retries in words of its own.
  std::string text = miscPrefix(vs, rs, check);
  text += scriptEnd.end == ScriptResult::End::kTimedOut ? "timed out" : "failed";
  text += retries > 0 ? " after " + std::to_string(retries) + (retries == 1 ? " retry" : " retries")
                      : std::string(" with retry disabled");
  if (scriptEnd.end == ScriptResult::End::kExited) {
    text += " (exited with status " + std::to_string(scriptEnd.code) + ")";
  } else if (scriptEnd.end == ScriptResult::End::kSignalled) {
    text += " (due to signal " + std::to_string(scriptEnd.code) + ")";
  }
  return checker(text + ".");
}

LogLine serverUp(const config::VirtualServer& vs, const config::RealServer& rs) {
  return checker((inhibited(vs, rs) ? "Enabling service " + server(vs, rs) + " of VS "
                                    : "Adding service " + server(vs, rs) + " to VS ") +
                 serviceName(vs));
}

LogLine serverDown(const config::VirtualServer& vs, const config::RealServer& rs) {
  return checker((inhibited(vs, rs) ? "Disabling service " + server(vs, rs) + " of VS "
                                    : "Removing service " + server(vs, rs) + " from VS ") +
                 serviceName(vs));
}

LogLine quorumLost(const config::VirtualServer& vs, uint64_t liveWeight) {
  const int64_t threshold = int64_t{vs.quorum} - int64_t{vs.hysteresis};
  return checker("Lost quorum " + std::to_string(vs.quorum) + "-" + std::to_string(vs.hysteresis) + "=" +
                 std::to_string(threshold) + " > " + std::to_string(liveWeight) + " for VS " + serviceName(vs));
}

LogLine quorumGained(const config::VirtualServer& vs, uint64_t liveWeight) {
  const int64_t threshold = int64_t{vs.quorum} + int64_t{vs.hysteresis};
  return checker("Gained quorum " + std::to_string(vs.quorum) + "+" + std::to_string(vs.hysteresis) + "=" +
                 std::to_string(threshold) + " <= " + std::to_string(liveWeight) + " for VS " + serviceName(vs));
}

LogLine sorryServerIn(const config::VirtualServer& vs) {
  const config::SorryServer& s = *vs.sorryServer;
  return checker(std::string(s.inhibit ? "Enabling" : "Adding") + " sorry server " +
                 serverName(vs, s.address, s.port) + " to VS " + serviceName(vs));
}

LogLine sorryServerOut(const config::VirtualServer& vs) {
  const config::SorryServer& s = *vs.sorryServer;
  return checker(std::string(s.inhibit ? "Disabling" : "Removing") + " sorry server " +
                 serverName(vs, s.address, s.port) + " from VS " + serviceName(vs));
}

LogLine alivePool(const config::VirtualServer& vs, bool adding) {
  return checker(std::string(adding ? "Adding alive servers to" : "Removing alive servers from") + " the pool for VS " +
                 serviceName(vs));
}

}  // namespace sluice::common::keepalived
