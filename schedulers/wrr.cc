// wrr: weighted round robin by IPVS's interleaving (ip_vs_wrr). A current
// weight cw walks down from mw = max - (gcd - 1) in steps of di = gcd, one
// step each time the scan wraps; a server is picked when its weight >= cw.
// Weights 1:2:3 give C B C A B C, and 2:4:6 the same as 1:2:3.
#include <numeric>

#include "schedulers/factories.h"
#include "schedulers/load.h"

namespace sluice::sched::detail {
namespace {

class WrrScheduler final : public Scheduler {
 public:
  void update(std::span<const Destination> dests) override {
    int32_t g = 0;
    int32_t maxWeight = 0;
    for (const Destination& d : dests) {
      if (d.weight <= 0) continue;
      g = std::gcd(g, d.weight);
      maxWeight = std::max(maxWeight, d.weight);
    }
    di_ = g > 0 ? g : 1;
    mw_ = maxWeight - (di_ - 1);
    // A new cycle: the first scan wraps at once and starts from mw.
    index_ = -1;
    cw_ = 0;
  }

  int pick(std::span<const Destination> dests, const FlowKey&, uint64_t) override {
    const int n = static_cast<int>(dests.size());
    if (n == 0 || mw_ <= 0) return kNoDestination;
    int i = index_;
    int32_t cw = cw_;
    // A scan that began at index 0 in this call and found nothing tells the
    // highest weight available; IPVS would then wrap through every level
    // above it finding nothing, so jump straight to the level it would
    // reach. This bounds a pick to about three passes whatever the weights.
    bool fullPass = false;
    int32_t passMaxWeight = 0;
    for (;;) {
      if (i < 0 || i + 1 >= n) {
        if (fullPass) {
          if (passMaxWeight <= 0) break;  // nothing available at all
          const int32_t steps = (cw - passMaxWeight + di_ - 1) / di_;
          cw -= steps * di_;
          if (cw <= 0) break;  // only when weights changed without update()
        } else {
          cw -= di_;
          if (cw <= 0) cw = mw_;
        }
        i = 0;
        fullPass = true;
        passMaxWeight = 0;
      } else {
        ++i;
      }
      const Destination& d = dests[static_cast<size_t>(i)];
      if (d.overloaded) continue;
      if (d.weight >= cw) {  // cw >= 1, so a weight <= 0 never passes
        index_ = i;
        cw_ = cw;
        return i;
      }
      passMaxWeight = std::max(passMaxWeight, d.weight);
    }
    index_ = -1;
    cw_ = 0;
    return kNoDestination;
  }

  std::string_view name() const override { return "wrr"; }

 private:
  int index_ = -1;  // the previous pick; -1: at the head, before the first
  int32_t cw_ = 0;  // current weight
  int32_t mw_ = 0;  // max weight - (gcd - 1); <= 0: nobody has weight
  int32_t di_ = 1;  // gcd of the positive weights
};

}  // namespace

std::unique_ptr<Scheduler> makeWrr(const SchedulerOptions&) { return std::make_unique<WrrScheduler>(); }

}  // namespace sluice::sched::detail
