// Publishes immutable snapshots (forwarding table, neighbours) to the
// workers: one SPSC ring per worker carries the pointers, and a superseded
// snapshot is freed only after every worker has taken its replacement and
// then reported a quiescent state (rte_rcu_qsbr). Control-plane side only, except for the rings and
// the QSBR variable the workers use.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "dataplane/forwarding_table.h"
#include "dataplane/typed_ring.h"

struct rte_rcu_qsbr;

namespace sluice::dp {

// What a worker takes from its ring: a new table, new neighbours, or both
// (nullptr: unchanged).
struct SnapshotUpdate {
  ForwardingTable* table;
  const NeighbourSet* neighbours;
};

class SnapshotPublisher {
 public:
  // Makes the rings and the QSBR variable and registers every worker as an
  // online reader, so that none can read a snapshot unseen by the check.
  explicit SnapshotPublisher(unsigned workers);
  // Frees every snapshot: the workers must have stopped.
  ~SnapshotPublisher();
  SnapshotPublisher(const SnapshotPublisher&) = delete;
  SnapshotPublisher& operator=(const SnapshotPublisher&) = delete;

  rte_rcu_qsbr* qsbr() const { return qsbr_; }
  TypedRing<SnapshotUpdate>& ring(unsigned worker) { return *rings_[worker]; }

  // Hands `table` (with its worker views prepared) to every worker, or to
  // none and returns false when a worker has not taken earlier snapshots;
  // `table` is taken only on success, so the caller may try again.
  bool publish(std::unique_ptr<ForwardingTable>&& table);
  // The same for the neighbours.
  bool publish(std::unique_ptr<NeighbourSet>&& neighbours);

  // Frees the superseded snapshots every worker has moved past.
  void reclaim();
  // Every worker has taken every snapshot published so far (its ring is
  // empty: a worker pops its ring before it reads its next burst).
  bool allTaken() const;

  // The newest snapshot (the one the workers are moving to), or nullptr.
  const ForwardingTable* current() const { return current_.get(); }
  const NeighbourSet* neighbours() const { return neighbours_.get(); }
  std::size_t retiredCount() const { return retired_.size(); }

 private:
  struct Retired {
    std::unique_ptr<ForwardingTable> table;
    std::unique_ptr<NeighbourSet> neighbours;
    uint64_t token = 0;
    bool graceStarted = false;  // token is valid
  };
  bool send(const SnapshotUpdate& update);
  void retire(Retired r);

  rte_rcu_qsbr* qsbr_ = nullptr;
  std::vector<std::unique_ptr<TypedRing<SnapshotUpdate>>> rings_;
  std::unique_ptr<ForwardingTable> current_;
  std::unique_ptr<NeighbourSet> neighbours_;
  std::deque<Retired> retired_;
};

}  // namespace sluice::dp
