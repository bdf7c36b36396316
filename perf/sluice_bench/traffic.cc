#include "perf/sluice_bench/traffic.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <stdexcept>

#include "perf/sluice_bench/flows.h"

namespace sluice::bench {
namespace {

constexpr unsigned kBurst = 32;
constexpr unsigned kTxPortPollEvery = 16;  // loops between polls of the TX port's own RX queue

FrameSpec specOf(const Options& o, const Link& l, uint8_t tcpFlags) {
  FrameSpec s{};
  std::copy_n(l.dstMac, 6, s.dstMac);
  std::copy_n(l.srcMac, 6, s.srcMac);
  s.dstIp = o.dstIp;
  s.dstPort = o.dstPort;
  s.tcp = o.mode != TrafficMode::kUdp;
  s.tcpFlags = tcpFlags;
  s.frameSize = o.frameSize;
  return s;
}

class TrafficLoop {
 public:
  TrafficLoop(const Options& o, const Link& l, const volatile bool& stop)
      : o_(o),
        l_(l),
        stop_(stop),
        hz_(static_cast<double>(rte_get_tsc_hz())),
        // A flow opens with a SYN (TCP) or its first datagram (UDP).
        opening_(specOf(o, l, kSyn)),
        steady_(specOf(o, l, o.mode == TrafficMode::kEstablished ? kAck : kSyn)) {}

  Summary run(const std::function<void(const std::string&)>& progress) {
    Summary s;
    s.options = &o_;
    s.tscHz = hz_;
    s.frameSize = o_.frameSize;
    waitForLinks();
    if (o_.probe) probe();
    if (o_.warmup && o_.mode != TrafficMode::kSyn) {
      Counts warm;
      FlowCursor flows(o_.srcIp, o_.srcPort, o_.flows, false);
      sendPhase(opening_, flows, Phase::kWarmup, o_.warmupMpps, o_.flows, 0, warm, nullptr);
      receiveFor(Phase::kWarmup, warm, o_.drainMs);
      s.warmupSent = warm.txPackets;
      s.warmupReceived = warm.rxPackets;
    }
    FlowCursor flows(o_.srcIp, o_.srcPort, o_.flows, o_.mode == TrafficMode::kSyn);
    const FrameTemplate& t = o_.mode == TrafficMode::kUdp ? opening_ : steady_;
    s.seconds = sendPhase(t, flows, Phase::kMeasure, o_.rateMpps, UINT64_MAX, o_.durationS, s.counts, &progress);
    receiveFor(Phase::kMeasure, s.counts, o_.drainMs);
    return s;
  }

 private:
  static constexpr uint8_t kSyn = 0x02;
  static constexpr uint8_t kAck = 0x10;

  uint64_t now() const { return rte_get_tsc_cycles(); }
  uint64_t cyclesOf(double seconds) const { return static_cast<uint64_t>(seconds * hz_); }

  void waitForLinks() {
    const uint64_t deadline = now() + cyclesOf(o_.waitS);
    for (uint16_t port : {l_.txPort, l_.rxPort}) {
      rte_eth_link link{};
      while (rte_eth_link_get_nowait(port, &link) != 0 || link.link_status != RTE_ETH_LINK_UP) {
        if (now() > deadline || stop_) throw std::runtime_error("port " + std::to_string(port) + ": link is down");
        rte_delay_ms(10);
      }
    }
  }

  // One probe frame every 10 ms until one comes back: the DUT is ready.
  void probe() {
    const uint64_t deadline = now() + cyclesOf(o_.waitS);
    FlowCursor flows(o_.srcIp, o_.srcPort, o_.flows, false);
    Counts c;
    while (c.rxPackets == 0) {
      if (now() > deadline || stop_) {
        throw std::runtime_error("no frame came back within " + std::to_string(o_.waitS) +
                                 " s: is the device under test forwarding between the ports?");
      }
      send(opening_, flows, Phase::kProbe, 1, c);
      dropPending();
      receiveFor(Phase::kProbe, c, 10);
    }
  }

  // Sends `count` packets (or for `seconds`, when not 0) at `mpps` (0: as
  // fast as possible), receiving in between. Returns the seconds it sent.
  double sendPhase(const FrameTemplate& t, FlowCursor& flows, Phase phase, double mpps, uint64_t count,
                   double seconds, Counts& c, const std::function<void(const std::string&)>* progress) {
    const uint64_t start = now();
    const uint64_t end = seconds > 0 ? start + cyclesOf(seconds) : UINT64_MAX;
    const double perCycle = mpps * 1e6 / hz_;
    uint64_t nextReport = start + cyclesOf(1);
    uint64_t lastReport = start;
    Counts interval;
    uint64_t built = 0;
    for (uint64_t loop = 0;; ++loop) {
      const uint64_t t0 = now();
      if (t0 >= end || built >= count || stop_) {
        dropPending();
        c.add(interval);
        return static_cast<double>(std::min(t0, end) - start) / hz_;
      }
      uint64_t want = std::min<uint64_t>(kBurst, count - built);
      if (perCycle > 0) {
        const uint64_t due = static_cast<uint64_t>(static_cast<double>(t0 - start) * perCycle);
        want = due > built ? std::min<uint64_t>(want, due - built) : 0;
      }
      if (want != 0) built += send(t, flows, phase, static_cast<unsigned>(want), interval);
      receive(l_.rxPort, phase, interval);
      if (l_.txPort != l_.rxPort && loop % kTxPortPollEvery == 0) receive(l_.txPort, phase, interval);
      if (progress != nullptr && t0 >= nextReport) {
        (*progress)(progressLine(static_cast<double>(t0 - start) / hz_, static_cast<double>(t0 - lastReport) / hz_,
                                 o_.frameSize, hz_, interval));
        c.add(interval);
        interval = Counts{};
        lastReport = t0;
        nextReport += cyclesOf(1);
      }
    }
  }

  // Sends up to n frames; returns how many the TX queue took. Frames the
  // link pushed back are sent again before any new one, so every flow's
  // packet leaves in turn (a skipped warm-up SYN would leave a flow
  // unopened); their wait counts in their latency.
  unsigned send(const FrameTemplate& t, FlowCursor& flows, Phase phase, unsigned n, Counts& c) {
    if (pendingCount_ == 0) {
      if (rte_pktmbuf_alloc_bulk(l_.pool, pending_, n) != 0) {
        c.txNoBuffer += n;
        return 0;
      }
      const uint64_t stamp = now() & kStampMask;
      for (unsigned i = 0; i < n; ++i) {
        const Endpoint e = flows.next();
        rte_mbuf* m = pending_[i];
        t.write(rte_pktmbuf_mtod(m, uint8_t*), e.ip, e.port, phase, stamp);
        m->data_len = static_cast<uint16_t>(t.length());
        m->pkt_len = t.length();
      }
      pendingFirst_ = 0;
      pendingCount_ = n;
    }
    const uint16_t sent = rte_eth_tx_burst(l_.txPort, 0, pending_ + pendingFirst_, static_cast<uint16_t>(pendingCount_));
    pendingFirst_ += sent;
    pendingCount_ -= sent;
    c.txPackets += sent;
    return sent;
  }

  // Frames built but not yet taken by the TX queue are dropped at the end
  // of a phase (never counted as sent).
  void dropPending() {
    if (pendingCount_ != 0) rte_pktmbuf_free_bulk(pending_ + pendingFirst_, pendingCount_);
    pendingCount_ = 0;
  }

  void receive(uint16_t port, Phase phase, Counts& c) {
    rte_mbuf* pkts[kBurst];
    const uint16_t n = rte_eth_rx_burst(port, 0, pkts, kBurst);
    if (n == 0) return;
    const uint64_t t = now() & kStampMask;
    for (uint16_t i = 0; i < n; ++i) {
      uint16_t p;
      uint64_t stamp;
      if (port != l_.rxPort ||
          !readStamp(rte_pktmbuf_mtod(pkts[i], const uint8_t*), rte_pktmbuf_data_len(pkts[i]), p, stamp)) {
        ++c.rxOther;
      } else if (p == static_cast<uint16_t>(phase)) {
        ++c.rxPackets;
        c.latency.add((t - stamp) & kStampMask);
      } else {
        ++c.rxStale;
      }
    }
    rte_pktmbuf_free_bulk(pkts, n);
  }

  void receiveFor(Phase phase, Counts& c, unsigned ms) {
    const uint64_t end = now() + cyclesOf(ms / 1000.0);
    while (now() < end && !stop_) {
      receive(l_.rxPort, phase, c);
      if (l_.txPort != l_.rxPort) receive(l_.txPort, phase, c);
    }
  }

  const Options& o_;
  const Link& l_;
  const volatile bool& stop_;
  const double hz_;
  const FrameTemplate opening_;
  const FrameTemplate steady_;
  rte_mbuf* pending_[kBurst];
  unsigned pendingFirst_ = 0;
  unsigned pendingCount_ = 0;
};

}  // namespace

Summary runTraffic(const Options& options, const Link& link, const volatile bool& stop,
                   const std::function<void(const std::string&)>& progress) {
  return TrafficLoop(options, link, stop).run(progress);
}

}  // namespace sluice::bench
