// Addresses and flow tuples as the data plane keys them.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "wire/ip_address.h"

namespace sluice::dp {

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIpip = 4;
inline constexpr uint8_t kProtoIcmpv6 = 58;
inline constexpr uint8_t kProtoSctp = 132;
inline constexpr uint8_t kProtoVrrp = 112;
inline constexpr uint8_t kProtoAh = 51;  // IPsec AH: VRRPv2 adverts with auth_type AH

// The key form of an address: the 16 bytes a packet's flow is keyed and
// hashed by, without a family. A FlowTuple carries its family once for both
// of its addresses; a family in every address would grow the connection
// table's keys and the bytes hashed per packet. Everything that is not a
// per-packet key (services, real servers, routes, the config) holds a
// wire::IpAddress; of() and toWire() are the one conversion between them.
// An IPv4 address sits in b[0..3] with the rest zero; bytes in network order.
struct IpAddr {
  alignas(8) uint8_t b[16];

  // The IPv4 address as a host-order integer.
  uint32_t v4() const { return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3]; }

  static IpAddr fromV4(uint32_t hostOrder) {
    IpAddr a{};
    a.b[0] = static_cast<uint8_t>(hostOrder >> 24);
    a.b[1] = static_cast<uint8_t>(hostOrder >> 16);
    a.b[2] = static_cast<uint8_t>(hostOrder >> 8);
    a.b[3] = static_cast<uint8_t>(hostOrder);
    return a;
  }

  static IpAddr fromBytes(const uint8_t* p, bool v6) {
    IpAddr a{};
    std::memcpy(a.b, p, v6 ? 16 : 4);
    return a;
  }

  // The key of an address (its family is the caller's to keep).
  static constexpr IpAddr of(const wire::IpAddress& a) { return std::bit_cast<IpAddr>(a.bytes); }

  // The address this key holds, in the family its tuple says.
  constexpr wire::IpAddress toWire(bool v6) const {
    const auto family = v6 ? wire::IpFamily::kV6 : wire::IpFamily::kV4;
    return wire::IpAddress{std::bit_cast<std::array<uint8_t, 16>>(*this), family};
  }

  friend bool operator==(const IpAddr& x, const IpAddr& y) { return std::memcmp(x.b, y.b, 16) == 0; }
};

// True when an address is of the family a tuple's v6 flag names: one byte
// compare (kV4 is 0, kV6 is 1), for the per-packet table lookups.
inline bool ofFamily(const wire::IpAddress& a, bool v6) {
  static_assert(static_cast<uint8_t>(wire::IpFamily::kV4) == 0 && static_cast<uint8_t>(wire::IpFamily::kV6) == 1);
  return static_cast<uint8_t>(a.family) == static_cast<uint8_t>(v6);
}

// The 5-tuple of a packet in the direction it travels. For an ICMP error it
// is the tuple of the flow the error belongs to, reversed so that it reads
// in the error's direction (see parse.h).
struct FlowTuple {
  IpAddr src;
  IpAddr dst;
  uint16_t srcPort;  // host order
  uint16_t dstPort;  // host order
  uint8_t proto;
  bool v6;

  friend bool operator==(const FlowTuple& x, const FlowTuple& y) {
    return x.src == y.src && x.dst == y.dst && x.srcPort == y.srcPort && x.dstPort == y.dstPort &&
           x.proto == y.proto && x.v6 == y.v6;
  }
};

// The address with its low bits cleared (a prefix's network;
// persistence_granularity).
inline IpAddr maskAddress(const IpAddr& a, uint8_t prefixLen) {
  IpAddr r{};
  for (int i = 0; i < 16; ++i) {
    const int bits = prefixLen - i * 8;
    const uint8_t mask = bits >= 8 ? 0xFF : bits <= 0 ? 0 : static_cast<uint8_t>(0xFF << (8 - bits));
    r.b[i] = a.b[i] & mask;
  }
  return r;
}

// A prefix test usable for IPv4 and IPv6 alike.
struct Prefix {
  wire::IpAddress addr{};
  uint8_t len = 0;

  // True when a packet's address (key form, of the tuple's family) is inside.
  bool contains(const IpAddr& a, bool v6) const {
    if (!ofFamily(addr, v6)) return false;
    uint8_t bits = len;
    for (int i = 0; i < 16 && bits > 0; ++i) {
      const uint8_t mask = bits >= 8 ? 0xFF : static_cast<uint8_t>(0xFF << (8 - bits));
      if ((a.b[i] & mask) != (addr.bytes[i] & mask)) return false;
      bits = bits >= 8 ? static_cast<uint8_t>(bits - 8) : 0;
    }
    return true;
  }
};

}  // namespace sluice::dp
