// wlc: weighted least connections, the smallest overhead/weight (IPVS
// ip_vs_wlc; keepalived's default lb_algo).
#include "schedulers/factories.h"
#include "schedulers/load.h"

namespace sluice::sched::detail {
namespace {

class WlcScheduler final : public Scheduler {
 public:
  void update(std::span<const Destination>) override {}

  int pick(std::span<const Destination> dests, const FlowKey&, uint64_t) override {
    return leastWeighted(dests, connOverhead);
  }

  std::string_view name() const override { return "wlc"; }
};

}  // namespace

std::unique_ptr<Scheduler> makeWlc(const SchedulerOptions&) { return std::make_unique<WlcScheduler>(); }

}  // namespace sluice::sched::detail
