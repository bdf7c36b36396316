// The FTP helper of NAT services (Linux's ip_vs_ftp): a control
// connection's PASV/EPSV replies and PORT/EPRT commands open entries for
// the data connections they announce, on the control connection's real
// server; a 227 reply's private address becomes the VIP, and when that
// changes the reply's length, the connection's later segments have their
// sequence and acknowledgement numbers (and SACK blocks) shifted.
//
// Data entries are ordinary entries of the worker's connection table
// (counted against the service and real server as scheduled ones are):
//   passive  client:0 -> VIP:p to RS:p, waiting for the client's port,
//            which the data connection's SYN gives it (ftpBindData);
//   active   client:p -> VIP:(port-1) to RS:(port-1), whose reply tuple
//            RS:20 -> client:p finds the real server's SYN, which leaves
//            as VIP:20.
// Both start in LISTEN, as IPVS's do.
#include <cstring>

#include "dataplane/checksum.h"
#include "dataplane/forwarder.h"
#include "dataplane/ftp_helper.h"

namespace sluice::dp {
namespace {

// Writes a 32-bit field and records the change for the TCP checksum.
void rewrite32(uint8_t* field, uint32_t value, CsumDelta& d) {
  uint8_t before[4];
  std::memcpy(before, field, 4);
  storeBe32(field, value);
  d.add(before, field, 4);
}

// The SACK blocks of a segment's options acknowledge the other
// direction's bytes: their edges move back as its ack does.
void unshiftSack(uint8_t* tcp, uint32_t headerLen, const SeqShift& s, CsumDelta& d) {
  uint32_t i = 20;
  while (i < headerLen) {
    const uint8_t kind = tcp[i];
    if (kind == 0) return;  // end of options
    if (kind == 1) {        // no-op
      ++i;
      continue;
    }
    if (i + 1 >= headerLen) return;
    const uint32_t len = tcp[i + 1];
    if (len < 2 || i + len > headerLen) return;
    if (kind == 5 && (len - 2) % 8 == 0) {
      for (uint32_t e = i + 2; e + 4 <= i + len; e += 4) rewrite32(tcp + e, unshiftAck(s, loadBe32(tcp + e)), d);
    }
    i += len;
  }
}

// After a payload changed length: the IP length fields, the IPv4 header
// checksum, and the TCP checksum computed anew over the segment (a resize
// moves the bytes after the rewrite, which no incremental update covers;
// it happens once per passive reply).
void refreshLengths(uint8_t* data, const ParsedPacket& p, uint32_t l3End) {
  uint8_t* ip = data + p.l3Offset;
  const bool v6 = p.tuple.v6;
  if (v6) {
    storeBe16(ip + 4, static_cast<uint16_t>(l3End - p.l3Offset - 40));
  } else {
    CsumDelta d;
    const uint16_t before = loadBe16(ip + 2);
    const uint16_t after = static_cast<uint16_t>(l3End - p.l3Offset);
    d.add16(before, after);
    storeBe16(ip + 2, after);
    d.applyAt(ip + 10);
  }
  uint8_t* tcp = data + p.l4Offset;
  const uint32_t len = l3End - p.l4Offset;
  const uint32_t alen = v6 ? 16 : 4;
  uint32_t sum = csumAdd(0, ip + (v6 ? 8 : 12), alen);
  sum = csumAdd(sum, ip + (v6 ? 24 : 16), alen);
  sum += kProtoTcp;
  sum += len & 0xFFFF;
  sum += len >> 16;
  storeBe16(tcp + 16, 0);
  storeBe16(tcp + 16, csumFinish(csumAdd(sum, tcp, len)));
}

}  // namespace

template <class A>
bool Forwarder::holdSeqShifts(Conn<A>& c) {
  if (seqFreeTop_ == 0) return false;
  c.seqRef = seqFree_[--seqFreeTop_];
  seqShifts_[c.seqRef - 1u] = SeqShifts{};
  return true;
}

template <class A>
Conn<A>* Forwarder::ftpDataEntry(const Conn<A>& control, const IpAddr& client, uint16_t cport, uint16_t vport,
                                 uint16_t rsPort, bool waiting, uint32_t now, ConnTable<A>& conns,
                                 ConnTable<A>& templates) {
  const A clientKey = A::from(client);
  if (Conn<A>* e = conns.lookup(clientKey, cport, control.vip, vport, kProtoTcp).conn) {
    // The same reply or command again (a retransmission): the entry it
    // made waits on; another connection with this tuple is left alone.
    if (e->state == ConnState::kListen) e->expires = now + timeouts_.of(ConnState::kListen);
    return e;
  }
  Conn<A>* e = conns.insert(clientKey, cport, control.vip, vport, control.rs, rsPort, kProtoTcp, true,
                            [&](Conn<A>& victim) {
                              release(victim, templates);
                              counters_.evictions.add(1);
                            });
  if (e == nullptr) return nullptr;
  e->serviceId = control.serviceId;
  e->destId = control.destId;
  e->method = control.method;
  e->state = ConnState::kListen;
  e->expires = now + timeouts_.of(ConnState::kListen);
  e->flags |= kConnFtpData;
  if (waiting) {
    e->flags |= kConnNoClientPort;
    ++ftpWaiting_;
  }
  accountState(e->destId, ConnState::kCount, e->state);
  counters_.connections.add(1);
  counters_.dests[e->destId].conns.add(1);
  counters_.services[e->serviceId].conns.add(1);
  counters_.ftpDataEntries.add(1);
  return e;
}

template <class A>
Conn<A>* Forwarder::ftpBindData(const ParsedPacket& p, uint32_t now, ConnTable<A>& conns) {
  const FlowTuple& t = p.tuple;
  if (t.proto != kProtoTcp || (p.flags & kFlagIcmpError) != 0 ||
      (p.tcpFlags & (kTcpSyn | kTcpAck | kTcpRst)) != kTcpSyn) {
    return nullptr;
  }
  const auto hit = conns.lookup(A::from(t.src), 0, A::from(t.dst), t.dstPort, kProtoTcp);
  Conn<A>* w = hit.conn;
  if (w == nullptr || hit.fromServer || (w->flags & kConnNoClientPort) == 0 || clockPassed(now, w->expires)) {
    return nullptr;  // an expired one leaves by the sweep
  }
  w->flags &= static_cast<uint8_t>(~kConnNoClientPort);
  --ftpWaiting_;
  conns.rebindClientPort(*w, t.srcPort);
  return w;
}

template <class A>
bool Forwarder::ftpControl(uint8_t* data, const ParsedPacket& p, Conn<A>& c, bool fromServer, uint32_t now,
                           ConnTable<A>& conns, ConnTable<A>& templates, int32_t& grown, DropReason& why) {
  grown = 0;
  if (p.flags & kFlagIcmpError) return true;  // an error quoting the connection: its quote is left as it is
  uint8_t* tcp = data + p.l4Offset;
  const uint32_t headerLen = (tcp[12] >> 4) * 4u;
  uint8_t* payload = tcp + headerLen;
  const uint32_t payloadLen = p.l3End - p.l4Offset - headerLen;
  const uint32_t seq = loadBe32(tcp + 4);
  const bool v6 = p.tuple.v6;
  int32_t diff = 0;
  bool rewritten = false;

  // Only an established connection's lines are read, as IPVS reads them;
  // not in an IP fragment, whose payload goes on in the next ones (its
  // seq and ack still shift below).
  if (payloadLen != 0 && (p.flags & kFlagFragment) == 0 && c.state == ConnState::kEstablished) {
    if (fromServer) {
      const FtpParse m = parseFtpReply(payload, payloadLen);
      if (m.kind == FtpMessage::kPassive && !v6) {
        char text[kPassiveTextMax];
        const uint32_t n = formatPassive(text, c.vip.ip(), m.port);
        diff = static_cast<int32_t>(n) - static_cast<int32_t>(m.end - m.start);
        if (diff > 0 && static_cast<uint32_t>(diff) > tailroom_) {
          why = DropReason::kFtpNoTailroom;
          return false;
        }
        if ((diff != 0 && c.seqRef == 0 && !holdSeqShifts(c)) ||
            ftpDataEntry(c, c.client.ip(), 0, m.port, m.port, true, now, conns, templates) == nullptr) {
          why = DropReason::kFtpTableFull;
          return false;
        }
        spliceText(payload, payloadLen, payloadLen + tailroom_, m.start, m.end, text, n);
        rewritten = true;
        counters_.ftpRewrites.add(1);
      } else if (m.kind == FtpMessage::kExtendedPassive) {
        if (ftpDataEntry(c, c.client.ip(), 0, m.port, m.port, true, now, conns, templates) == nullptr) {
          why = DropReason::kFtpTableFull;
          return false;
        }
      } else if (m.kind == FtpMessage::kMalformed || m.kind == FtpMessage::kPassive) {
        counters_.ftpMalformed.add(1);  // unreadable, or a 227 on an IPv6 connection
      }
    } else {
      const FtpParse m = parseFtpCommand(payload, payloadLen);
      const bool port = m.kind == FtpMessage::kPort || m.kind == FtpMessage::kExtendedPort;
      // Only the client's own address: a PORT naming another host would
      // have the real server connect there from the VIP (FTP bounce).
      if (port && m.v6 == v6 && m.addr == c.client.ip() && c.vipPort > 1 && c.rsPort > 1) {
        if (ftpDataEntry(c, m.addr, m.port, static_cast<uint16_t>(c.vipPort - 1), static_cast<uint16_t>(c.rsPort - 1),
                         false, now, conns, templates) == nullptr) {
          why = DropReason::kFtpTableFull;
          return false;
        }
      } else if (port || m.kind == FtpMessage::kMalformed) {
        counters_.ftpMalformed.add(1);
      }
    }
  }

  SeqShifts* shifts = seqShiftsOf(c.seqRef);
  CsumDelta d;
  if (shifts != nullptr) {
    // This segment's own direction moves its seq; the other direction's
    // shifts move its ack and SACK edges back.
    SeqShift& own = fromServer ? shifts->out : shifts->in;
    bool& ownUsed = fromServer ? shifts->outUsed : shifts->inUsed;
    const SeqShift& other = fromServer ? shifts->in : shifts->out;
    const bool otherUsed = fromServer ? shifts->inUsed : shifts->outUsed;
    if (ownUsed) rewrite32(tcp + 4, shiftSeq(own, seq), d);
    if (diff != 0) recordResize(own, ownUsed, seq, diff);
    if (otherUsed && (p.tcpFlags & kTcpAck) != 0) {
      rewrite32(tcp + 8, unshiftAck(other, loadBe32(tcp + 8)), d);
      unshiftSack(tcp, headerLen, other, d);
    }
  }
  if (rewritten) {
    grown = diff;
    refreshLengths(data, p, static_cast<uint32_t>(static_cast<int32_t>(p.l3End) + diff));
  } else if (shifts != nullptr) {
    d.applyAt(tcp + 16);
  }
  return true;
}

template bool Forwarder::holdSeqShifts<Addr4>(Conn<Addr4>&);
template bool Forwarder::holdSeqShifts<Addr6>(Conn<Addr6>&);
template Conn<Addr4>* Forwarder::ftpBindData<Addr4>(const ParsedPacket&, uint32_t, ConnTable<Addr4>&);
template Conn<Addr6>* Forwarder::ftpBindData<Addr6>(const ParsedPacket&, uint32_t, ConnTable<Addr6>&);
template bool Forwarder::ftpControl<Addr4>(uint8_t*, const ParsedPacket&, Conn<Addr4>&, bool, uint32_t,
                                           ConnTable<Addr4>&, ConnTable<Addr4>&, int32_t&, DropReason&);
template bool Forwarder::ftpControl<Addr6>(uint8_t*, const ParsedPacket&, Conn<Addr6>&, bool, uint32_t,
                                           ConnTable<Addr6>&, ConnTable<Addr6>&, int32_t&, DropReason&);

}  // namespace sluice::dp
