// The one IP address type of sluice: an IPv4 or IPv6 address as it travels
// on the wire, with its family. Schedulers, VRRP, the config model and the
// control-side forwarding tables all use it; it is a plain trivially
// copyable value so that it crosses threads and rings by copy. Text forms
// live in controlplane/config (wire/ stays free of dependencies).
//
// Thread-safety: a plain value; every function is constexpr and pure.
#pragma once

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace sluice::wire {

enum class IpFamily : uint8_t { kV4, kV6 };

// Network byte order. An IPv4 address lives in bytes[0..3] and the other
// twelve bytes stay zero, so that comparison and hashing read all sixteen
// bytes without looking at the family first. Build addresses through the
// factories below to keep that invariant.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  IpFamily family = IpFamily::kV4;

  // a.b.c.d
  static constexpr IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return IpAddress{{a, b, c, d}, IpFamily::kV4};
  }

  // An IPv4 address from a host-order integer.
  static constexpr IpAddress fromV4(uint32_t hostOrder) {
    return v4(static_cast<uint8_t>(hostOrder >> 24), static_cast<uint8_t>(hostOrder >> 16),
              static_cast<uint8_t>(hostOrder >> 8), static_cast<uint8_t>(hostOrder));
  }

  // From 4 (IPv4) or 16 (IPv6) network-order bytes; any other size gives 0.0.0.0.
  static constexpr IpAddress fromBytes(std::span<const uint8_t> raw) {
    IpAddress a;
    if (raw.size() != 4 && raw.size() != 16) return a;
    a.family = raw.size() == 4 ? IpFamily::kV4 : IpFamily::kV6;
    std::copy(raw.begin(), raw.end(), a.bytes.begin());
    return a;
  }

  constexpr bool isV4() const { return family == IpFamily::kV4; }
  constexpr bool isV6() const { return family == IpFamily::kV6; }

  // Significant bytes: 4 or 16.
  constexpr std::size_t size() const { return isV4() ? 4 : 16; }
  // Bits in an address of this family: 32 or 128.
  constexpr int bitCount() const { return static_cast<int>(size()) * 8; }
  // The significant bytes, as they go into a packet.
  constexpr std::span<const uint8_t> view() const { return {bytes.data(), size()}; }

  // The IPv4 address as a host-order integer (0 for IPv6).
  constexpr uint32_t v4() const {
    if (!isV4()) return 0;
    return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | bytes[3];
  }

  // 224.0.0.0/4 or ff00::/8.
  constexpr bool isMulticast() const { return isV4() ? (bytes[0] & 0xf0) == 0xe0 : bytes[0] == 0xff; }

  friend constexpr bool operator==(const IpAddress&, const IpAddress&) = default;

  // IPv4 before IPv6; within a family, as numbers (network byte order is big
  // endian, so byte order is numeric order). VRRP breaks a priority tie by
  // the higher primary address this way (RFC 5798 6.4.3).
  friend constexpr std::strong_ordering operator<=>(const IpAddress& x, const IpAddress& y) {
    if (x.family != y.family) return x.family <=> y.family;
    return x.bytes <=> y.bytes;
  }
};

static_assert(std::is_trivially_copyable_v<IpAddress>);
static_assert(sizeof(IpAddress) == 17);
static_assert(IpAddress::v4(10, 0, 0, 1).v4() == 0x0A000001);
static_assert(IpAddress::fromV4(0x0A000001) == IpAddress::v4(10, 0, 0, 1));
static_assert(IpAddress::v4(10, 0, 0, 2) > IpAddress::v4(10, 0, 0, 1));

}  // namespace sluice::wire
