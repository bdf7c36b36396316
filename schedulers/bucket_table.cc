#include "schedulers/bucket_table.h"

namespace sluice::sched::detail {

void BucketTable::fill(std::span<const Destination> dests, bool byWeight) {
  buckets_.fill(kNoDestination);
  if (dests.empty()) return;
  // As Linux 6.1 deals them (ip_vs_sh_reassign, ip_vs_dh_reassign): the
  // list over and over, each server taking `weight` consecutive buckets
  // (sh) or one (dh). A server of weight 0 or less still takes one, and a
  // flow hashed there finds it unavailable.
  size_t d = 0;
  int32_t turns = 0;  // buckets dealt to dests[d] in this round
  for (uint32_t b = 0; b < kSize; ++b) {
    buckets_[b] = static_cast<int32_t>(d);
    if (!byWeight || ++turns >= dests[d].weight) {
      turns = 0;
      d = (d + 1) % dests.size();
    }
  }
}

}  // namespace sluice::sched::detail
