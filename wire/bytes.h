// Unaligned big-endian loads and stores on packet bytes, for every layer
// that reads or writes wire formats (the data plane, VRRP). Headers in a
// frame are not guaranteed to be aligned (802.1Q tags, IPv4 options), so
// every field access goes through memcpy, which compiles to a plain load.
#pragma once

#include <cstdint>
#include <cstring>

namespace sluice::wire {

inline uint16_t loadBe16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap16(v);
}

inline uint32_t loadBe32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap32(v);
}

inline void storeBe16(uint8_t* p, uint16_t v) {
  v = __builtin_bswap16(v);
  std::memcpy(p, &v, sizeof v);
}

inline void storeBe32(uint8_t* p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, sizeof v);
}

}  // namespace sluice::wire
