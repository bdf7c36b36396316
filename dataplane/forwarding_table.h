// The immutable snapshots the control plane builds and publishes to every
// worker: the forwarding table (services, real servers, fwmark rules,
// routes, the router's own addresses) and, apart from it because it
// changes on its own and must not reset the schedulers, the neighbours. Workers only read it (the per-worker scheduler
// state it carries is written by its own worker alone); a change is a new
// snapshot, so a change reaches every worker or none.
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
#include "dataplane/flow.h"
#include "dataplane/sync_decision.h"
#include "schedulers/scheduler.h"

namespace sluice::dp {

struct MacAddr {
  std::array<uint8_t, 6> b{};
  friend bool operator==(const MacAddr&, const MacAddr&) = default;
};

enum class FwdMethod : uint8_t { kNat, kDr, kTun };

inline constexpr uint16_t kMaxServices = 4096;
inline constexpr uint16_t kMaxDests = 16384;
inline constexpr uint16_t kMaxPorts = 16;
inline constexpr uint16_t kNoPort = 0xFFFF;

// A prefix test usable for IPv4 and IPv6 alike.
struct Prefix {
  wire::IpAddress addr{};
  uint8_t len = 0;

  // True when a packet's address (key form, of the tuple's family) is inside.
  bool contains(const IpAddr& a, bool v6) const {
    if (!ofFamily(addr, v6)) return false;
    uint8_t bits = len;
    for (int i = 0; i < 16 && bits > 0; ++i) {
      const uint8_t mask = bits >= 8 ? 0xFF : static_cast<uint8_t>(0xFF << (8 - bits));
      if ((a.b[i] & mask) != (addr.bytes[i] & mask)) return false;
      bits = bits >= 8 ? static_cast<uint8_t>(bits - 8) : 0;
    }
    return true;
  }
};

// True when a table's address is a packet's key of family v6. Per packet:
// no wire::IpAddress is built from the key, and the bytes compare in place
// as two words.
inline bool matches(const wire::IpAddress& a, const IpAddr& key, bool v6) {
  return ofFamily(a, v6) && std::memcmp(a.bytes.data(), key.b, 16) == 0;
}

// The address with its low bits cleared (persistence_granularity).
inline IpAddr maskAddress(const IpAddr& a, uint8_t prefixLen) {
  IpAddr r{};
  for (int i = 0; i < 16; ++i) {
    const int bits = prefixLen - i * 8;
    const uint8_t mask = bits >= 8 ? 0xFF : bits <= 0 ? 0 : static_cast<uint8_t>(0xFF << (8 - bits));
    r.b[i] = a.b[i] & mask;
  }
  return r;
}

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

struct Service {
  uint16_t serviceId = 0;  // stable across snapshots
  bool byMark = false;
  uint32_t mark = 0;
  wire::IpAddress vip{};   // unset with byMark
  uint16_t port = 0;       // host order; 0: every port (byMark, or a persistent port-0 service)
  uint8_t proto = 0;       // 0 with byMark: any
  uint32_t persistenceMs = 0;        // 0: no persistence
  uint8_t persistencePrefix = 32;    // persistence_granularity as a prefix length (128 for IPv6 by default)
  std::string scheduler = "wlc";
  sched::SchedulerOptions schedulerOptions;
  uint32_t firstServer = 0;  // into ForwardingTable::servers
  uint32_t serverCount = 0;
  int32_t sorryServer = -1;  // index into servers, used when no real server may take a flow
  bool standby = false;      // its VIP is held by another router (VRRP backup): no new connections
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
};

class ForwardingTable {
 public:
  std::vector<Service> services;
  std::vector<RealServer> servers;
  std::vector<FwmarkRule> fwmarkRules;
  std::vector<Route> routes;  // sorted by prefix length, longest first
  std::vector<PortConfig> ports;
  std::vector<Prefix> ownedVips;  // VIPs this router answers for (/32, /128)
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

  // Builds the per-worker views (control path; throws on an unknown
  // scheduler name, which config validation has already excluded).
  void prepareWorkers(unsigned workerCount);

  // The service a packet belongs to: by fwmark when a rule marks it, else by
  // (VIP, protocol, port). nullptr when none. Thread-safe (read-only).
  const Service* findService(const FlowTuple& t, uint32_t mark) const;

  // The fwmark the rules give a packet, 0 when none matches.
  uint32_t markOf(const FlowTuple& t) const;

  // True when addr is one of the router's own addresses (on any port). The
  // packet path asks with a tuple's key and family, the control path with
  // an address.
  bool isOwnAddress(const IpAddr& addr, bool v6) const;
  bool isOwnAddress(const wire::IpAddress& addr) const { return isOwnAddress(IpAddr::of(addr), addr.isV6()); }

  // True when addr is a VIP this router serves (key or address, as above).
  bool isVip(const IpAddr& addr, bool v6) const;
  bool isVip(const wire::IpAddress& addr) const { return isVip(IpAddr::of(addr), addr.isV6()); }

  // The port and next-hop address toward dst; port == kNoPort without a route.
  struct NextHop {
    uint16_t port = kNoPort;
    IpAddr addr{};
  };
  NextHop route(const IpAddr& dst, bool v6) const;
};

// The next hops' MAC addresses: static ones from the config and those the
// control plane learned. Read-only once published.
struct NeighbourSet {
  std::vector<Neighbour> entries;
  uint64_t version = 0;

  // The entry for addr on port, nullptr when unresolved.
  const Neighbour* find(const IpAddr& addr, bool v6, uint16_t port) const;
  const Neighbour* find(const wire::IpAddress& addr, uint16_t port) const {
    return find(IpAddr::of(addr), addr.isV6(), port);
  }
};

}  // namespace sluice::dp
