// nq: never queue. An idle server (no active connection) is taken at once,
// the first one in list order; otherwise as sed (IPVS ip_vs_nq).
#include "schedulers/factories.h"
#include "schedulers/load.h"

namespace sluice::sched::detail {
namespace {

class NqScheduler final : public Scheduler {
 public:
  void update(std::span<const Destination>) override {}

  int pick(std::span<const Destination> dests, const FlowKey&, uint64_t) override {
    int least = kNoDestination;
    uint64_t leastOverhead = 0;
    for (size_t i = 0; i < dests.size(); ++i) {
      const Destination& d = dests[i];
      if (!isAvailable(d)) continue;
      if (d.activeConns == 0) return static_cast<int>(i);
      const uint64_t o = sedOverhead(d);
      if (least == kNoDestination || heavier(leastOverhead, dests[static_cast<size_t>(least)].weight, o, d.weight)) {
        least = static_cast<int>(i);
        leastOverhead = o;
      }
    }
    return least;
  }

  std::string_view name() const override { return "nq"; }
};

}  // namespace

std::unique_ptr<Scheduler> makeNq(const SchedulerOptions&) { return std::make_unique<NqScheduler>(); }

}  // namespace sluice::sched::detail
