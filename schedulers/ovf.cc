// ovf: overflow. The available server of highest weight whose active
// connections do not exceed its weight; when it fills up, connections
// overflow to the next (IPVS ip_vs_ovf: a server is skipped once
// activeConns > weight, so it still takes one at activeConns == weight).
#include "schedulers/factories.h"
#include "schedulers/load.h"

namespace sluice::sched::detail {
namespace {

class OvfScheduler final : public Scheduler {
 public:
  void update(std::span<const Destination>) override {}

  int pick(std::span<const Destination> dests, const FlowKey&, uint64_t) override {
    int best = kNoDestination;
    int32_t bestWeight = 0;
    for (size_t i = 0; i < dests.size(); ++i) {
      const Destination& d = dests[i];
      if (!isAvailable(d) || d.activeConns > static_cast<uint32_t>(d.weight)) continue;
      if (d.weight > bestWeight) {
        best = static_cast<int>(i);
        bestWeight = d.weight;
      }
    }
    return best;
  }

  std::string_view name() const override { return "ovf"; }
};

}  // namespace

std::unique_ptr<Scheduler> makeOvf(const SchedulerOptions&) { return std::make_unique<OvfScheduler>(); }

}  // namespace sluice::sched::detail
