// mh: Maglev hashing (IPVS ip_vs_mh, after Eisenbud et al., NSDI 2016).
// Each server gets a permutation of the M table slots from two hashes of its
// address and port (offset, skip); servers take turns, in proportion to
// weight/gcd, claiming their next free preferred slot until all M are taken.
// A flow's source address (+ port) picks a slot. Because a server's
// preferences do not depend on the others, removing one of N servers moves
// about 1/N of the keys.
#include <algorithm>
#include <bit>
#include <numeric>
#include <vector>

#include "schedulers/factories.h"
#include "schedulers/hashing.h"
#include "schedulers/load.h"

namespace sluice::sched::detail {
namespace {

// Seeds of the two independent server hashes and of the key hash.
constexpr uint64_t kOffsetSeed = 0x2545f4914f6cdd1dull;
constexpr uint64_t kSkipSeed = 0x9e3779b97f4a7c15ull;
constexpr uint64_t kKeySeed = 0xd6e8feb86659fd93ull;
constexpr uint32_t kMaxTableSize = 1u << 24;

bool isPrime(uint32_t n) {
  if (n < 2) return false;
  for (uint32_t d = 2; uint64_t{d} * d <= n; ++d) {
    if (n % d == 0) return false;
  }
  return true;
}

class MhScheduler final : public Scheduler {
 public:
  explicit MhScheduler(const SchedulerOptions& options)
      : size_(options.mhTableSize),
        fallback_(options.fallback),
        hashPort_(options.hashPort),
        lookup_(size_, kNoDestination) {}

  void update(std::span<const Destination> dests) override {
    std::fill(lookup_.begin(), lookup_.end(), kNoDestination);
    int32_t g = 0;
    int32_t maxWeight = 0;
    for (const Destination& d : dests) {
      if (d.weight <= 0) continue;
      g = std::gcd(g, d.weight);
      maxWeight = std::max(maxWeight, d.weight);
    }
    if (g == 0) return;  // nobody takes connections: an empty table
    // Cap turns per round to about half the table's bits, as IPVS does, so a
    // huge weight ratio cannot starve the others of slots.
    const int tableBits = static_cast<int>(std::bit_width(size_)) / 2;
    const int weightBits = static_cast<int>(std::bit_width(static_cast<uint32_t>(maxWeight / g)));
    const int shift = std::max(0, weightBits - tableBits);

    const size_t n = dests.size();
    std::vector<uint32_t> next(n);  // the next preferred slot of each server
    std::vector<uint32_t> skip(n);
    std::vector<int32_t> turns(n);
    for (size_t i = 0; i < n; ++i) {
      const Destination& d = dests[i];
      const uint64_t base = hashAddress(d.addr, d.port);
      next[i] = static_cast<uint32_t>(mix64(base ^ kOffsetSeed) % size_);
      skip[i] = static_cast<uint32_t>(mix64(base ^ kSkipSeed) % (size_ - 1)) + 1;
      const int32_t w = d.weight > 0 ? d.weight : 0;
      const int32_t scaled = (w / g) >> shift;
      turns[i] = scaled > 0 ? scaled : (w > 0 ? 1 : 0);  // a shifted-out weight still gets a turn
    }

    std::vector<bool> taken(size_, false);
    uint32_t filled = 0;
    int32_t dealt = 0;  // slots taken by the current server in this round
    while (filled < size_) {
      for (size_t i = 0; i < n && filled < size_;) {
        if (turns[i] < 1) {
          ++i;
          continue;
        }
        while (taken[next[i]]) {
          next[i] += skip[i];
          if (next[i] >= size_) next[i] -= size_;
        }
        taken[next[i]] = true;
        lookup_[next[i]] = static_cast<int32_t>(i);
        ++filled;
        if (++dealt >= turns[i]) {
          dealt = 0;
          ++i;
        }
      }
    }
  }

  int pick(std::span<const Destination> dests, const FlowKey& flow, uint64_t) override {
    const uint64_t key = hashAddress(flow.src, kKeySeed) + hashedPort(flow, hashPort_);
    const uint32_t home = slotOf(key, 0);
    const int d = lookup_[home];
    if (d == kNoDestination || static_cast<size_t>(d) >= dests.size()) return kNoDestination;
    if (isAvailable(dests[static_cast<size_t>(d)])) return d;
    if (!fallback_) return kNoDestination;

    // Walking on costs up to M hashes; not worth it when nobody can answer.
    if (std::none_of(dests.begin(), dests.end(), isAvailable)) return kNoDestination;
    // Like IPVS: rehash the key with growing offsets, so the flows of one
    // unavailable server spread over all the others.
    for (uint32_t k = 0; k < size_; ++k) {
      const int alt = lookup_[slotOf(key, home + k + 1)];
      if (alt == kNoDestination || static_cast<size_t>(alt) >= dests.size()) return kNoDestination;
      if (isAvailable(dests[static_cast<size_t>(alt)])) return alt;
    }
    return kNoDestination;
  }

  std::string_view name() const override { return "mh"; }

 private:
  uint32_t slotOf(uint64_t key, uint64_t offset) const {
    return static_cast<uint32_t>(mix64(key + offset) % size_);
  }

  uint32_t size_;  // M, a prime
  bool fallback_;
  bool hashPort_;
  std::vector<int32_t> lookup_;  // slot -> destination index
};

}  // namespace

std::unique_ptr<Scheduler> makeMh(const SchedulerOptions& options) {
  if (options.mhTableSize > kMaxTableSize || !isPrime(options.mhTableSize)) return nullptr;
  return std::make_unique<MhScheduler>(options);
}

}  // namespace sluice::sched::detail
