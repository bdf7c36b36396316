#include "dataplane/forwarding_table.h"

#include <stdexcept>
#include <vector>

namespace sluice::dp {
namespace {

// FNV-1a over the values a scheduler's state depends on.
class Fingerprint {
 public:
  template <class T>
  void add(const T& v) {
    const auto* p = reinterpret_cast<const unsigned char*>(&v);
    for (std::size_t i = 0; i < sizeof v; ++i) h_ = (h_ ^ p[i]) * 0x100000001B3ull;
  }
  void add(const std::string& s) {
    for (const char c : s) add(c);
    add(s.size());
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xCBF29CE484222325ull;
};

uint64_t schedulerFingerprint(const Service& s, const std::vector<RealServer>& servers) {
  Fingerprint f;
  f.add(s.scheduler);
  const sched::SchedulerOptions& o = s.schedulerOptions;
  f.add(o.fallback);
  f.add(o.hashPort);
  f.add(o.mhTableSize);
  f.add(o.lblcExpirationMs);
  f.add(o.lblcrExpirationMs);
  f.add(o.lblcTableEntries);
  for (uint32_t i = s.firstServer; i < s.firstServer + s.serverCount; ++i) {
    const RealServer& rs = servers[i];
    f.add(rs.destId);
    f.add(rs.addr);
    f.add(rs.port);
    f.add(rs.weight);
  }
  return f.value();
}

IndexKey serviceKey(const IpAddr& vip, bool v6, uint8_t proto, uint16_t port) {
  return IndexKey{vip, uint32_t{v6} << 24 | uint32_t{proto} << 16 | port};
}

IndexKey addressKey(const wire::IpAddress& a) { return IndexKey{IpAddr::of(a), a.isV6()}; }

IndexKey serverKey(uint32_t serviceIndex, const IpAddr& addr, bool v6, uint16_t port) {
  return IndexKey{addr, serviceIndex << 17 | uint32_t{v6} << 16 | port};
}

}  // namespace

void ForwardingTable::prepareWorkers(unsigned workerCount) {
  buildIndexes();
  schedulerKeys.clear();
  for (const Service& s : services) schedulerKeys.push_back(schedulerFingerprint(s, servers));
  workers.clear();
  workers.resize(workerCount);
  for (WorkerView& w : workers) {
    w.dests.resize(servers.size());
    for (std::size_t i = 0; i < servers.size(); ++i) {
      sched::Destination& d = w.dests[i];
      d.addr = servers[i].addr;
      d.port = servers[i].port;
      d.weight = servers[i].weight;
    }
    for (const Service& s : services) {
      auto scheduler = sched::makeScheduler(s.scheduler, s.schedulerOptions);
      if (!scheduler) throw std::invalid_argument("unknown scheduler '" + s.scheduler + "'");
      scheduler->update(std::span(w.dests).subspan(s.firstServer, s.serverCount));
      w.schedulers.push_back(std::move(scheduler));
    }
  }
}

void ForwardingTable::buildIndexes() {
  serviceIndex_.clear();
  markIndex_.clear();
  addressIndex_.clear();
  serverIndex_.clear();
  opsServerIndex_.clear();
  // The first of equal keys wins, as the scans did before there were indexes.
  for (uint32_t i = 0; i < services.size(); ++i) {
    const Service& s = services[i];
    if (s.byMark) {
      markIndex_.insert(IndexKey{{}, s.mark}, i);
    } else {
      serviceIndex_.insert(serviceKey(IpAddr::of(s.vip), s.vip.isV6(), s.proto, s.port), i);
    }
    for (uint32_t j = s.firstServer; j < s.firstServer + s.serverCount && j < servers.size(); ++j) {
      const RealServer& rs = servers[j];
      serverIndex_.insert(serverKey(i, IpAddr::of(rs.addr), rs.addr.isV6(), rs.port), 1);
    }
    if (s.onePacket) {
      const auto addOps = [&](const RealServer& rs) {
        if (rs.method == FwdMethod::kNat) {
          opsServerIndex_.insert(IndexKey{IpAddr::of(rs.addr), uint32_t{rs.addr.isV6()} << 16 | rs.port}, 1);
        }
      };
      for (uint32_t j = s.firstServer; j < s.firstServer + s.serverCount && j < servers.size(); ++j) addOps(servers[j]);
      if (s.sorryServer >= 0 && static_cast<std::size_t>(s.sorryServer) < servers.size()) {
        addOps(servers[static_cast<std::size_t>(s.sorryServer)]);
      }
    }
  }
  // Kinds combine: an address can be both a VIP and the router's own.
  FlatIndex own;
  for (const PortConfig& p : ports)
    for (const Prefix& a : p.addresses) own.insert(addressKey(a.addr), kOwnAddress);
  for (const Prefix& v : ownedVips) {
    const IndexKey k = addressKey(v.addr);
    addressIndex_.insert(k, kVipAddress | (own.find(k) != FlatIndex::kNone ? kOwnAddress : 0));
  }
  for (const PortConfig& p : ports)
    for (const Prefix& a : p.addresses) addressIndex_.insert(addressKey(a.addr), kOwnAddress);
  std::vector<Prefix> prefixes;
  prefixes.reserve(routes.size());
  for (const Route& r : routes) prefixes.push_back(r.dst);
  routeIndex_.build(prefixes);
}

uint32_t ForwardingTable::markOf(const FlowTuple& t) const {
  for (const FwmarkRule& r : fwmarkRules) {
    if ((r.proto == 0 || r.proto == t.proto) && t.dstPort >= r.portLow && t.dstPort <= r.portHigh &&
        r.dst.contains(t.dst, t.v6))
      return r.mark;
  }
  return 0;
}

bool ForwardingTable::markCoversAddress(const IpAddr& dst, bool v6) const {
  for (const FwmarkRule& r : fwmarkRules) {
    if (r.dst.contains(dst, v6)) return true;
  }
  return false;
}

const Service* ForwardingTable::findService(const FlowTuple& t, uint32_t mark) const {
  if (mark != 0) {
    if (const uint32_t i = markIndex_.find(IndexKey{{}, mark}); i != FlatIndex::kNone) return &services[i];
  }
  // An exact (VIP, protocol, port) service wins over a port-0 one.
  uint32_t i = serviceIndex_.find(serviceKey(t.dst, t.v6, t.proto, t.dstPort));
  if (i == FlatIndex::kNone && t.dstPort != 0) i = serviceIndex_.find(serviceKey(t.dst, t.v6, t.proto, 0));
  return i == FlatIndex::kNone ? nullptr : &services[i];
}

bool ForwardingTable::isServerOf(uint32_t serviceIndex, const IpAddr& addr, bool v6, uint16_t port,
                                 uint16_t anyPort) const {
  auto has = [&](uint16_t p) { return serverIndex_.find(serverKey(serviceIndex, addr, v6, p)) != FlatIndex::kNone; };
  return (port != 0 && has(port)) || (port == anyPort && has(0));
}

bool NeighbourSet::add(const Neighbour& n) {
  if (!index_.insert(keyOf(IpAddr::of(n.addr), n.addr.isV6(), n.port), static_cast<uint32_t>(entries_.size()))) {
    return false;
  }
  entries_.push_back(n);
  return true;
}

void NeighbourSet::clear() {
  entries_.clear();
  index_.clear();
}

}  // namespace sluice::dp
