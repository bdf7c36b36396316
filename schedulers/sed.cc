// sed: shortest expected delay, (active + 1)/weight: the delay the new
// connection would see; inactive connections cost nothing (IPVS ip_vs_sed).
#include "schedulers/factories.h"
#include "schedulers/load.h"

namespace sluice::sched::detail {
namespace {

class SedScheduler final : public Scheduler {
 public:
  void update(std::span<const Destination>) override {}

  int pick(std::span<const Destination> dests, const FlowKey&, uint64_t) override {
    return leastWeighted(dests, sedOverhead);
  }

  std::string_view name() const override { return "sed"; }
};

}  // namespace

std::unique_ptr<Scheduler> makeSed(const SchedulerOptions&) { return std::make_unique<SedScheduler>(); }

}  // namespace sluice::sched::detail
