// Addresses and flow tuples as the data plane keys them.
#pragma once

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
  static constexpr IpAddr of(const wire::IpAddress& a) {
    IpAddr r{};
    for (std::size_t i = 0; i < 16; ++i) r.b[i] = a.bytes[i];
    return r;
  }

  // The address this key holds, in the family its tuple says.
  constexpr wire::IpAddress toWire(bool v6) const {
    wire::IpAddress a;
    for (std::size_t i = 0; i < 16; ++i) a.bytes[i] = b[i];
    a.family = v6 ? wire::IpFamily::kV6 : wire::IpFamily::kV4;
    return a;
  }

  friend bool operator==(const IpAddr& x, const IpAddr& y) { return std::memcmp(x.b, y.b, 16) == 0; }
};

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

}  // namespace sluice::dp
