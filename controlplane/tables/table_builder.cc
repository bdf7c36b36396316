#include "controlplane/tables/table_builder.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <set>
#include <string>

#include "controlplane/config/keys.h"
#include "controlplane/config/sched_flags.h"

namespace sluice::tables {
namespace {

using config::ForwardingMethod;
using config::Protocol;
using config::VirtualServer;

// Addresses a virtual_server_group range may expand to, in all.
constexpr uint32_t kMaxGroupAddresses = 4096;

uint8_t protoNumber(Protocol p) {
  switch (p) {
    case Protocol::kTcp:
      return dp::kProtoTcp;
    case Protocol::kUdp:
      return dp::kProtoUdp;
    case Protocol::kSctp:
      return dp::kProtoSctp;
  }
  return dp::kProtoTcp;
}

dp::FwdMethod method(ForwardingMethod m) {
  switch (m) {
    case ForwardingMethod::kNat:
      return dp::FwdMethod::kNat;
    case ForwardingMethod::kDr:
      return dp::FwdMethod::kDr;
    case ForwardingMethod::kTun:
      return dp::FwdMethod::kTun;
  }
  return dp::FwdMethod::kNat;
}

// The next address (the last octet and upward carry), for group ranges.
wire::IpAddress nextAddress(const wire::IpAddress& a) {
  if (a.isV4()) return wire::IpAddress::fromV4(a.v4() + 1);
  wire::IpAddress next = a;
  for (int i = 15; i >= 0; --i) {
    if (++next.bytes[static_cast<std::size_t>(i)] != 0) break;
  }
  return next;
}

// One data-plane service a virtual_server becomes (a group becomes several).
struct ServiceAddress {
  bool byMark = false;
  uint32_t mark = 0;
  wire::IpAddress vip;
  uint16_t port = 0;
};

dp::Prefix hostPrefix(const wire::IpAddress& a) {
  return dp::Prefix{a, static_cast<uint8_t>(a.bitCount())};
}

// The prefix with its host bits cleared, as routes and rules are kept.
dp::Prefix networkOf(const config::IpPrefix& p) {
  const dp::IpAddr masked = dp::maskAddress(dp::IpAddr::of(p.address), p.length);
  return dp::Prefix{masked.toWire(p.address.isV6()), p.length};
}

// Adds a VIP the router answers for (ownOnce keeps the first of each).
void own(dp::ForwardingTable& t, const dp::Prefix& vip) { t.ownedVips.push_back(vip); }

// Keeps the first of each owned address, in order: a VIP may be named by
// many services, a VRRP instance and a fwmark rule. A set, not a scan per
// address: groups make tens of thousands of services.
void ownOnce(dp::ForwardingTable& t) {
  std::set<wire::IpAddress> seen;
  std::erase_if(t.ownedVips, [&](const dp::Prefix& v) { return !seen.insert(v.addr).second; });
}

std::vector<ServiceAddress> expand(const config::Config& cfg, const VirtualServer& vs) {
  std::vector<ServiceAddress> out;
  switch (vs.kind) {
    case config::VirtualServerKind::kAddress:
      out.push_back(ServiceAddress{false, 0, vs.address, vs.port});
      break;
    case config::VirtualServerKind::kFwmark:
      out.push_back(ServiceAddress{true, vs.fwmark, {}, 0});
      break;
    case config::VirtualServerKind::kGroup: {
      const config::VirtualServerGroup* g = cfg.findVirtualServerGroup(vs.group);
      if (g == nullptr) throw BuildError("virtual_server_group " + vs.group + " is not defined");
      uint32_t count = 0;
      for (const config::AddressRange& r : g->ranges) {
        for (wire::IpAddress a = r.first;; a = nextAddress(a)) {
          if (++count > kMaxGroupAddresses) {
            throw BuildError("virtual_server_group " + vs.group + " expands to more than " +
                             std::to_string(kMaxGroupAddresses) + " addresses");
          }
          out.push_back(ServiceAddress{false, 0, a, r.port});
          if (a == r.last) break;
        }
      }
      for (uint32_t mark : g->fwmarks) out.push_back(ServiceAddress{true, mark, {}, 0});
      break;
    }
  }
  return out;
}

// The id registry's name of one expanded service.
std::string idKey(const ServiceAddress& a, Protocol proto) {
  if (a.byMark) return "fwmark " + std::to_string(a.mark);
  return std::string(config::toString(proto)) + " " + config::toString(a.vip) + " " + std::to_string(a.port);
}

dp::TunnelType tunnelType(config::TunnelType t) {
  switch (t) {
    case config::TunnelType::kIpip:
      return dp::TunnelType::kIpip;
    case config::TunnelType::kGue:
      return dp::TunnelType::kGue;
    case config::TunnelType::kGre:
      return dp::TunnelType::kGre;
  }
  return dp::TunnelType::kIpip;
}

dp::RealServer realServer(const wire::IpAddress& addr, uint16_t port, uint32_t weight, const config::Forwarding& f,
                          uint16_t destId) {
  dp::RealServer rs;
  rs.destId = destId;
  rs.addr = addr;
  rs.port = port;
  rs.weight = static_cast<int32_t>(std::min<uint32_t>(weight, INT32_MAX));
  rs.method = method(f.method);
  if (f.method == ForwardingMethod::kTun) {
    // The parser and the API refuse such a spec already.
    if (const std::string problem = config::tunnelProblem(f.tunnel); !problem.empty()) {
      throw BuildError("real server " + config::toString(addr) + ": " + problem);
    }
    rs.tunnel.type = tunnelType(f.tunnel.type);
    rs.tunnel.port = f.tunnel.port;
    rs.tunnel.csum = f.tunnel.checksum;
  }
  return rs;
}

const char* familyName(bool v4) { return v4 ? "IPv4" : "IPv6"; }

// The data plane's tunnels carry IPv4 in IPv4 and IPv6 in IPv6 (IPVS also
// tunnels across families; sluice does not yet). A fwmark service takes the
// families of its mark's rules.
void checkTunnelFamily(const config::Config& cfg, const ServiceAddress& a, const std::string& key,
                       const wire::IpAddress& server, const config::Forwarding& f) {
  if (f.method != ForwardingMethod::kTun) return;
  auto refuse = [&](bool packetsV4) {
    throw BuildError("virtual service " + key + ": TUN server " + config::toString(server) + " would carry " +
                     familyName(packetsV4) + " packets in " + familyName(server.isV4()) +
                     "; sluice's tunnels carry IPv4 in IPv4 and IPv6 in IPv6 only");
  };
  if (!a.byMark) {
    if (a.vip.isV4() != server.isV4()) refuse(a.vip.isV4());
    return;
  }
  const config::FwmarkRule* rule = cfg.dataplane ? cfg.dataplane->findFwmark(a.mark) : nullptr;
  if (rule == nullptr) return;
  for (const config::FwmarkMatch& m : rule->matches) {
    if (m.destination.address.isV4() != server.isV4()) refuse(m.destination.address.isV4());
  }
}

// The weight a real server gets from its health; nullopt: left out.
std::optional<uint32_t> healthyWeight(const VirtualServer& vs, const config::RealServer& r, const HealthState* health) {
  if (health == nullptr) return r.weight;
  const auto it = health->servers.find({config::serviceKey(vs), config::serverKey(r.address, r.port)});
  if (it == health->servers.end()) return r.weight;
  if (!it->second.up) {
    if (r.inhibitOnFailure.value_or(vs.inhibitOnFailure)) return 0u;
    return std::nullopt;
  }
  return it->second.weight.value_or(r.weight);
}

// The per-client limits of a service: its virtual_server's, else the
// dataplane block's, else none. Steering then keeps each client prefix on
// one worker, whose counts are exact for it.
void setClientLimits(const config::Config& cfg, const VirtualServer& vs, dp::Service& s, dp::ForwardingTable& t) {
  const config::ClientLimits none;
  const config::ClientLimits& all = cfg.dataplane ? cfg.dataplane->clientLimits : none;
  const config::ClientLimits& own = vs.clientLimits;
  s.clientMaxConns = own.maxConnections.value_or(all.maxConnections.value_or(0));
  s.clientMaxRate = own.maxRate.value_or(all.maxRate.value_or(0));
  s.clientPrefix4 = own.prefixV4.value_or(all.prefixV4.value_or(32));
  s.clientPrefix6 = own.prefixV6.value_or(all.prefixV6.value_or(128));
  if (s.clientMaxConns == 0 && s.clientMaxRate == 0) return;
  // A fwmark service may see both families; an address service its VIP's.
  if (s.byMark || s.vip.isV4()) t.steerPrefix4 = std::min(t.steerPrefix4, s.clientPrefix4);
  if (s.byMark || !s.vip.isV4()) t.steerPrefix6 = std::min(t.steerPrefix6, s.clientPrefix6);
}

// defined: the id keys of the services added so far (a key names one
// protocol, address and port, or one mark).
void addServices(const config::Config& cfg, const VirtualServer& vs, dp::ForwardingTable& t, IdRegistry& ids,
                 const HealthState* health, const VipOwnership& ownership, std::set<std::string>& defined) {
  // A lost quorum hands every new connection to the sorry server.
  const bool sorryOnly = vs.sorryServer && health != nullptr && health->quorumLost.contains(config::serviceKey(vs));
  for (const ServiceAddress& a : expand(cfg, vs)) {
    const std::string key = idKey(a, vs.protocol);
    // IPVS refuses a service that exists; so do we (e.g. in a group and alone).
    if (!defined.insert(key).second) throw BuildError("virtual service " + key + " is defined twice");
    // NAT rewrites addresses of one family into the same family.
    for (const config::RealServer& r : vs.realServers) {
      if (!a.byMark && r.address.isV4() != a.vip.isV4() &&
          config::forwardingOf(vs, r).method == ForwardingMethod::kNat) {
        throw BuildError("virtual service " + key + ": NAT real server " + config::toString(r.address) +
                         " is of another address family");
      }
      checkTunnelFamily(cfg, a, key, r.address, config::forwardingOf(vs, r));
    }
    if (vs.sorryServer) {
      checkTunnelFamily(cfg, a, key, vs.sorryServer->address, config::forwardingOf(vs, *vs.sorryServer));
    }
    dp::Service s;
    s.serviceId = ids.service(key);
    s.byMark = a.byMark;
    s.mark = a.mark;
    s.vip = a.vip;
    s.port = a.port;
    // A VIP held by the VRRP master elsewhere: known (ids, counters) but not
    // served until this router takes it over.
    s.standby = !a.byMark && !ownership.holds(a.vip);
    s.proto = a.byMark ? 0 : protoNumber(vs.protocol);
    if (vs.persistenceTimeout) {
      // A persistent service needs a non-zero timeout to hold its templates.
      s.persistenceMs = static_cast<uint32_t>(std::max<int64_t>(vs.persistenceTimeout->count(), 1));
      // Without persistence_granularity a client is its whole address.
      const bool v6 = !a.byMark ? !a.vip.isV4() : (!vs.realServers.empty() && !vs.realServers[0].address.isV4());
      s.persistencePrefix = vs.persistenceGranularity.value_or(v6 ? 128 : 32);
      uint8_t& steer = v6 ? t.steerPrefix6 : t.steerPrefix4;
      steer = std::min(steer, s.persistencePrefix);
    }
    s.scheduler = vs.scheduler;
    if (vs.scheduler == "sh" || vs.scheduler == "mh") {
      // The two flags these schedulers read (sh-fallback / mh-fallback,
      // sh-port / mh-port); the others have none.
      s.schedulerOptions.fallback = (vs.schedFlags & config::kSchedFlag1) != 0;
      s.schedulerOptions.hashPort = (vs.schedFlags & config::kSchedFlag2) != 0;
    }
    s.onePacket = vs.ops;
    setClientLimits(cfg, vs, s, t);
    s.origin = config::serviceKey(vs);
    s.firstServer = static_cast<uint32_t>(t.servers.size());
    // The order IPVS's schedulers see: the kernel puts each real server it
    // is given at the head of the service's list, and keepalived gives them
    // in config order, so rr starts at the last one and wrr, sh, mh, lc and
    // the others break ties and fill their tables from the last one up
    // (docs/reference-kernel.md).
    // (Reverse iterators: clang 14 cannot compile libstdc++ 12's views::reverse.)
    for (auto it = vs.realServers.rbegin(); it != vs.realServers.rend(); ++it) {
      const config::RealServer& r = *it;
      const std::optional<uint32_t> weight = healthyWeight(vs, r, health);
      if (!weight || sorryOnly) continue;
      dp::RealServer rs = realServer(r.address, r.port, *weight, config::forwardingOf(vs, r),
                                     ids.dest(key + " " + config::toString(r.address) + " " + std::to_string(r.port)));
      rs.upperThreshold = r.upperThreshold;
      rs.lowerThreshold = r.lowerThreshold;
      t.servers.push_back(rs);
    }
    s.serverCount = static_cast<uint32_t>(t.servers.size()) - s.firstServer;
    if (vs.sorryServer) {
      const config::SorryServer& sorry = *vs.sorryServer;
      s.sorryServer = static_cast<int32_t>(t.servers.size());
      t.servers.push_back(realServer(sorry.address, sorry.port, 1, config::forwardingOf(vs, sorry),
                                     ids.dest(key + " sorry " + config::toString(sorry.address) + " " +
                                              std::to_string(sorry.port))));
    }
    if (t.services.size() >= dp::kMaxServices || t.servers.size() > dp::kMaxDests) {
      throw BuildError("the data plane holds at most " + std::to_string(dp::kMaxServices) + " services and " +
                       std::to_string(dp::kMaxDests) + " real servers");
    }
    if (!s.standby && !a.byMark) own(t, hostPrefix(a.vip));
    t.services.push_back(std::move(s));
  }
}

void addOwnedVrrpAddresses(const config::Config& cfg, dp::ForwardingTable& t, const VipOwnership& ownership) {
  for (const config::VrrpInstance& vi : cfg.vrrpInstances) {
    for (const auto* list : {&vi.virtualIpAddresses, &vi.virtualIpAddressesExcluded}) {
      for (const config::VirtualIp& v : *list) {
        if (ownership.holds(v.address.address)) own(t, hostPrefix(v.address.address));
      }
    }
  }
}

// use_vmac: the port of each such instance accepts its virtual MAC, and
// answers ARP/ND from it for the addresses keepalived would put on its
// macvlan (config::onVirtualMac).
void addVirtualMacs(const config::Config& cfg, dp::ForwardingTable& t) {
  const config::Dataplane& dpc = *cfg.dataplane;
  auto indexOf = [&](const std::string& name) -> std::optional<uint16_t> {
    for (uint16_t i = 0; i < dpc.ports.size(); ++i) {
      if (dpc.ports[i].name == name) return i;
    }
    return std::nullopt;
  };
  for (const config::VrrpInstance& vi : cfg.vrrpInstances) {
    const std::optional<config::MacAddress> vmac = config::virtualMacOf(vi);
    const std::optional<uint16_t> port = vi.interface ? indexOf(*vi.interface) : std::nullopt;
    if (!vmac || !port) continue;
    const dp::MacAddr mac{vmac->bytes};
    std::vector<dp::MacAddr>& accepted = t.ports[*port].virtualMacs;
    if (std::find(accepted.begin(), accepted.end(), mac) == accepted.end()) accepted.push_back(mac);
    for (const auto* list : {&vi.virtualIpAddresses, &vi.virtualIpAddressesExcluded}) {
      for (const config::VirtualIp& v : *list) {
        if (config::onVirtualMac(vi, v)) t.vipMacs.push_back({v.address.address, *port, mac});
      }
    }
  }
}

// A fwmark rule's single-address destinations are VIPs too: the router
// must answer ARP for them and accept their pings.
void addOwnedFwmarkAddresses(const config::Dataplane& dp, dp::ForwardingTable& t, const VipOwnership& ownership) {
  for (const config::FwmarkRule& rule : dp.fwmarks) {
    for (const config::FwmarkMatch& m : rule.matches) {
      if (m.destination.length == m.destination.address.bitCount() && ownership.holds(m.destination.address)) {
        own(t, toPrefix(m.destination));
      }
    }
  }
}

void addRoutes(const config::Dataplane& dp, dp::ForwardingTable& t) {
  for (uint16_t i = 0; i < dp.ports.size(); ++i) {
    const config::DataplanePort& port = dp.ports[i];
    for (const config::IpPrefix& a : port.addresses) {
      dp::Route r;
      r.dst = networkOf(a);
      r.port = i;
      t.routes.push_back(r);
    }
    if (port.gateway) {
      dp::Route r;
      // The default route of the gateway's family.
      r.dst = dp::Prefix{wire::IpAddress{{}, port.gateway->family}, 0};
      r.via = *port.gateway;
      r.hasVia = true;
      r.port = i;
      t.routes.push_back(r);
    }
  }
  for (const config::StaticRoute& s : dp.routes) {
    dp::Route r;
    r.dst = networkOf(s.destination);
    r.via = s.via;
    r.hasVia = true;
    r.port = portIndex(dp, s.dev);
    if (r.port == dp::kNoPort) throw BuildError("route " + s.destination.toString() + ": no port " + s.dev);
    t.routes.push_back(r);
  }
  // Longest prefix first; among equals, the order written.
  std::stable_sort(t.routes.begin(), t.routes.end(),
                   [](const dp::Route& a, const dp::Route& b) { return a.dst.len > b.dst.len; });
}

void addFwmarkRules(const config::Dataplane& dp, dp::ForwardingTable& t) {
  for (const config::FwmarkRule& rule : dp.fwmarks) {
    for (const config::FwmarkMatch& m : rule.matches) {
      dp::FwmarkRule r;
      r.dst = networkOf(m.destination);
      r.proto = protoNumber(m.protocol);
      r.mark = rule.mark;
      if (m.ports.empty()) {
        t.fwmarkRules.push_back(r);
      }
      for (const config::PortRange& pr : m.ports) {
        r.portLow = pr.first;
        r.portHigh = pr.last;
        t.fwmarkRules.push_back(r);
      }
    }
  }
}

}  // namespace

dp::Prefix toPrefix(const config::IpPrefix& p) { return dp::Prefix{p.address, p.length}; }

uint16_t portIndex(const config::Dataplane& dataplane, std::string_view name) {
  for (uint16_t i = 0; i < dataplane.ports.size(); ++i) {
    if (dataplane.ports[i].name == name) return i;
  }
  return dp::kNoPort;
}

dp::ConnTimeouts timeoutsOf(const config::Config& config) {
  dp::ConnTimeouts timeouts;
  const std::optional<config::LvsTimeouts> sources[] = {
      config.globalDefs.lvsTimeouts, config.dataplane ? config.dataplane->lvsTimeouts : std::nullopt};
  for (const auto& t : sources) {
    if (!t) continue;
    auto seconds = [](const std::optional<config::Duration>& v) {
      return v ? static_cast<uint32_t>(v->count() / 1000) : 0u;
    };
    timeouts.set(seconds(t->tcp), seconds(t->tcpFin), seconds(t->udp));
  }
  return timeouts;
}

std::unique_ptr<dp::ForwardingTable> buildTable(const config::Config& config, std::span<const dp::MacAddr> portMacs,
                                                IdRegistry& ids, const HealthState* health,
                                                const VipOwnership* ownership) {
  static const VipOwnership kEveryVip;
  const VipOwnership& held = ownership ? *ownership : kEveryVip;
  if (!config.dataplane) throw BuildError("the configuration has no dataplane block");
  const config::Dataplane& dpc = *config.dataplane;
  if (portMacs.size() != dpc.ports.size()) throw BuildError("port count differs from the dataplane block");
  auto t = std::make_unique<dp::ForwardingTable>();
  t->timeouts = timeoutsOf(config);
  t->expireNodestConn = dpc.expireNodestConn;
  if (dpc.ftpHelper) {
    for (const std::uint16_t port : dpc.ftpPorts) {
      if (t->ftpPortCount == t->ftpPorts.size()) break;  // the grammar allows no more
      t->ftpPorts[t->ftpPortCount++] = port;
    }
  }
  t->sync.threshold = dpc.syncThreshold;
  t->sync.period = dpc.syncPeriod;
  t->sync.refreshMs = static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(dpc.syncRefreshPeriod).count());
  t->sync.retries = dpc.syncRetries;
  for (std::size_t i = 0; i < dpc.ports.size(); ++i) {
    dp::PortConfig pc;
    pc.mac = portMacs[i];
    for (const config::IpPrefix& a : dpc.ports[i].addresses) pc.addresses.push_back(toPrefix(a));
    pc.mtu = dpc.ports[i].mtu;
    t->ports.push_back(std::move(pc));
  }
  std::set<std::string> defined;
  for (const VirtualServer& vs : config.virtualServers) addServices(config, vs, *t, ids, health, held, defined);
  addOwnedVrrpAddresses(config, *t, held);
  addVirtualMacs(config, *t);
  addRoutes(dpc, *t);
  addFwmarkRules(dpc, *t);
  addOwnedFwmarkAddresses(dpc, *t, held);
  ownOnce(*t);
  t->buildIndexes();
  return t;
}

std::unique_ptr<dp::NeighbourSet> buildNeighbours(const config::Config& config,
                                                  std::span<const dp::Neighbour> learned) {
  auto set = std::make_unique<dp::NeighbourSet>();
  if (config.dataplane) {
    for (const config::StaticNeighbor& n : config.dataplane->neighbors) {
      dp::Neighbour e;
      e.addr = n.address;
      e.port = portIndex(*config.dataplane, n.dev);
      if (e.port == dp::kNoPort) throw BuildError("neighbor " + config::toString(n.address) + ": no port " + n.dev);
      std::copy(n.lladdr.bytes.begin(), n.lladdr.bytes.end(), e.mac.b.begin());
      set->add(e);
    }
  }
  for (const dp::Neighbour& n : learned) {
    set->add(n);  // a static entry wins over a learned one
  }
  return set;
}

}  // namespace sluice::tables
