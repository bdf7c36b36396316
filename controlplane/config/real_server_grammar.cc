// The real_server block and the check blocks inside it.
#include <algorithm>

#include "controlplane/config/lvs_common.h"

namespace sluice::config {
namespace {

constexpr std::uint64_t kMaxWeight = 2147483647;  // IPVS weights are C ints

// BFD_CHECK { name NAME; alpha }: the real server is up while the
// bfd_instance's session is Up. keepalived's block has no other keyword.
void addBfdCheckBlock(Block<RealServer>& b) {
  Block<HealthCheck> bfd;
  bfd.value("name", [](HealthCheck& c, const Args& a) {
    if (a.size() != 1) a.fail("BFD_CHECK - No or too many names specified");
    if (!c.bfdName.empty()) a.fail("BFD_CHECK - BFD " + a.text(0) + " already specified as " + c.bfdName);
    c.bfdName = a.text(0);
  });
  bfd.value("alpha", [](HealthCheck& c, const Args& a) { c.bfdAlpha = a.flag(); });
  b.child<HealthCheck>(
      "BFD_CHECK",
      [](RealServer&, const Args& a) {
        a.none();
        HealthCheck c;
        c.type = CheckType::kBfd;
        return c;
      },
      std::move(bfd),
      [](RealServer& rs, HealthCheck&& c, const Args& a) {
        if (c.bfdName.empty()) a.fail("No name has been specified for BFD_CHECK");
        for (const HealthCheck& other : rs.checks) {
          if (other.type == CheckType::kBfd && other.bfdName == c.bfdName) {
            a.fail("BFD_CHECK - RS already monitoring " + c.bfdName);
          }
        }
        a.context().defer([name = c.bfdName, where = a.where()](Config& config, Diagnostics& d) {
          if (config.findBfdInstance(name) == nullptr) d.error(where, "BFD_CHECK - BFD " + name + " not configured");
        });
        rs.checks.push_back(std::move(c));
      });
}

// FILE_CHECK { track_file NAME; weight W [reverse|noreverse] }.
Block<FileCheck> fileCheckGrammar() {
  Block<FileCheck> f;
  f.value("track_file", [](FileCheck& c, const Args& a) {
    a.expect(1, 1);
    c.trackFile = a.text(0);
    a.context().defer([name = c.trackFile, where = a.whereOf(0)](Config& config, Diagnostics& d) {
      if (config.findTrackFile(name) == nullptr) d.error(where, "track_file '" + name + "' is not a defined track_file");
    });
  });
  f.value("weight", [](FileCheck& c, const Args& a) {
    a.expect(1, 2);
    c.weight = a.signedAt(0, -static_cast<std::int64_t>(kMaxWeight), kMaxWeight);
    c.reverse = a.size() == 2 && a.oneOf(1, {"reverse", "noreverse"}) == "reverse";
  });
  return f;
}

void addCheckBlocks(Block<RealServer>& b) {
  for (const auto type : {CheckType::kTcp, CheckType::kHttp, CheckType::kSsl, CheckType::kMisc, CheckType::kDns,
                          CheckType::kSmtp, CheckType::kUdp, CheckType::kPing}) {
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
          for (HealthCheck& one : splitCheck(std::move(c), a)) rs.checks.push_back(std::move(one));
        });
  }
  addBfdCheckBlock(b);
  b.child<FileCheck>(
      "FILE_CHECK",
      [](RealServer&, const Args& a) {
        a.none();
        return FileCheck{};
      },
      fileCheckGrammar(),
      [](RealServer& rs, FileCheck&& c, const Args& a) {
        if (c.trackFile.empty()) a.fail("FILE_CHECK has no track_file");
        rs.fileChecks.push_back(std::move(c));
      });
}

}  // namespace

Block<RealServer> realServerGrammar() {
  Block<RealServer> b;
  b.value("weight", [](RealServer& rs, const Args& a) {
    a.expect(1, 1);
    rs.weight = a.number<std::uint32_t>(0, 0, kMaxWeight);
  });
  b.value("lvs_method", [](RealServer& rs, const Args& a) {
    const MethodLine line = readMethod(a);
    rs.method = line.method;
    rs.tunnel = line.tunnel;
  });
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

MethodLine readMethod(const Args& a) {
  const auto m = a.oneOf(0, {"NAT", "DR", "TUN"});
  MethodLine line;
  line.method = m == "NAT" ? ForwardingMethod::kNat : m == "DR" ? ForwardingMethod::kDr : ForwardingMethod::kTun;
  // keepalived reads tunnel options after any method, in any order, the
  // last of each kind winning, and checks them even when the method does
  // not tunnel.
  TunnelSpec spec;
  bool remcsum = false;
  for (std::size_t i = 1; i < a.size(); ++i) {
    const std::string option = toLower(a.text(i));
    if (option == "type") {
      if (i + 1 == a.size()) a.fail(i, "'type' needs a tunnel type: ipip, gue or gre");
      const std::string type = toLower(a.text(++i));
      if (type == "ipip") {
        spec.type = TunnelType::kIpip;
      } else if (type == "gue") {
        spec.type = TunnelType::kGue;
      } else if (type == "gre") {
        spec.type = TunnelType::kGre;
      } else {
        a.fail(i, "unknown tunnel type '" + a.text(i) + "' (ipip, gue or gre)");
      }
    } else if (option == "port") {
      if (i + 1 == a.size()) a.fail(i, "'port' needs the real server's GUE UDP port");
      const std::string& port = a.text(++i);
      if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
          std::stoul(port) < 1 || std::stoul(port) > 65535) {
        a.fail(i, "gue tunnel port '" + port + "' is not a UDP port 1-65535");
      }
      spec.port = static_cast<std::uint16_t>(std::stoul(port));
    } else if (option == "nocsum" || option == "csum" || option == "remcsum") {
      spec.checksum = option != "nocsum";
      remcsum = option == "remcsum";
    } else {
      a.fail(i, "unknown tunnel option '" + a.text(i) + "' (type ipip|gue|gre, port N, nocsum, csum, remcsum)");
    }
  }
  if (spec.type == TunnelType::kIpip && remcsum && spec.port == 0) {
    a.fail("ipip tunnels carry no checksum: remcsum goes with type gue");
  }
  if (const std::string problem = tunnelProblem(spec); !problem.empty()) {
    a.fail(problem);
  }
  if (spec.type == TunnelType::kGre && remcsum) {
    a.fail("gre tunnels have no remote checksum offload: remcsum goes with type gue");
  }
  if (line.method != ForwardingMethod::kTun) {
    if (a.size() > 1) {
      a.warn("tunnel options after " + a.keyword() + " " + std::string(toString(line.method)) +
             " are ignored (they apply to TUN only)");
    }
    return line;
  }
  if (remcsum) {
    a.fail("remcsum (GUE remote checksum offload) is not implemented by sluice; use csum or nocsum");
  }
  line.tunnel = spec;
  return line;
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
