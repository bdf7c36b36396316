// What one worker does to one packet: parse, classify, find or create the
// connection, schedule, rewrite and pick the egress port and MAC addresses.
// Free of DPDK so it runs on plain buffers in tests; the worker loop feeds
// it mbuf data in bursts and acts on the verdict.
//
// Not thread-safe: one Forwarder per worker, used by that worker only.
// Never allocates, throws or locks after construction.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "dataplane/client_limits.h"
#include "dataplane/conn_dump.h"
#include "dataplane/conn_table.h"
#include "dataplane/fragment_table.h"
#include "dataplane/forwarding_table.h"
#include "dataplane/parse.h"
#include "dataplane/seq_shift.h"
#include "dataplane/worker_counters.h"

namespace sluice::dp {

struct Verdict {
  // kHold: a fragment that came before its datagram's first one; the
  // worker keeps the frame in holdSlot until heldOutcomes() names it.
  enum class Kind : uint8_t { kDrop, kTransmit, kException, kHold };
  Kind kind = Kind::kDrop;
  DropReason reason = DropReason::kNotForUs;
  uint16_t port = kNoPort;   // kTransmit: egress port
  // kTransmit, when the frame changed size: it now starts `prepend` bytes
  // before the data given (TUN's outer headers, taken from the headroom)
  // and is `length` bytes long (0: as long as it was).
  uint16_t prepend = 0;
  uint32_t length = 0;
  bool vrrp = false;         // kException: a VRRP or AH packet, for the control plane's priority ring
  bool resolve = false;      // kDrop with kNeighbourUnresolved: ask the control plane
  bool resolveV6 = false;
  uint16_t resolvePort = kNoPort;
  uint16_t holdSlot = 0;     // kHold
  IpAddr resolveAddr{};
};

// Aligned to a cache line: the Forwarder holds its worker's table pointers
// and counters, which no other worker's writes may share a line with.
class alignas(kCacheLine) Forwarder {
 public:
  // Preallocates connection tables for `connCapacity` flows per family and
  // persistence templates (control path; may throw std::bad_alloc).
  Forwarder(unsigned workerIndex, uint32_t connCapacity, const ConnTimeouts& timeouts);

  // Switches to a new snapshot between bursts; carries the connection gauges
  // the schedulers need into its view, and the schedulers of unchanged
  // services (same serviceId and ForwardingTable::schedulerKeys) with their
  // state. The table must outlive its use.
  void setTable(ForwardingTable* table);

  // Switches to a new neighbour snapshot between bursts; nullptr: none.
  // Each real server's next hop is resolved here, once per snapshot.
  void setNeighbours(const NeighbourSet* neighbours);

  // Decides the fate of one frame of `len` bytes (rewritten in place when
  // forwarded). nowMs: the worker's millisecond clock. rxPort: the port it
  // arrived on; a unicast frame for another MAC address is dropped there
  // (kNoPort skips that test). headroom: the bytes free before `data`,
  // which TUN forwarding writes its outer headers into; tailroom: the
  // bytes free after the frame, which an FTP reply rewritten longer may
  // take. Counts the frame received and parses it.
  Verdict process(uint8_t* data, uint32_t len, uint32_t nowMs, uint16_t rxPort = kNoPort, uint16_t headroom = 0,
                  uint16_t tailroom = 0);

  // The same for a frame the caller parsed (parsePacket(data, len)) and
  // counted (countReceived): a worker parses a burst once, for steering,
  // prefetching and this.
  Verdict process(uint8_t* data, uint32_t len, const ParsedPacket& parsed, uint32_t nowMs, uint16_t rxPort,
                  uint16_t headroom, uint16_t tailroom = 0);
  void countReceived(uint32_t n) { counters_.rxPackets.add(n); }

  // Burst prefetch (a worker calls it for every packet of a burst before
  // processing any): prefetchIndex starts loading the connection-table
  // index line of an IPv4 TCP/UDP packet and returns a token (0: nothing to
  // prefetch); prefetchEntry(token), called after the whole burst's
  // prefetchIndex, starts loading the entry. No effect on the verdicts.
  uint64_t prefetchIndex(const ParsedPacket& parsed) const;
  void prefetchEntry(uint64_t token) const {
    if (token != 0) conns4_.prefetchEntry(static_cast<uint32_t>(token));
  }

  // Connections due to be synced (a sync master's, sync_decision.h) since
  // the last clearSyncRecords(), templates before the connections they
  // control. The worker hands them to the control plane after each burst;
  // more than kSyncOutbox in one burst are counted as syncDropped.
  static constexpr unsigned kSyncOutbox = 128;
  std::span<const ConnRecord> syncRecords() const { return {syncOut_.data(), syncCount_}; }
  void clearSyncRecords() { syncCount_ = 0; }

  // Installs or refreshes a connection a sync peer sent (the control plane
  // resolved its service and real server to this snapshot's ids; a record
  // of an older snapshot whose ids are gone is refused). Connections get
  // the state and remaining time of the record, NAT ones their reply
  // tuple, and join their persistence template. False when refused
  // (counted as syncRejected).
  bool installSynced(const ConnRecord& record, uint32_t nowMs);

  // Expires up to `budget` connections of each table (a bounded sweep),
  // and a few sets of the fragment table.
  void sweep(uint32_t nowMs, uint32_t budget);

  // IP fragments (fragment_table.h): a fragment that comes before its
  // datagram's first one is held (Verdict::kHold) in one of kHoldSlots
  // slots. After each process(), replayHeld() or sweep(), the worker acts
  // on heldOutcomes(): replayHeld(slot, frame) for a replay, which it then
  // treats as any verdict; dropHeld() and a free for a drop. Then
  // clearHeldOutcomes().
  static constexpr uint16_t kHoldSlots = 256;
  std::span<const HeldOutcome> heldOutcomes() const { return frags_.outbox(); }
  void clearHeldOutcomes() { frags_.clearOutbox(); }
  Verdict replayHeld(uint16_t slot, uint8_t* data, uint32_t len, uint16_t headroom);
  void dropHeld(const HeldOutcome& o) {
    counters_.drop(o.reason);
    frags_.freeSlot(o.slot);
  }

  // Copies one page of the connection tables into the request (see
  // conn_dump.h). Bounded by the request's slot budget; never allocates.
  void dump(ConnDumpRequest& request, uint32_t nowMs) const;

  const WorkerCounters& counters() const { return counters_; }
  const ForwardingTable* table() const { return table_; }

  // Drops and transmissions decided by the worker loop around process().
  void countDrop(DropReason r) { counters_.drop(r); }
  void countTransmitted(uint32_t n) { counters_.txPackets.add(n); }
  void countSync(uint32_t queued, uint32_t dropped) {
    counters_.syncQueued.add(queued);
    counters_.syncDropped.add(dropped);
  }

 private:
  template <class A>
  Verdict processIp(uint8_t* data, const ParsedPacket& p, uint32_t now, ConnTable<A>& conns, ConnTable<A>& templates);
  // A fragment: the first one through processIp, the others after it.
  template <class A>
  Verdict processFragment(uint8_t* data, const ParsedPacket& p, uint32_t now, ConnTable<A>& conns,
                          ConnTable<A>& templates);
  FragmentDecision decisionOf(const Verdict& v) const;
  // A fragment after its datagram's first, sent where that one went.
  Verdict followFirst(uint8_t* data, const ParsedPacket& p, const FragmentDecision& d);
  Verdict counted(const Verdict& v);  // counts a drop or an exception
  // The index in table_->servers of the server a new flow goes to (-1 with
  // v set: none); tmpl: the client's persistence template, if it has one.
  template <class A>
  int32_t chooseServer(const FlowTuple& t, const Service& s, uint32_t now, ConnTable<A>& templates, Conn<A>*& tmpl,
                       Verdict& v);
  // The client's persistence template for rs (made when tmpl is null),
  // its timer restarted; nullptr when the table is full.
  template <class A>
  Conn<A>* holdTemplate(const FlowTuple& t, const Service& s, const RealServer& rs, uint16_t rsPort, uint32_t now,
                        ConnTable<A>& templates, Conn<A>* tmpl);
  template <class A>
  Verdict forwardOnePacket(uint8_t* data, const ParsedPacket& p, const Service& s, uint32_t now,
                           ConnTable<A>& templates);
  template <class A>
  Conn<A>* newConnection(const ParsedPacket& p, const Service& s, uint32_t now, ConnTable<A>& conns,
                         ConnTable<A>& templates, Verdict& v);
  template <class A>
  void release(Conn<A>& c, ConnTable<A>& templates);
  // The per-client limits of a service with any (client_limits.h): true
  // when the client may open a new connection, with the entry that counts
  // it in ref (0: untracked, its table set full); false with v set.
  bool admitClient(const Service& s, const FlowTuple& t, uint32_t now, uint16_t& ref, Verdict& v);
  // The same for a closed connection's entry a SYN reuses (not FTP data
  // entries, nor services without limits): counts it again, or refuses.
  template <class A>
  bool reopenClient(Conn<A>& c, const FlowTuple& t, uint32_t now, Verdict& v);
  template <class A>
  void offerSync(Conn<A>& c, ConnTable<A>& templates, uint32_t now, bool v6);
  template <class A>
  void queueSync(const Conn<A>& c, uint32_t now, bool v6);
  template <class A>
  bool install(const ConnRecord& r, uint32_t now, ConnTable<A>& conns, ConnTable<A>& templates);
  void accountState(uint16_t destId, ConnState from, ConnState to);
  // The FTP helper (forwarder_ftp.cc). ftpBindData: a new TCP SYN that
  // matched no entry, looked up among the passive data entries waiting
  // for their client's port (nullptr: none). ftpControl: a segment of an
  // FTP control connection, before its NAT rewrite: reads and rewrites
  // its payload, opens data entries, shifts seq/ack; `grown` is what the
  // datagram grew by (negative: shrank). False: drop it, for `why`.
  template <class A>
  Conn<A>* ftpBindData(const ParsedPacket& p, uint32_t now, ConnTable<A>& conns);
  template <class A>
  bool ftpControl(uint8_t* data, const ParsedPacket& p, Conn<A>& c, bool fromServer, uint32_t now,
                  ConnTable<A>& conns, ConnTable<A>& templates, int32_t& grown, DropReason& why);
  // The entry of a data connection of `control`: client:cport -> VIP:vport
  // to the same real server's rsPort (cport 0 and `waiting`: a passive
  // one, bound to the client's port by its SYN). An entry already there
  // is refreshed. nullptr: the table is full.
  template <class A>
  Conn<A>* ftpDataEntry(const Conn<A>& control, const IpAddr& client, uint16_t cport, uint16_t vport,
                        uint16_t rsPort, bool waiting, uint32_t now, ConnTable<A>& conns, ConnTable<A>& templates);
  // A connection's sequence shifts (nullptr: none), and a new set for it
  // (false: none left).
  SeqShifts* seqShiftsOf(uint16_t ref) { return ref == 0 ? nullptr : &seqShifts_[ref - 1u]; }
  const SeqShifts* seqShiftsOfConst(uint16_t ref) const { return ref == 0 ? nullptr : &seqShifts_[ref - 1u]; }
  template <class A>
  bool holdSeqShifts(Conn<A>& c);
  // The next hop toward a real server, resolved once per table or
  // neighbour snapshot: established packets to real servers do no route or
  // neighbour lookup. port == kNoPort: not resolved.
  struct Hop {
    std::array<uint8_t, 12> macs{};  // the next hop's, then the egress port's: a frame's first 12 bytes
    uint16_t port = kNoPort;
  };
  Hop lookupHop(const IpAddr& addr, bool v6) const;  // a route and a neighbour lookup
  static Verdict sendVia(uint8_t* data, const Hop& h);  // writes the hop's MAC addresses
  void resolveHops();
  Verdict transmitTo(uint8_t* data, const IpAddr& target, bool v6);
  Verdict transmitToServer(uint8_t* data, uint16_t destId, const IpAddr& rs, bool v6);
  Verdict tunnelTo(uint8_t* data, const ParsedPacket& p, const IpAddr& rs, uint16_t destId);
  sched::Destination* viewOf(uint16_t destId);
  void keepSchedulers(ForwardingTable& from, ForwardingTable::WorkerView& fromView);

  unsigned worker_;
  ConnTimeouts timeouts_;
  ForwardingTable* table_ = nullptr;
  ForwardingTable::WorkerView* view_ = nullptr;
  const NeighbourSet* neighbours_ = nullptr;
  ConnTable<Addr4> conns4_;
  ConnTable<Addr6> conns6_;
  ConnTable<Addr4> templates4_;
  ConnTable<Addr6> templates6_;
  WorkerCounters counters_;
  std::unique_ptr<int32_t[]> destIndex_;  // destId -> index in table_->servers, -1 if absent
  std::unique_ptr<int32_t[]> serviceIndex_;  // serviceId -> index in the previous table's services, scratch
  std::unique_ptr<int32_t[]> serviceById_;   // serviceId -> index in table_->services, -1 if absent
  std::unique_ptr<Hop[]> hops_;              // destId -> next hop
  // TUN: the outer source of each port (its first address of the family)
  // and the IPv4 identification of the outer headers.
  std::array<std::array<IpAddr, 2>, kMaxPorts> tunnelSource_{};
  uint16_t tunnelId_ = 0;
  uint16_t headroom_ = 0;  // process()'s, for the call under way
  FragmentTable frags_;
  ClientLimitTable clientLimits_;
  FragmentDecision fragNote_;  // where processIp sent the first fragment under way
  uint32_t tailroom_ = 0;  // the bytes after the datagram the call under way may grow into
  // FTP: the sequence shifts of control connections whose replies were
  // resized (a bounded pool, Conn::seqRef names one), and how many passive
  // data entries wait for their client's port (none: a SYN that misses
  // looks no further).
  std::unique_ptr<SeqShifts[]> seqShifts_;
  std::unique_ptr<uint16_t[]> seqFree_;
  uint32_t seqFreeTop_ = 0;
  uint32_t ftpWaiting_ = 0;
  std::array<ConnRecord, kSyncOutbox> syncOut_;
  uint32_t syncCount_ = 0;
};
static_assert(alignof(Forwarder) == kCacheLine && sizeof(Forwarder) % kCacheLine == 0);
static_assert(alignof(ForwardingTable::WorkerView) == kCacheLine);

}  // namespace sluice::dp
