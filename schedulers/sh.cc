// sh: source hashing. The source address (plus the source port with
// hashPort) picks a bucket of a weighted 256-bucket table (IPVS ip_vs_sh).
// Without fallback an unavailable server there means no server; with it the
// following buckets are tried in turn, so a client keeps its server while
// that one is up and moves only while it is not.
#include "schedulers/bucket_table.h"
#include "schedulers/factories.h"
#include "schedulers/hashing.h"
#include "schedulers/load.h"

namespace sluice::sched::detail {
namespace {

class ShScheduler final : public Scheduler {
 public:
  explicit ShScheduler(const SchedulerOptions& options)
      : fallback_(options.fallback), hashPort_(options.hashPort) {}

  void update(std::span<const Destination> dests) override { table_.fill(dests); }

  int pick(std::span<const Destination> dests, const FlowKey& flow, uint64_t) override {
    const uint32_t key = foldAddress(flow.src) + hashedPort(flow, hashPort_);
    const uint32_t home = BucketTable::bucketOf(key);
    const uint32_t probes = fallback_ ? BucketTable::kSize : 1;
    for (uint32_t k = 0; k < probes; ++k) {
      const int d = table_.at((home + k) & (BucketTable::kSize - 1));
      // No weighted server at all, or a table older than dests.
      if (d == kNoDestination || static_cast<size_t>(d) >= dests.size()) return kNoDestination;
      if (isAvailable(dests[static_cast<size_t>(d)])) return d;
    }
    return kNoDestination;
  }

  std::string_view name() const override { return "sh"; }

 private:
  BucketTable table_;
  bool fallback_;
  bool hashPort_;
};

}  // namespace

std::unique_ptr<Scheduler> makeSh(const SchedulerOptions& options) {
  return std::make_unique<ShScheduler>(options);
}

}  // namespace sluice::sched::detail
