// The Internet checksum (RFC 1071): the one's complement sum every layer
// uses, the data plane for IP/TCP/UDP/ICMP and VRRP for its adverts.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "wire/bytes.h"

namespace sluice::wire {

// Folds a native-order sum of 16-bit words to 16 bits and returns it as
// the sum of the same words read big-endian: the one's complement sum is
// the same in either byte order up to a swap (RFC 1071, 2.(B)).
inline uint32_t csumFromNative(uint64_t acc) {
  acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
  acc = (acc & 0xFFFFu) + (acc >> 16);
  acc = (acc & 0xFFFFu) + (acc >> 16);
  acc = (acc & 0xFFFFu) + (acc >> 16);
  const auto folded = static_cast<uint16_t>(acc);
  if constexpr (std::endian::native == std::endian::little) return __builtin_bswap16(folded);
  return folded;
}

// One's complement sum of n bytes as big-endian 16-bit words (a trailing
// odd byte is padded with zero), added to `sum`, not folded. Data summed in
// pieces must be cut at even offsets. Summed 32 bits at a time in native
// order: a 20-byte IPv4 header is five additions.
inline uint32_t csumAdd(uint32_t sum, const uint8_t* p, std::size_t n) {
  uint64_t acc = 0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t w;
    std::memcpy(&w, p + i, 4);
    acc += w;
  }
  if (i + 2 <= n) {
    uint16_t w;
    std::memcpy(&w, p + i, 2);
    acc += w;
    i += 2;
  }
  sum += csumFromNative(acc);
  if (i < n) sum += uint32_t{p[i]} << 8;
  return sum;
}

inline uint32_t csumAdd(uint32_t sum, std::span<const uint8_t> bytes) {
  return csumAdd(sum, bytes.data(), bytes.size());
}

// Folds the carries of a sum into 16 bits.
inline uint16_t csumFold(uint32_t sum) {
  sum = (sum & 0xFFFF) + (sum >> 16);  // at most 0x1FFFE
  sum = (sum & 0xFFFF) + (sum >> 16);  // at most 0xFFFF
  return static_cast<uint16_t>(sum);
}

// The checksum field value for data whose unfolded sum is `sum`.
inline uint16_t csumFinish(uint32_t sum) { return static_cast<uint16_t>(~csumFold(sum)); }

}  // namespace sluice::wire
