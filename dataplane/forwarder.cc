#include "dataplane/forwarder.h"

#include <algorithm>
#include <cstring>

#include "dataplane/conn_capacity.h"
#include "dataplane/icmp_too_big.h"
#include "dataplane/nat.h"
#include "dataplane/tunnel.h"

namespace sluice::dp {
namespace {

// Templates live in their own tables; this protocol value marks their keys.
constexpr uint8_t kTemplateProto = 0xFF;

bool isNeighbourDiscovery(const uint8_t* data, const ParsedPacket& p) {
  if (p.l4Proto != kProtoIcmpv6 || (p.flags & kFlagIcmpError)) return false;
  const uint8_t type = data[p.l4Offset];
  return type >= 133 && type <= 137;
}

bool isMulticast(const IpAddr& a, bool v6) { return v6 ? a.b[0] == 0xFF : (a.b[0] & 0xF0) == 0xE0; }

// A new flow from a VIP or the router's own address, or from a real server
// of the service at its service port (a reply with no connection): spoofed,
// or a loop; either way it must not create a connection.
bool spoofedSource(const ForwardingTable& table, const Service& s, const FlowTuple& t) {
  if (table.isVipOrOwnAddress(t.src, t.v6)) return true;
  const auto serviceIndex = static_cast<uint32_t>(&s - table.services.data());
  return table.isServerOf(serviceIndex, t.src, t.v6, t.srcPort, t.dstPort);
}

bool startsNewFlow(const uint8_t* data, const ParsedPacket& p) {
  switch (p.tuple.proto) {
    case kProtoTcp:
      // Only a SYN schedules: a stray ACK must not pick a real server.
      return (p.tcpFlags & (kTcpSyn | kTcpAck | kTcpRst)) == kTcpSyn;
    case kProtoSctp:
      // An INIT chunk first (type 1) opens an association.
      return p.l3End > p.l4Offset + 12 && data[p.l4Offset + 12] == 1;
    default:
      return true;
  }
}

template <class A>
ConnRecord record(const Conn<A>& c, uint32_t now, bool v6, const SeqShifts* seq) {
  ConnRecord r;
  r.client = c.client.ip();
  r.vip = c.vip.ip();
  r.rs = c.rs.ip();
  r.v6 = v6;
  r.isTemplate = (c.flags & kConnTemplate) != 0;
  r.proto = c.proto;
  r.method = c.method;
  r.state = c.state;
  r.clientPort = c.clientPort;
  r.vipPort = c.vipPort;
  r.rsPort = c.rsPort;
  r.serviceId = c.serviceId;
  r.destId = c.destId;
  r.expiresInMs = static_cast<int32_t>(c.expires - now);
  if (seq != nullptr) {
    r.hasSeq = true;
    r.seq = *seq;
  }
  return r;
}

// A persistence template's key: the client's network, and the VIP (the
// fwmark, as an IPv4 address, for fwmark services) with the service port.
template <class A>
struct TemplateKey {
  A client;
  A key;
  uint16_t port;
};

template <class A>
TemplateKey<A> templateKey(const Service& s, const IpAddr& client, const IpAddr& vip) {
  return {A::from(maskAddress(client, s.persistencePrefix)), s.byMark ? A::from(IpAddr::fromV4(s.mark)) : A::from(vip),
          static_cast<uint16_t>(s.byMark ? 0 : s.port)};
}

// The client a per-client limit counts: its address cut to the service's
// client prefix.
IpAddr clientOf(const Service& s, const IpAddr& addr, bool v6) {
  return maskAddress(addr, v6 ? s.clientPrefix6 : s.clientPrefix4);
}

// TIME_WAIT and CLOSE: the connection is over, its entry only waits out
// its timeout (or a SYN that reuses it).
bool closedState(ConnState s) { return s == ConnState::kTimeWait || s == ConnState::kClose; }

Verdict dropVerdict(DropReason r) {
  Verdict v;
  v.kind = Verdict::Kind::kDrop;
  v.reason = r;
  return v;
}

// The fragment table: 1,024 datagrams a worker follows at once, each for
// 2 s at most (fragments of one datagram come within milliseconds; the
// kernel's 30 s reassembly time would hold frames for nothing).
constexpr uint32_t kFragmentSets = 256;
constexpr uint32_t kFragmentTimeoutMs = 2000;
constexpr uint32_t kFragmentSweepSets = 16;  // sets examined per millisecond: all of them in 16 ms

// The client limit table: 32,768 clients of limited services per worker
// (4,096 sets of 8), within what Conn::limitRef can name.
constexpr uint32_t kClientLimitSets = 4096;
static_assert(kClientLimitSets * ClientLimitTable::kWays <= 65535);

}  // namespace

Forwarder::Forwarder(unsigned workerIndex, uint32_t connCapacity, const ConnTimeouts& timeouts)
    : worker_(workerIndex),
      timeouts_(timeouts),
      conns4_(connCapacity),
      conns6_(ipv6ConnCapacity(connCapacity)),
      templates4_(std::max<uint32_t>(connCapacity / 8, 1024)),
      templates6_(std::max<uint32_t>(connCapacity / 32, 1024)),
      destIndex_(new int32_t[kMaxDests]),
      serviceIndex_(new int32_t[kMaxServices]),
      serviceById_(new int32_t[kMaxServices]),
      hops_(new Hop[kMaxDests]),
      frags_(kFragmentSets, kHoldSlots, kFragmentTimeoutMs),
      clientLimits_(kClientLimitSets) {
  // FTP control connections whose replies were resized are few: one
  // shift set per 64 connections, within what Conn::seqRef can name.
  const uint32_t shifts = std::clamp<uint32_t>(connCapacity / 64, 256, 65535);
  seqShifts_.reset(new SeqShifts[shifts]);
  seqFree_.reset(new uint16_t[shifts]);
  for (uint32_t i = 0; i < shifts; ++i) seqFree_[i] = static_cast<uint16_t>(shifts - i);
  seqFreeTop_ = shifts;
  std::fill_n(destIndex_.get(), kMaxDests, -1);
  std::fill_n(serviceIndex_.get(), kMaxServices, -1);
  std::fill_n(serviceById_.get(), kMaxServices, -1);
}

void Forwarder::keepSchedulers(ForwardingTable& from, ForwardingTable::WorkerView& fromView) {
  // Both rows are this worker's: the old snapshot is retired only after
  // this worker reports quiescence, and takes the unused new schedulers.
  for (std::size_t j = 0; j < from.services.size(); ++j) serviceIndex_[from.services[j].serviceId] = static_cast<int32_t>(j);
  for (std::size_t i = 0; i < table_->services.size(); ++i) {
    const int32_t j = serviceIndex_[table_->services[i].serviceId];
    if (j >= 0 && from.schedulerKeys[static_cast<std::size_t>(j)] == table_->schedulerKeys[i]) {
      std::swap(view_->schedulers[i], fromView.schedulers[static_cast<std::size_t>(j)]);
    }
  }
  for (const Service& s : from.services) serviceIndex_[s.serviceId] = -1;
}

Forwarder::Hop Forwarder::lookupHop(const IpAddr& addr, bool v6) const {
  Hop h;
  const ForwardingTable::NextHop next = table_->route(addr, v6);
  if (next.port == kNoPort || next.port >= table_->ports.size() || neighbours_ == nullptr) return h;
  const Neighbour* n = neighbours_->find(next.addr, v6, next.port);
  if (n == nullptr) return h;
  std::memcpy(h.macs.data(), n->mac.b.data(), 6);
  std::memcpy(h.macs.data() + 6, table_->ports[next.port].mac.b.data(), 6);
  h.port = next.port;
  return h;
}

// Only the current table's servers have a hop: setTable clears those of
// the table before.
void Forwarder::resolveHops() {
  if (table_ == nullptr) return;
  for (const RealServer& rs : table_->servers) hops_[rs.destId] = lookupHop(IpAddr::of(rs.addr), rs.addr.isV6());
}

void Forwarder::setNeighbours(const NeighbourSet* neighbours) {
  neighbours_ = neighbours;
  resolveHops();
}

void Forwarder::setTable(ForwardingTable* table) {
  std::fill_n(destIndex_.get(), kMaxDests, -1);
  if (table_ != nullptr) {
    for (const RealServer& rs : table_->servers) hops_[rs.destId] = Hop{};
  }
  std::fill_n(serviceById_.get(), kMaxServices, -1);
  ForwardingTable* previous = table_;
  ForwardingTable::WorkerView* previousView = view_;
  table_ = table;
  view_ = table ? &table->workers.at(worker_) : nullptr;
  if (!table) return;
  if (previous != nullptr && previous != table) keepSchedulers(*previous, *previousView);
  // New timeouts apply as connections next see a packet or the sweep.
  if (table->timeouts) timeouts_ = *table->timeouts;
  for (std::size_t i = 0; i < table->services.size(); ++i) {
    serviceById_[table->services[i].serviceId] = static_cast<int32_t>(i);
  }
  tunnelSource_ = {};
  for (std::size_t port = 0; port < table->ports.size() && port < kMaxPorts; ++port) {
    for (bool v6 : {false, true}) {
      for (const Prefix& a : table->ports[port].addresses) {
        if (a.addr.isV6() != v6) continue;
        tunnelSource_[port][v6] = IpAddr::of(a.addr);
        break;
      }
    }
  }
  for (std::size_t i = 0; i < table->servers.size(); ++i) {
    const RealServer& rs = table->servers[i];
    destIndex_[rs.destId] = static_cast<int32_t>(i);
    sched::Destination& d = view_->dests[i];
    const TrafficCounters& c = counters_.dests[rs.destId];
    d.activeConns = static_cast<uint32_t>(c.activeConns.get());
    d.inactiveConns = static_cast<uint32_t>(c.inactiveConns.get());
    d.overloaded = sched::updateOverload(false, d.activeConns + d.inactiveConns, rs.upperThreshold, rs.lowerThreshold);
  }
  resolveHops();
}

sched::Destination* Forwarder::viewOf(uint16_t destId) {
  const int32_t i = destIndex_[destId];
  return i < 0 ? nullptr : &view_->dests[static_cast<std::size_t>(i)];
}

void Forwarder::accountState(uint16_t destId, ConnState from, ConnState to) {
  const bool wasActive = from != ConnState::kCount && isActiveState(from);
  const bool isActive = to != ConnState::kCount && isActiveState(to);
  TrafficCounters& c = counters_.dests[destId];
  sched::Destination* d = viewOf(destId);
  // kCount stands for "no connection": creation and release.
  if (from != ConnState::kCount) {
    if (wasActive == isActive && to != ConnState::kCount) return;
    (wasActive ? c.activeConns : c.inactiveConns).sub(1);
    if (d) --(wasActive ? d->activeConns : d->inactiveConns);
  }
  if (to != ConnState::kCount) {
    (isActive ? c.activeConns : c.inactiveConns).add(1);
    if (d) ++(isActive ? d->activeConns : d->inactiveConns);
  }
  if (d) {
    const RealServer& rs = table_->servers[static_cast<std::size_t>(destIndex_[destId])];
    d->overloaded = sched::updateOverload(d->overloaded, d->activeConns + d->inactiveConns, rs.upperThreshold,
                                          rs.lowerThreshold);
  }
}

template <class A>
void Forwarder::release(Conn<A>& c, ConnTable<A>& templates) {
  accountState(c.destId, c.state, ConnState::kCount);
  counters_.connections.sub(1);
  if (Conn<A>* t = templates.byRef(c.templateRef); t && t->controlled > 0) --t->controlled;
  if (c.seqRef != 0) [[unlikely]] {
    seqFree_[seqFreeTop_++] = c.seqRef;
    c.seqRef = 0;
  }
  if (c.flags & kConnNoClientPort) [[unlikely]] --ftpWaiting_;
  clientLimits_.release(c.limitRef);
}

template <class A>
bool Forwarder::reopenClient(Conn<A>& c, const FlowTuple& t, uint32_t now, Verdict& v) {
  const int32_t si = serviceById_[c.serviceId];
  if (si < 0 || c.limitRef != 0 || (c.flags & kConnFtpData) != 0) return true;
  const Service& s = table_->services[static_cast<std::size_t>(si)];
  if ((s.clientMaxConns | s.clientMaxRate) == 0) return true;
  uint16_t ref = 0;
  if (!admitClient(s, t, now, ref, v)) return false;
  if (ref != 0) {
    clientLimits_.opened(ref, true);
    c.limitRef = ref;
  }
  return true;
}

bool Forwarder::admitClient(const Service& s, const FlowTuple& t, uint32_t now, uint16_t& ref, Verdict& v) {
  ref = clientLimits_.acquire(s.serviceId, clientOf(s, t.src, t.v6), t.v6, now);
  if (ref == 0) {
    // Refusing clients the table cannot tell apart would punish the
    // innocent ones of a flood: admit, and count it.
    counters_.clientLimitTableFull.add(1);
    return true;
  }
  switch (clientLimits_.admits(ref, s.clientMaxConns, s.clientMaxRate, now)) {
    case ClientLimitTable::Admit::kYes:
      return true;
    case ClientLimitTable::Admit::kConnections:
      v = dropVerdict(DropReason::kClientLimitConnections);
      return false;
    case ClientLimitTable::Admit::kRate:
      v = dropVerdict(DropReason::kClientLimitRate);
      return false;
  }
  return true;
}

Verdict Forwarder::process(uint8_t* data, uint32_t len, uint32_t nowMs, uint16_t rxPort, uint16_t headroom,
                           uint16_t tailroom) {
  countReceived(1);
  return process(data, len, parsePacket(data, len), nowMs, rxPort, headroom, tailroom);
}

Verdict Forwarder::process(uint8_t* data, uint32_t len, const ParsedPacket& p, uint32_t nowMs, uint16_t rxPort,
                           uint16_t headroom, uint16_t tailroom) {
  headroom_ = headroom;
  tailroom_ = tailroom + (len > p.l3End ? len - p.l3End : 0u);  // the frame's padding, then the buffer's room
  Verdict v;
  // A port may see unicast frames for other hosts (a flooding switch, a
  // promiscuous socket): those are not ours to route.
  const bool otherHost = rxPort != kNoPort && table_ != nullptr && rxPort < table_->ports.size() && len >= 6 &&
                         (data[0] & 1) == 0 && !table_->ports[rxPort].accepts(data);
  switch (otherHost ? PacketKind::kDrop : p.kind) {
    case PacketKind::kDrop:
      v = dropVerdict(otherHost ? DropReason::kOtherHost : p.drop);
      break;
    case PacketKind::kArp:
      v.kind = Verdict::Kind::kException;
      break;
    case PacketKind::kIpv4:
    case PacketKind::kIpv6: {
      const bool v6 = p.kind == PacketKind::kIpv6;
      if (table_ == nullptr) {
        v = dropVerdict(DropReason::kNotForUs);
      } else if (p.flags & kFlagFragment) [[unlikely]] {
        v = v6 ? processFragment(data, p, nowMs, conns6_, templates6_)
               : processFragment(data, p, nowMs, conns4_, templates4_);
      } else {
        v = v6 ? processIp(data, p, nowMs, conns6_, templates6_) : processIp(data, p, nowMs, conns4_, templates4_);
      }
      break;
    }
  }
  return counted(v);
}

Verdict Forwarder::counted(const Verdict& v) {
  if (v.kind == Verdict::Kind::kDrop) counters_.drop(v.reason);
  if (v.kind == Verdict::Kind::kException) counters_.exceptionPackets.add(1);
  return v;
}

template <class A>
Verdict Forwarder::processFragment(uint8_t* data, const ParsedPacket& p, uint32_t now, ConnTable<A>& conns,
                                   ConnTable<A>& templates) {
  counters_.fragments.add(1);
  FragmentTable::Entry& e = frags_.acquire(FragmentKey::of(p), now);
  const uint32_t end = uint32_t{p.fragOffset} + (p.l3End - fragmentDataOffset(p));
  switch (frags_.addPiece(e, p.fragOffset, end, !p.fragMore)) {
    case FragmentTable::Piece::kAdded:
      break;
    case FragmentTable::Piece::kDuplicate:
      return dropVerdict(DropReason::kFragmentDuplicate);
    case FragmentTable::Piece::kTooMany:
      return dropVerdict(DropReason::kFragmentTooMany);
    case FragmentTable::Piece::kOverlap:
    case FragmentTable::Piece::kPoisoned:
      return dropVerdict(DropReason::kFragmentOverlap);
  }
  if (p.fragOffset == 0) {
    // The first fragment holds the ports: the ordinary path decides it
    // (and notes in fragNote_ where it went), the rest follow.
    fragNote_ = {};
    const Verdict v = processIp(data, p, now, conns, templates);
    frags_.decide(e, decisionOf(v));
    return v;
  }
  if (e.state == FragmentTable::State::kDecided) {
    const Verdict v = followFirst(data, p, e.decision);
    frags_.freeIfDone(e);
    return v;
  }
  const uint16_t slot = frags_.hold(e);
  if (slot == FragmentTable::kNoSlot) return dropVerdict(DropReason::kFragmentHoldFull);
  counters_.fragmentsHeld.add(1);
  Verdict v;
  v.kind = Verdict::Kind::kHold;
  v.holdSlot = slot;
  return v;
}

FragmentDecision Forwarder::decisionOf(const Verdict& v) const {
  FragmentDecision d = fragNote_;
  switch (v.kind) {
    case Verdict::Kind::kException:
      d.action = FragmentDecision::Action::kException;
      d.vrrp = v.vrrp;
      break;
    case Verdict::Kind::kTransmit:
      // Sent by a connection (fragNote_), unless the first fragment became
      // an ICMP error to its sender (too big for a tunnel).
      if (d.action != FragmentDecision::Action::kNone && !(v.length != 0 && v.prepend == 0)) break;
      d.action = FragmentDecision::Action::kDrop;
      d.reason = DropReason::kMtuExceeded;
      break;
    case Verdict::Kind::kDrop:
    case Verdict::Kind::kHold:
      d.action = FragmentDecision::Action::kDrop;
      d.reason = v.reason;
      break;
  }
  return d;
}

Verdict Forwarder::followFirst(uint8_t* data, const ParsedPacket& p, const FragmentDecision& d) {
  using Action = FragmentDecision::Action;
  if (d.action == Action::kException) {
    Verdict v;
    v.kind = Verdict::Kind::kException;
    v.vrrp = d.vrrp;
    return v;
  }
  if (d.action != Action::kToServer && d.action != Action::kToClient) return dropVerdict(d.reason);
  const bool toClient = d.action == Action::kToClient;
  const uint32_t bytes = p.l3End - p.l3Offset;
  counters_.dests[d.destId].countPacket(toClient, bytes);
  counters_.services[d.serviceId].countPacket(toClient, bytes);
  const bool nat = d.method == static_cast<uint8_t>(FwdMethod::kNat);
  if (nat && p.ttl <= 1) return dropVerdict(DropReason::kTtlExceeded);
  if (toClient) {
    natFragment(data, p, /*source=*/true, d.vip);
    return transmitTo(data, d.client, p.tuple.v6);
  }
  if (nat) natFragment(data, p, /*source=*/false, d.rs);
  if (d.method == static_cast<uint8_t>(FwdMethod::kTun)) return tunnelTo(data, p, d.rs, d.destId);
  return transmitToServer(data, d.destId, d.rs, p.tuple.v6);
}

Verdict Forwarder::replayHeld(uint16_t slot, uint8_t* data, uint32_t len, uint16_t headroom) {
  frags_.freeSlot(slot);
  headroom_ = headroom;
  const ParsedPacket p = parsePacket(data, len);
  FragmentTable::Entry* e = (p.flags & kFlagFragment) != 0 && p.kind != PacketKind::kDrop && table_ != nullptr
                                ? frags_.find(FragmentKey::of(p))
                                : nullptr;
  if (e == nullptr || e->state != FragmentTable::State::kDecided) {
    return counted(dropVerdict(DropReason::kFragmentTimeout));
  }
  const Verdict v = followFirst(data, p, e->decision);
  frags_.replayed(*e);
  return counted(v);
}

template <class A>
Verdict Forwarder::processIp(uint8_t* data, const ParsedPacket& p, uint32_t now, ConnTable<A>& conns,
                             ConnTable<A>& templates) {
  const FlowTuple& t = p.tuple;
  const A src = A::from(t.src);
  const A dst = A::from(t.dst);
  auto hit = conns.lookup(src, t.srcPort, dst, t.dstPort, t.proto);
  Conn<A>* c = hit.conn;
  if (c != nullptr && clockPassed(now, c->expires)) {  // lazy expiry
    release(*c, templates);
    conns.erase(*c);
    counters_.expired.add(1);
    c = nullptr;
  }
  if (c != nullptr && table_->expireNodestConn && destIndex_[c->destId] < 0) {
    // expire_nodest_conn: the real server left the service. As IPVS does,
    // the packet is dropped and the entry freed, so the client's next
    // attempt is scheduled anew.
    release(*c, templates);
    conns.erase(*c);
    return dropVerdict(DropReason::kNodestConn);
  }
  bool fromServer = c != nullptr && hit.fromServer;
  if (c == nullptr && ftpWaiting_ != 0) [[unlikely]] c = ftpBindData(p, now, conns);

  if (c == nullptr) {
    // The control plane's packets (VRRP, ND, multicast, to the router
    // itself) are looked for among those of no connection: a connection's
    // tuple never holds the router's addresses (spoofedSource), so an
    // established packet skips these tests.
    if (p.l4Proto == kProtoVrrp || isMulticast(t.dst, t.v6) || isNeighbourDiscovery(data, p) ||
        ((p.flags & kFlagIcmpError) == 0 && table_->isOwnAddress(t.dst, t.v6))) {
      Verdict v;
      v.kind = Verdict::Kind::kException;
      v.vrrp = p.l4Proto == kProtoVrrp || p.l4Proto == kProtoAh;
      return v;
    }
    if (p.flags & kFlagIcmpError) return dropVerdict(DropReason::kIcmpError);
    if ((p.flags & kFlagIcmpQuery) && table_->isVip(t.dst, t.v6)) {
      Verdict v;  // a ping to a VIP: the control plane answers it
      v.kind = Verdict::Kind::kException;
      return v;
    }
    if (p.flags & (kFlagIcmpQuery | kFlagNoPorts)) return dropVerdict(DropReason::kUnsupportedL4);
    const uint32_t mark = table_->fwmarkRules.empty() ? 0 : table_->markOf(t);
    const Service* s = table_->findService(t, mark);
    if (s == nullptr) {
      if (table_->isVip(t.dst, t.v6)) return dropVerdict(DropReason::kNoService);
      // A NAT server's reply to a one-packet datagram: IPVS keeps no
      // connection to translate it back either, and sluice does not route
      // it untranslated. Named apart from other strays so that it shows.
      if (t.proto == kProtoUdp && table_->isOpsServer(t.src, t.v6, t.srcPort)) {
        return dropVerdict(DropReason::kOpsReply);
      }
      return dropVerdict(DropReason::kNotForUs);
    }
    if (s->standby) return dropVerdict(DropReason::kVipNotHeld);
    if (!startsNewFlow(data, p)) return dropVerdict(DropReason::kNoConnection);
    if (spoofedSource(*table_, *s, t)) return dropVerdict(DropReason::kSpoofedSource);
    Verdict v;
    uint16_t limitRef = 0;
    if ((s->clientMaxConns | s->clientMaxRate) != 0 && !admitClient(*s, t, now, limitRef, v)) [[unlikely]] {
      return v;
    }
    if (s->onePacket && t.proto == kProtoUdp) {
      // Scheduled alone, no entry kept: it counts toward the rate only.
      if (limitRef != 0) clientLimits_.opened(limitRef, false);
      return forwardOnePacket(data, p, *s, now, templates);
    }
    c = newConnection(p, *s, now, conns, templates, v);
    if (c == nullptr) return v;
    if (limitRef != 0) [[unlikely]] {
      clientLimits_.opened(limitRef, true);
      c->limitRef = limitRef;
    }
  }

  if (t.proto == kProtoTcp && (p.flags & kFlagIcmpError) == 0) {
    const SegmentFrom from = fromServer                 ? SegmentFrom::kRealServer
                             : (c->flags & kConnNat) != 0 ? SegmentFrom::kClient
                                                          : SegmentFrom::kClientOnly;
    const ConnState next = nextTcpState(c->state, p.tcpFlags, from);
    if (next != c->state) {
      if (closedState(c->state) && !closedState(next) && !fromServer) [[unlikely]] {
        // A SYN reopening a closed entry is a new connection of its client.
        Verdict v;
        if (!reopenClient(*c, t, now, v)) return v;
      }
      accountState(c->destId, c->state, next);
      c->state = next;
      // Closed (RST, or FIN both ways): its client may open another.
      if (closedState(next)) clientLimits_.release(c->limitRef);
      // IPVS's template is ASSURED once a connection under it is
      // established (templates keep that in their state).
      if (next == ConnState::kEstablished) {
        if (Conn<A>* t = templates.byRef(c->templateRef)) t->state = ConnState::kEstablished;
      }
    }
  }
  c->expires = now + timeouts_.of(c->state);
  if (!fromServer) {
    ++c->inPkts;
    if (table_->sync.send) [[unlikely]] offerSync(*c, templates, now, t.v6);
  }

  const uint32_t bytes = p.l3End - p.l3Offset;
  counters_.dests[c->destId].countPacket(fromServer, bytes);
  counters_.services[c->serviceId].countPacket(fromServer, bytes);

  if (p.flags & kFlagFragment) [[unlikely]] {
    fragNote_ = {.action = fromServer ? FragmentDecision::Action::kToClient : FragmentDecision::Action::kToServer,
                 .method = c->method,
                 .serviceId = c->serviceId,
                 .destId = c->destId,
                 .rs = c->rs.ip(),
                 .vip = c->vip.ip(),
                 .client = c->client.ip()};
  }
  const bool nat = c->method == static_cast<uint8_t>(FwdMethod::kNat);
  if (nat && p.ttl <= 1) return dropVerdict(DropReason::kTtlExceeded);
  int32_t grown = 0;  // an FTP reply rewritten: the datagram's new length less the old
  if (c->flags & kConnFtpControl) [[unlikely]] {
    DropReason why{};
    if (!ftpControl(data, p, *c, fromServer, now, conns, templates, grown, why)) return dropVerdict(why);
  }
  if (fromServer) {
    natToClient(data, p, c->vip.ip(), c->vipPort);
    Verdict v = transmitTo(data, c->client.ip(), t.v6);
    if (grown != 0 && v.kind == Verdict::Kind::kTransmit) v.length = static_cast<uint32_t>(p.l3End + grown);
    return v;
  }
  if (nat) natToRealServer(data, p, c->rs.ip(), c->rsPort);
  if (c->method == static_cast<uint8_t>(FwdMethod::kTun)) return tunnelTo(data, p, c->rs.ip(), c->destId);
  return transmitToServer(data, c->destId, c->rs.ip(), t.v6);
}

template <class A>
int32_t Forwarder::chooseServer(const FlowTuple& t, const Service& s, uint32_t now, ConnTable<A>& templates,
                                Conn<A>*& tmpl, Verdict& v) {
  const std::size_t serviceIndex = static_cast<std::size_t>(&s - table_->services.data());
  int32_t index = -1;

  // Persistence: the template for (client network, service) names the server.
  tmpl = nullptr;
  if (s.persistenceMs != 0) {
    const TemplateKey<A> tk = templateKey<A>(s, t.src, t.dst);
    tmpl = templates.lookup(tk.client, 0, tk.key, tk.port, kTemplateProto).conn;
    if (tmpl != nullptr && clockPassed(now, tmpl->expires) && tmpl->controlled == 0) {
      templates.erase(*tmpl);
      tmpl = nullptr;
    }
    if (tmpl != nullptr) {
      const int32_t i = destIndex_[tmpl->destId];
      if (i >= static_cast<int32_t>(s.firstServer) && i < static_cast<int32_t>(s.firstServer + s.serverCount)) {
        index = i;
      } else if (tmpl->controlled == 0) {  // its server left the service
        templates.erase(*tmpl);
        tmpl = nullptr;
      }
    }
  }

  if (index < 0) {
    sched::FlowKey key;
    key.src = t.src.toWire(t.v6);
    key.dst = t.dst.toWire(t.v6);
    key.srcPort = t.srcPort;
    key.dstPort = t.dstPort;
    key.protocol = t.proto;
    auto dests = std::span(view_->dests).subspan(s.firstServer, s.serverCount);
    const int pick = view_->schedulers[serviceIndex]->pick(dests, key, now);
    if (pick >= 0) {
      index = static_cast<int32_t>(s.firstServer) + pick;
    } else if (s.sorryServer >= 0) {
      index = s.sorryServer;
    } else {
      v = dropVerdict(DropReason::kNoDestination);
    }
  }
  return index;
}

template <class A>
Conn<A>* Forwarder::holdTemplate(const FlowTuple& t, const Service& s, const RealServer& rs, uint16_t rsPort,
                                 uint32_t now, ConnTable<A>& templates, Conn<A>* tmpl) {
  if (tmpl == nullptr) {
    const TemplateKey<A> tk = templateKey<A>(s, t.src, t.dst);
    tmpl = templates.insert(tk.client, 0, tk.key, tk.port, A::from(IpAddr::of(rs.addr)), rsPort, kTemplateProto,
                            false, [](Conn<A>&) {});
    if (tmpl == nullptr) return nullptr;
    tmpl->flags |= kConnTemplate;
    tmpl->destId = rs.destId;
    tmpl->serviceId = s.serviceId;
  }
  tmpl->expires = now + s.persistenceMs;
  return tmpl;
}

template <class A>
Conn<A>* Forwarder::newConnection(const ParsedPacket& p, const Service& s, uint32_t now, ConnTable<A>& conns,
                                  ConnTable<A>& templates, Verdict& v) {
  const FlowTuple& t = p.tuple;
  Conn<A>* tmpl = nullptr;
  const int32_t index = chooseServer(t, s, now, templates, tmpl, v);
  if (index < 0) return nullptr;

  const RealServer& rs = table_->servers[static_cast<std::size_t>(index)];
  // A real server port of 0 (fwmark services) keeps the packet's port.
  const uint16_t rsPort = rs.port != 0 ? rs.port : t.dstPort;
  const bool nat = rs.method == FwdMethod::kNat;
  const A rsKey = A::from(IpAddr::of(rs.addr));
  Conn<A>* c = conns.insert(A::from(t.src), t.srcPort, A::from(t.dst), t.dstPort, rsKey, rsPort, t.proto,
                            nat, [&](Conn<A>& victim) {
                              release(victim, templates);
                              counters_.evictions.add(1);
                            });
  if (c == nullptr) {
    v = dropVerdict(DropReason::kConnTableFull);
    return nullptr;
  }
  c->serviceId = s.serviceId;
  c->destId = rs.destId;
  c->method = static_cast<uint8_t>(rs.method);
  c->state = t.proto == kProtoTcp ? ConnState::kNone : ConnState::kUdp;
  if (t.proto == kProtoTcp) conns.markEmbryonic(*c);
  if (nat && t.proto == kProtoTcp && table_->isFtpPort(t.dstPort)) c->flags |= kConnFtpControl;
  accountState(rs.destId, ConnState::kCount, c->state);
  counters_.connections.add(1);
  counters_.dests[rs.destId].conns.add(1);
  counters_.services[s.serviceId].conns.add(1);

  if (s.persistenceMs != 0) {
    if (Conn<A>* held = holdTemplate(t, s, rs, rsPort, now, templates, tmpl)) {
      ++held->controlled;
      c->templateRef = templates.refOf(*held);
    }
  }
  return c;
}

// Asks syncDue for an entry (a connection, or a template when tcp is
// false and isTemplate true) with the mark it keeps in its own fields,
// which take the new mark when the entry is due.
template <class A>
bool syncDueFor(const SyncSettings& settings, Conn<A>& e, bool tcp, bool isTemplate, uint32_t timeoutMs,
                uint32_t now) {
  SyncMark mark{e.syncedState, e.syncedAt, e.syncRetries};
  if (!syncDue(settings, e.state, tcp, isTemplate, e.inPkts, timeoutMs, now, mark)) return false;
  e.syncedState = mark.state;
  e.syncedAt = mark.atMs;
  e.syncRetries = mark.retries;
  return true;
}

template <class A>
void Forwarder::offerSync(Conn<A>& c, ConnTable<A>& templates, uint32_t now, bool v6) {
  const SyncSettings& settings = table_->sync;
  if (!syncDueFor(settings, c, c.proto == kProtoTcp, false, timeouts_.of(c.state), now)) return;
  // The template first, so that a backup links the connection to it. IPVS
  // counts a template's packets as those of the connections it controls.
  if (Conn<A>* t = templates.byRef(c.templateRef)) {
    ++t->inPkts;
    if (syncDueFor(settings, *t, false, true, t->expires - now, now)) queueSync(*t, now, v6);
  }
  queueSync(c, now, v6);
}

template <class A>
void Forwarder::queueSync(const Conn<A>& c, uint32_t now, bool v6) {
  if (syncCount_ == kSyncOutbox) {
    counters_.syncDropped.add(1);
    return;
  }
  syncOut_[syncCount_++] = record(c, now, v6, seqShiftsOfConst(c.seqRef));
}

// IPVS gives such a datagram a connection that is never hashed and expires
// at once: it counts as a connection of its server, the persistence
// template (kept and refreshed) still names the server, and nothing is
// left for the next datagram or for a reply to find. So here: the
// scheduling and counting of newConnection without the entry.
template <class A>
Verdict Forwarder::forwardOnePacket(uint8_t* data, const ParsedPacket& p, const Service& s, uint32_t now,
                                    ConnTable<A>& templates) {
  const FlowTuple& t = p.tuple;
  Verdict v;
  Conn<A>* tmpl = nullptr;
  const int32_t index = chooseServer(t, s, now, templates, tmpl, v);
  if (index < 0) return v;
  const RealServer& rs = table_->servers[static_cast<std::size_t>(index)];
  const uint16_t rsPort = rs.port != 0 ? rs.port : t.dstPort;
  Conn<A>* held = s.persistenceMs != 0 ? holdTemplate(t, s, rs, rsPort, now, templates, tmpl) : nullptr;
  if (held != nullptr && table_->sync.send) [[unlikely]] {
    // A backup needs the template to keep the client on its server. IPVS
    // syncs each one-packet connection with its template; here there is
    // no connection to send, so the template is due by its own datagram
    // count, as a UDP connection would be.
    ++held->inPkts;
    if (syncDueFor(table_->sync, *held, false, false, held->expires - now, now)) queueSync(*held, now, t.v6);
  }
  const uint32_t bytes = p.l3End - p.l3Offset;
  counters_.dests[rs.destId].conns.add(1);
  counters_.services[s.serviceId].conns.add(1);
  counters_.dests[rs.destId].countPacket(false, bytes);
  counters_.services[s.serviceId].countPacket(false, bytes);

  const IpAddr rsAddr = IpAddr::of(rs.addr);
  if (p.flags & kFlagFragment) [[unlikely]] {
    fragNote_ = {.action = FragmentDecision::Action::kToServer,
                 .method = static_cast<uint8_t>(rs.method),
                 .serviceId = s.serviceId,
                 .destId = rs.destId,
                 .rs = rsAddr};
  }
  if (rs.method == FwdMethod::kNat) {
    if (p.ttl <= 1) return dropVerdict(DropReason::kTtlExceeded);
    natToRealServer(data, p, rsAddr, rsPort);
  }
  if (rs.method == FwdMethod::kTun) return tunnelTo(data, p, rsAddr, rs.destId);
  return transmitToServer(data, rs.destId, rsAddr, t.v6);
}

bool Forwarder::installSynced(const ConnRecord& r, uint32_t nowMs) {
  if (table_ == nullptr) {
    counters_.syncRejected.add(1);
    return false;
  }
  return r.v6 ? install(r, nowMs, conns6_, templates6_) : install(r, nowMs, conns4_, templates4_);
}

template <class A>
bool Forwarder::install(const ConnRecord& r, uint32_t now, ConnTable<A>& conns, ConnTable<A>& templates) {
  const int32_t si = r.serviceId < kMaxServices ? serviceById_[r.serviceId] : -1;
  const int32_t di = r.destId < kMaxDests ? destIndex_[r.destId] : -1;
  if (si < 0 || di < 0) {
    counters_.syncRejected.add(1);
    return false;
  }
  const Service& s = table_->services[static_cast<std::size_t>(si)];
  // A peer's timeout is at most a day: no entry outlives the wrapping clock.
  const uint32_t ttl = static_cast<uint32_t>(std::clamp<int64_t>(r.expiresInMs, 1000, 86'400'000));
  const A rsKey = A::from(r.rs);
  if (r.isTemplate) {
    Conn<A>* t = templates.lookup(A::from(r.client), 0, A::from(r.vip), r.vipPort, kTemplateProto).conn;
    if (t != nullptr && t->destId != r.destId && t->controlled == 0) {
      templates.erase(*t);
      t = nullptr;
    }
    if (t == nullptr) {
      t = templates.insert(A::from(r.client), 0, A::from(r.vip), r.vipPort, rsKey, r.rsPort, kTemplateProto, false,
                           [](Conn<A>&) {});
      if (t == nullptr) {
        counters_.syncRejected.add(1);
        return false;
      }
      t->flags |= kConnTemplate;
      t->destId = r.destId;
      t->serviceId = r.serviceId;
    }
    if (r.state == ConnState::kEstablished) t->state = ConnState::kEstablished;  // assured
    t->expires = now + ttl;
    counters_.syncInstalled.add(1);
    return true;
  }
  Conn<A>* c = conns.lookup(A::from(r.client), r.clientPort, A::from(r.vip), r.vipPort, r.proto).conn;
  if (c != nullptr && c->destId != r.destId) {  // the peer moved it: its word wins
    release(*c, templates);
    conns.erase(*c);
    c = nullptr;
  }
  if (c == nullptr) {
    const bool nat = r.method == static_cast<uint8_t>(FwdMethod::kNat);
    c = conns.insert(A::from(r.client), r.clientPort, A::from(r.vip), r.vipPort, rsKey, r.rsPort, r.proto, nat,
                     [&](Conn<A>& victim) {
                       release(victim, templates);
                       counters_.evictions.add(1);
                     });
    if (c == nullptr) {
      counters_.syncRejected.add(1);
      return false;
    }
    c->serviceId = r.serviceId;
    c->destId = r.destId;
    c->method = r.method;
    c->state = r.state;
    if (isEmbryonicState(c->state)) conns.markEmbryonic(*c);
    if (nat && r.proto == kProtoTcp && table_->isFtpPort(r.vipPort)) c->flags |= kConnFtpControl;
    accountState(r.destId, ConnState::kCount, c->state);
    counters_.connections.add(1);
    if ((s.clientMaxConns | s.clientMaxRate) != 0 && !closedState(r.state)) {
      // The peer admitted it; here it counts toward its client's limit
      // (not its rate), so that a takeover goes on from the real count.
      c->limitRef = clientLimits_.acquire(s.serviceId, clientOf(s, r.client, r.v6), r.v6, now);
      if (c->limitRef != 0) clientLimits_.held(c->limitRef);
    }
    if (s.persistenceMs != 0) {
      const TemplateKey<A> tk = templateKey<A>(s, r.client, r.vip);
      if (Conn<A>* t = templates.lookup(tk.client, 0, tk.key, tk.port, kTemplateProto).conn) {
        ++t->controlled;
        c->templateRef = templates.refOf(*t);
      }
    }
  } else if (c->state != r.state) {
    accountState(c->destId, c->state, r.state);
    c->state = r.state;
    if (closedState(r.state)) clientLimits_.release(c->limitRef);
  }
  // The peer's sequence shifts (it rewrote an FTP reply): the next
  // segments must move as they did there. Without room, the connection
  // goes on unshifted, as it would on a peer that lost them.
  if (r.hasSeq && (c->seqRef != 0 || holdSeqShifts(*c))) *seqShiftsOf(c->seqRef) = r.seq;
  c->expires = now + ttl;
  counters_.syncInstalled.add(1);
  return true;
}

Verdict Forwarder::transmitTo(uint8_t* data, const IpAddr& target, bool v6) {
  const Hop h = lookupHop(target, v6);
  if (h.port != kNoPort) return sendVia(data, h);
  // No route, or a neighbour the control plane is asked to resolve.
  const ForwardingTable::NextHop next = table_->route(target, v6);
  if (next.port == kNoPort) return dropVerdict(DropReason::kNoRoute);
  Verdict v = dropVerdict(DropReason::kNeighbourUnresolved);
  v.resolve = true;
  v.resolveAddr = next.addr;
  v.resolveV6 = v6;
  v.resolvePort = next.port;
  return v;
}

Verdict Forwarder::transmitToServer(uint8_t* data, uint16_t destId, const IpAddr& rs, bool v6) {
  const Hop& h = hops_[destId];
  // Not resolved for this snapshot (no route, no neighbour yet, or a
  // connection whose server left it): the lookups, which ask the control
  // plane for a missing neighbour.
  if (h.port == kNoPort) [[unlikely]] return transmitTo(data, rs, v6);
  return sendVia(data, h);
}

Verdict Forwarder::sendVia(uint8_t* data, const Hop& h) {
  std::memcpy(data, h.macs.data(), 12);
  Verdict v;
  v.kind = Verdict::Kind::kTransmit;
  v.port = h.port;
  return v;
}

Verdict Forwarder::tunnelTo(uint8_t* data, const ParsedPacket& p, const IpAddr& rs, uint16_t destId) {
  const bool v6 = p.tuple.v6;
  const int32_t i = destIndex_[destId];
  // A connection whose server left the snapshot finishes as it began, but
  // its tunnel's options are gone with it: plain ipip then.
  const Tunnel tunnel = i >= 0 ? table_->servers[static_cast<std::size_t>(i)].tunnel : Tunnel{};
  Hop hop = hops_[destId];
  if (hop.port == kNoPort) hop = lookupHop(rs, v6);  // its server left the snapshot
  if (hop.port == kNoPort) return transmitTo(data, rs, v6);  // no route: dropped; no neighbour: asked, dropped
  const uint16_t overhead = tunnelOverhead(tunnel, v6);
  const uint32_t inner = p.l3End - p.l3Offset;
  const uint16_t mtu = table_->ports[hop.port].mtu;
  uint8_t* ip = data + p.l3Offset;
  if (inner + overhead > mtu) {
    // As IPVS: the client learns the MTU that fits the tunnel. IPv4
    // without DF is not fragmented here (no fragmentation yet): dropped.
    if (!v6 && (loadBe16(ip + 6) & 0x4000) == 0) return dropVerdict(DropReason::kMtuExceeded);
    const uint32_t error = writeTooBig(ip, inner, v6, static_cast<uint16_t>(mtu - overhead));
    counters_.icmpTooBig.add(1);
    Verdict v = transmitTo(data, p.tuple.src, v6);
    if (v.kind == Verdict::Kind::kTransmit) v.length = p.l3Offset + error;
    return v;
  }
  const uint32_t start = 14u + overhead;  // the new frame's bytes before the inner packet
  if (start > p.l3Offset + headroom_) return dropVerdict(DropReason::kNoHeadroom);
  uint8_t* frame = ip - start;
  OuterHeader h;
  h.src = tunnelSource_[hop.port][v6];
  h.dst = rs;
  h.v6 = v6;
  h.ttl = p.ttl;
  h.tos = v6 ? static_cast<uint8_t>((ip[0] & 0x0F) << 4 | ip[1] >> 4) : ip[1];
  h.dontFragment = !v6 && (loadBe16(ip + 6) & 0x4000) != 0;
  h.id = tunnelId_++;
  h.flowHash = static_cast<uint16_t>(loadBe16(p.tuple.src.b + (v6 ? 14 : 2)) ^ p.tuple.srcPort);
  writeTunnelHeaders(frame + 14, tunnel, h, inner);
  std::memcpy(frame, hop.macs.data(), 12);
  storeBe16(frame + 12, v6 ? 0x86DD : 0x0800);
  Verdict v;
  v.kind = Verdict::Kind::kTransmit;
  v.port = hop.port;
  v.prepend = static_cast<uint16_t>(start - p.l3Offset);
  v.length = start + inner;
  return v;
}

uint64_t Forwarder::prefetchIndex(const ParsedPacket& p) const {
  const FlowTuple& t = p.tuple;
  if (p.kind != PacketKind::kIpv4 || (t.proto != kProtoTcp && t.proto != kProtoUdp) || (p.flags & kFlagFragment)) {
    return 0;
  }
  const uint32_t h = conns4_.hash(Addr4::from(t.src), t.srcPort, Addr4::from(t.dst), t.dstPort, t.proto);
  conns4_.prefetchIndex(h);
  return uint64_t{1} << 32 | h;
}

void Forwarder::sweep(uint32_t nowMs, uint32_t budget) {
  counters_.expired.add(conns4_.sweep(nowMs, budget, [&](Conn<Addr4>& c) { release(c, templates4_); }));
  counters_.expired.add(conns6_.sweep(nowMs, budget, [&](Conn<Addr6>& c) { release(c, templates6_); }));
  templates4_.sweep(nowMs, budget, [](Conn<Addr4>&) {});
  templates6_.sweep(nowMs, budget, [](Conn<Addr6>&) {});
  frags_.sweep(nowMs, kFragmentSweepSets);
}


void Forwarder::dump(ConnDumpRequest& req, uint32_t nowMs) const {
  req.count = 0;
  uint32_t table = static_cast<uint32_t>(req.cursor >> 32);
  uint32_t slot = static_cast<uint32_t>(req.cursor);
  uint32_t budget = req.slotBudget;
  while (table < kDumpTables && budget > 0) {
    bool full = false;
    auto copy = [&](const auto& c) {
      if (req.count == req.capacity) {
        full = true;
        return false;
      }
      req.out[req.count++] = record(c, nowMs, table % 2 == 1, seqShiftsOfConst(c.seqRef));
      return true;
    };
    auto visit = [&](const auto& t) {
      const uint32_t next = slot < t.capacity() ? t.visitFrom(slot, budget, copy) : t.capacity();
      budget -= std::min(budget, next - std::min(next, slot));
      return std::pair{next, t.capacity()};
    };
    const auto [next, capacity] = table == 0   ? visit(conns4_)
                                  : table == 1 ? visit(conns6_)
                                  : table == 2 ? visit(templates4_)
                                               : visit(templates6_);
    if (full || next < capacity) {
      slot = next;
      break;
    }
    ++table;
    slot = 0;
  }
  req.next = table >= kDumpTables ? kDumpEnd : (uint64_t{table} << 32 | slot);
}

// forwarder_ftp.cc evicts entries too.
template void Forwarder::release<Addr4>(Conn<Addr4>&, ConnTable<Addr4>&);
template void Forwarder::release<Addr6>(Conn<Addr6>&, ConnTable<Addr6>&);

}  // namespace sluice::dp
