#include "dataplane/forwarding_table.h"

#include <stdexcept>

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

}  // namespace

void ForwardingTable::prepareWorkers(unsigned workerCount) {
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

uint32_t ForwardingTable::markOf(const FlowTuple& t) const {
  for (const FwmarkRule& r : fwmarkRules) {
    if ((r.proto == 0 || r.proto == t.proto) && t.dstPort >= r.portLow && t.dstPort <= r.portHigh &&
        r.dst.contains(t.dst, t.v6))
      return r.mark;
  }
  return 0;
}

const Service* ForwardingTable::findService(const FlowTuple& t, uint32_t mark) const {
  if (mark != 0) {
    for (const Service& s : services)
      if (s.byMark && s.mark == mark) return &s;
  }
  // An exact (VIP, protocol, port) service wins over a port-0 one.
  const Service* anyPort = nullptr;
  for (const Service& s : services) {
    if (s.byMark || s.proto != t.proto || !matches(s.vip, t.dst, t.v6)) continue;
    if (s.port == t.dstPort) return &s;
    if (s.port == 0) anyPort = &s;
  }
  return anyPort;
}

bool ForwardingTable::isOwnAddress(const IpAddr& addr, bool v6) const {
  for (const PortConfig& p : ports)
    for (const Prefix& own : p.addresses)
      if (matches(own.addr, addr, v6)) return true;
  return false;
}

bool ForwardingTable::isVip(const IpAddr& addr, bool v6) const {
  for (const Prefix& v : ownedVips)
    if (matches(v.addr, addr, v6)) return true;
  return false;
}

ForwardingTable::NextHop ForwardingTable::route(const IpAddr& dst, bool v6) const {
  for (const Route& r : routes) {
    if (r.dst.contains(dst, v6)) return NextHop{r.port, r.hasVia ? IpAddr::of(r.via) : dst};
  }
  return NextHop{};
}

const Neighbour* NeighbourSet::find(const IpAddr& addr, bool v6, uint16_t port) const {
  for (const Neighbour& n : entries)
    if (n.port == port && matches(n.addr, addr, v6)) return &n;
  return nullptr;
}

}  // namespace sluice::dp
