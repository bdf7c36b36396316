#include "dataplane/runtime.h"

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_pause.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace sluice::dp {
namespace {

constexpr unsigned kExceptionRing = 4096;
constexpr unsigned kVrrpExceptionRing = 512;
constexpr unsigned kResolveRing = 1024;
// Connection sync: a master's workers may pass a few thousand connections
// between two control-loop passes (1 ms); a backup installs as fast.
constexpr unsigned kSyncRing = 8192;
constexpr unsigned kControlTxRing = 1024;
constexpr unsigned kSteeringRing = 4096;
constexpr unsigned kDescriptorsPerQueue = 1024;
constexpr unsigned kMempoolCache = 256;

unsigned roundUpPow2Minus1(unsigned n) {
  unsigned p = 1;
  while (p < n + 1) p <<= 1;
  return p - 1;  // rte_mempool is most compact at 2^k - 1 elements
}

}  // namespace

Runtime::Runtime(const RuntimeSpec& spec) : lcores_(spec.workerLcores) {
  if (spec.workerLcores.empty()) throw std::runtime_error("the data plane needs at least one worker lcore");
  if (spec.ports.empty() || spec.ports.size() > kMaxPorts) {
    throw std::runtime_error("the data plane needs 1 to " + std::to_string(kMaxPorts) + " ports");
  }
  try {
    const unsigned workers = static_cast<unsigned>(spec.workerLcores.size());
    for (unsigned lcore : spec.workerLcores) {
      if (!rte_lcore_is_enabled(lcore) || lcore == rte_get_main_lcore()) {
        throw std::runtime_error("worker lcore " + std::to_string(lcore) + " is not available");
      }
    }
    unsigned mbufs = kExceptionRing + kVrrpExceptionRing + kControlTxRing * static_cast<unsigned>(spec.ports.size()) +
                     (kSteeringRing + kMempoolCache) * workers + kMempoolCache;
    for (const PortRequest& p : spec.ports) {
      mbufs += (p.rxQueues + workers) * kDescriptorsPerQueue * 2;
      if (!p.exceptionTap.empty()) mbufs += 2 * kDescriptorsPerQueue * 2;
    }
    pool_ = rte_pktmbuf_pool_create("sluice_mbufs", roundUpPow2Minus1(mbufs), kMempoolCache, 0,
                                    RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
    if (pool_ == nullptr) {
      throw std::runtime_error(std::string("cannot allocate the packet pool (") + std::to_string(mbufs) +
                               " buffers; raise `memory` in the dataplane block): " + rte_strerror(rte_errno));
    }
    for (const PortRequest& p : spec.ports) {
      ports_.push_back(std::make_unique<Port>(
          PortSpec{p.name, p.device, p.rxQueues, static_cast<uint16_t>(workers)}, pool_));
    }
    // Exception TAPs: one queue each, polled and fed by the control plane
    // only; the kernel sees the port's MAC address on them.
    for (std::size_t i = 0; i < spec.ports.size(); ++i) {
      const PortRequest& p = spec.ports[i];
      std::unique_ptr<Port> tap;
      if (!p.exceptionTap.empty()) {
        tap = std::make_unique<Port>(PortSpec{p.name + " exception TAP", p.exceptionTap, 1, 1}, pool_);
        rte_ether_addr mac{};
        std::copy(ports_[i]->mac().b.begin(), ports_[i]->mac().b.end(), mac.addr_bytes);
        if (int rc = rte_eth_dev_default_mac_addr_set(tap->id(), &mac); rc != 0) {
          throw std::runtime_error("port " + p.name + ": cannot give its exception TAP the port's MAC address: " +
                                   rte_strerror(-rc));
        }
      }
      taps_.push_back(std::move(tap));
    }
    // The PMD attached the XDP steering program when the port's queues were
    // set up; its maps are filled at each publish.
    for (const PortRequest& p : spec.ports) {
      const auto iface = kernelInterfaceOf(p.device);
      std::unique_ptr<XdpSteering> xdp;
      if (iface && p.device.starts_with("net_af_xdp")) {
        xdp = XdpSteering::find(p.name, *iface);
        if (!xdp) {
          std::cerr << "sluiced: note: port " << p.name << " runs an XDP program without sluice's steering maps: "
                    << "it decides alone what reaches sluice\n";
        }
      }
      steering_.push_back(std::move(xdp));
      kernelHolds_.push_back({false, false});
    }
    publisher_ = std::make_unique<SnapshotPublisher>(workers);
    exceptions_ = std::make_unique<TypedRing<rte_mbuf*>>("sluice_exc", kExceptionRing, RingUse::kManyToSingle);
    vrrpExceptions_ =
        std::make_unique<TypedRing<rte_mbuf*>>("sluice_exc_vrrp", kVrrpExceptionRing, RingUse::kManyToSingle);
    resolves_ = std::make_unique<TypedRing<ResolveRequest>>("sluice_resolve", kResolveRing, RingUse::kManyToSingle);
    syncOut_ = std::make_unique<TypedRing<ConnRecord>>("sluice_sync_out", kSyncRing, RingUse::kManyToSingle);
    for (unsigned i = 0; i < ports_.size(); ++i) {
      controlTx_.push_back(std::make_unique<TypedRing<rte_mbuf*>>("sluice_ctx_" + std::to_string(i), kControlTxRing,
                                                                  RingUse::kSingleToSingle));
    }
    for (unsigned w = 0; w < workers; ++w) {
      steerRings_.push_back(std::make_unique<TypedRing<rte_mbuf*>>("sluice_steer_" + std::to_string(w), kSteeringRing,
                                                                 RingUse::kManyToSingle));
      forwarders_.push_back(std::make_unique<Forwarder>(w, spec.connCapacity, spec.timeouts));
      syncIn_.push_back(std::make_unique<TypedRing<ConnRecord>>("sluice_sync_in_" + std::to_string(w), kSyncRing,
                                                                RingUse::kSingleToSingle));
    }
    std::vector<uint16_t> portIds, indexById(RTE_MAX_ETHPORTS, kNoPort);
    for (uint16_t i = 0; i < ports_.size(); ++i) {
      portIds.push_back(ports_[i]->id());
      indexById[ports_[i]->id()] = i;
    }
    for (unsigned w = 0; w < workers; ++w) {
      auto ctx = std::make_unique<WorkerContext>();
      ctx->index = w;
      ctx->workerCount = workers;
      ctx->forwarder = forwarders_[w].get();
      ctx->tables = &publisher_->ring(w);
      for (auto& r : steerRings_) ctx->steering.push_back(r.get());
      ctx->portIds = portIds;
      ctx->portIndexById = indexById;
      for (auto& r : controlTx_) ctx->controlTx.push_back(r.get());
      ctx->exceptions = exceptions_.get();
      ctx->vrrpExceptions = vrrpExceptions_.get();
      ctx->resolves = resolves_.get();
      ctx->syncOut = syncOut_.get();
      ctx->syncIn = syncIn_[w].get();
      ctx->qsbr = publisher_->qsbr();
      ctx->stop = &stop_;
      ctx->busyPoll = spec.busyPoll;
      contexts_.push_back(std::move(ctx));
    }
    // Every RX queue has one poller; queues are dealt out across workers,
    // each port starting where the last stopped so load spreads evenly.
    unsigned next = 0;
    for (uint16_t p = 0; p < ports_.size(); ++p) {
      for (uint16_t q = 0; q < ports_[p]->rxQueues(); ++q) {
        WorkerContext& ctx = *contexts_[next++ % workers];
        ctx.rx.push_back(RxQueue{p, q});
        if (q == 0) ctx.drains.push_back(p);
      }
    }
  } catch (...) {
    teardown();
    throw;
  }
}

Runtime::~Runtime() { teardown(); }

void Runtime::teardown() noexcept {
  stopWorkers();
  contexts_.clear();
  // Packets still queued in rings go back to the pool before it goes.
  rte_mbuf* m = nullptr;
  for (auto* ring : {exceptions_.get(), vrrpExceptions_.get()}) {
    if (ring)
      while (ring->pop(m)) rte_pktmbuf_free(m);
  }
  for (auto& r : steerRings_)
    while (r->pop(m)) rte_pktmbuf_free(m);
  for (auto& r : controlTx_)
    while (r->pop(m)) rte_pktmbuf_free(m);
  steerRings_.clear();
  controlTx_.clear();
  exceptions_.reset();
  vrrpExceptions_.reset();
  resolves_.reset();
  syncOut_.reset();
  syncIn_.clear();
  forwarders_.clear();
  publisher_.reset();
  steering_.clear();
  taps_.clear();
  ports_.clear();
  if (pool_ != nullptr) rte_mempool_free(pool_);
  pool_ = nullptr;
}

void Runtime::startWorkers() {
  if (running_) return;
  stop_.store(false);
  for (unsigned w = 0; w < contexts_.size(); ++w) {
    if (int rc = rte_eal_remote_launch(runWorker, contexts_[w].get(), lcores_[w]); rc != 0) {
      stopWorkers();
      throw std::runtime_error("cannot launch worker on lcore " + std::to_string(lcores_[w]));
    }
    running_ = true;
  }
}

void Runtime::stopWorkers() {
  stop_.store(true);
  if (running_) rte_eal_mp_wait_lcore();
  running_ = false;
}

namespace {

// Logs how a port came to take a virtual MAC (once per MAC).
void acceptVirtualMac(Port& port, const MacAddr& mac) {
  const Port::Accept how = port.acceptMac(mac);
  if (how == Port::Accept::kAlready) return;
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac.b[0], mac.b[1], mac.b[2], mac.b[3], mac.b[4],
                mac.b[5]);
  std::cerr << "sluiced: port " << port.name() << ": virtual MAC " << text
            << (how == Port::Accept::kSecondary     ? " added as a secondary MAC address\n"
                : how == Port::Accept::kPromiscuous ? " accepted in promiscuous mode (the PMD filters by no second "
                                                      "address)\n"
                                                    : ": the PMD offers neither a secondary MAC address nor "
                                                      "promiscuous mode; frames to it arrive only if it filters none\n");
}

}  // namespace

DataplaneHandle::PoolUse Runtime::packetPool() const {
  // Both counts sum the ring and the per-lcore caches without a lock: good
  // for a gauge, never used to decide anything.
  return {pool_->size, rte_mempool_in_use_count(pool_), rte_mempool_avail_count(pool_)};
}

bool Runtime::publish(std::unique_ptr<ForwardingTable>&& table) {
  table->prepareWorkers(workerCount());
  const ForwardingTable* published = table.get();
  // The ports take the table's virtual MACs before the workers accept
  // frames to them.
  for (std::size_t i = 0; i < ports_.size() && i < table->ports.size(); ++i) {
    for (const MacAddr& mac : table->ports[i].virtualMacs) acceptVirtualMac(*ports_[i], mac);
  }
  if (!publisher_->publish(std::move(table))) return false;
  // The workers have the table (or take it next burst); the steering maps
  // follow. Owned by the publisher until every worker has moved past it.
  for (std::size_t i = 0; i < steering_.size(); ++i) {
    if (!steering_[i]) continue;
    if (const unsigned failed = steering_[i]->update(*published, kernelHolds_); failed != 0) {
      steeringFailures_ += failed;
      std::cerr << "sluiced: port " << ports_[i]->name() << ": " << failed
                << " XDP steering map update(s) failed (maps full?); some traffic may reach the kernel instead\n";
    }
  }
  return true;
}

namespace {

// True when a frame the workers passed up is for the kernel behind an
// exception TAP: ARP, IPv6 neighbour discovery, or traffic to one of the
// router's own addresses (control path).
bool forKernel(std::span<const uint8_t> f, const ForwardingTable& table) {
  std::size_t l3 = 14;
  if (f.size() < l3) return false;
  uint16_t type = static_cast<uint16_t>(f[12] << 8 | f[13]);
  if (type == RTE_ETHER_TYPE_VLAN && f.size() >= 18) {
    type = static_cast<uint16_t>(f[16] << 8 | f[17]);
    l3 = 18;
  }
  if (type == RTE_ETHER_TYPE_ARP) return true;
  if (type == RTE_ETHER_TYPE_IPV4 && f.size() >= l3 + 20) {
    return table.isOwnAddress(IpAddr::fromBytes(f.data() + l3 + 16, false), false);
  }
  if (type == RTE_ETHER_TYPE_IPV6 && f.size() >= l3 + 41) {
    if (f[l3 + 6] == 58 && f[l3 + 40] >= 133 && f[l3 + 40] <= 137) return true;
    return table.isOwnAddress(IpAddr::fromBytes(f.data() + l3 + 24, true), true);
  }
  return false;
}

}  // namespace

unsigned Runtime::pollExceptions(const FrameHandler& handler, unsigned max) {
  // VRRP first, each ring with its own budget: adverts are never behind a
  // flood of other frames.
  const unsigned vrrp = pollExceptionRing(*vrrpExceptions_, handler, max);
  return vrrp + pollExceptionRing(*exceptions_, handler, max) + pollTaps();
}

unsigned Runtime::pollExceptionRing(TypedRing<rte_mbuf*>& ring, const FrameHandler& handler, unsigned max) {
  unsigned done = 0;
  rte_mbuf* m = nullptr;
  while (done < max && ring.pop(m)) {
    ++done;
    const std::span<const uint8_t> frame(rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m));
    try {
      handler(m->port, frame);
    } catch (...) {
      rte_pktmbuf_free(m);
      throw;
    }
    const uint16_t port = m->port;
    if (port < taps_.size() && taps_[port] && publisher_->current() != nullptr &&
        forKernel(frame, *publisher_->current()) && rte_eth_tx_burst(taps_[port]->id(), 0, &m, 1) == 1) {
      continue;  // the TAP owns it now
    }
    rte_pktmbuf_free(m);
  }
  return done;
}

unsigned Runtime::pollTaps() {
  // What the kernel sends through a TAP leaves by the port's control TX
  // ring, which its worker drains.
  unsigned done = 0;
  for (std::size_t i = 0; i < taps_.size(); ++i) {
    if (!taps_[i]) continue;
    rte_mbuf* burst[32];
    const uint16_t n = rte_eth_rx_burst(taps_[i]->id(), 0, burst, 32);
    for (uint16_t k = 0; k < n; ++k) {
      if (!controlTx_[i]->push(burst[k])) rte_pktmbuf_free(burst[k]);
    }
    done += n;
  }
  return done;
}

namespace {

// Hands up to `max` messages of a ring to `handler`; returns how many.
template <class T, class Handler>
unsigned drain(TypedRing<T>& ring, const Handler& handler, unsigned max) {
  unsigned done = 0;
  T message{};
  while (done < max && ring.pop(message)) {
    ++done;
    handler(message);
  }
  return done;
}

}  // namespace

unsigned Runtime::pollResolves(const ResolveHandler& handler, unsigned max) { return drain(*resolves_, handler, max); }

unsigned Runtime::pollSyncRecords(const SyncHandler& handler, unsigned max) { return drain(*syncOut_, handler, max); }

bool Runtime::installSynced(unsigned worker, const ConnRecord& record) {
  return worker < syncIn_.size() && syncIn_[worker]->push(record);
}

bool Runtime::dumpConnections(unsigned worker, ConnDumpRequest& request, unsigned timeoutMs) {
  if (!running_) return false;
  std::atomic<ConnDumpRequest*>& slot = contexts_[worker]->dump;
  request.done.store(false, std::memory_order_relaxed);
  slot.store(&request, std::memory_order_release);
  const uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() / 1000 * timeoutMs;
  while (!request.done.load(std::memory_order_acquire)) {
    if (rte_get_timer_cycles() > deadline) {
      ConnDumpRequest* expected = &request;
      if (slot.compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel)) return false;
      // The worker took it already: it finishes a bounded page.
      while (!request.done.load(std::memory_order_acquire)) rte_pause();
      break;
    }
    rte_delay_us_sleep(20);
  }
  return true;
}

bool Runtime::send(uint16_t port, std::span<const uint8_t> frame) {
  if (port >= ports_.size() || frame.size() > RTE_MBUF_DEFAULT_DATAROOM) return false;
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (m == nullptr) return false;
  char* data = rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size()));
  if (data == nullptr) {
    rte_pktmbuf_free(m);
    return false;
  }
  std::memcpy(data, frame.data(), frame.size());
  if (!controlTx_[port]->push(m)) {
    rte_pktmbuf_free(m);
    return false;
  }
  return true;
}

}  // namespace sluice::dp
