// mh: Maglev hashing (IPVS ip_vs_mh, after Eisenbud et al., NSDI 2016).
// Each server gets a permutation of the M table slots from two hashes of its
// address and port (offset, skip); servers take turns, in list order and in
// proportion to weight/gcd, claiming their next free preferred slot until
// all M are taken. A flow's source address (+ port) picks a slot. The hashes
// are the kernel's: hsiphash (SipHash-1-3 on 64-bit Linux) of the 32-bit sum
// port + folded address under IPVS's fixed keys, so a source lands where
// Linux 6.1 puts it (checked in the lab, docs/reference-kernel.md).
#include <algorithm>
#include <bit>
#include <numeric>
#include <vector>

#include "schedulers/factories.h"
#include "schedulers/hashing.h"
#include "schedulers/load.h"

namespace sluice::sched::detail {
namespace {

// IPVS's fixed hsiphash keys (both halves equal): hash1 places servers and
// looks flows up, hash2 gives a server's skip.
constexpr uint64_t kHash1 = 2654435761ull;
constexpr uint64_t kHash2 = 2654446892ull;
constexpr uint32_t kMaxTableSize = 1u << 24;

// The kernel's hsiphash of one 32-bit value on 64-bit Linux: SipHash-1-3
// (one compression round, three finalisation rounds) of its 4 bytes, key
// halves k0 and k1, folded to 32 bits.
uint32_t hsiphash32(uint32_t value, uint64_t k0, uint64_t k1) {
  uint64_t v0 = 0x736f6d6570736575ull ^ k0;
  uint64_t v1 = 0x646f72616e646f6dull ^ k1;
  uint64_t v2 = 0x6c7967656e657261ull ^ k0;
  uint64_t v3 = 0x7465646279746573ull ^ k1;
  const auto round = [&] {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  };
  const uint64_t b = (uint64_t{4} << 56) | value;  // length 4, the bytes little-endian
  v3 ^= b;
  round();
  v0 ^= b;
  v2 ^= 0xff;
  round();
  round();
  round();
  return static_cast<uint32_t>(v0 ^ v1 ^ v2 ^ v3);
}

// IPVS's mh hash key: offset + port + folded address, as a 32-bit sum.
uint32_t mhHash(const wire::IpAddress& addr, uint16_t port, uint32_t offset, uint64_t key) {
  return hsiphash32(offset + port + foldAddress(addr), key, key);
}

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
      next[i] = mhHash(d.addr, d.port, 0, kHash1) % size_;
      skip[i] = mhHash(d.addr, d.port, 0, kHash2) % (size_ - 1) + 1;
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
    const uint16_t port = hashedPort(flow, hashPort_);
    const uint32_t home = slotOf(flow.src, port, 0);
    const int d = lookup_[home];
    if (d == kNoDestination || static_cast<size_t>(d) >= dests.size()) return kNoDestination;
    if (isAvailable(dests[static_cast<size_t>(d)])) return d;
    if (!fallback_) return kNoDestination;

    // Walking on costs up to M hashes; not worth it when nobody can answer.
    if (std::none_of(dests.begin(), dests.end(), isAvailable)) return kNoDestination;
    // Like IPVS: rehash the key with offsets from the home slot on, so the
    // flows of one unavailable server spread over all the others.
    for (uint32_t k = 0; k < size_; ++k) {
      const int alt = lookup_[slotOf(flow.src, port, (home + k) % size_)];
      if (alt == kNoDestination || static_cast<size_t>(alt) >= dests.size()) return kNoDestination;
      if (isAvailable(dests[static_cast<size_t>(alt)])) return alt;
    }
    return kNoDestination;
  }

  std::string_view name() const override { return "mh"; }

 private:
  uint32_t slotOf(const wire::IpAddress& src, uint16_t port, uint32_t offset) const {
    return mhHash(src, port, offset, kHash1) % size_;
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
