// What the control plane needs from a running data plane, and nothing
// more: publishing snapshots, the frames the workers pass up, sending
// frames the control plane built, the ports, and the workers' counters.
// dp::Runtime implements it on DPDK; tests implement it without an EAL
// (tests/controlplane/sluiced/fake_dataplane.h), which is why this header
// names no DPDK type. Every call is on the control path (never per
// packet), so the virtual calls cost nothing that matters.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "dataplane/conn_dump.h"
#include "dataplane/forwarding_table.h"
#include "dataplane/messages.h"
#include "dataplane/worker_counters.h"

namespace sluice::dp {

class DataplaneHandle {
 public:
  using FrameHandler = std::function<void(uint16_t port, std::span<const uint8_t> frame)>;
  using ResolveHandler = std::function<void(const ResolveRequest&)>;
  using SyncHandler = std::function<void(const ConnRecord&)>;

  virtual ~DataplaneHandle() = default;

  // Hands `table` to every worker, or to none and returns false when a
  // worker's ring is full; `table` is taken only on success. Control thread only.
  virtual bool publish(std::unique_ptr<ForwardingTable>&& table) = 0;
  // The same for the neighbours. Control thread only.
  virtual bool publish(std::unique_ptr<NeighbourSet>&& neighbours) = 0;
  // The newest published table, nullptr before the first. Control thread only.
  virtual const ForwardingTable* table() const = 0;
  // The newest published neighbours, nullptr before the first. Control thread only.
  virtual const NeighbourSet* neighbours() const = 0;
  // Frees the superseded snapshots every worker has moved past. Control thread only.
  virtual void reclaim() = 0;
  // Whether every worker has taken every snapshot published so far: a
  // packet a worker reads from now on meets them. Control thread only.
  virtual bool allTaken() const = 0;

  // Passes up to `max` frames the workers sent up (ARP, ND, VRRP, pings)
  // to `handler`; returns how many. Control thread only.
  virtual unsigned pollExceptions(const FrameHandler& handler, unsigned max) = 0;
  // Passes up to `max` next hops the workers could not resolve to
  // `handler`; returns how many. Control thread only.
  virtual unsigned pollResolves(const ResolveHandler& handler, unsigned max) = 0;
  // Passes up to `max` connections the workers found due to be synced
  // (snapshots with sync.send) to `handler`; returns how many. Control thread only.
  virtual unsigned pollSyncRecords(const SyncHandler& handler, unsigned max) = 0;
  // Queues a connection a sync peer sent for worker `worker` to install;
  // false when its ring is full. Control thread only.
  virtual bool installSynced(unsigned worker, const ConnRecord& record) = 0;
  // Queues a frame for transmission on port `port`; false when no buffer
  // or no room (the caller may retry later). Control thread only.
  virtual bool send(uint16_t port, std::span<const uint8_t> frame) = 0;

  // Starts the workers (after the first publish). Control thread only.
  virtual void startWorkers() = 0;
  // Stops the workers and waits for them; idempotent. Control thread only.
  virtual void stopWorkers() = 0;
  // How many workers there are. Thread-safe (fixed at construction).
  virtual unsigned workerCount() const = 0;
  // Worker `worker`'s counters; the worker writes them while this is read,
  // see worker_counters.h. Any thread.
  virtual const WorkerCounters& counters(unsigned worker) const = 0;
  // How many loops worker `worker` has run (it is alive when this moves). Any thread.
  virtual uint64_t workerLoops(unsigned worker) const = 0;
  // Has running worker `worker` copy one page of its connections into
  // `request`; false when it did not within `timeoutMs`. Control thread only.
  virtual bool dumpConnections(unsigned worker, ConnDumpRequest& request, unsigned timeoutMs) = 0;

  // How many ports there are. Thread-safe (fixed at construction).
  virtual unsigned portCount() const = 0;
  // Port `index`'s name, as the config names it. Thread-safe.
  virtual std::string portName(unsigned index) const = 0;
  // Port `index`'s MAC address. Thread-safe.
  virtual MacAddr portMac(unsigned index) const = 0;
  // Whether port `index`'s driver reports its link up. Control thread only.
  virtual bool linkUp(unsigned index) const = 0;
  // XDP steering map updates that failed since start (each also logged);
  // 0 without net_af_xdp ports. Control thread only.
  virtual uint64_t steeringFailures() const = 0;

  // The packet buffer pool (mbufs): its size, the buffers taken (by the
  // ports' descriptor rings, the rings between threads, packets in flight
  // and the threads' caches) and those free. A handle without one reads 0.
  // Control thread only; a racy sum while workers run, exact when idle.
  struct PoolUse {
    uint64_t size = 0;
    uint64_t inUse = 0;
    uint64_t available = 0;
  };
  virtual PoolUse packetPool() const { return {}; }
  // Superseded snapshots (tables, neighbours) not yet freed: they wait for
  // every worker's quiescent report. Control thread only.
  virtual std::size_t retiredSnapshots() const { return 0; }
};

}  // namespace sluice::dp
