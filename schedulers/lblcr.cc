// lblcr: locality-based least connections with replication (IPVS
// ip_vs_lblcr). Each destination IP has a set of servers; a flow goes to the
// least loaded of the set. When the set has no available member or its
// least loaded one is overloaded (lblc's rule), the least loaded server
// overall joins the set and takes the flow. A set of more than one that has
// not changed for the expiration time drops its most loaded member, so
// replicas added for a burst are given back.
#include <algorithm>
#include <array>

#include "schedulers/dest_remap.h"
#include "schedulers/factories.h"
#include "schedulers/load.h"
#include "schedulers/locality_table.h"

namespace sluice::sched::detail {
namespace {

// Bounded so that entries are preallocated; a set this large already
// spreads one destination IP over many servers.
constexpr uint32_t kMaxSetMembers = 8;

struct DestSet {
  uint64_t lastModMs = 0;
  uint32_t size = 0;
  std::array<int32_t, kMaxSetMembers> members{};  // newest first, as IPVS adds at the head
};

class LblcrScheduler final : public Scheduler {
 public:
  explicit LblcrScheduler(const SchedulerOptions& options)
      : table_(options.lblcTableEntries, options.lblcrExpirationMs),
        expirationMs_(options.lblcrExpirationMs) {}

  void update(std::span<const Destination> dests) override {
    remap_.update(dests);
    table_.forEachPayload([this](DestSet& set) {
      uint32_t kept = 0;
      for (uint32_t i = 0; i < set.size; ++i) {
        const int32_t d = remap_.map(set.members[i]);
        if (d != kNoDestination) set.members[kept++] = d;
      }
      set.size = kept;
    });
  }

  int pick(std::span<const Destination> dests, const FlowKey& flow, uint64_t nowMs) override {
    auto* entry = table_.find(flow.dst, nowMs);
    if (entry == nullptr) {
      const int chosen = leastWeighted(dests, connOverhead);
      if (chosen == kNoDestination) return kNoDestination;
      DestSet& set = table_.claim(flow.dst, nowMs).payload;
      insert(set, dests, chosen, nowMs);
      return chosen;
    }

    entry->lastUseMs = nowMs;
    DestSet& set = entry->payload;
    const int least = setMin(set, dests);
    if (set.size > 1 && nowMs > set.lastModMs && nowMs - set.lastModMs > expirationMs_) {
      const int most = setMax(set, dests);
      if (most != kNoDestination) erase(set, most, nowMs);
    }
    if (least != kNoDestination && !localityOverloaded(dests, least)) return least;

    const int chosen = leastWeighted(dests, connOverhead);
    if (chosen == kNoDestination) return kNoDestination;
    insert(set, dests, chosen, nowMs);
    return chosen;
  }

  std::string_view name() const override { return "lblcr"; }

 private:
  static bool valid(std::span<const Destination> dests, int32_t d) {
    return d >= 0 && static_cast<size_t>(d) < dests.size();
  }

  // The available member of least overhead/weight, first on ties.
  static int setMin(const DestSet& set, std::span<const Destination> dests) {
    int least = kNoDestination;
    uint64_t leastOverhead = 0;
    for (uint32_t i = 0; i < set.size; ++i) {
      const int32_t d = set.members[i];
      if (!valid(dests, d) || !isAvailable(dests[static_cast<size_t>(d)])) continue;
      const Destination& dest = dests[static_cast<size_t>(d)];
      const uint64_t o = connOverhead(dest);
      if (least == kNoDestination || heavier(leastOverhead, dests[static_cast<size_t>(least)].weight, o, dest.weight)) {
        least = d;
        leastOverhead = o;
      }
    }
    return least;
  }

  // The member of weight > 0 with the most overhead/weight, first on ties.
  static int setMax(const DestSet& set, std::span<const Destination> dests) {
    int most = kNoDestination;
    uint64_t mostOverhead = 0;
    for (uint32_t i = 0; i < set.size; ++i) {
      const int32_t d = set.members[i];
      if (!valid(dests, d) || dests[static_cast<size_t>(d)].weight <= 0) continue;
      const Destination& dest = dests[static_cast<size_t>(d)];
      const uint64_t o = connOverhead(dest);
      if (most == kNoDestination || heavier(o, dest.weight, mostOverhead, dests[static_cast<size_t>(most)].weight)) {
        most = d;
        mostOverhead = o;
      }
    }
    return most;
  }

  static void erase(DestSet& set, int32_t d, uint64_t nowMs) {
    auto end = set.members.begin() + set.size;
    auto it = std::find(set.members.begin(), end, d);
    if (it == end) return;
    std::copy(it + 1, end, it);
    --set.size;
    set.lastModMs = nowMs;
  }

  static void insert(DestSet& set, std::span<const Destination> dests, int32_t d, uint64_t nowMs) {
    auto end = set.members.begin() + set.size;
    if (std::find(set.members.begin(), end, d) != end) return;
    if (set.size == kMaxSetMembers) {
      // Full: give up the most loaded member (or, when none has weight, the
      // oldest) to make room.
      const int most = setMax(set, dests);
      if (most != kNoDestination) {
        erase(set, most, nowMs);
      } else {
        --set.size;
      }
    }
    std::copy_backward(set.members.begin(), set.members.begin() + set.size,
                       set.members.begin() + set.size + 1);
    set.members[0] = d;
    ++set.size;
    set.lastModMs = nowMs;
  }

  LocalityTable<DestSet> table_;  // destination IP -> server set
  uint64_t expirationMs_;
  DestRemap remap_;
};

}  // namespace

std::unique_ptr<Scheduler> makeLblcr(const SchedulerOptions& options) {
  if (options.lblcTableEntries == 0 || options.lblcTableEntries > LocalityTable<DestSet>::kMaxEntries) {
    return nullptr;
  }
  return std::make_unique<LblcrScheduler>(options);
}

}  // namespace sluice::sched::detail
