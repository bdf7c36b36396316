// fo: weighted fail-over. Everything goes to the available server of highest
// weight, the first of equals (IPVS ip_vs_fo).
#include "schedulers/factories.h"
#include "schedulers/load.h"

namespace sluice::sched::detail {
namespace {

class FoScheduler final : public Scheduler {
 public:
  void update(std::span<const Destination>) override {}

  int pick(std::span<const Destination> dests, const FlowKey&, uint64_t) override {
    int best = kNoDestination;
    int32_t bestWeight = 0;
    for (size_t i = 0; i < dests.size(); ++i) {
      if (isAvailable(dests[i]) && dests[i].weight > bestWeight) {
        best = static_cast<int>(i);
        bestWeight = dests[i].weight;
      }
    }
    return best;
  }

  std::string_view name() const override { return "fo"; }
};

}  // namespace

std::unique_ptr<Scheduler> makeFo(const SchedulerOptions&) { return std::make_unique<FoScheduler>(); }

}  // namespace sluice::sched::detail
