// The hash index every exact-match lookup of the snapshots uses: services
// by (VIP, protocol, port) and by mark, the VIPs and own addresses, real
// servers, neighbours. Keys are an address and 32 bits that the user packs
// (family, protocol, port, ...). Open addressing with linear probing in one
// flat array of slots, at most half full: a hit or miss reads one or two
// slots, whatever the number of keys. In front of the slots, four bits per
// slot say whether any key hashes there: most lookups on the packet path
// are misses (is this client a VIP, a real server?), and a miss then
// reads one bit, most of the time, from an array 48 times smaller than the
// slots, which stays in the cache when the slots do not (10,000 VIPs:
// 16 KiB of bits, 768 KiB of slots).
//
// Why not rte_hash: the forwarder and its snapshots are free of DPDK (unit
// tests, fuzzers and sanitizer builds run them without an EAL), snapshots
// are built and freed on the control thread with the C++ allocator, and the
// keys here are a fixed 20 bytes compared in place; rte_hash's general key
// compare and its bucket/signature layout would buy nothing for read-only
// tables.
//
// Built on the control path (insert may allocate); find() is read-only and
// safe from any number of threads once the index is published.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "dataplane/flow.h"

namespace sluice::dp {

struct IndexKey {
  IpAddr addr{};
  uint32_t extra = 0;

  friend bool operator==(const IndexKey& x, const IndexKey& y) {
    return x.extra == y.extra && std::memcmp(x.addr.b, y.addr.b, 16) == 0;
  }
};

class FlatIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Adds key -> value; a key already present keeps its first value (false).
  bool insert(const IndexKey& key, uint32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    Slot* s = &slots_[hash(key) & mask_];
    while (s->value != kNone) {
      if (s->key == key) return false;
      s = next(s);
    }
    s->key = key;
    s->value = value;
    const uint32_t bit = filterBit(hash(key));
    filter_[bit >> 6] |= uint64_t{1} << (bit & 63);
    ++size_;
    return true;
  }

  // The value of key, kNone when absent.
  uint32_t find(const IndexKey& key) const {
    if (size_ == 0) return kNone;
    const uint32_t h = hash(key);
    const uint32_t bit = filterBit(h);
    if ((filter_[bit >> 6] >> (bit & 63) & 1) == 0) return kNone;
    const Slot* s = &slots_[h & mask_];
    while (s->value != kNone) {
      if (s->key == key) return s->value;
      s = next(s);
    }
    return kNone;
  }

  void clear() {
    slots_.clear();
    filter_.clear();
    mask_ = 0;
    size_ = 0;
  }
  uint32_t size() const { return size_; }

 private:
  struct Slot {
    IndexKey key;
    uint32_t value = kNone;
  };

  static uint32_t hash(const IndexKey& k) {
    uint64_t lo, hi;
    std::memcpy(&lo, k.addr.b, 8);
    std::memcpy(&hi, k.addr.b + 8, 8);
    uint64_t h = (lo * 0x9E3779B97F4A7C15ull) ^ (hi * 0xC2B2AE3D27D4EB4Full) ^ (uint64_t{k.extra} * 0x165667B19E3779F9ull);
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    return static_cast<uint32_t>(h >> 32);
  }

  // The filter's bit for a hash: rotated, so that it does not follow the
  // slot index (the low bits) alone.
  uint32_t filterBit(uint32_t h) const { return (h >> 13 | h << 19) & filterMask_; }

  Slot* next(Slot* s) { return s + 1 == slots_.data() + slots_.size() ? slots_.data() : s + 1; }
  const Slot* next(const Slot* s) const { return s + 1 == slots_.data() + slots_.size() ? slots_.data() : s + 1; }

  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    mask_ = static_cast<uint32_t>(slots_.size() - 1);
    filter_.assign(slots_.size() * 4 / 64, 0);
    filterMask_ = static_cast<uint32_t>(slots_.size() * 4 - 1);
    size_ = 0;
    for (const Slot& s : old)
      if (s.value != kNone) insert(s.key, s.value);
  }

  std::vector<Slot> slots_;
  std::vector<uint64_t> filter_;  // 4 bits a slot
  uint32_t mask_ = 0;
  uint32_t filterMask_ = 0;
  uint32_t size_ = 0;
};

}  // namespace sluice::dp
