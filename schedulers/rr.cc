// rr: round robin. Each pick continues after the previous one and skips
// servers that may not take new connections (IPVS ip_vs_rr).
#include "schedulers/factories.h"
#include "schedulers/load.h"

namespace sluice::sched::detail {
namespace {

class RrScheduler final : public Scheduler {
 public:
  void update(std::span<const Destination> dests) override {
    // Keep the position across weight changes, as IPVS keeps its list cursor.
    if (last_ >= static_cast<int>(dests.size())) last_ = -1;
  }

  int pick(std::span<const Destination> dests, const FlowKey&, uint64_t) override {
    const int n = static_cast<int>(dests.size());
    int i = last_;
    for (int step = 0; step < n; ++step) {
      i = (i + 1 >= n) ? 0 : i + 1;
      if (isAvailable(dests[static_cast<size_t>(i)])) {
        last_ = i;
        return i;
      }
    }
    return kNoDestination;
  }

  std::string_view name() const override { return "rr"; }

 private:
  int last_ = -1;  // index of the previous pick; -1 before the first
};

}  // namespace

std::unique_ptr<Scheduler> makeRr(const SchedulerOptions&) { return std::make_unique<RrScheduler>(); }

}  // namespace sluice::sched::detail
