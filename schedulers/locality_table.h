// The preallocated per-destination-IP table of lblc and lblcr. Entries live
// in buckets of kWays; an address hashes to one bucket, so a lookup reads at
// most kWays entries and pick() never allocates. An entry unused for the
// expiration time counts as absent; when a bucket is full the least
// recently used entry makes room.
#pragma once

#include <cstdint>
#include <vector>

#include "schedulers/hashing.h"
#include "schedulers/scheduler.h"

namespace sluice::sched::detail {

template <typename Payload>
class LocalityTable {
 public:
  static constexpr uint32_t kWays = 16;  // IPVS lets each of its buckets grow to 16 entries
  static constexpr uint32_t kMaxEntries = 1u << 24;

  struct Entry {
    wire::IpAddress addr;
    bool used = false;
    uint64_t lastUseMs = 0;
    Payload payload{};
  };

  // Allocates room for at least minEntries entries (1..kMaxEntries). Not
  // thread-safe.
  LocalityTable(uint32_t minEntries, uint64_t expirationMs)
      : mask_(bucketCount(minEntries) - 1),
        expirationMs_(expirationMs),
        entries_(size_t{bucketCount(minEntries)} * kWays) {}

  // The live entry for addr, or nullptr when it has none or it expired by
  // nowMs. Never allocates; not thread-safe.
  Entry* find(const wire::IpAddress& addr, uint64_t nowMs) {
    Entry* way = bucket(addr);
    for (uint32_t i = 0; i < kWays; ++i) {
      if (way[i].used && way[i].addr == addr) return expired(way[i], nowMs) ? nullptr : &way[i];
    }
    return nullptr;
  }

  // An entry for addr, which find() just reported absent: its expired one, a
  // free or expired way, or else the least recently used way of its bucket.
  // Marks it used by addr at nowMs with a default payload. Never allocates;
  // not thread-safe.
  Entry& claim(const wire::IpAddress& addr, uint64_t nowMs) {
    Entry* way = bucket(addr);
    Entry* victim = nullptr;
    bool victimFree = false;
    for (uint32_t i = 0; i < kWays; ++i) {
      Entry& e = way[i];
      if (e.used && e.addr == addr) {  // reusing it keeps one entry per address
        victim = &e;
        break;
      }
      if (!e.used || expired(e, nowMs)) {
        if (!victimFree) victim = &e;
        victimFree = true;
      } else if (!victimFree && (victim == nullptr || e.lastUseMs < victim->lastUseMs)) {
        victim = &e;
      }
    }
    *victim = Entry{addr, true, nowMs, Payload{}};
    return *victim;
  }

  // Calls fn(payload) on every used entry (control path, e.g. after the
  // destination list changed). Not thread-safe.
  template <typename Fn>
  void forEachPayload(Fn fn) {
    for (Entry& e : entries_) {
      if (e.used) fn(e.payload);
    }
  }

 private:
  static uint32_t bucketCount(uint32_t minEntries) {
    uint32_t buckets = 1;
    while (uint64_t{buckets} * kWays < minEntries) buckets <<= 1;
    return buckets;
  }

  bool expired(const Entry& e, uint64_t nowMs) const {
    return nowMs >= e.lastUseMs && nowMs - e.lastUseMs >= expirationMs_;
  }

  Entry* bucket(const wire::IpAddress& addr) {
    const uint64_t h = hashAddress(addr, 0x5851f42d4c957f2dull);
    return &entries_[(h & mask_) * kWays];
  }

  uint64_t mask_;
  uint64_t expirationMs_;
  std::vector<Entry> entries_;
};

}  // namespace sluice::sched::detail
