// One polling worker: receives bursts from its RX queues, steers packets to
// the worker that owns their client, runs the Forwarder, transmits on its
// own TX queue of each port, hands exceptions and resolution requests to
// the control plane, sends the control plane's frames for the ports it
// drains, sweeps its connection table and reports quiescent states.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "dataplane/cache_line.h"
#include "dataplane/conn_dump.h"
#include "dataplane/forwarder.h"
#include "dataplane/messages.h"
#include "dataplane/snapshot_publisher.h"
#include "dataplane/typed_ring.h"

struct rte_mbuf;
struct rte_rcu_qsbr;

namespace sluice::dp {

struct RxQueue {
  uint16_t port;  // port index
  uint16_t queue;
};

// Everything a worker reaches; set up by the Runtime before launch and
// read-only afterwards (the pointees are the worker's or lock-free). The
// worker writes `loops` on every pass: a line of its own per worker.
struct alignas(kCacheLine) WorkerContext {
  unsigned index = 0;
  unsigned workerCount = 1;
  Forwarder* forwarder = nullptr;
  TypedRing<SnapshotUpdate>* tables = nullptr;
  std::vector<TypedRing<rte_mbuf*>*> steering;   // every worker's inbox, by worker index
  std::vector<RxQueue> rx;
  std::vector<uint16_t> drains;                  // ports whose control-plane TX ring it sends
  std::vector<uint16_t> portIds;                 // port index -> DPDK port id
  std::vector<uint16_t> portIndexById;           // DPDK port id -> port index
  std::vector<TypedRing<rte_mbuf*>*> controlTx;  // by port index
  TypedRing<rte_mbuf*>* exceptions = nullptr;
  // VRRP and AH packets: a ring of their own, drained first, so that a
  // flood of other exceptions cannot crowd the adverts out.
  TypedRing<rte_mbuf*>* vrrpExceptions = nullptr;
  TypedRing<ResolveRequest>* resolves = nullptr;
  // Connection sync: records of connections due to be sent (to the control
  // plane) and connections a peer sent (from it), both this worker's own.
  TypedRing<ConnRecord>* syncOut = nullptr;
  TypedRing<ConnRecord>* syncIn = nullptr;
  rte_rcu_qsbr* qsbr = nullptr;
  const std::atomic<bool>* stop = nullptr;
  bool busyPoll = false;  // never back off when idle (dedicated cores)
  std::atomic<uint64_t> loops{0};  // iterations, for liveness checks
  std::atomic<ConnDumpRequest*> dump{nullptr};  // a listing the control plane asked for
};
static_assert(alignof(WorkerContext) == kCacheLine && sizeof(WorkerContext) % kCacheLine == 0);

// The lcore entry point (rte_eal_remote_launch); arg is a WorkerContext*.
int runWorker(void* arg);

}  // namespace sluice::dp
