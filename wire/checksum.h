// The Internet checksum (RFC 1071): the one's complement sum every layer
// uses, the data plane for IP/TCP/UDP/ICMP and VRRP for its adverts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "wire/bytes.h"

namespace sluice::wire {

// One's complement sum of n bytes as big-endian 16-bit words (a trailing
// odd byte is padded with zero), added to `sum`, not folded. Data summed in
// pieces must be cut at even offsets.
inline uint32_t csumAdd(uint32_t sum, const uint8_t* p, std::size_t n) {
  std::size_t i = 0;
  for (; i + 1 < n; i += 2) sum += loadBe16(p + i);
  if (i < n) sum += uint32_t{p[i]} << 8;
  return sum;
}

inline uint32_t csumAdd(uint32_t sum, std::span<const uint8_t> bytes) {
  return csumAdd(sum, bytes.data(), bytes.size());
}

// Folds the carries of a sum into 16 bits.
inline uint16_t csumFold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The checksum field value for data whose unfolded sum is `sum`.
inline uint16_t csumFinish(uint32_t sum) { return static_cast<uint16_t>(~csumFold(sum)); }

}  // namespace sluice::wire
