// dh: destination hashing. The destination address picks a bucket of a
// 256-bucket table dealt one bucket per server in turn, weights aside; an
// unavailable server there means no server (IPVS ip_vs_dh).
#include "schedulers/bucket_table.h"
#include "schedulers/factories.h"
#include "schedulers/hashing.h"
#include "schedulers/load.h"

namespace sluice::sched::detail {
namespace {

class DhScheduler final : public Scheduler {
 public:
  void update(std::span<const Destination> dests) override { table_.fill(dests, false); }

  int pick(std::span<const Destination> dests, const FlowKey& flow, uint64_t) override {
    const int d = table_.at(BucketTable::bucketOf(foldAddress(flow.dst)));
    if (d == kNoDestination || static_cast<size_t>(d) >= dests.size()) return kNoDestination;
    return isAvailable(dests[static_cast<size_t>(d)]) ? d : kNoDestination;
  }

  std::string_view name() const override { return "dh"; }

 private:
  BucketTable table_;
};

}  // namespace

std::unique_ptr<Scheduler> makeDh(const SchedulerOptions&) { return std::make_unique<DhScheduler>(); }

}  // namespace sluice::sched::detail
