// The Internet checksum (RFC 1071) as VRRP uses it: VRRPv2 sums the VRRP
// message alone; VRRPv3, and every advert over IPv6, prepends the IPv4 or
// IPv6 pseudo-header (RFC 5798 section 5.2.8). Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <span>

#include "vrrp/address.h"
#include "wire/checksum.h"

namespace sluice::vrrp {

// The sums themselves are the shared ones (wire/checksum.h).
using wire::csumAdd;
using wire::csumFinish;
using wire::csumFold;

// The unfolded sum of the pseudo-header for a payload of `length` bytes of
// protocol 112: IPv4 {src, dst, 0, 112, length16} (RFC 768 style) or IPv6
// {src, dst, length32, 0, 0, 0, 112} (RFC 8200 section 8.1). Both addresses
// must be of one family.
uint32_t pseudoHeaderSum(const wire::IpAddress& source, const wire::IpAddress& destination, uint32_t length);

}  // namespace sluice::vrrp
