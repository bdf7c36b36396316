// The library's own small address type (vrrp/ does not depend on the
// control plane's config types) and the VRRP protocol constants the sender
// and receiver agree on.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>

namespace sluice::vrrp {

enum class Family : uint8_t { kIpv4, kIpv6 };

// An IPv4 (bytes[0..3]) or IPv6 address, network byte order. Plain value,
// its functions are thread-safe.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  Family family = Family::kIpv4;

  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return IpAddress{{a, b, c, d}, Family::kIpv4};
  }
  // From 4 or 16 network-order bytes; any other size gives 0.0.0.0.
  static IpAddress fromBytes(std::span<const uint8_t> raw);

  std::size_t size() const { return family == Family::kIpv4 ? 4 : 16; }
  std::span<const uint8_t> view() const { return {bytes.data(), size()}; }
  bool isMulticast() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// Orders two addresses of one family as numbers (network byte order is big
// endian, so byte order is numeric order): RFC 5798 breaks a priority tie by
// the higher primary address. Addresses of different families compare by
// family. Thread-safe.
std::strong_ordering compareAddresses(const IpAddress& a, const IpAddress& b);

inline constexpr uint8_t kProtocolVrrp = 112;  // RFC 5798 5.1.1.4 / 5.1.2.4
inline constexpr uint8_t kProtocolAh = 51;     // RFC 2402 section 2
inline constexpr uint8_t kRequiredTtl = 255;   // RFC 5798 5.1.1.3 / 5.1.2.3

// 224.0.0.18 and ff02::12, the groups adverts are sent to (RFC 5798 5.1.1.2, 5.1.2.2).
inline const IpAddress kMulticastV4 = IpAddress::v4(224, 0, 0, 18);
inline const IpAddress kMulticastV6 =
    IpAddress{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12}, Family::kIpv6};

// The group of a family. Thread-safe.
inline const IpAddress& multicastGroup(Family family) {
  return family == Family::kIpv4 ? kMulticastV4 : kMulticastV6;
}

}  // namespace sluice::vrrp
