// Text forms of IPv4/IPv6 addresses (the address itself is
// wire::IpAddress), and small value types for prefixes and MAC addresses.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/ip_address.h"

namespace sluice::config {

// Parses dotted-quad IPv4 or RFC 4291 IPv6 text; nullopt when malformed. Thread-safe.
std::optional<wire::IpAddress> parseAddress(std::string_view text);

// Canonical text form (inet_ntop). Thread-safe.
std::string toString(const wire::IpAddress& address);

// An address with a prefix length, e.g. 10.0.0.2/24 or 2001:db8::/32.
struct IpPrefix {
  wire::IpAddress address;
  std::uint8_t length = 32;

  // Parses "ADDR" (host prefix: /32 or /128) or "ADDR/LEN"; nullopt when
  // malformed or LEN is too long for the family. Thread-safe.
  static std::optional<IpPrefix> parse(std::string_view text);
  // True when `ip` is of the same family and inside this prefix. Thread-safe.
  bool contains(const wire::IpAddress& ip) const;
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
