// sluice's own dataplane { } block: DPDK ports behind keepalived's
// interface names, routes, neighbours, worker cores and fwmark rules.
#include <algorithm>
#include <sstream>

#include "controlplane/config/grammars.h"

namespace sluice::config {
namespace {

constexpr std::uint32_t kMaxLcore = 1023;
constexpr std::size_t kMaxFtpPorts = 8;  // ip_vs_ftp's limit
constexpr std::uint32_t kMaxConnTable = 1u << 28;
constexpr std::uint32_t kMaxMemoryMb = 1u << 20;
// The sync sysctls are C ints; sync_refresh_period is kept in jiffies, so
// its ceiling in seconds is INT_MAX / HZ with the largest HZ (1000).
constexpr std::uint32_t kMaxSysctlInt = 2147483647;
constexpr std::uint32_t kMaxSyncRefreshPeriod = kMaxSysctlInt / 1000;
// A port's MTU: IPv4's least (RFC 791) to a jumbo frame's; IPv6 needs 1280
// (RFC 8200).
constexpr std::uint16_t kMinMtu = 68;
constexpr std::uint16_t kMaxMtu = 9000;
constexpr std::uint16_t kMinMtu6 = 1280;

std::vector<std::string> splitCommas(const std::string& s) {
  std::vector<std::string> parts;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    parts.push_back(part);
  }
  if (!s.empty() && s.back() == ',') {
    parts.emplace_back();
  }
  return parts;
}

// Parses "N" or "N-M" with both ends in [min, max]; nullopt when malformed.
std::optional<std::pair<std::uint32_t, std::uint32_t>> readSpan(const std::string& s, std::uint32_t min,
                                                                std::uint32_t max) {
  const auto dash = s.find('-');
  auto num = [&](const std::string& t) -> std::optional<std::uint32_t> {
    if (t.empty() || t.size() > 10 || t.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    const auto v = std::stoull(t);
    if (v < min || v > max) {
      return std::nullopt;
    }
    return static_cast<std::uint32_t>(v);
  };
  const auto first = num(s.substr(0, dash));
  const auto last = dash == std::string::npos ? first : num(s.substr(dash + 1));
  if (!first || !last || *last < *first) {
    return std::nullopt;
  }
  return std::pair{*first, *last};
}

// The top-level parts of a comma list: commas inside (...) stay.
std::vector<std::string> splitOutsideParens(const std::string& s) {
  std::vector<std::string> parts(1);
  int depth = 0;
  for (const char c : s) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

// "N", "N-M" or DPDK's group "(N,M-K)": the numbers in [0, kMaxLcore];
// nullopt when malformed.
std::optional<std::vector<std::uint32_t>> readGroup(const std::string& s) {
  std::string inner = s;
  if (s.size() >= 2 && s.front() == '(' && s.back() == ')') inner = s.substr(1, s.size() - 2);
  if (inner.empty() || inner.find_first_of("()@") != std::string::npos) return std::nullopt;
  std::vector<std::uint32_t> out;
  for (const std::string& part : splitCommas(inner)) {
    const auto span = readSpan(part, 0, kMaxLcore);
    if (!span) return std::nullopt;
    for (auto n = span->first; n <= span->second; ++n) out.push_back(n);
  }
  return out;
}

// `lcores 0-1` / `lcores 0,2,4` / `lcores 0 2-3`, or DPDK's lcore-to-CPU
// map `lcores 0@0,(1-2)@1`: lcores 0, 1 and 2, the last two sharing CPU 1
// (more workers than CPUs: a lab, or a VM).
void readLcores(Dataplane& dp, const Args& a) {
  std::string words;
  for (std::size_t i = 0; i < std::max<std::size_t>(a.size(), 1); ++i) words += (i ? "," : "") + a.text(i);
  const bool map = words.find_first_of("@(") != std::string::npos;
  const std::string form = map ? "a core list like 0-3 or 0,2,4, or an lcore map like 0@0,(1-2)@1"
                               : "a core list like 0-3 or 0,2,4";
  for (const std::string& part : map ? splitOutsideParens(words) : splitCommas(words)) {
    const auto at = part.find('@');
    const auto ids = readGroup(part.substr(0, at));
    if (!ids || (at != std::string::npos && !readGroup(part.substr(at + 1)))) {
      a.fail("lcores '" + part + "' is not " + form + " (lcores and CPUs 0-" + std::to_string(kMaxLcore) + ")");
    }
    for (const auto id : *ids) {
      if (std::find(dp.lcores.begin(), dp.lcores.end(), id) != dp.lcores.end()) {
        a.fail("lcores lists lcore " + std::to_string(id) + " twice");
      }
      dp.lcores.push_back(id);
    }
  }
  if (map) dp.lcoreMap = words;
}

// `80,443`, `10000-20000`, or both mixed; may span several words.
std::vector<PortRange> readPorts(const Args& a, std::size_t from) {
  std::vector<PortRange> ports;
  for (std::size_t i = from; i < a.size(); ++i) {
    for (const auto& part : splitCommas(a.text(i))) {
      const auto span = readSpan(part, 1, 65535);
      if (!span) {
        a.fail(i, "ports '" + a.text(i) + "' is not a port list like 80,443 or 10000-20000");
      }
      ports.push_back({static_cast<std::uint16_t>(span->first), static_cast<std::uint16_t>(span->second)});
    }
  }
  return ports;
}

void requirePort(ParseContext& ctx, const std::string& dev, const SourceLocation& where,
                 const std::string& what) {
  ctx.defer([dev, where, what](Config& c, Diagnostics& diag) {
    if (c.dataplane && c.dataplane->findPort(dev) == nullptr) {
      diag.error(where, what + " dev '" + dev + "' is not a port of the dataplane block");
    }
  });
}

Block<DataplanePort> portGrammar() {
  Block<DataplanePort> b;
  b.value("device", [](DataplanePort& p, const Args& a) {
    a.expect(1, 1);
    p.device = a.text(0);
  });
  b.value("address", [](DataplanePort& p, const Args& a) {
    a.expect(1, 1);
    if (a.text(0).find('/') == std::string::npos) {
      a.fail(0, "address '" + a.text(0) + "' needs a prefix length, e.g. 10.0.0.2/24");
    }
    p.addresses.push_back(a.prefix(0));
  });
  b.value("gateway", [](DataplanePort& p, const Args& a) {
    a.expect(1, 1);
    p.gateway = a.ip(0);
  });
  b.value("queues", [](DataplanePort& p, const Args& a) {
    a.expect(1, 1);
    p.queues = a.number<std::uint16_t>(0, 1, 128);
  });
  // The MTU sluice assumes for the port's link; the link's own is not changed.
  b.value("mtu", [](DataplanePort& p, const Args& a) {
    a.expect(1, 1);
    p.mtu = a.number<std::uint16_t>(0, kMinMtu, kMaxMtu);
  });
  b.value("exception_tap", [](DataplanePort& p, const Args& a) {
    a.expect(1, 1);
    const std::string& name = a.text(0);
    if (name.empty() || name.size() > 15 || name.find_first_of("/ ,:=") != std::string::npos) {
      a.fail(0, "exception_tap '" + name + "' is not an interface name (1-15 characters, no '/', ',', ':', '=')");
    }
    p.exceptionTap = name;
  });
  return b;
}

Block<FwmarkRule> fwmarkGrammar() {
  Block<FwmarkRule> b;
  b.value("match", [](FwmarkRule& rule, const Args& a) {
    FwmarkMatch m;
    m.destination = a.prefix(0);
    const auto proto = a.oneOf(1, {"tcp", "udp", "sctp"});
    m.protocol = proto == "tcp" ? Protocol::kTcp : proto == "udp" ? Protocol::kUdp : Protocol::kSctp;
    m.ports = readPorts(a, 2);
    rule.matches.push_back(std::move(m));
  });
  return b;
}

// IPVS's sync sysctls (Documentation/networking/ipvs-sysctl.rst) with the
// kernel's rules, and sluice's own settings of the sync between two routers.
void addSyncValues(Block<Dataplane>& b) {
  // `sync_threshold THRESHOLD [PERIOD]`: like writing the sysctl, one value
  // leaves the period as it is.
  b.value("sync_threshold", [](Dataplane& dp, const Args& a) {
    a.expect(1, 2);
    const auto threshold = a.number<std::uint32_t>(0, 0, kMaxSysctlInt);
    const auto period = a.size() == 2 ? a.number<std::uint32_t>(1, 0, kMaxSysctlInt) : dp.syncPeriod;
    if (period != 0 && threshold >= period) {
      a.fail(0, "sync_threshold " + std::to_string(threshold) + " must be below the sync period " +
                    std::to_string(period) + " (or the period 0: one sync at the threshold)");
    }
    dp.syncThreshold = threshold;
    dp.syncPeriod = period;
  });
  b.value("sync_refresh_period", [](Dataplane& dp, const Args& a) {
    a.expect(1, 1);
    dp.syncRefreshPeriod = std::chrono::seconds{a.number<std::uint32_t>(0, 0, kMaxSyncRefreshPeriod)};
  });
  b.value("sync_retries", [](Dataplane& dp, const Args& a) {
    a.expect(1, 1);
    dp.syncRetries = a.number<std::uint8_t>(0, 0, 3);
  });
  b.value("sync_takeover_wait", [](Dataplane& dp, const Args& a) {
    a.expect(1, 1);
    dp.syncTakeoverWait = a.timer(0, Duration{0}, std::chrono::seconds{3600});
  });
  b.value("sync_bulk_port", [](Dataplane& dp, const Args& a) {
    a.expect(1, 1);
    dp.syncBulkPort = a.port(0);
  });
}

void addDataplaneValues(Block<Dataplane>& b) {
  b.value("lcores", [](Dataplane& dp, const Args& a) {
    // Kept even when too short, so the block's end does not also
    // report "needs lcores".
    dp.lcores.clear();
    dp.lcoreMap.reset();
    readLcores(dp, a);
    if (dp.lcores.size() < 2) {
      a.fail("lcores needs at least two cores: the first runs the control plane, the others are workers");
    }
  });
  b.value("no_huge", [](Dataplane& dp, const Args& a) { dp.noHuge = a.flag(); });
  b.value("busy_poll", [](Dataplane& dp, const Args& a) { dp.busyPoll = a.flag(); });
  b.value("memory", [](Dataplane& dp, const Args& a) {
    a.expect(1, 1);
    dp.memoryMb = a.number<std::uint32_t>(0, 64, kMaxMemoryMb);
  });
  b.value("conn_table_size", [](Dataplane& dp, const Args& a) {
    a.expect(1, 1);
    dp.connTableSize = a.number<std::uint32_t>(0, 1024, kMaxConnTable);
  });
  b.value("lvs_timeouts", [](Dataplane& dp, const Args& a) { dp.lvsTimeouts = readLvsTimeouts(a); });
  // IPVS's expire_nodest_conn sysctl: without it, connections to a real
  // server that left the service finish; with it, their next packet is
  // dropped and the entry freed.
  b.value("expire_nodest_conn", [](Dataplane& dp, const Args& a) { dp.expireNodestConn = a.flag(); });
  // ip_vs_ftp: whether NAT services' FTP control connections are read,
  // and on which service ports (the module's `ports`, at most 8).
  b.value("ftp_helper", [](Dataplane& dp, const Args& a) { dp.ftpHelper = a.flag(); });
  b.value("ftp_ports", [](Dataplane& dp, const Args& a) {
    a.expect(1, kMaxFtpPorts);
    std::vector<std::uint16_t> ports;
    for (std::size_t i = 0; i < a.size(); ++i) {
      // Active mode's data port is the control port less one.
      const auto port = a.number<std::uint16_t>(i, 2, 65535);
      if (std::find(ports.begin(), ports.end(), port) != ports.end()) {
        a.fail(i, "ftp_ports lists " + std::to_string(port) + " twice");
      }
      ports.push_back(port);
    }
    dp.ftpPorts = std::move(ports);
  });
  addSyncValues(b);
  for (const std::string_view keyword : kClientLimitKeywords) {
    b.value(std::string(keyword),
            [keyword](Dataplane& dp, const Args& a) { readClientLimit(dp.clientLimits, keyword, a); });
  }
  b.value("route", [](Dataplane& dp, const Args& a) {
    if (a.size() != 5) {
      a.fail("route needs the form: route PREFIX via ADDRESS dev PORT");
    }
    StaticRoute r;
    r.destination = a.prefix(0);
    bool via = false;
    bool dev = false;
    for (std::size_t i = 1; i < 5; i += 2) {
      if (a.oneOf(i, {"via", "dev"}) == "via") {
        r.via = a.ip(i + 1);
        via = true;
      } else {
        r.dev = a.text(i + 1);
        dev = true;
        requirePort(a.context(), r.dev, a.whereOf(i + 1), "route");
      }
    }
    if (!via || !dev) {
      a.fail("route needs both 'via ADDRESS' and 'dev PORT'");
    }
    if (r.via.family != r.destination.address.family) {
      a.fail("route via " + config::toString(r.via) + " is not of the destination's address family");
    }
    dp.routes.push_back(std::move(r));
  });
  b.value("neighbor", [](Dataplane& dp, const Args& a) {
    if (a.size() != 5) {
      a.fail("neighbor needs the form: neighbor ADDRESS lladdr MAC dev PORT");
    }
    StaticNeighbor n;
    n.address = a.ip(0);
    bool lladdr = false;
    bool dev = false;
    for (std::size_t i = 1; i < 5; i += 2) {
      if (a.oneOf(i, {"lladdr", "dev"}) == "lladdr") {
        const auto mac = MacAddress::parse(a.text(i + 1));
        if (!mac) {
          a.fail(i + 1, "lladdr '" + a.text(i + 1) + "' is not a MAC address like 02:00:00:00:00:20");
        }
        n.lladdr = *mac;
        lladdr = true;
      } else {
        n.dev = a.text(i + 1);
        dev = true;
        requirePort(a.context(), n.dev, a.whereOf(i + 1), "neighbor");
      }
    }
    if (!lladdr || !dev) {
      a.fail("neighbor needs both 'lladdr MAC' and 'dev PORT'");
    }
    dp.neighbors.push_back(std::move(n));
  });
}

// net_af_packet's qpairs=N opens N sockets that the kernel spreads a
// port's packets over (PACKET_FANOUT): a socket no worker reads loses its
// share without a trace, so the port must poll exactly N queues.
void checkAfPacketQueues(const DataplanePort& p, const Args& a) {
  if (p.device.rfind("net_af_packet", 0) != 0) return;
  const auto at = p.device.find(",qpairs=");
  if (at == std::string::npos) return;
  const std::string n = p.device.substr(at + 8, p.device.find(',', at + 8) - at - 8);
  if (n != std::to_string(p.queues.value_or(1))) {
    a.fail("port '" + p.name + "': net_af_packet with qpairs=" + n + " spreads the packets over " + n +
           " queues; give the port `queues " + n + "` so that every queue is read");
  }
  // DPDK 22.11 asks the kernel to reassemble IPv4 datagrams before it
  // spreads them (PACKET_FANOUT_FLAG_DEFRAG); one larger than a frame
  // arrives cut short.
  if (n != "1") {
    a.warn("port '" + p.name + "': net_af_packet with qpairs=" + n +
           " has the kernel reassemble IPv4 fragments before sluice sees them, and drops those larger than a "
           "frame (counted as truncated); use net_af_xdp where fragmented IPv4 must pass");
  }
}

void closePort(Dataplane& dp, DataplanePort&& p, const Args& a) {
  if (p.device.empty()) {
    a.fail("port '" + p.name + "' needs a device (a PCI address or a DPDK vdev string)");
  }
  checkAfPacketQueues(p, a);
  if (p.mtu < kMinMtu6) {
    for (const IpPrefix& own : p.addresses) {
      if (own.address.isV6()) {
        a.error("port '" + p.name + "': mtu " + std::to_string(p.mtu) + " is below " + std::to_string(kMinMtu6) +
                ", the least IPv6 allows, and the port has the IPv6 address " + own.toString());
        break;
      }
    }
  }
  if (p.gateway) {
    const bool reachable = std::any_of(p.addresses.begin(), p.addresses.end(),
                                       [&](const IpPrefix& own) { return own.contains(*p.gateway); });
    if (!reachable) {
      a.error("gateway " + config::toString(*p.gateway) + " is not inside any address of port '" + p.name + "'");
    }
  }
  for (const DataplanePort& other : dp.ports) {
    if (p.exceptionTap && other.exceptionTap == p.exceptionTap) {
      a.fail("exception_tap " + *p.exceptionTap + " is taken by port '" + other.name + "'");
    }
  }
  if (a.context().define("dataplane port", p.name, a.where())) {
    dp.ports.push_back(std::move(p));
  }
}

Block<Dataplane> dataplaneGrammar() {
  Block<Dataplane> b;
  addDataplaneValues(b);
  b.child<DataplanePort>(
      "port",
      [](Dataplane&, const Args& a) {
        a.expect(1, 1);
        DataplanePort p;
        p.name = a.text(0);
        return p;
      },
      portGrammar(), closePort);
  b.child<FwmarkRule>(
      "fwmark",
      [](Dataplane&, const Args& a) {
        a.expect(1, 1);
        FwmarkRule rule;
        rule.mark = a.number<std::uint32_t>(0, 1, 4294967295u);
        return rule;
      },
      fwmarkGrammar(),
      [](Dataplane& dp, FwmarkRule&& rule, const Args& a) {
        if (rule.matches.empty()) {
          a.fail("fwmark " + std::to_string(rule.mark) + " has no match line");
        }
        if (a.context().define("dataplane fwmark", std::to_string(rule.mark), a.where())) {
          dp.fwmarks.push_back(std::move(rule));
        }
      });
  return b;
}

}  // namespace

void addDataplaneKeywords(Block<Config>& top) {
  top.child<Dataplane>(
      "dataplane",
      [](Config&, const Args& a) {
        a.none();
        return Dataplane{};
      },
      dataplaneGrammar(),
      [](Config& c, Dataplane&& dp, const Args& a) {
        if (!a.context().define("dataplane", "", a.where(), "a second dataplane block")) {
          return;
        }
        if (dp.lcores.empty()) {
          a.error("dataplane needs lcores (the first runs the control plane, the others are workers)");
        }
        if (dp.ports.empty()) {
          a.error("dataplane needs at least one port");
        }
        c.dataplane = std::move(dp);
      });
}

}  // namespace sluice::config
