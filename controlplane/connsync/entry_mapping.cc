#include "controlplane/connsync/entry_mapping.h"

#include "sync/protocol.h"

namespace sluice::connsync {
namespace {

sync::ForwardMethod forwardOf(uint8_t method) {
  switch (static_cast<dp::FwdMethod>(method)) {
    case dp::FwdMethod::kDr: return sync::ForwardMethod::kDirectRoute;
    case dp::FwdMethod::kTun: return sync::ForwardMethod::kTunnel;
    case dp::FwdMethod::kNat: break;
  }
  return sync::ForwardMethod::kMasquerade;
}

// IPVS numbers TCP's states as dp::ConnState does (NONE 0 .. SYNACK 10);
// every other protocol has one state, 0, which sluice calls kUdp.
sync::SeqAdjust seqAdjust(const dp::SeqShift& s) {
  return sync::SeqAdjust{.initSeq = s.initSeq, .delta = s.delta, .previousDelta = s.previousDelta};
}

dp::SeqShift seqShift(const sync::SeqAdjust& s) {
  return dp::SeqShift{.initSeq = s.initSeq, .delta = s.delta, .previousDelta = s.previousDelta};
}

uint16_t ipvsState(dp::ConnState s) { return s == dp::ConnState::kUdp ? 0 : static_cast<uint16_t>(s); }

dp::ConnState connState(uint8_t protocol, uint16_t state) {
  if (protocol != sync::ip_protocol::kTcp) return dp::ConnState::kUdp;
  return state < sync::kTcpStateCount ? static_cast<dp::ConnState>(state) : dp::ConnState::kNone;
}

// The fwmark of a template of a fwmark service, as its virtual address
// (IPVS puts the mark, in network order, in the address's first bytes).
wire::IpAddress markAddress(uint32_t mark, bool v6) {
  const dp::IpAddr key = dp::IpAddr::fromV4(mark);
  return key.toWire(v6);
}

}  // namespace

void EntryMapper::use(const dp::ForwardingTable& table) {
  if (table_ == &table && version_ == table.version) return;
  table_ = &table;
  version_ = table.version;
  byId_.clear();
  byKey_.clear();
  byMark_.clear();
  for (const dp::Service& s : table.services) {
    byId_[s.serviceId] = &s;
    if (s.byMark) {
      byMark_.emplace(s.mark, &s);
    } else {
      byKey_.emplace(std::make_tuple(s.vip, s.proto, s.port), &s);
    }
  }
}

std::optional<sync::Entry> EntryMapper::toEntry(const dp::ConnRecord& r) const {
  const auto it = byId_.find(r.serviceId);
  if (table_ == nullptr || it == byId_.end()) return std::nullopt;
  const dp::Service& s = *it->second;
  sync::Entry e;
  e.flags = static_cast<uint32_t>(forwardOf(r.method));
  e.client = r.client.toWire(r.v6);
  e.virtualAddress = r.vip.toWire(r.v6);
  e.destination = r.rs.toWire(r.v6);
  e.clientPort = r.clientPort;
  e.virtualPort = r.vipPort;
  e.destinationPort = r.rsPort;
  e.fwmark = s.byMark ? s.mark : 0;
  e.timeoutSeconds = r.expiresInMs <= 0 ? 0 : static_cast<uint32_t>((r.expiresInMs + 999) / 1000);
  // IPVS marks all but an established TCP connection inactive, templates
  // and UDP flows included (as the kernel's own datagrams show).
  const bool active = !r.isTemplate && r.proto == sync::ip_protocol::kTcp && r.state == dp::ConnState::kEstablished;
  if (!active) e.flags |= sync::conn_flags::kInactive;
  if (r.isTemplate) {
    e.flags |= sync::conn_flags::kTemplate;
    e.protocol = s.byMark ? sync::ip_protocol::kIp : s.proto;
    e.state = r.state == dp::ConnState::kEstablished ? sync::kTemplateStateAssured : sync::kTemplateStateNone;
  } else {
    e.protocol = r.proto;
    e.state = ipvsState(r.state);
  }
  // A connection whose FTP replies were resized: its shifts, and the
  // flags a kernel sets with them.
  if (r.hasSeq && (r.seq.inUsed || r.seq.outUsed)) {
    e.seq = sync::SeqOptions{.in = seqAdjust(r.seq.in), .out = seqAdjust(r.seq.out)};
    if (r.seq.inUsed) e.flags |= sync::conn_flags::kInSeq;
    if (r.seq.outUsed) e.flags |= sync::conn_flags::kOutSeq;
  }
  return e;
}

const dp::Service* EntryMapper::service(const sync::Entry& e) const {
  if (e.fwmark != 0 || (e.isTemplate() && e.protocol == sync::ip_protocol::kIp)) {
    const auto it = byMark_.find(e.fwmark);
    return it == byMark_.end() ? nullptr : it->second;
  }
  // A connection of a port-0 (every port) service carries its own port.
  for (uint16_t port : {e.virtualPort, uint16_t{0}}) {
    const auto it = byKey_.find(std::make_tuple(e.virtualAddress, e.protocol, port));
    if (it != byKey_.end()) return it->second;
  }
  return nullptr;
}

Matched EntryMapper::toRecord(const sync::Entry& e) const {
  const dp::Service* s = table_ ? service(e) : nullptr;
  if (s == nullptr) return {std::nullopt, Unmatched::kNoService};
  // IPVS writes a template of a fwmark or port-0 service (and of port 21)
  // with real server port 0 (ip_vs_sched_persist): its server is named by
  // its address alone.
  const bool anyPort = e.isTemplate() && e.destinationPort == 0;
  auto serves = [&](const dp::RealServer& rs) {
    return rs.addr == e.destination && (rs.port == e.destinationPort || rs.port == 0 || anyPort);
  };
  const dp::RealServer* server = nullptr;
  for (uint32_t i = s->firstServer; i < s->firstServer + s->serverCount && server == nullptr; ++i) {
    if (serves(table_->servers[i])) server = &table_->servers[i];
  }
  if (server == nullptr && s->sorryServer >= 0 && serves(table_->servers[static_cast<std::size_t>(s->sorryServer)])) {
    server = &table_->servers[static_cast<std::size_t>(s->sorryServer)];
  }
  if (server == nullptr) return {std::nullopt, Unmatched::kNoServer};
  const bool v6 = e.family() == wire::IpFamily::kV6;
  dp::ConnRecord r;
  r.v6 = v6;
  r.isTemplate = e.isTemplate();
  r.client = dp::IpAddr::of(e.client);
  r.vip = s->byMark && e.isTemplate() ? dp::IpAddr::of(markAddress(s->mark, v6)) : dp::IpAddr::of(e.virtualAddress);
  r.rs = dp::IpAddr::of(e.destination);
  r.clientPort = e.clientPort;
  r.vipPort = e.virtualPort;
  r.rsPort = e.destinationPort;
  r.proto = e.protocol;
  // This router forwards as its own configuration says.
  r.method = static_cast<uint8_t>(server->method);
  if (e.isTemplate()) {
    r.state = e.state == sync::kTemplateStateAssured ? dp::ConnState::kEstablished : dp::ConnState::kNone;
  } else {
    r.state = connState(e.protocol, e.state);
  }
  r.serviceId = s->serviceId;
  r.destId = server->destId;
  r.expiresInMs = int64_t{e.timeoutSeconds} * 1000;
  if (e.seq && !e.isTemplate()) {
    // A direction is in use when the flags say so; a peer that sends the
    // option without them (it need not) is read by its values.
    const sync::SeqAdjust zero{};
    const bool flagged = (e.flags & sync::conn_flags::kSeqMask) != 0;
    r.hasSeq = true;
    r.seq.in = seqShift(e.seq->in);
    r.seq.out = seqShift(e.seq->out);
    r.seq.inUsed = flagged ? (e.flags & sync::conn_flags::kInSeq) != 0 : e.seq->in != zero;
    r.seq.outUsed = flagged ? (e.flags & sync::conn_flags::kOutSeq) != 0 : e.seq->out != zero;
  }
  return {r, Unmatched::kNone};
}

}  // namespace sluice::connsync
