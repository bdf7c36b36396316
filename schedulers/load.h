// Load arithmetic shared by the least-connection family (lc, wlc, sed, nq,
// lblc, lblcr): availability, IPVS's connection overhead and the
// division-free comparison of overhead/weight.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "schedulers/scheduler.h"

namespace sluice::sched::detail {

// True when d may take a new connection: positive weight and not overloaded.
// Thread-safe (pure).
inline bool isAvailable(const Destination& d) { return d.weight > 0 && !d.overloaded; }

// IPVS's connection overhead: an active connection weighs 256 inactive ones,
// because it holds far more server resources than one in TIME_WAIT.
// Thread-safe (pure).
inline uint64_t connOverhead(const Destination& d) {
  return (uint64_t{d.activeConns} << 8) + d.inactiveConns;
}

// sed/nq overhead: the active connections the new one would join.
// Thread-safe (pure).
inline uint64_t sedOverhead(const Destination& d) { return uint64_t{d.activeConns} + 1; }

// 128 bits: an overhead (< 2^41) times a weight (< 2^31) overflows 64 bits
// in the worst case, and one multiply instruction gives the full product.
__extension__ typedef unsigned __int128 WideProduct;

// True when a/wa > b/wb, compared as a*wb > b*wa; both weights must be > 0.
// Thread-safe (pure).
inline bool heavier(uint64_t a, int32_t wa, uint64_t b, int32_t wb) {
  return WideProduct{a} * static_cast<uint32_t>(wb) > WideProduct{b} * static_cast<uint32_t>(wa);
}

// Index of the available destination with the least overhead/weight, the
// first one on ties (IPVS's wlc scan: a later server must be strictly
// lighter); kNoDestination when none is available. Thread-safe (pure).
template <typename Overhead>
int leastWeighted(std::span<const Destination> dests, Overhead overhead) {
  int least = kNoDestination;
  uint64_t leastOverhead = 0;
  for (size_t i = 0; i < dests.size(); ++i) {
    const Destination& d = dests[i];
    if (!isAvailable(d)) continue;
    const uint64_t o = overhead(d);
    if (least == kNoDestination || heavier(leastOverhead, dests[least].weight, o, d.weight)) {
      least = static_cast<int>(i);
      leastOverhead = o;
    }
  }
  return least;
}

// IPVS lblc/lblcr's notion of an overloaded locality server: more active
// connections than its weight while some server is below half of its own.
// Thread-safe (pure).
bool localityOverloaded(std::span<const Destination> dests, int index);

}  // namespace sluice::sched::detail
