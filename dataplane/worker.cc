#include "dataplane/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include <time.h>

#include <algorithm>
#include <array>

#include "dataplane/steering.h"

namespace sluice::dp {
namespace {

static_assert(kCacheLine == RTE_CACHE_LINE_SIZE, "per-worker state is aligned to DPDK's cache line");

constexpr unsigned kBurst = 32;
__extension__ typedef unsigned __int128 Wide;  // for the clock's multiply-shift
constexpr unsigned kPrefetchAhead = 4;
constexpr uint32_t kSweepBudget = 256;  // connections examined per table per millisecond
constexpr unsigned kSpinPolls = 1024;   // empty passes before an idle worker sleeps
constexpr uint32_t kMinSleepUs = 16;
constexpr uint32_t kMaxSleepUs = 2000;  // the longest an idle worker sleeps

class WorkerLoop {
  struct TxBatch {
    std::array<rte_mbuf*, kBurst> pkts;
    uint16_t n = 0;
  };

 public:
  // msPerCycle_: 2^64 / (TSC cycles per millisecond), so that the clock
  // is a multiply, not a 64-bit divide, on every pass of the loop.
  explicit WorkerLoop(WorkerContext& ctx)
      : c_(ctx), msPerCycle_(static_cast<uint64_t>((static_cast<Wide>(1) << 64) / (rte_get_tsc_hz() / 1000))) {}

  void run() {
    uint32_t lastSweep = now();
    while (!c_.stop->load(std::memory_order_relaxed)) {
      takeNewestTable();
      const uint32_t t = now();
      rte_mbuf* pkts[kBurst];
      unsigned work = 0;
      for (const RxQueue& q : c_.rx) {
        const uint16_t n = rte_eth_rx_burst(c_.portIds[q.port], q.queue, pkts, kBurst);
        if (n != 0) handle(pkts, n, t, false);
        work += n;
      }
      if (c_.workerCount > 1) {
        const unsigned n = c_.steering[c_.index]->popBurst(pkts, kBurst);
        if (n != 0) handle(pkts, n, t, true);
        work += n;
      }
      work += installSynced(t);
      for (uint16_t port : c_.drains) {
        const unsigned n = c_.controlTx[port]->popBurst(pkts, kBurst);
        for (unsigned i = 0; i < n; ++i) queueTx(port, pkts[i]);
        work += n;
      }
      flush();
      if (t != lastSweep && c_.forwarder->table() != nullptr) {
        c_.forwarder->sweep(t, kSweepBudget);
        settleHeld();
        lastSweep = t;
      }
      if (c_.dump.load(std::memory_order_relaxed) != nullptr) answerDump(t);
      // Only the current snapshots are held past this point (see
      // SnapshotPublisher::reclaim for why that is enough).
      rte_rcu_qsbr_quiescent(c_.qsbr, c_.index);
      c_.loops.store(c_.loops.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      if (!c_.busyPoll) idle(work);
    }
    flush();
    for (rte_mbuf*& m : held_) {
      rte_pktmbuf_free(m);  // null-safe
      m = nullptr;
    }
    rte_rcu_qsbr_thread_offline(c_.qsbr, c_.index);
  }

 private:
  // The idle policy: after kSpinPolls empty passes (pausing between them)
  // the worker sleeps, kMinSleepUs first and twice as long each empty pass
  // after, up to kMaxSleepUs: the wake-up delay a packet arriving at an
  // idle worker can meet. Any work ends the back-off at once. The worker
  // stays online for RCU while asleep: it still points at its snapshot
  // (setTable reads the old one for its schedulers), so reclaiming waits
  // for it to wake, 2 ms at most.
  void idle(unsigned work) {
    if (work != 0) {
      emptyPasses_ = 0;
      sleepUs_ = 0;
      return;
    }
    if (++emptyPasses_ < kSpinPolls) {
      rte_pause();
      return;
    }
    sleepUs_ = sleepUs_ == 0 ? kMinSleepUs : std::min(sleepUs_ * 2, kMaxSleepUs);
    const timespec ts{0, static_cast<long>(sleepUs_) * 1000};
    nanosleep(&ts, nullptr);
  }

  uint32_t now() const {
    return static_cast<uint32_t>((static_cast<Wide>(rte_get_tsc_cycles()) * msPerCycle_) >> 64);
  }

  // Taking the request (exchange) tells the control plane it may no longer
  // withdraw it; `done` tells it the page is written.
  void answerDump(uint32_t t) {
    if (ConnDumpRequest* d = c_.dump.exchange(nullptr, std::memory_order_acq_rel)) {
      c_.forwarder->dump(*d, t);
      d->done.store(true, std::memory_order_release);
    }
  }

  void takeNewestTable() {
    ForwardingTable* table = nullptr;
    const NeighbourSet* neighbours = nullptr;
    SnapshotUpdate u{};
    while (c_.tables->pop(u)) {
      if (u.table != nullptr) table = u.table;
      if (u.neighbours != nullptr) neighbours = u.neighbours;
    }
    if (table != nullptr) c_.forwarder->setTable(table);
    if (neighbours != nullptr) c_.forwarder->setNeighbours(neighbours);
  }

  void handle(rte_mbuf** pkts, unsigned n, uint32_t t, bool steered) {
    Forwarder& fwd = *c_.forwarder;
    // Each frame is parsed once, for steering, prefetching and processing.
    // Connection lookups miss the cache in big tables: start every index
    // line of the burst, then every entry, so the misses overlap.
    for (unsigned i = 0; i < n && i < kPrefetchAhead; ++i) rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
    ParsedPacket parsed[kBurst];
    uint64_t tokens[kBurst];
    for (unsigned i = 0; i < n; ++i) {
      if (i + kPrefetchAhead < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + kPrefetchAhead], void*));
      parsed[i] = parsePacket(rte_pktmbuf_mtod(pkts[i], const uint8_t*), rte_pktmbuf_data_len(pkts[i]));
      tokens[i] = fwd.prefetchIndex(parsed[i]);
    }
    for (unsigned i = 0; i < n; ++i) fwd.prefetchEntry(tokens[i]);
    unsigned received = 0;  // counted once a burst; a frame steered away counts at its owner
    for (unsigned i = 0; i < n; ++i) {
      rte_mbuf* m = pkts[i];
      uint8_t* data = rte_pktmbuf_mtod(m, uint8_t*);
      const uint32_t len = rte_pktmbuf_data_len(m);
      if (!steered && c_.workerCount > 1 && fwd.table() != nullptr) {
        const unsigned owner = steerWorker(*fwd.table(), parsed[i], c_.index, c_.workerCount);
        if (owner != c_.index) {
          if (!c_.steering[owner]->push(m)) {
            fwd.countDrop(DropReason::kSteerRingFull);
            rte_pktmbuf_free(m);
          }
          continue;
        }
      }
      ++received;
      const uint16_t rxPort = rxPortOf(m);
      act(m, fwd.process(data, len, parsed[i], t, rxPort, rte_pktmbuf_headroom(m), rte_pktmbuf_tailroom(m)),
          rxPort);
      if (!fwd.heldOutcomes().empty()) [[unlikely]] settleHeld();
    }
    fwd.countReceived(received);
    passSyncRecords();
  }

  uint16_t rxPortOf(const rte_mbuf* m) const {
    return m->port < c_.portIndexById.size() ? c_.portIndexById[m->port] : kNoPort;
  }

  void act(rte_mbuf* m, const Verdict& v, uint16_t rxPort) {
    switch (v.kind) {
      case Verdict::Kind::kTransmit:
        if (v.length != 0) resize(m, v);
        queueTx(v.port, m);
        break;
      case Verdict::Kind::kException:
        m->port = rxPort;  // the control plane speaks in port indexes
        if (rxPort == kNoPort || !(v.vrrp ? c_.vrrpExceptions : c_.exceptions)->push(m)) {
          c_.forwarder->countDrop(DropReason::kExceptionRingFull);
          rte_pktmbuf_free(m);
        }
        break;
      case Verdict::Kind::kDrop:
        if (v.resolve) {
          // A full ring only delays resolution: the next packet asks again.
          c_.resolves->push(ResolveRequest{v.resolveAddr, v.resolvePort, static_cast<uint8_t>(v.resolveV6)});
        }
        rte_pktmbuf_free(m);
        break;
      case Verdict::Kind::kHold:
        held_[v.holdSlot] = m;
        break;
    }
  }

  // Fragments held for their datagram's first one: sent after it when it
  // came, freed when their datagram was dropped, timed out or evicted.
  // Replays only send (they hold nothing new), so one pass settles all.
  void settleHeld() {
    Forwarder& fwd = *c_.forwarder;
    for (const HeldOutcome& o : fwd.heldOutcomes()) {
      rte_mbuf* m = held_[o.slot];
      held_[o.slot] = nullptr;
      if (!o.replay) {
        fwd.dropHeld(o);
        rte_pktmbuf_free(m);
        continue;
      }
      const Verdict v =
          fwd.replayHeld(o.slot, rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_data_len(m), rte_pktmbuf_headroom(m));
      act(m, v, rxPortOf(m));
    }
    fwd.clearHeldOutcomes();
  }

  // Connections a sync peer sent, a burst per pass.
  unsigned installSynced(uint32_t t) {
    const unsigned n = c_.syncIn->popBurst(syncIn_.data(), kBurst);
    for (unsigned i = 0; i < n; ++i) c_.forwarder->installSynced(syncIn_[i], t);
    return n;
  }

  // Hands the burst's connections due to be synced to the control plane;
  // a full ring drops them (counted): forwarding never waits for sync.
  void passSyncRecords() {
    Forwarder& fwd = *c_.forwarder;
    const std::span<const ConnRecord> due = fwd.syncRecords();
    if (due.empty()) return;
    const unsigned pushed = c_.syncOut->pushBurst(due.data(), static_cast<unsigned>(due.size()));
    fwd.countSync(pushed, static_cast<unsigned>(due.size()) - pushed);
    fwd.clearSyncRecords();
  }

  // A frame the forwarder grew into the headroom (TUN) or the tailroom (an
  // FTP reply), or shrank (an ICMP error built over it). Frames are one segment (the forwarder reads
  // them as one buffer).
  static void resize(rte_mbuf* m, const Verdict& v) {
    if (v.prepend != 0) rte_pktmbuf_prepend(m, v.prepend);  // the forwarder checked the headroom
    m->data_len = static_cast<uint16_t>(v.length);
    m->pkt_len = v.length;
  }

  void queueTx(uint16_t port, rte_mbuf* m) {
    TxBatch& b = tx_[port];
    b.pkts[b.n++] = m;
    if (b.n == kBurst) send(port, b);
  }

  void flush() {
    for (uint16_t port = 0; port < c_.portIds.size(); ++port) {
      if (tx_[port].n != 0) send(port, tx_[port]);
    }
  }

  void send(uint16_t port, TxBatch& b) {
    const uint16_t sent = rte_eth_tx_burst(c_.portIds[port], static_cast<uint16_t>(c_.index), b.pkts.data(), b.n);
    c_.forwarder->countTransmitted(sent);
    for (uint16_t i = sent; i < b.n; ++i) {
      c_.forwarder->countDrop(DropReason::kTxFull);
      rte_pktmbuf_free(b.pkts[i]);
    }
    b.n = 0;
  }

  WorkerContext& c_;
  unsigned emptyPasses_ = 0;  // passes without work in a row
  uint32_t sleepUs_ = 0;      // the last back-off sleep
  const uint64_t msPerCycle_;
  // Kept across passes: a local array would be zeroed (ConnRecord's
  // initialisers) on every pass, 2 KiB of stores for an empty ring.
  std::array<ConnRecord, kBurst> syncIn_{};
  std::array<TxBatch, kMaxPorts> tx_{};
  std::array<rte_mbuf*, Forwarder::kHoldSlots> held_{};  // fragments waiting for their first (Verdict::kHold)
};

}  // namespace

int runWorker(void* arg) {
  WorkerLoop(*static_cast<WorkerContext*>(arg)).run();
  return 0;
}

}  // namespace sluice::dp
