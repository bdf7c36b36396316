// The real_server block and the check blocks inside it.
#include <algorithm>

#include "controlplane/config/lvs_common.h"

namespace sluice::config {
namespace {

constexpr std::uint64_t kMaxWeight = 2147483647;  // IPVS weights are C ints

void addCheckBlocks(Block<RealServer>& b) {
  for (const auto type : {CheckType::kTcp, CheckType::kHttp, CheckType::kSsl, CheckType::kMisc}) {
    b.child<HealthCheck>(
        std::string(toString(type)),
        [type](RealServer&, const Args& a) {
          a.none();
          HealthCheck c;
          c.type = type;
          return c;
        },
        healthCheckGrammar(type),
        [](RealServer& rs, HealthCheck&& c, const Args& a) {
          checkHealthCheck(c, a);
          rs.checks.push_back(std::move(c));
        });
  }
  // keepalived checkers sluice lacks: said loudly, because a real server
  // whose only checker is skipped is never marked down.
  for (const char* name : {"SMTP_CHECK", "DNS_CHECK", "PING_CHECK", "UDP_CHECK", "BFD_CHECK", "FILE_CHECK"}) {
    b.unsupported(name, "this check is skipped and does not mark the real server down");
  }
}

}  // namespace

Block<RealServer> realServerGrammar() {
  Block<RealServer> b;
  b.value("weight", [](RealServer& rs, const Args& a) {
    a.expect(1, 1);
    rs.weight = a.number<std::uint32_t>(0, 0, kMaxWeight);
  });
  b.value("lvs_method", [](RealServer& rs, const Args& a) { rs.method = readMethod(a); });
  b.value("inhibit_on_failure", [](RealServer& rs, const Args& a) { rs.inhibitOnFailure = a.flag(); });
  b.value("notify_up", [](RealServer& rs, const Args& a) { rs.notifyUp = a.script(); });
  b.value("notify_down", [](RealServer& rs, const Args& a) { rs.notifyDown = a.script(); });
  b.value("uthreshold", [](RealServer& rs, const Args& a) {
    a.expect(1, 1);
    rs.upperThreshold = a.number<std::uint32_t>(0, 0, kMaxCount);
  });
  b.value("lthreshold", [](RealServer& rs, const Args& a) {
    a.expect(1, 1);
    rs.lowerThreshold = a.number<std::uint32_t>(0, 0, kMaxCount);
  });
  b.value("virtualhost", [](RealServer& rs, const Args& a) {
    a.expect(1, 1);
    rs.virtualhost = a.text(0);
  });
  b.value("smtp_alert", [](RealServer& rs, const Args& a) { rs.smtpAlert = a.flag(); });
  addCheckDefaults(b, [](RealServer& rs) -> CheckTiming& { return rs.checkDefaults; });
  addCheckBlocks(b);
  return b;
}

ForwardingMethod readMethod(const Args& a) {
  a.expect(1, 3);
  const auto m = a.oneOf(0, {"NAT", "DR", "TUN"});
  if (m != "TUN") {
    a.expect(1, 1);
    return m == "NAT" ? ForwardingMethod::kNat : ForwardingMethod::kDr;
  }
  if (a.size() > 1) {
    a.oneOf(1, {"type"});
    a.oneOf(2, {"ipip"});  // the only tunnel sluice builds
  }
  return ForwardingMethod::kTun;
}

void warnIfMarkUnset(ParseContext& ctx, std::uint32_t mark, const SourceLocation& where) {
  ctx.defer([mark, where](Config& config, Diagnostics& diag) {
    if (!config.dataplane || config.dataplane->findFwmark(mark) == nullptr) {
      diag.warning(where, "no fwmark " + std::to_string(mark) +
                              " rule in the dataplane block: no packet will carry this mark");
    }
  });
}

}  // namespace sluice::config
