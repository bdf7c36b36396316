#include "controlplane/config/address.h"

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <span>

namespace sluice::config {

std::optional<wire::IpAddress> parseAddress(std::string_view text) {
  // inet_pton needs a terminated string; addresses are short.
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) {
    return std::nullopt;
  }
  const std::string s(text);
  const bool v6 = s.find(':') != std::string::npos;
  std::array<std::uint8_t, 16> raw{};
  if (inet_pton(v6 ? AF_INET6 : AF_INET, s.c_str(), raw.data()) != 1) {
    return std::nullopt;
  }
  return wire::IpAddress::fromBytes(std::span(raw).first(v6 ? 16 : 4));
}

std::string toString(const wire::IpAddress& address) {
  char buf[INET6_ADDRSTRLEN] = {};
  const int af = address.isV4() ? AF_INET : AF_INET6;
  if (inet_ntop(af, address.bytes.data(), buf, sizeof buf) == nullptr) {
    return "?";
  }
  return buf;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  const auto slash = text.find('/');
  const auto ip = parseAddress(text.substr(0, slash));
  if (!ip) {
    return std::nullopt;
  }
  IpPrefix prefix{*ip, static_cast<std::uint8_t>(ip->bitCount())};
  if (slash == std::string_view::npos) {
    return prefix;
  }
  const auto lenText = text.substr(slash + 1);
  unsigned len = 0;
  const auto [end, ec] = std::from_chars(lenText.data(), lenText.data() + lenText.size(), len);
  if (lenText.empty() || ec != std::errc{} || end != lenText.data() + lenText.size() ||
      len > static_cast<unsigned>(ip->bitCount())) {
    return std::nullopt;
  }
  prefix.length = static_cast<std::uint8_t>(len);
  return prefix;
}

bool IpPrefix::contains(const wire::IpAddress& ip) const {
  if (ip.family != address.family) {
    return false;
  }
  int bits = length;
  for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
    const auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xff : (0xff << (8 - bits)));
    if ((ip.bytes[i] & mask) != (address.bytes[i] & mask)) {
      return false;
    }
  }
  return true;
}

std::string IpPrefix::toString() const { return config::toString(address) + "/" + std::to_string(length); }

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  // Exactly six two-digit hex groups with one consistent separator.
  if (text.size() != 17) {
    return std::nullopt;
  }
  const char sep = text[2];
  if (sep != ':' && sep != '-') {
    return std::nullopt;
  }
  MacAddress mac;
  for (std::size_t i = 0; i < 6; ++i) {
    const auto group = text.substr(i * 3, 2);
    if (i < 5 && text[i * 3 + 2] != sep) {
      return std::nullopt;
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(group.data(), group.data() + 2, value, 16);
    if (ec != std::errc{} || end != group.data() + 2) {
      return std::nullopt;
    }
    mac.bytes[i] = static_cast<std::uint8_t>(value);
  }
  return mac;
}

std::string MacAddress::toString() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2], bytes[3],
                bytes[4], bytes[5]);
  return buf;
}

std::optional<std::uint8_t> netmaskToPrefixLength(std::string_view text) {
  const auto ip = parseAddress(text);
  if (!ip || !ip->isV4()) {
    return std::nullopt;
  }
  const std::uint32_t mask = ip->v4();
  // A contiguous mask is all ones followed by all zeros: inverting it gives
  // a value of the form 2^k - 1.
  const std::uint32_t inverted = ~mask;
  if ((inverted & (inverted + 1)) != 0) {
    return std::nullopt;
  }
  std::uint8_t length = 0;
  for (std::uint32_t m = mask; m & 0x80000000u; m <<= 1) {
    ++length;
  }
  return length;
}

}  // namespace sluice::config
