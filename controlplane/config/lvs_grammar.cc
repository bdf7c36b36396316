// virtual_server_group and virtual_server (with real servers).
#include <algorithm>

#include "controlplane/config/grammars.h"

namespace sluice::config {
namespace {

// keepalived's persistence_timeout when none (or only a granularity) is given.
constexpr Duration kDefaultPersistence = std::chrono::seconds{360};
constexpr auto kMaxPersistence = std::chrono::seconds{31 * 86400};
constexpr auto kDay = std::chrono::seconds{86400};
constexpr std::uint64_t kMaxWeight = 2147483647;  // IPVS weights are C ints
constexpr std::uint64_t kMaxCount = 4294967295u;

// The virtual server while its block is read.
struct ServerDraft {
  VirtualServer vs;
  bool protocolGiven = false;
  // Real server addresses already seen, for the duplicate check.
  std::vector<std::pair<IpAddress, std::uint16_t>> seen;
};

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

// Keywords written on a virtual server or a real server that set the
// defaults of their checks.
template <class T, class Get>
void addCheckDefaults(Block<T>& b, Get timing) {
  b.value("delay_loop",
          [timing](T& t, const Args& a) {
            a.expect(1, 1);
            timing(t).delayLoop = a.timer(0, Duration{1}, kDay);
          })
      .value("connect_timeout",
             [timing](T& t, const Args& a) {
               a.expect(1, 1);
               timing(t).connectTimeout = a.timer(0, Duration{1}, std::chrono::seconds{3600});
             })
      .value("retry",
             [timing](T& t, const Args& a) {
               a.expect(1, 1);
               timing(t).retry = a.number<std::uint32_t>(0, 0, 1'000'000);
             })
      .value("delay_before_retry",
             [timing](T& t, const Args& a) {
               a.expect(1, 1);
               timing(t).delayBeforeRetry = a.timer(0, Duration{0}, kDay);
             })
      .value("warmup", [timing](T& t, const Args& a) {
        a.expect(1, 1);
        timing(t).warmup = a.timer(0, Duration{0}, kDay);
      });
}

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
}

Block<RealServer> realServerGrammar() {
  Block<RealServer> b;
  b.value("weight",
          [](RealServer& rs, const Args& a) {
            a.expect(1, 1);
            rs.weight = a.number<std::uint32_t>(0, 0, kMaxWeight);
          })
      .value("lvs_method", [](RealServer& rs, const Args& a) { rs.method = readMethod(a); })
      .value("inhibit_on_failure", [](RealServer& rs, const Args& a) { rs.inhibitOnFailure = a.flag(); })
      .value("notify_up", [](RealServer& rs, const Args& a) { rs.notifyUp = a.script(); })
      .value("notify_down", [](RealServer& rs, const Args& a) { rs.notifyDown = a.script(); })
      .value("uthreshold",
             [](RealServer& rs, const Args& a) {
               a.expect(1, 1);
               rs.upperThreshold = a.number<std::uint32_t>(0, 0, kMaxCount);
             })
      .value("lthreshold",
             [](RealServer& rs, const Args& a) {
               a.expect(1, 1);
               rs.lowerThreshold = a.number<std::uint32_t>(0, 0, kMaxCount);
             })
      .value("virtualhost",
             [](RealServer& rs, const Args& a) {
               a.expect(1, 1);
               rs.virtualhost = a.text(0);
             })
      .value("smtp_alert", [](RealServer& rs, const Args& a) { rs.smtpAlert = a.flag(); });
  addCheckDefaults(b, [](RealServer& rs) -> CheckTiming& { return rs.checkDefaults; });
  addCheckBlocks(b);
  return b;
}

// persistence_granularity: an IPv4 netmask, or an IPv6 prefix length.
std::uint8_t readGranularity(const VirtualServer& vs, const Args& a) {
  a.expect(1, 1);
  const std::string& s = a.text(0);
  const bool v4 = vs.kind == VirtualServerKind::kAddress ? vs.address.isV4()
                                                         : s.find('.') != std::string::npos;
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
}

void setMethod(ServerDraft& d, const Args& a) { d.vs.method = readMethod(a); }

void addServerValues(Block<ServerDraft>& b) {
  b.value("lb_algo", setScheduler)
      .value("lvs_sched", setScheduler)  // keepalived's newer name
      .value("lb_kind", setMethod)
      .value("lvs_method", setMethod)  // keepalived's newer name
      .value("persistence_timeout",
             [](ServerDraft& d, const Args& a) {
               a.expect(0, 1);
               d.vs.persistenceTimeout =
                   a.size() == 0 ? kDefaultPersistence : a.timer(0, std::chrono::seconds{1}, kMaxPersistence);
               if (d.vs.persistenceTimeout->count() % 1000 != 0) {
                 a.fail(0, "persistence_timeout " + a.text(0) + " must be whole seconds");
               }
             })
      .value("persistence_granularity",
             [](ServerDraft& d, const Args& a) {
               d.vs.persistenceGranularity = readGranularity(d.vs, a);
               if (!d.vs.persistenceTimeout) {
                 d.vs.persistenceTimeout = kDefaultPersistence;  // granularity implies persistence
               }
             })
      .value("protocol",
             [](ServerDraft& d, const Args& a) {
               a.expect(1, 1);
               const auto p = a.oneOf(0, {"TCP", "UDP", "SCTP"});
               d.vs.protocol = p == "TCP" ? Protocol::kTcp : p == "UDP" ? Protocol::kUdp : Protocol::kSctp;
               d.protocolGiven = true;
             })
      .value("sorry_server",
             [](ServerDraft& d, const Args& a) {
               a.expect(1, 2);
               SorryServer s;
               s.address = a.ip(0);
               s.port = a.size() == 2 ? a.port(1) : 0;
               d.vs.sorryServer = s;
             })
      .value("sorry_server_inhibit",
             [](ServerDraft& d, const Args& a) {
               a.none();
               if (!d.vs.sorryServer) {
                 a.fail("sorry_server_inhibit comes before any sorry_server");
               }
               d.vs.sorryServer->inhibit = true;
             })
      .value("sorry_server_lvs_method",
             [](ServerDraft& d, const Args& a) {
               if (!d.vs.sorryServer) {
                 a.fail("sorry_server_lvs_method comes before any sorry_server");
               }
               d.vs.sorryServer->method = readMethod(a);
             })
      .value("quorum",
             [](ServerDraft& d, const Args& a) {
               a.expect(1, 1);
               d.vs.quorum = a.number<std::uint32_t>(0, 1, kMaxCount);
             })
      .value("hysteresis",
             [](ServerDraft& d, const Args& a) {
               a.expect(1, 1);
               d.vs.hysteresis = a.number<std::uint32_t>(0, 0, kMaxCount);
             })
      .value("quorum_up", [](ServerDraft& d, const Args& a) { d.vs.quorumUp = a.script(); })
      .value("quorum_down", [](ServerDraft& d, const Args& a) { d.vs.quorumDown = a.script(); })
      .value("inhibit_on_failure", [](ServerDraft& d, const Args& a) { d.vs.inhibitOnFailure = a.flag(); })
      .value("alpha", [](ServerDraft& d, const Args& a) { d.vs.alpha = a.flag(); })
      .value("omega", [](ServerDraft& d, const Args& a) { d.vs.omega = a.flag(); })
      .value("ha_suspend", [](ServerDraft& d, const Args& a) { d.vs.haSuspend = a.flag(); })
      .value("smtp_alert", [](ServerDraft& d, const Args& a) { d.vs.smtpAlert = a.flag(); })
      .value("virtualhost", [](ServerDraft& d, const Args& a) {
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
        rs.port = a.size() == 2 ? a.port(1) : 0;
        return rs;
      },
      realServerGrammar(),
      [](ServerDraft& d, RealServer&& rs, const Args& a) {
        const std::pair key{rs.address, rs.port};
        if (std::find(d.seen.begin(), d.seen.end(), key) != d.seen.end()) {
          a.fail("duplicate real_server " + rs.address.toString() + " " + std::to_string(rs.port) +
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

// Address family checks: IPVS forwards within one family except through tunnels.
void checkFamilies(const VirtualServer& vs, const Args& a) {
  std::optional<IpFamily> family;
  if (vs.kind == VirtualServerKind::kAddress) {
    family = vs.address.family();
  }
  auto check = [&](const IpAddress& ip, std::optional<ForwardingMethod> method, const std::string& what) {
    if (method.value_or(vs.method) == ForwardingMethod::kTun) {
      return;
    }
    if (!family) {
      family = ip.family();
    } else if (*family != ip.family()) {
      a.error(what + " " + ip.toString() + " is not of the virtual server's address family");
    }
  };
  for (const auto& rs : vs.realServers) {
    check(rs.address, rs.method, "real_server");
  }
  if (vs.sorryServer) {
    check(vs.sorryServer->address, vs.sorryServer->method, "sorry_server");
  }
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
                                 : vs.address.toString() + " " + std::to_string(vs.port);
    a.warn("virtual_server " + what + " has no protocol; using UDP as keepalived does");
    vs.protocol = Protocol::kUdp;
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
  for (auto& rs : vs.realServers) {
    if (rs.port == 0 && vs.kind == VirtualServerKind::kAddress) {
      rs.port = vs.port;
    }
    for (auto& check : rs.checks) {
      resolveCheckTiming(check, rs.checkDefaults, vs.checkDefaults);
    }
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
  }
  if (vs.kind == VirtualServerKind::kFwmark) {
    a.context().defer([mark = vs.fwmark, where = a.where()](Config& config, Diagnostics& diag) {
      if (!config.dataplane || config.dataplane->findFwmark(mark) == nullptr) {
        diag.warning(where, "no fwmark " + std::to_string(mark) +
                                " rule in the dataplane block: no packet will carry this mark");
      }
    });
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
    d.vs.port = a.size() == 2 ? a.port(1) : 0;
  }
  return d;
}

// Sets host bits of an address to zero (network) or one (broadcast).
IpAddress withHostBits(const IpPrefix& p, bool ones) {
  auto bytes = p.address.bytes();
  const int total = p.address.bitCount();
  for (int bit = p.length; bit < total; ++bit) {
    const auto mask = static_cast<std::uint8_t>(0x80 >> (bit % 8));
    if (ones) {
      bytes[bit / 8] |= mask;
    } else {
      bytes[bit / 8] &= static_cast<std::uint8_t>(~mask);
    }
  }
  if (p.address.isV4()) {
    return IpAddress::fromV4((std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                             (std::uint32_t{bytes[2]} << 8) | bytes[3]);
  }
  return IpAddress::fromV6(bytes);
}

// IP, IP-LAST (last part only or full address) or IP/LEN.
AddressRange readRange(const Args& a) {
  const std::string& s = a.text(0);
  AddressRange r;
  if (s.find('/') != std::string::npos) {
    const IpPrefix p = a.prefix(0);
    r.first = withHostBits(p, false);
    r.last = withHostBits(p, true);
  } else if (const auto dash = s.find('-'); dash != std::string::npos) {
    const auto first = IpAddress::parse(s.substr(0, dash));
    const std::string end = s.substr(dash + 1);
    std::optional<IpAddress> last;
    if (first && end.find_first_of(".:") != std::string::npos) {
      last = IpAddress::parse(end);
    } else if (first && !end.empty() && end.size() <= 4 &&
               end.find_first_not_of(first->isV4() ? "0123456789" : "0123456789abcdefABCDEF") ==
                   std::string::npos) {
      const unsigned long n = std::stoul(end, nullptr, first->isV4() ? 10 : 16);
      auto bytes = first->bytes();
      if (first->isV4() && n <= 255) {
        last = IpAddress::fromV4((first->v4() & 0xffffff00u) | static_cast<std::uint32_t>(n));
      } else if (!first->isV4()) {
        bytes[14] = static_cast<std::uint8_t>(n >> 8);
        bytes[15] = static_cast<std::uint8_t>(n);
        last = IpAddress::fromV6(bytes);
      }
    }
    if (!first || !last || last->family() != first->family() || *last < *first) {
      a.fail(0, "'" + s + "' is not an address range (e.g. 10.0.0.1-10 or 10.0.0.1-10.0.0.10)");
    }
    r.first = *first;
    r.last = *last;
  } else {
    r.first = r.last = a.ip(0);
  }
  r.port = a.size() == 2 ? a.port(1) : 0;
  return r;
}

Block<VirtualServerGroup> groupGrammar() {
  Block<VirtualServerGroup> b;
  b.value("fwmark",
          [](VirtualServerGroup& g, const Args& a) {
            a.expect(1, 2);
            const auto mark = a.number<std::uint32_t>(0, 1, kMaxCount);
            if (a.size() == 2) {
              a.oneOf(1, {"inet", "inet6"});
            }
            g.fwmarks.push_back(mark);
            a.context().defer([mark, where = a.where()](Config& config, Diagnostics& diag) {
              if (!config.dataplane || config.dataplane->findFwmark(mark) == nullptr) {
                diag.warning(where, "no fwmark " + std::to_string(mark) +
                                        " rule in the dataplane block: no packet will carry this mark");
              }
            });
          })
      .otherwise("virtual_server_group entry", [](VirtualServerGroup& g, const Args& a) {
        a.expect(1, 2);
        g.ranges.push_back(readRange(a));
      });
  return b;
}

}  // namespace

void addLvsKeywords(Block<Config>& top) {
  top.child<VirtualServerGroup>(
         "virtual_server_group",
         [](Config&, const Args& a) {
           a.expect(1, 1);
           VirtualServerGroup g;
           g.name = a.text(0);
           return g;
         },
         groupGrammar(),
         [](Config& c, VirtualServerGroup&& g, const Args& a) {
           if (g.ranges.empty() && g.fwmarks.empty()) {
             a.error("virtual_server_group '" + g.name + "' has no entries");
           }
           if (a.context().define("virtual_server_group", g.name, a.where())) {
             c.virtualServerGroups.push_back(std::move(g));
           }
         })
      .child<ServerDraft>("virtual_server", openVirtualServer, virtualServerGrammar(), closeVirtualServer);
}

}  // namespace sluice::config
