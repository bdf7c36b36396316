// Small value types for IPv4/IPv6 addresses, prefixes and MAC addresses.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::config {

enum class IpFamily : std::uint8_t { kV4, kV6 };

// An IPv4 or IPv6 address in network byte order. IPv4 uses the first four
// bytes; the rest stay zero so that comparison and hashing are plain.
class IpAddress {
 public:
  IpAddress() = default;

  // Parses dotted-quad IPv4 or RFC 4291 IPv6 text; nullopt when malformed. Thread-safe.
  static std::optional<IpAddress> parse(std::string_view text);
  // Builds an IPv4 address from a host-order integer. Thread-safe.
  static IpAddress fromV4(std::uint32_t hostOrder);
  // Builds an IPv6 address from 16 network-order bytes. Thread-safe.
  static IpAddress fromV6(const std::array<std::uint8_t, 16>& bytes);

  // The address family. Thread-safe.
  IpFamily family() const { return family_; }

  // True for IPv4. Thread-safe.
  bool isV4() const { return family_ == IpFamily::kV4; }

  // Network-order bytes; 4 significant bytes for IPv4, 16 for IPv6. Thread-safe.
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }

  // The IPv4 address as a host-order integer (0 for IPv6). Thread-safe.
  std::uint32_t v4() const;

  // Bits in an address of this family (32 or 128). Thread-safe.
  int bitCount() const { return isV4() ? 32 : 128; }

  // Canonical text form (inet_ntop). Thread-safe.
  std::string toString() const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  IpFamily family_ = IpFamily::kV4;
  std::array<std::uint8_t, 16> bytes_{};
};

// An address with a prefix length, e.g. 10.0.0.2/24 or 2001:db8::/32.
struct IpPrefix {
  IpAddress address;
  std::uint8_t length = 32;

  // Parses "ADDR" (host prefix: /32 or /128) or "ADDR/LEN"; nullopt when
  // malformed or LEN is too long for the family. Thread-safe.
  static std::optional<IpPrefix> parse(std::string_view text);
  // True when `ip` is of the same family and inside this prefix. Thread-safe.
  bool contains(const IpAddress& ip) const;
  // "ADDR/LEN". Thread-safe.
  std::string toString() const;

  auto operator<=>(const IpPrefix&) const = default;
};

// An Ethernet MAC address.
struct MacAddress {
  std::array<std::uint8_t, 6> bytes{};

  // Parses "aa:bb:cc:dd:ee:ff" (or '-' separated); nullopt when malformed. Thread-safe.
  static std::optional<MacAddress> parse(std::string_view text);
  // Lower-case colon-separated form. Thread-safe.
  std::string toString() const;

  auto operator<=>(const MacAddress&) const = default;
};

// Parses a dotted IPv4 netmask (e.g. 255.255.255.0) into a prefix length;
// nullopt when not an IPv4 address or the ones are not contiguous. Thread-safe.
std::optional<std::uint8_t> netmaskToPrefixLength(std::string_view text);

}  // namespace sluice::config
