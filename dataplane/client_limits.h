// Per-client limits of new connections, per worker: how many connections
// each client of a limited service holds and how many it opened in the
// current one-second window. A client is its address masked to the
// service's client prefix; steering keeps a client prefix on one worker,
// so one worker's counts are the client's.
//
// Bounded and preallocated: a set-associative array (kWays entries per
// set, the sets a power of two), scanned a set at a time. An entry with no
// live connection and a window over is free for any client of its set;
// when none of its set is, the client is not tracked (the caller admits
// it and counts that). Connections name their entry by reference (1 +
// index, 0: none) and give it back when they are removed. Pure (no DPDK),
// never allocates after construction; not thread-safe: one per worker.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>

#include "dataplane/flow.h"
#include "dataplane/hash_mix.h"

namespace sluice::dp {

class ClientLimitTable {
 public:
  static constexpr unsigned kWays = 8;
  static constexpr uint32_t kWindowMs = 1000;

  enum class Admit : uint8_t { kYes, kConnections, kRate };

  // `sets` a power of two; sets * kWays fits a 16-bit reference.
  explicit ClientLimitTable(uint32_t sets) : entries_(new Entry[sets * kWays]), mask_(sets - 1) {}

  uint32_t capacity() const { return (mask_ + 1) * kWays; }

  // The entry of (service, client prefix), made when missing; 0 when its
  // set has no free entry.
  uint16_t acquire(uint16_t serviceId, const IpAddr& prefix, bool v6, uint32_t now) {
    Entry* set = &entries_[(hash(serviceId, prefix, v6) & mask_) * kWays];
    Entry* spare = nullptr;
    for (unsigned w = 0; w < kWays; ++w) {
      Entry& e = set[w];
      if (e.used && e.serviceId == serviceId && e.v6 == v6 && e.prefix == prefix) return refOf(e);
      if (spare == nullptr && (!e.used || (e.live == 0 && now - e.windowStart >= kWindowMs))) spare = &e;
    }
    if (spare == nullptr) return 0;
    *spare = Entry{};
    spare->prefix = prefix;
    spare->serviceId = serviceId;
    spare->v6 = v6;
    spare->used = true;
    spare->windowStart = now;
    return refOf(*spare);
  }

  // Whether the client may open one more connection (limits of 0: none);
  // starts a new window when the last one is over.
  Admit admits(uint16_t ref, uint32_t maxConns, uint32_t maxRate, uint32_t now) {
    Entry& e = entries_[ref - 1u];
    if (now - e.windowStart >= kWindowMs) {
      e.windowStart = now;
      e.windowCount = 0;
    }
    if (maxConns != 0 && e.live >= maxConns) return Admit::kConnections;
    if (maxRate != 0 && e.windowCount >= maxRate) return Admit::kRate;
    return Admit::kYes;
  }

  // A new connection of the client: one more in the window, and one more
  // live when an entry keeps it (released by closed()).
  void opened(uint16_t ref, bool live) {
    Entry& e = entries_[ref - 1u];
    ++e.windowCount;
    if (live) ++e.live;
  }
  // A connection counted without being checked (a sync peer's): live only.
  void held(uint16_t ref) { ++entries_[ref - 1u].live; }
  void closed(uint16_t ref) {
    Entry& e = entries_[ref - 1u];
    if (e.live > 0) --e.live;
  }
  // A connection's reference given back (closed or removed), if it holds
  // one; the reference is cleared so that it is given back once.
  void release(uint16_t& ref) {
    if (ref == 0) [[likely]] return;
    closed(ref);
    ref = 0;
  }

  uint32_t live(uint16_t ref) const { return entries_[ref - 1u].live; }

 private:
  struct Entry {
    IpAddr prefix{};
    uint32_t live = 0;         // connection entries that name this one
    uint32_t windowStart = 0;  // ms clock of the worker
    uint32_t windowCount = 0;  // connections opened since windowStart
    uint16_t serviceId = 0;
    bool v6 = false;
    bool used = false;
  };

  uint16_t refOf(const Entry& e) const { return static_cast<uint16_t>(&e - entries_.get() + 1); }

  static uint32_t hash(uint16_t serviceId, const IpAddr& a, bool v6) {
    uint64_t lo, hi;
    std::memcpy(&lo, a.b, 8);
    std::memcpy(&hi, a.b + 8, 8);
    const uint64_t x = lo * 0x9E3779B97F4A7C15ull ^ (hi + 0xC2B2AE3D27D4EB4Full) ^ (uint64_t{serviceId} << 1 | v6);
    return static_cast<uint32_t>(finalMix(x));
  }

  std::unique_ptr<Entry[]> entries_;
  uint32_t mask_;
};

}  // namespace sluice::dp
