#include "dataplane/snapshot_publisher.h"

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace sluice::dp {
namespace {
// Snapshots a worker may have queued but not yet taken.
constexpr unsigned kRingSize = 16;
}  // namespace

SnapshotPublisher::SnapshotPublisher(unsigned workers) {
  const std::size_t size = rte_rcu_qsbr_get_memsize(workers);
  qsbr_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("sluice_qsbr", size, RTE_CACHE_LINE_SIZE));
  if (qsbr_ == nullptr) throw std::runtime_error("cannot allocate the QSBR variable");
  rte_rcu_qsbr_init(qsbr_, workers);
  for (unsigned w = 0; w < workers; ++w) {
    rings_.push_back(std::make_unique<TypedRing<SnapshotUpdate>>("sluice_tables_" + std::to_string(w), kRingSize,
                                                                   RingUse::kSingleToSingle));
    rte_rcu_qsbr_thread_register(qsbr_, w);
    rte_rcu_qsbr_thread_online(qsbr_, w);
  }
}

SnapshotPublisher::~SnapshotPublisher() {
  retired_.clear();
  current_.reset();
  neighbours_.reset();
  rings_.clear();
  rte_free(qsbr_);
}

bool SnapshotPublisher::send(const SnapshotUpdate& update) {
  // The control plane is the only producer: free room only grows, so this
  // check makes the publish all-or-nothing.
  for (const auto& r : rings_) {
    if (r->freeCount() == 0) return false;
  }
  for (const auto& r : rings_) r->push(update);
  return true;
}

bool SnapshotPublisher::allTaken() const {
  for (const auto& r : rings_) {
    if (!r->empty()) return false;
  }
  return true;
}

void SnapshotPublisher::retire(Retired r) { retired_.push_back(std::move(r)); }

bool SnapshotPublisher::publish(std::unique_ptr<ForwardingTable>&& table) {
  if (!send(SnapshotUpdate{table.get(), nullptr})) return false;
  if (current_) retire(Retired{std::move(current_), nullptr, 0});
  current_ = std::move(table);
  return true;
}

bool SnapshotPublisher::publish(std::unique_ptr<NeighbourSet>&& neighbours) {
  if (!send(SnapshotUpdate{nullptr, neighbours.get()})) return false;
  if (neighbours_) retire(Retired{nullptr, std::move(neighbours_), 0});
  neighbours_ = std::move(neighbours);
  return true;
}

void SnapshotPublisher::reclaim() {
  // A worker keeps using the old snapshot until it pops the new one from its
  // ring, and reads the old table once more while it switches (it keeps the
  // schedulers of unchanged services). So the grace period starts only once
  // every ring is drained: a quiescent report after that token comes after
  // the loop iteration in which the worker switched.
  const bool drained = std::all_of(rings_.begin(), rings_.end(), [](const auto& r) { return r->empty(); });
  if (drained) {
    for (Retired& r : retired_) {
      if (r.graceStarted) continue;
      r.token = rte_rcu_qsbr_start(qsbr_);
      r.graceStarted = true;
    }
  }
  while (!retired_.empty() && retired_.front().graceStarted &&
         rte_rcu_qsbr_check(qsbr_, retired_.front().token, false) == 1) {
    retired_.pop_front();
  }
}

}  // namespace sluice::dp
