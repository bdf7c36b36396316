// A latency histogram in TSC cycles: exact below 64, then 32 buckets per
// power of two (about 3% resolution) up to 2^48 cycles. Fixed size, never
// allocates; add() is a few instructions on the receive path.
// Not thread-safe: one per receiving loop.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace sluice::bench {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBits = 5;
  static constexpr unsigned kMaxBits = 48;
  static constexpr unsigned kBuckets = (kMaxBits - kSubBits) * (1u << kSubBits) + (2u << kSubBits);

  static unsigned bucketOf(uint64_t v) {
    if (v >= (uint64_t{1} << kMaxBits)) v = (uint64_t{1} << kMaxBits) - 1;
    if (v < (2u << kSubBits)) return static_cast<unsigned>(v);
    const unsigned e = static_cast<unsigned>(std::bit_width(v)) - 1 - kSubBits;
    return e * (1u << kSubBits) + static_cast<unsigned>(v >> e);
  }

  // The middle of a bucket's range (its exact value below 64).
  static uint64_t valueOf(unsigned bucket) {
    if (bucket < (2u << kSubBits)) return bucket;
    const unsigned e = bucket / (1u << kSubBits) - 1;
    const uint64_t top = bucket - uint64_t{e} * (1u << kSubBits);
    return (top << e) + ((uint64_t{1} << e) >> 1);
  }

  void add(uint64_t cycles) {
    ++counts_[bucketOf(cycles)];
    ++count_;
    sum_ += cycles;
    if (cycles < min_) min_ = cycles;
    if (cycles > max_) max_ = cycles;
  }

  void merge(const LatencyHistogram& o) {
    for (unsigned i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    if (o.min_ < min_) min_ = o.min_;
    if (o.max_ > max_) max_ = o.max_;
  }

  void clear() { *this = LatencyHistogram{}; }

  // The value below which a fraction q (0..1) of the samples lie; 0 when empty.
  uint64_t quantile(double q) const {
    if (count_ == 0) return 0;
    const uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(count_ - 1));
    uint64_t seen = 0;
    for (unsigned i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen > rank) return valueOf(i);
    }
    return max_;
  }

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace sluice::bench
