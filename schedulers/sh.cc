// sh: source hashing. The source address (plus the source port with
// hashPort) picks a bucket of a weighted 256-bucket table (IPVS ip_vs_sh).
// Without fallback an unavailable server there means no server; with it
// other buckets are tried in IPVS's order, so a client keeps its server
// while that one is up and moves only while it is not.
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

  void update(std::span<const Destination> dests) override { table_.fill(dests, true); }

  int pick(std::span<const Destination> dests, const FlowKey& flow, uint64_t) override {
    const uint32_t key = foldAddress(flow.src) + hashedPort(flow, hashPort_);
    const uint32_t home = BucketTable::bucketOf(key);
    constexpr uint32_t kMask = BucketTable::kSize - 1;
    // The home bucket, then with fallback the buckets IPVS tries: it adds
    // the home bucket to each offset from the home bucket on, so the walk
    // starts at twice the home bucket (ip_vs_sh_get_fallback).
    for (uint32_t k = 0; k <= (fallback_ ? BucketTable::kSize : 0); ++k) {
      const uint32_t b = k == 0 ? home : (k - 1 + 2 * home) & kMask;
      const int d = table_.at(b);
      // No server at all, or a table older than dests.
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
