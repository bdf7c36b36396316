// The DPDK side of sluiced: the packet pool, the ports, the workers and
// the rings between them and the control plane. One per process, made
// after the Eal. Every method is for the control-plane
// thread; the workers only touch what their WorkerContext names. The
// control loop sees it as a DataplaneHandle (tests fake that).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dataplane/conn_capacity.h"
#include "dataplane/conn_state.h"
#include "dataplane/dataplane_handle.h"
#include "dataplane/forwarder.h"
#include "dataplane/messages.h"
#include "dataplane/port.h"
#include "dataplane/snapshot_publisher.h"
#include "dataplane/typed_ring.h"
#include "dataplane/worker.h"
#include "dataplane/xdp_steering.h"

struct rte_mbuf;
struct rte_mempool;

namespace sluice::dp {

struct PortRequest {
  std::string name;
  std::string device;
  uint16_t rxQueues = 1;  // TX queues are one per worker
  // The net_tap device of the port's exception interface; empty: none.
  std::string exceptionTap;
};

struct RuntimeSpec {
  std::vector<PortRequest> ports;
  std::vector<unsigned> workerLcores;
  uint32_t connCapacity = kDefaultConnCapacity;  // per worker, IPv4 (IPv6: see ipv6ConnCapacity)
  ConnTimeouts timeouts;
  bool busyPoll = false;  // workers never back off when idle
};

class Runtime final : public DataplaneHandle {
 public:
  // Opens everything; throws std::runtime_error with the reason, after
  // undoing what was done.
  explicit Runtime(const RuntimeSpec& spec);
  ~Runtime() override;
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  void startWorkers() override;
  void stopWorkers() override;

  unsigned workerCount() const override { return static_cast<unsigned>(contexts_.size()); }
  unsigned portCount() const override { return static_cast<unsigned>(ports_.size()); }
  const Port& port(unsigned index) const { return *ports_[index]; }
  std::string portName(unsigned index) const override { return ports_.at(index)->name(); }
  MacAddr portMac(unsigned index) const override { return ports_.at(index)->mac(); }
  bool linkUp(unsigned index) const override { return ports_.at(index)->linkUp(); }

  // Snapshots (see SnapshotPublisher). A published forwarding table also
  // sets the maps of the XDP steering program on net_af_xdp ports.
  bool publish(std::unique_ptr<ForwardingTable>&& table) override;

  // The kernel interface behind port `index` holds the router's own
  // addresses of that family: the XDP steering program passes traffic to
  // them to the kernel (from the next publish on).
  void leaveToKernel(unsigned index, bool v6) { kernelHolds_.at(index)[v6 ? 1 : 0] = true; }
  // The steering maps of port `index`, nullptr when it has none (not a
  // net_af_xdp port, or one running an operator's own program).
  const XdpSteering* steering(unsigned index) const { return steering_.at(index).get(); }
  // Map updates that failed since start (each also logged).
  uint64_t steeringFailures() const override { return steeringFailures_; }
  bool publish(std::unique_ptr<NeighbourSet>&& neighbours) override {
    return publisher_->publish(std::move(neighbours));
  }
  void reclaim() override { publisher_->reclaim(); }
  bool allTaken() const override { return publisher_->allTaken(); }
  std::size_t retiredSnapshots() const override { return publisher_->retiredCount(); }
  PoolUse packetPool() const override;
  const ForwardingTable* table() const override { return publisher_->current(); }
  const NeighbourSet* neighbours() const override { return publisher_->neighbours(); }

  // Frames the workers passed up, with the port index they came in on. On
  // a port with an exception TAP, the frames for the kernel (ARP, neighbour
  // discovery, traffic to the router's own addresses) then go into the
  // TAP; and what the kernel writes to the TAP goes out of the port.
  unsigned pollExceptions(const FrameHandler& handler, unsigned max) override;
  unsigned pollResolves(const ResolveHandler& handler, unsigned max) override;
  unsigned pollSyncRecords(const SyncHandler& handler, unsigned max) override;
  bool installSynced(unsigned worker, const ConnRecord& record) override;

  // Queues a frame the control plane built for transmission on a port;
  // false when no buffer or no room (the caller may retry later).
  bool send(uint16_t port, std::span<const uint8_t> frame) override;

  // Has a running worker copy one page of its connections into `request`;
  // false when it did not within `timeoutMs` (the request is withdrawn).
  bool dumpConnections(unsigned worker, ConnDumpRequest& request, unsigned timeoutMs) override;

  const WorkerCounters& counters(unsigned worker) const override { return forwarders_[worker]->counters(); }
  const Forwarder& forwarder(unsigned worker) const { return *forwarders_[worker]; }
  uint64_t workerLoops(unsigned worker) const override {
    return contexts_[worker]->loops.load(std::memory_order_relaxed);
  }

 private:
  std::vector<unsigned> lcores_;
  rte_mempool* pool_ = nullptr;
  std::vector<std::unique_ptr<Port>> ports_;
  std::vector<std::unique_ptr<Forwarder>> forwarders_;
  std::unique_ptr<SnapshotPublisher> publisher_;
  std::vector<std::unique_ptr<TypedRing<rte_mbuf*>>> steerRings_;
  std::vector<std::unique_ptr<XdpSteering>> steering_;  // by port index
  std::vector<std::unique_ptr<Port>> taps_;             // exception TAPs, by port index
  std::vector<std::array<bool, 2>> kernelHolds_;        // by port index, [v6]
  uint64_t steeringFailures_ = 0;
  std::vector<std::unique_ptr<TypedRing<rte_mbuf*>>> controlTx_;
  std::unique_ptr<TypedRing<rte_mbuf*>> exceptions_;
  std::unique_ptr<TypedRing<rte_mbuf*>> vrrpExceptions_;
  unsigned pollExceptionRing(TypedRing<rte_mbuf*>& ring, const FrameHandler& handler, unsigned max);
  std::unique_ptr<TypedRing<ResolveRequest>> resolves_;
  std::unique_ptr<TypedRing<ConnRecord>> syncOut_;               // every worker's, to sync
  std::vector<std::unique_ptr<TypedRing<ConnRecord>>> syncIn_;   // by worker, a peer's to install
  std::vector<std::unique_ptr<WorkerContext>> contexts_;
  std::atomic<bool> stop_{false};
  bool running_ = false;

  void teardown() noexcept;
  unsigned pollTaps();
};

}  // namespace sluice::dp
