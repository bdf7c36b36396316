// virtual_server { }: the service, its scheduling and its real servers.
#include <algorithm>

#include "controlplane/config/lvs_common.h"
#include "controlplane/config/sched_flags.h"

namespace sluice::config {
namespace {

// keepalived's persistence_timeout when none (or only a granularity) is given.
constexpr Duration kDefaultPersistence = std::chrono::seconds{360};
constexpr auto kMaxPersistence = std::chrono::seconds{31 * 86400};

// The virtual server while its block is read.
struct ServerDraft {
  VirtualServer vs;
  bool protocolGiven = false;
  bool schedulerGiven = false;
  // Real server addresses already seen, for the duplicate check.
  std::vector<std::pair<wire::IpAddress, std::uint16_t>> seen;
};

// persistence_granularity: an IPv4 netmask, or an IPv6 prefix length.
std::uint8_t readGranularity(const VirtualServer& vs, const Args& a) {
  a.expect(1, 1);
  const std::string& s = a.text(0);
  const bool v4 =
      vs.kind == VirtualServerKind::kAddress ? vs.address.isV4() : s.find('.') != std::string::npos;
  if (v4) {
    const auto len = netmaskToPrefixLength(s);
    if (!len) {
      a.fail(0, "persistence_granularity '" + s + "' is not an IPv4 netmask like 255.255.255.0");
    }
    return *len;
  }
  return a.number<std::uint8_t>(0, 1, 128);
}

void setScheduler(ServerDraft& d, const Args& a) {
  a.expect(1, 1);
  const std::string name = toLower(a.text(0));
  if (std::find(std::begin(kSchedulers), std::end(kSchedulers), name) == std::end(kSchedulers)) {
    std::string known;
    for (auto s : kSchedulers) {
      known += (known.empty() ? "" : " ") + std::string(s);
    }
    a.fail(0, "unknown " + a.keyword() + " '" + a.text(0) + "' (known: " + known + ")");
  }
  d.vs.scheduler = name;
  d.schedulerGiven = true;
}

// keepalived's handler of these flags never reads a value: `ops no`
// turns ops on there. sluice accepts the same files and says so.
void ignoreValues(const Args& a) {
  if (a.size() > 0) {
    a.warn(a.keyword() + " takes no value: '" + a.rest(0) + "' is ignored and " + a.keyword() +
           " applies, as in keepalived");
  }
}

// flag-1..3, sh-port, sh-fallback, mh-port, mh-fallback: keepalived sets
// flag-N whatever the scheduler, and an sh-* or mh-* flag only when the
// lvs_sched read so far is that scheduler. It ignores one that is not
// (silently when that is the other of sh and mh; sluice always warns), so,
// as there, such a flag counts only after its lvs_sched line.
void setSchedFlag(ServerDraft& d, const Args& a) {
  ignoreValues(a);
  const std::string& name = a.keyword();
  if (!schedFlagFits(name, d.vs.scheduler)) {
    const std::string wanted = name.substr(0, 2);
    a.warn(name + " only applies to lvs_sched " + wanted + ", " +
           (d.schedulerGiven ? "not " + d.vs.scheduler
                             : "and no lvs_sched comes before it (keepalived reads the flag against the "
                               "lvs_sched line above it)") +
           "; ignored");
    return;
  }
  d.vs.schedFlags |= schedFlagBit(name);
}

void setMethod(ServerDraft& d, const Args& a) {
  const MethodLine line = readMethod(a);
  d.vs.method = line.method;
  d.vs.tunnel = line.tunnel;
}

void addServerValues(Block<ServerDraft>& b) {
  b.value("lb_algo", setScheduler);
  b.value("lvs_sched", setScheduler);  // keepalived's newer name
  for (const char* flag : {"flag-1", "flag-2", "flag-3", "sh-port", "sh-fallback", "mh-port", "mh-fallback"}) {
    b.value(flag, setSchedFlag);
  }
  b.value("ops", [](ServerDraft& d, const Args& a) {
    ignoreValues(a);
    d.vs.ops = true;
  });
  b.value("lb_kind", setMethod);
  b.value("lvs_method", setMethod);  // keepalived's newer name
  b.value("persistence_timeout", [](ServerDraft& d, const Args& a) {
    a.expect(0, 1);
    d.vs.persistenceTimeout =
        a.size() == 0 ? kDefaultPersistence : a.timer(0, std::chrono::seconds{1}, kMaxPersistence);
    if (d.vs.persistenceTimeout->count() % 1000 != 0) {
      a.fail(0, "persistence_timeout " + a.text(0) + " must be whole seconds");
    }
  });
  b.value("persistence_granularity", [](ServerDraft& d, const Args& a) {
    d.vs.persistenceGranularity = readGranularity(d.vs, a);
    if (!d.vs.persistenceTimeout) {
      d.vs.persistenceTimeout = kDefaultPersistence;  // granularity implies persistence
    }
  });
  for (const std::string_view keyword : kClientLimitKeywords) {
    b.value(std::string(keyword),
            [keyword](ServerDraft& d, const Args& a) { readClientLimit(d.vs.clientLimits, keyword, a); });
  }
  b.value("protocol", [](ServerDraft& d, const Args& a) {
    a.expect(1, 1);
    const auto p = a.oneOf(0, {"TCP", "UDP", "SCTP"});
    d.vs.protocol = p == "TCP" ? Protocol::kTcp : p == "UDP" ? Protocol::kUdp : Protocol::kSctp;
    d.protocolGiven = true;
  });
  b.value("sorry_server", [](ServerDraft& d, const Args& a) {
    a.expect(1, 2);
    SorryServer s;
    s.address = a.ip(0);
    s.port = optionalPort(a, 1);
    d.vs.sorryServer = s;
  });
  b.value("sorry_server_inhibit", [](ServerDraft& d, const Args& a) {
    a.none();
    if (!d.vs.sorryServer) {
      a.fail("sorry_server_inhibit comes before any sorry_server");
    }
    d.vs.sorryServer->inhibit = true;
  });
  b.value("sorry_server_lvs_method", [](ServerDraft& d, const Args& a) {
    if (!d.vs.sorryServer) {
      a.fail("sorry_server_lvs_method comes before any sorry_server");
    }
    const MethodLine line = readMethod(a);
    d.vs.sorryServer->method = line.method;
    d.vs.sorryServer->tunnel = line.tunnel;
  });
  b.value("quorum", [](ServerDraft& d, const Args& a) {
    a.expect(1, 1);
    d.vs.quorum = a.number<std::uint32_t>(0, 1, kMaxCount);
  });
  b.value("hysteresis", [](ServerDraft& d, const Args& a) {
    a.expect(1, 1);
    d.vs.hysteresis = a.number<std::uint32_t>(0, 0, kMaxCount);
  });
  b.value("quorum_up", [](ServerDraft& d, const Args& a) { d.vs.quorumUp = a.script(); });
  b.value("quorum_down", [](ServerDraft& d, const Args& a) { d.vs.quorumDown = a.script(); });
  b.value("inhibit_on_failure", [](ServerDraft& d, const Args& a) { d.vs.inhibitOnFailure = a.flag(); });
  b.value("alpha", [](ServerDraft& d, const Args& a) { d.vs.alpha = a.flag(); });
  b.value("omega", [](ServerDraft& d, const Args& a) { d.vs.omega = a.flag(); });
  b.value("ha_suspend", [](ServerDraft& d, const Args& a) { d.vs.haSuspend = a.flag(); });
  b.value("smtp_alert", [](ServerDraft& d, const Args& a) { d.vs.smtpAlert = a.flag(); });
  b.value("virtualhost", [](ServerDraft& d, const Args& a) {
    a.expect(1, 1);
    d.vs.virtualhost = a.text(0);
  });
}

Block<ServerDraft> virtualServerGrammar() {
  Block<ServerDraft> b;
  addServerValues(b);
  addCheckDefaults(b, [](ServerDraft& d) -> CheckTiming& { return d.vs.checkDefaults; });
  b.child<RealServer>(
      "real_server",
      [](ServerDraft&, const Args& a) {
        a.expect(1, 2);
        RealServer rs;
        rs.address = a.ip(0);
        rs.port = optionalPort(a, 1);
        return rs;
      },
      realServerGrammar(),
      [](ServerDraft& d, RealServer&& rs, const Args& a) {
        const std::pair key{rs.address, rs.port};
        if (std::find(d.seen.begin(), d.seen.end(), key) != d.seen.end()) {
          a.fail("duplicate real_server " + config::toString(rs.address) + " " + std::to_string(rs.port) +
                 " in this virtual_server");
        }
        if (rs.upperThreshold != 0 && rs.lowerThreshold > rs.upperThreshold) {
          a.error("lthreshold is above uthreshold");
        }
        d.seen.push_back(key);
        d.vs.realServers.push_back(std::move(rs));
      },
      BlockRule::kOptional);
  return b;
}

// Address family checks: IPVS forwards within one family except through
// tunnels; sluice's tunnels carry IPv4 in IPv4 and IPv6 in IPv6 only (the
// table builder checks group members and fwmark rules).
void checkFamilies(const VirtualServer& vs, const Args& a) {
  std::optional<wire::IpFamily> family;
  if (vs.kind == VirtualServerKind::kAddress) {
    family = vs.address.family;
  }
  auto check = [&](const wire::IpAddress& ip, ForwardingMethod method, const std::string& what) {
    if (method == ForwardingMethod::kTun) {
      if (vs.kind == VirtualServerKind::kAddress && ip.family != vs.address.family) {
        a.error(what + " " + config::toString(ip) + ": TUN from an " + (vs.address.isV4() ? "IPv4" : "IPv6") +
                " virtual server to an " + (ip.isV4() ? "IPv4" : "IPv6") +
                " server is not supported by sluice (its tunnels carry IPv4 in IPv4 and IPv6 in IPv6 only)");
      }
      return;
    }
    if (!family) {
      family = ip.family;
    } else if (*family != ip.family) {
      a.error(what + " " + config::toString(ip) + " is not of the virtual server's address family");
    }
  };
  for (const auto& rs : vs.realServers) {
    check(rs.address, forwardingOf(vs, rs).method, "real_server");
  }
  if (vs.sorryServer) {
    check(vs.sorryServer->address, forwardingOf(vs, *vs.sorryServer).method, "sorry_server");
  }
}

// keepalived's rule for a fwmark service: only NAT can send a packet to
// another port, so the port of a DR or TUN server is cleared (0: the port
// the client used), with a warning.
bool clearFwmarkPort(const VirtualServer& vs, std::uint16_t& port, ForwardingMethod method, const std::string& what,
                     const Args& a) {
  if (vs.kind != VirtualServerKind::kFwmark || method == ForwardingMethod::kNat || port == 0) return false;
  a.warn("virtual_server " + describe(vs) + ": " + what + " port " + std::to_string(port) + " is ignored with " +
         std::string(toString(method)) + " (only NAT changes ports); cleared, as keepalived does");
  port = 0;
  return true;
}

// After clearing, two lines may name one server (IPVS would refuse the
// second): an error of the file rather than a surprise in the tables.
void refuseClearedDuplicates(const VirtualServer& vs, const Args& a) {
  for (std::size_t i = 1; i < vs.realServers.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const RealServer& x = vs.realServers[i];
      if (x.address == vs.realServers[j].address && x.port == vs.realServers[j].port) {
        a.error("duplicate real_server " + config::toString(x.address) + " " + std::to_string(x.port) +
                " in this virtual_server once the ports of its DR and TUN servers are cleared");
        return;
      }
    }
  }
}

// A real server without a port (fwmark and group services, port 0) gives a
// connecting check nothing to connect to: keepalived's check then tries
// port 0 and fails, so the server never comes up. Said at load time.
void warnIfCheckHasNoPort(const RealServer& rs, const HealthCheck& check, const Args& a) {
  if (rs.port != 0 || check.connectPort || check.type == CheckType::kMisc || check.type == CheckType::kBfd ||
      check.type == CheckType::kPing) {
    return;
  }
  a.warn(std::string(toString(check.type)) + " of real_server " + config::toString(rs.address) +
         " has no port to connect to (the real server has port 0): give the check a connect_port, "
         "or it fails and the server stays down");
}

void closeVirtualServer(Config& c, ServerDraft&& d, const Args& a) {
  VirtualServer& vs = d.vs;
  if (vs.kind == VirtualServerKind::kFwmark && d.protocolGiven) {
    a.warn("protocol is ignored for a fwmark virtual_server (the mark covers every protocol)");
  }
  if (vs.kind != VirtualServerKind::kFwmark && !d.protocolGiven) {
    // keepalived does the same, because that is what IPVS does with protocol 0.
    const std::string what = vs.kind == VirtualServerKind::kGroup
                                 ? "group " + vs.group
                                 : config::toString(vs.address) + " " + std::to_string(vs.port);
    a.warn("virtual_server " + what + " has no protocol; using UDP as keepalived does");
    vs.protocol = Protocol::kUdp;
  }
  // keepalived's rule: one-packet scheduling needs UDP on a service by
  // address; a fwmark may mark UDP packets whatever its protocol line says.
  if (vs.ops && vs.kind == VirtualServerKind::kAddress && vs.protocol != Protocol::kUdp) {
    a.warn("ops (one-packet scheduling) requires protocol UDP; ignored, as keepalived does");
    vs.ops = false;
  }
  if (vs.kind == VirtualServerKind::kAddress && vs.port == 0 && !vs.persistenceTimeout) {
    a.warn("virtual_server without a port must be persistent; persistence_timeout set to 360");
    vs.persistenceTimeout = kDefaultPersistence;
  }
  if (vs.hysteresis >= vs.quorum) {
    a.error("hysteresis " + std::to_string(vs.hysteresis) + " must be below quorum " +
            std::to_string(vs.quorum));
  }
  if (vs.realServers.empty()) {
    a.warn("virtual_server " + describe(vs) + " has no real_server");
  }
  checkFamilies(vs, a);
  bool cleared = false;
  for (auto& rs : vs.realServers) {
    if (rs.port == 0 && vs.kind == VirtualServerKind::kAddress) {
      rs.port = vs.port;
    }
    const std::string what = "real_server " + config::toString(rs.address);
    cleared |= clearFwmarkPort(vs, rs.port, forwardingOf(vs, rs).method, what, a);
    for (auto& check : rs.checks) {
      resolveCheckTiming(check, rs.checkDefaults, vs.checkDefaults);
      warnIfCheckHasNoPort(rs, check, a);
    }
  }
  if (cleared) refuseClearedDuplicates(vs, a);
  if (vs.sorryServer) {
    clearFwmarkPort(vs, vs.sorryServer->port, forwardingOf(vs, *vs.sorryServer).method, "sorry_server", a);
  }
  if (!a.context().define("virtual_server", describe(vs), a.where())) {
    return;
  }
  if (vs.kind == VirtualServerKind::kGroup) {
    a.context().defer([group = vs.group, where = a.where()](Config& config, Diagnostics& diag) {
      if (config.findVirtualServerGroup(group) == nullptr) {
        diag.error(where, "virtual_server group '" + group + "' is not a defined virtual_server_group");
      }
    });
    if (vs.ops && vs.protocol != Protocol::kUdp) {
      // As for an address service when the group has address ranges (its
      // fwmark entries alone would keep it).
      a.context().defer([index = c.virtualServers.size(), where = a.where()](Config& config, Diagnostics& diag) {
        VirtualServer& grouped = config.virtualServers[index];
        const VirtualServerGroup* g = config.findVirtualServerGroup(grouped.group);
        if (g == nullptr || g->ranges.empty()) return;
        diag.warning(where, "ops (one-packet scheduling) requires protocol UDP for a group with addresses; "
                            "ignored, as keepalived does");
        grouped.ops = false;
      });
    }
  }
  if (vs.kind == VirtualServerKind::kFwmark) {
    warnIfMarkUnset(a.context(), vs.fwmark, a.where());
  }
  c.virtualServers.push_back(std::move(vs));
}

ServerDraft openVirtualServer(Config&, const Args& a) {
  ServerDraft d;
  a.expect(1, 2);
  if (a.text(0) == "fwmark") {
    a.expect(2, 2);
    d.vs.kind = VirtualServerKind::kFwmark;
    d.vs.fwmark = a.number<std::uint32_t>(1, 1, kMaxCount);
  } else if (a.text(0) == "group") {
    a.expect(2, 2);
    d.vs.kind = VirtualServerKind::kGroup;
    d.vs.group = a.text(1);
  } else {
    d.vs.kind = VirtualServerKind::kAddress;
    d.vs.address = a.ip(0);
    d.vs.port = optionalPort(a, 1);
  }
  return d;
}

}  // namespace

void addVirtualServerKeywords(Block<Config>& top) {
  top.child<ServerDraft>("virtual_server", openVirtualServer, virtualServerGrammar(), closeVirtualServer);
}

}  // namespace sluice::config
