#include "dataplane/forwarding_table.h"

#include <stdexcept>

namespace sluice::dp {

void ForwardingTable::prepareWorkers(unsigned workerCount) {
  workers.clear();
  workers.resize(workerCount);
  for (WorkerView& w : workers) {
    w.dests.resize(servers.size());
    for (std::size_t i = 0; i < servers.size(); ++i) {
      sched::Destination& d = w.dests[i];
      d.addr.bytes = std::to_array(servers[i].addr.b);
      d.addr.v6 = servers[i].v6;
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
    if (s.byMark || s.proto != t.proto || s.v6 != t.v6 || !(s.vip == t.dst)) continue;
    if (s.port == t.dstPort) return &s;
    if (s.port == 0) anyPort = &s;
  }
  return anyPort;
}

bool ForwardingTable::isOwnAddress(const IpAddr& addr, bool v6) const {
  for (const PortConfig& p : ports)
    for (const Prefix& a : p.addresses)
      if (a.v6 == v6 && a.addr == addr) return true;
  return false;
}

bool ForwardingTable::isVip(const IpAddr& addr, bool v6) const {
  for (const Prefix& v : ownedVips)
    if (v.v6 == v6 && v.addr == addr) return true;
  return false;
}

ForwardingTable::NextHop ForwardingTable::route(const IpAddr& dst, bool v6) const {
  for (const Route& r : routes) {
    if (r.dst.contains(dst, v6)) return NextHop{r.port, r.hasVia ? r.via : dst};
  }
  return NextHop{};
}

const Neighbour* NeighbourSet::find(const IpAddr& addr, bool v6, uint16_t port) const {
  for (const Neighbour& n : entries)
    if (n.port == port && n.v6 == v6 && n.addr == addr) return &n;
  return nullptr;
}

}  // namespace sluice::dp
