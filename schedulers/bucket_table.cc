#include "schedulers/bucket_table.h"

namespace sluice::sched::detail {

void BucketTable::fill(std::span<const Destination> dests) {
  buckets_.fill(kNoDestination);
  bool anyWeight = false;
  for (const Destination& d : dests) anyWeight = anyWeight || d.weight > 0;
  if (!anyWeight) return;

  size_t d = 0;
  int32_t turns = 0;  // buckets dealt to dests[d] in this round
  for (uint32_t b = 0; b < kSize; ++b) {
    while (dests[d].weight <= 0) d = (d + 1) % dests.size();
    buckets_[b] = static_cast<int32_t>(d);
    if (++turns >= dests[d].weight) {
      turns = 0;
      d = (d + 1) % dests.size();
    }
  }
}

}  // namespace sluice::sched::detail
