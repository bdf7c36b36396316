// The 256-bucket table of dh and sh: buckets are dealt to the destinations
// in list order, over and over: under sh a destination of weight w takes w
// consecutive buckets per round, under dh one; one of weight <= 0 takes one
// bucket, where flows find it unavailable (Linux 6.1's way).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "schedulers/scheduler.h"

namespace sluice::sched::detail {

class BucketTable {
 public:
  static constexpr uint32_t kBits = 8;  // IPVS's default IP_VS_{DH,SH}_TAB_BITS
  static constexpr uint32_t kSize = 1u << kBits;

  // Deals the buckets out again for dests, by weight (sh) or one each (dh).
  // Not thread-safe (control path).
  void fill(std::span<const Destination> dests, bool byWeight);

  // The destination index of bucket b (< kSize), or kNoDestination when
  // there are no destinations. Not thread-safe against fill().
  int at(uint32_t b) const { return buckets_[b]; }

  // The bucket of a 32-bit key as IPVS's sh and dh take it in Linux 6.1
  // (checked against Debian's kernel in the lab, docs/reference-kernel.md):
  // the kernel's hash_32, the top bits of the key times GOLDEN_RATIO_32
  // (0x61C88647). Thread-safe.
  static uint32_t bucketOf(uint32_t key) { return (key * 0x61C88647u) >> (32 - kBits); }

 private:
  std::array<int32_t, kSize> buckets_ = filledWithNone();

  static constexpr std::array<int32_t, kSize> filledWithNone() {
    std::array<int32_t, kSize> a{};
    a.fill(kNoDestination);
    return a;
  }
};

}  // namespace sluice::sched::detail
