// The immutable snapshots the control plane builds and publishes to every
// worker: the forwarding table (services, real servers, fwmark rules,
// routes, the router's own addresses) and, apart from it because it
// changes on its own and must not reset the schedulers, the neighbours.
// Workers only read it (the per-worker scheduler state it carries is
// written by its own worker alone); a change is a new snapshot, so a change
// reaches every worker or none. Per-packet lookups go through hash and
// prefix indexes built with the snapshot (flat_index.h, route_index.h):
// their cost does not grow with the number of services, routes or
// neighbours.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dataplane/cache_line.h"
#include "dataplane/conn_state.h"
#include "dataplane/flat_index.h"
#include "dataplane/flow.h"
#include "dataplane/route_index.h"
#include "dataplane/sync_decision.h"
#include "schedulers/scheduler.h"

namespace sluice::dp {

struct MacAddr {
  std::array<uint8_t, 6> b{};
  friend bool operator==(const MacAddr&, const MacAddr&) = default;
};

enum class FwdMethod : uint8_t { kNat, kDr, kTun };

inline constexpr uint16_t kMaxServices = 16384;
inline constexpr uint16_t kMaxDests = 16384;
// FTP control ports at most (ip_vs_ftp's `ports` parameter takes 8).
inline constexpr unsigned kMaxFtpPorts = 8;
inline constexpr uint16_t kMaxPorts = 16;
inline constexpr uint16_t kNoPort = 0xFFFF;

// How a TUN real server is reached (keepalived's `lvs_method TUN type
// ipip|gue port N|gre [nocsum|csum]`): the client's packet inside an
// outer IP header from the router's address on the egress port to the
// real server, with a GUE (UDP) or GRE header between for those types.
enum class TunnelType : uint8_t { kIpip, kGue, kGre };

struct Tunnel {
  TunnelType type = TunnelType::kIpip;
  uint16_t port = 0;   // GUE: the UDP destination port (host order)
  bool csum = false;   // GUE: a UDP checksum; GRE: the GRE checksum
  friend bool operator==(const Tunnel&, const Tunnel&) = default;
};

struct RealServer {
  uint16_t destId = 0;  // stable across snapshots: counters and connections refer to it
  wire::IpAddress addr{};
  uint16_t port = 0;    // host order
  int32_t weight = 1;
  FwdMethod method = FwdMethod::kNat;  // IPVS forwards per real server
  Tunnel tunnel;                       // with kTun
  uint32_t upperThreshold = 0;
  uint32_t lowerThreshold = 0;
};

// Aligned to a cache line, the fields a packet reads first and the
// control path's strings and options after them: a lookup touches one line.
struct alignas(kCacheLine) Service {
  uint16_t serviceId = 0;  // stable across snapshots
  bool byMark = false;
  bool standby = false;    // its VIP is held by another router (VRRP backup): no new connections
  uint32_t mark = 0;
  wire::IpAddress vip{};   // unset with byMark
  uint16_t port = 0;       // host order; 0: every port (byMark, or a persistent port-0 service)
  uint8_t proto = 0;       // 0 with byMark: any
  uint8_t persistencePrefix = 32;    // persistence_granularity as a prefix length (128 for IPv6 by default)
  bool onePacket = false;  // ops: each UDP datagram scheduled alone, no connection kept
  uint32_t persistenceMs = 0;        // 0: no persistence
  uint32_t firstServer = 0;  // into ForwardingTable::servers
  uint32_t serverCount = 0;
  int32_t sorryServer = -1;  // index into servers, used when no real server may take a flow
  // Per-client limits of new connections (0: none): live connections and
  // new ones per second of a client, the client being its address masked
  // to clientPrefix (client_prefix_v4 or _v6, by the VIP's family).
  uint32_t clientMaxConns = 0;
  uint32_t clientMaxRate = 0;
  uint8_t clientPrefix4 = 32;
  uint8_t clientPrefix6 = 128;
  // Read when a worker builds its schedulers, not per packet.
  std::string scheduler = "wlc";
  sched::SchedulerOptions schedulerOptions;
  std::string origin;        // the virtual_server it comes from, as the API names it (control path only)
};

struct FwmarkRule {
  Prefix dst;
  uint8_t proto = 0;  // 0: any
  uint16_t portLow = 0;
  uint16_t portHigh = 0xFFFF;
  uint32_t mark = 0;
};

struct Route {
  Prefix dst;
  wire::IpAddress via{};  // the next hop; unset (connected) when !hasVia
  bool hasVia = false;
  uint16_t port = 0;
};

struct Neighbour {
  wire::IpAddress addr{};
  uint16_t port = 0;
  MacAddr mac;
};

struct PortConfig {
  MacAddr mac;
  std::vector<Prefix> addresses;  // the router's own, with their prefix lengths
  uint16_t mtu = 1500;            // the largest IP packet the port sends (tunnels check it)
  // VRRP virtual MACs (use_vmac) of the instances on this port: frames to
  // them are the router's as much as frames to `mac`.
  std::vector<MacAddr> virtualMacs;

  // True when a unicast destination address is this port's own or one of its virtual MACs.
  bool accepts(const uint8_t* dst) const {
    if (std::memcmp(dst, mac.b.data(), 6) == 0) return true;
    for (const MacAddr& m : virtualMacs) {
      if (std::memcmp(dst, m.b.data(), 6) == 0) return true;
    }
    return false;
  }
};

// A VIP that answers from a virtual MAC on a port (use_vmac).
struct VipMac {
  wire::IpAddress addr{};
  uint16_t port = 0;
  MacAddr mac;
};

class ForwardingTable {
 public:
  std::vector<Service> services;
  std::vector<RealServer> servers;
  std::vector<FwmarkRule> fwmarkRules;
  std::vector<Route> routes;  // sorted by prefix length, longest first
  std::vector<PortConfig> ports;
  std::vector<Prefix> ownedVips;  // VIPs this router answers for (/32, /128)
  std::vector<VipMac> vipMacs;    // the VIPs whose ARP/ND answers carry a virtual MAC
  // Steering (steering.h) hashes a client's address cut to these prefix
  // lengths: the coarsest persistence_granularity of the persistent
  // services, so that all the clients one template covers meet one worker.
  uint8_t steerPrefix4 = 32;
  uint8_t steerPrefix6 = 128;
  uint64_t version = 0;
  // Connection timeouts (lvs_timeouts); unset: the worker keeps its own.
  // Carried by the snapshot so that a reload changes them.
  std::optional<ConnTimeouts> timeouts;
  // IPVS's expire_nodest_conn: a packet of a connection whose real server
  // is not in this table is dropped and the connection freed; otherwise
  // such connections finish on the server they have.
  bool expireNodestConn = false;
  // Connection sync: whether this router sends its connections now (it is
  // the sync master) and IPVS's thresholds for when (sync_decision.h).
  SyncSettings sync;
  // The FTP helper (ip_vs_ftp's `ports`): a NAT TCP connection to one of
  // these service ports is an FTP control connection whose PASV/EPSV
  // replies and PORT/EPRT commands open data connections. None: off.
  std::array<uint16_t, kMaxFtpPorts> ftpPorts{};
  uint8_t ftpPortCount = 0;
  bool isFtpPort(uint16_t port) const {
    for (uint8_t i = 0; i < ftpPortCount; ++i) {
      if (ftpPorts[i] == port) return true;
    }
    return false;
  }

  // Per worker, per service: scheduler instances and the real servers as
  // the scheduler sees them (weights from the config, counters kept by the
  // worker). Built on the control path; each worker touches only its row,
  // and the rows sit on cache lines of their own.
  struct alignas(kCacheLine) WorkerView {
    std::vector<std::unique_ptr<sched::Scheduler>> schedulers;  // by service index
    std::vector<sched::Destination> dests;                      // parallel to servers
  };
  std::vector<WorkerView> workers;
  // Per service: a fingerprint of what its scheduler's state depends on
  // (scheduler, options, real servers and weights). A worker moving to a new
  // snapshot keeps the scheduler of a service whose fingerprint is the same,
  // so a change elsewhere does not reset an rr position or an lblc table.
  std::vector<uint64_t> schedulerKeys;

  // Builds the per-worker views and the lookup indexes (control path;
  // throws on an unknown scheduler name, which config validation has
  // already excluded).
  void prepareWorkers(unsigned workerCount);

  // Builds the indexes the lookups below read, and nothing else: a table's
  // lookups see its vectors as they were at the last buildIndexes() or
  // prepareWorkers() (control path).
  void buildIndexes();

  // The service a packet belongs to: by fwmark when a rule marks it, else by
  // (VIP, protocol, port). nullptr when none. Thread-safe (read-only).
  const Service* findService(const FlowTuple& t, uint32_t mark) const;

  // The fwmark the rules give a packet, 0 when none matches. The rules are
  // ranges tried in order, as iptables' are: a scan of the (few) rules.
  uint32_t markOf(const FlowTuple& t) const;
  // True when a firewall-mark rule covers dst on some port: a fragment,
  // which may have no ports, may be to a fwmark service.
  bool markCoversAddress(const IpAddr& dst, bool v6) const;

  // True when addr is one of the router's own addresses (on any port). The
  // packet path asks with a tuple's key and family, the control path with
  // an address.
  bool isOwnAddress(const IpAddr& addr, bool v6) const { return (addressKind(addr, v6) & kOwnAddress) != 0; }
  bool isOwnAddress(const wire::IpAddress& addr) const { return isOwnAddress(IpAddr::of(addr), addr.isV6()); }

  // True when addr is a VIP or one of the router's own addresses: one lookup.
  bool isVipOrOwnAddress(const IpAddr& addr, bool v6) const { return addressKind(addr, v6) != 0; }

  // The MAC that answers ARP/ND for addr on port: its virtual MAC, else the
  // port's own (control path: a scan of the few VRRP addresses).
  const MacAddr& answerMac(uint16_t port, const wire::IpAddress& addr) const {
    for (const VipMac& v : vipMacs) {
      if (v.port == port && v.addr == addr) return v.mac;
    }
    return ports[port].mac;
  }

  // True when addr is a VIP this router serves (key or address, as above).
  bool isVip(const IpAddr& addr, bool v6) const { return (addressKind(addr, v6) & kVipAddress) != 0; }
  bool isVip(const wire::IpAddress& addr) const { return isVip(IpAddr::of(addr), addr.isV6()); }

  // True when `addr`:`port` is a real server of services[serviceIndex]
  // (a real server of port 0 matches the service's packets' port, `anyPort`).
  bool isServerOf(uint32_t serviceIndex, const IpAddr& addr, bool v6, uint16_t port, uint16_t anyPort) const;

  // True when addr:port is a NAT real server (or sorry server) of a
  // one-packet service, whose replies no connection translates back (a
  // server of port 0 matches every port).
  bool isOpsServer(const IpAddr& addr, bool v6, uint16_t port) const {
    if (opsServerIndex_.size() == 0) return false;
    return opsServerIndex_.find(IndexKey{addr, uint32_t{v6} << 16 | port}) != FlatIndex::kNone ||
           opsServerIndex_.find(IndexKey{addr, uint32_t{v6} << 16}) != FlatIndex::kNone;
  }

  // The port and next-hop address toward dst; port == kNoPort without a route.
  struct NextHop {
    uint16_t port = kNoPort;
    IpAddr addr{};
  };
  NextHop route(const IpAddr& dst, bool v6) const {
    const int32_t r = routeIndex_.find(dst, v6);
    if (r == RouteIndex::kNoRoute) return NextHop{};
    const Route& via = routes[static_cast<std::size_t>(r)];
    return NextHop{via.port, via.hasVia ? IpAddr::of(via.via) : dst};
  }

 private:
  static constexpr uint32_t kVipAddress = 1, kOwnAddress = 2;
  uint32_t addressKind(const IpAddr& addr, bool v6) const {
    const uint32_t k = addressIndex_.find(IndexKey{addr, v6});
    return k == FlatIndex::kNone ? 0 : k;
  }

  FlatIndex serviceIndex_;  // (VIP, family, protocol, port) -> index in services
  FlatIndex markIndex_;     // fwmark -> index in services
  FlatIndex addressIndex_;  // (address, family) -> kVipAddress | kOwnAddress
  FlatIndex serverIndex_;   // (address, family, service index, port) -> 1
  FlatIndex opsServerIndex_;  // (address, family, port) of ops services' NAT servers -> 1
  RouteIndex routeIndex_;
};

// The next hops' MAC addresses: static ones from the config and those the
// control plane learned. Read-only once published.
class NeighbourSet {
 public:
  uint64_t version = 0;

  // Adds a neighbour (control path); one already known for its address on
  // its port keeps its MAC address (false).
  bool add(const Neighbour& n);
  void clear();
  const std::vector<Neighbour>& entries() const { return entries_; }

  // The entry for addr on port, nullptr when unresolved.
  const Neighbour* find(const IpAddr& addr, bool v6, uint16_t port) const {
    const uint32_t i = index_.find(keyOf(addr, v6, port));
    return i == FlatIndex::kNone ? nullptr : &entries_[i];
  }
  const Neighbour* find(const wire::IpAddress& addr, uint16_t port) const {
    return find(IpAddr::of(addr), addr.isV6(), port);
  }

 private:
  static IndexKey keyOf(const IpAddr& addr, bool v6, uint16_t port) { return IndexKey{addr, uint32_t{v6} << 16 | port}; }

  std::vector<Neighbour> entries_;
  FlatIndex index_;  // (address, family, port) -> index in entries_
};

}  // namespace sluice::dp
