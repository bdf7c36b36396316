// CRC32c (Castagnoli), the SCTP checksum (RFC 9260 appendix A). SCTP's
// checksum covers its ports but no IP addresses, so NAT recomputes it only
// when it changes a port.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sluice::dp {

namespace crc32c_detail {
constexpr std::array<uint32_t, 256> makeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // reflected polynomial
    t[i] = c;
  }
  return t;
}
inline constexpr std::array<uint32_t, 256> kTable = makeTable();
}  // namespace crc32c_detail

// CRC32c of n bytes. Thread-safe (pure).
inline uint32_t crc32c(const uint8_t* p, std::size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) c = crc32c_detail::kTable[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return ~c;
}

// Recomputes the checksum of an SCTP packet of `len` bytes in place (the
// field at offset 8 is zero while summing; the result is stored least
// significant byte first, as RFC 9260 specifies).
inline void sctpUpdateChecksum(uint8_t* sctp, std::size_t len) {
  sctp[8] = sctp[9] = sctp[10] = sctp[11] = 0;
  const uint32_t c = crc32c(sctp, len);
  sctp[8] = static_cast<uint8_t>(c);
  sctp[9] = static_cast<uint8_t>(c >> 8);
  sctp[10] = static_cast<uint8_t>(c >> 16);
  sctp[11] = static_cast<uint8_t>(c >> 24);
}

}  // namespace sluice::dp
