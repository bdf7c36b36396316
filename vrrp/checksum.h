// The Internet checksum (RFC 1071) as VRRP uses it: VRRPv2 sums the VRRP
// message alone; VRRPv3, and every advert over IPv6, prepends the IPv4 or
// IPv6 pseudo-header (RFC 5798 section 5.2.8). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <span>

#include "vrrp/address.h"

namespace sluice::vrrp {

// One's complement sum of the bytes as big-endian 16-bit words, added to
// `sum` and not folded. An odd trailing byte is padded with zero, so a
// message must be summed in pieces of even length (VRRP's always are).
uint32_t checksumAdd(uint32_t sum, std::span<const uint8_t> bytes);

// Folds the carries of a sum into 16 bits.
uint16_t checksumFold(uint32_t sum);

// The checksum field value of data whose unfolded sum is `sum`.
inline uint16_t checksumFinish(uint32_t sum) { return static_cast<uint16_t>(~checksumFold(sum)); }

// The unfolded sum of the pseudo-header for a payload of `length` bytes of
// protocol 112: IPv4 {src, dst, 0, 112, length16} (RFC 768 style) or IPv6
// {src, dst, length32, 0, 0, 0, 112} (RFC 8200 section 8.1). Both addresses
// must be of one family.
uint32_t pseudoHeaderSum(const IpAddress& source, const IpAddress& destination, uint32_t length);

}  // namespace sluice::vrrp
