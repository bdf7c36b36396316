// The VRRP protocol constants the sender and receiver agree on, and the
// multicast groups. Addresses are wire::IpAddress (vrrp/ depends on wire/
// alone).
#pragma once

#include <cstdint>

#include "wire/ip_address.h"

namespace sluice::vrrp {

inline constexpr uint8_t kProtocolVrrp = 112;  // RFC 5798 5.1.1.4 / 5.1.2.4
inline constexpr uint8_t kProtocolAh = 51;     // RFC 2402 section 2
inline constexpr uint8_t kRequiredTtl = 255;   // RFC 5798 5.1.1.3 / 5.1.2.3

// 224.0.0.18 and ff02::12, the groups adverts are sent to (RFC 5798 5.1.1.2, 5.1.2.2).
inline constexpr wire::IpAddress kMulticastV4 = wire::IpAddress::v4(224, 0, 0, 18);
inline constexpr wire::IpAddress kMulticastV6 =
    wire::IpAddress{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12}, wire::IpFamily::kV6};

// The group of a family. Thread-safe.
constexpr const wire::IpAddress& multicastGroup(wire::IpFamily family) {
  return family == wire::IpFamily::kV4 ? kMulticastV4 : kMulticastV6;
}

}  // namespace sluice::vrrp
