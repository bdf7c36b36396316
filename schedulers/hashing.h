// Hash functions of the hashing schedulers (dh, sh, mh, and the lblc/lblcr
// tables). Pure and allocation-free.
#pragma once

#include <cstdint>
#include <cstring>

#include "schedulers/scheduler.h"

namespace sluice::sched::detail {

// The protocol numbers whose first 4 bytes are source and destination port.
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoSctp = 132;

// Reads 4 bytes in network order as a host-order integer. Thread-safe.
inline uint32_t loadBe32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

// IPVS's 32-bit view of an address (host order): the IPv4 address itself, or
// the XOR of the four 32-bit words of an IPv6 one. Thread-safe.
inline uint32_t foldAddress(const wire::IpAddress& a) {
  const uint8_t* b = a.bytes.data();
  if (a.isV4()) return loadBe32(b);
  return loadBe32(b) ^ loadBe32(b + 4) ^ loadBe32(b + 8) ^ loadBe32(b + 12);
}

// The source port when hashPort is set and the protocol carries ports (TCP,
// UDP, SCTP), else 0: IPVS sh/mh never read ports of other protocols.
// Thread-safe.
inline uint16_t hashedPort(const FlowKey& flow, bool hashPort) {
  if (!hashPort) return 0;
  const bool hasPorts =
      flow.protocol == kProtoTcp || flow.protocol == kProtoUdp || flow.protocol == kProtoSctp;
  return hasPorts ? flow.srcPort : 0;
}

// A 64-bit finaliser with full avalanche (splitmix64's): every input bit
// flips about half of the output bits. Thread-safe.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A 64-bit hash of every byte of an address and its family under a seed, so
// that IPv6 addresses differing only inside a folded word still differ.
// Thread-safe.
inline uint64_t hashAddress(const wire::IpAddress& a, uint64_t seed) {
  uint64_t lo = 0;
  uint64_t hi = 0;
  std::memcpy(&lo, a.bytes.data(), sizeof lo);
  std::memcpy(&hi, a.bytes.data() + sizeof lo, sizeof hi);
  return mix64(mix64(seed ^ lo) ^ hi ^ (a.isV6() ? 0x6ull : 0x4ull));
}

}  // namespace sluice::sched::detail
