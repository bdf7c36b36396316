// lc: least connections by IPVS's overhead (active*256 + inactive), weights
// ignored except that a server of weight <= 0 takes nothing (IPVS ip_vs_lc).
#include "schedulers/factories.h"
#include "schedulers/load.h"

namespace sluice::sched::detail {
namespace {

class LcScheduler final : public Scheduler {
 public:
  void update(std::span<const Destination>) override {}

  int pick(std::span<const Destination> dests, const FlowKey&, uint64_t) override {
    int least = kNoDestination;
    uint64_t leastOverhead = 0;
    for (size_t i = 0; i < dests.size(); ++i) {
      if (!isAvailable(dests[i])) continue;
      const uint64_t o = connOverhead(dests[i]);
      // Strictly less: the first of equally loaded servers wins.
      if (least == kNoDestination || o < leastOverhead) {
        least = static_cast<int>(i);
        leastOverhead = o;
      }
    }
    return least;
  }

  std::string_view name() const override { return "lc"; }
};

}  // namespace

std::unique_ptr<Scheduler> makeLc(const SchedulerOptions&) { return std::make_unique<LcScheduler>(); }

}  // namespace sluice::sched::detail
