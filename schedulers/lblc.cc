// lblc: locality-based least connections (IPVS ip_vs_lblc), for caches: the
// flows to one destination IP keep going to the server first chosen for it,
// by weighted least connections, until that server is unavailable or
// overloaded (more active connections than its weight while another server
// is below half of its own); then a new server is chosen and remembered.
#include "schedulers/dest_remap.h"
#include "schedulers/factories.h"
#include "schedulers/load.h"
#include "schedulers/locality_table.h"

namespace sluice::sched::detail {
namespace {

class LblcScheduler final : public Scheduler {
 public:
  explicit LblcScheduler(const SchedulerOptions& options)
      : table_(options.lblcTableEntries, options.lblcExpirationMs) {}

  void update(std::span<const Destination> dests) override {
    remap_.update(dests);
    table_.forEachPayload([this](int32_t& dest) { dest = remap_.map(dest); });
  }

  int pick(std::span<const Destination> dests, const FlowKey& flow, uint64_t nowMs) override {
    auto* entry = table_.find(flow.dst, nowMs);
    if (entry != nullptr) {
      entry->lastUseMs = nowMs;
      const int32_t d = entry->payload;
      if (d >= 0 && static_cast<size_t>(d) < dests.size() &&
          isAvailable(dests[static_cast<size_t>(d)]) && !localityOverloaded(dests, d)) {
        return d;
      }
    }
    const int chosen = leastWeighted(dests, connOverhead);
    if (chosen == kNoDestination) return kNoDestination;
    if (entry == nullptr) entry = &table_.claim(flow.dst, nowMs);
    entry->payload = chosen;
    return chosen;
  }

  std::string_view name() const override { return "lblc"; }

 private:
  LocalityTable<int32_t> table_;  // destination IP -> server index
  DestRemap remap_;
};

}  // namespace

std::unique_ptr<Scheduler> makeLblc(const SchedulerOptions& options) {
  if (options.lblcTableEntries == 0 || options.lblcTableEntries > LocalityTable<int32_t>::kMaxEntries) {
    return nullptr;
  }
  return std::make_unique<LblcScheduler>(options);
}

}  // namespace sluice::sched::detail
