// The checks a receiver makes on the IP header of an advert before decoding
// it (RFC 3768 7.1, RFC 5798 7.1, keepalived's vrrp_check_packet): the
// protocol (AH exactly when the instance uses AH), the IPv4 total length,
// TTL / hop limit 255 for multicast, and a destination that is the VRRP
// group in multicast mode and not a multicast address in unicast mode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "vrrp/address.h"
#include "vrrp/decode_error.h"

namespace sluice::vrrp {

// What the receiver read from the IPv4 header, or from the IPv6 header and
// its ancillary data.
struct ReceivedIpHeader {
  wire::IpFamily family = wire::IpFamily::kV4;
  uint8_t ttl = 0;       // IPv4 TTL or IPv6 hop limit
  uint8_t protocol = 0;  // IPv4 protocol or IPv6 next header of the payload
  wire::IpAddress source;
  wire::IpAddress destination;
  // IPv4 only: the header's total length and the bytes actually received
  // (header included); the id and options, which AH covers.
  uint16_t totalLength = 0;
  std::size_t receivedLength = 0;
  uint16_t id = 0;
  std::span<const uint8_t> options;
};

struct IpExpectations {
  bool unicast = false;  // unicast_peer configured: TTL is not checked
  bool ah = false;       // auth_type AH (VRRPv2 over IPv4)
  // The group adverts go to in multicast mode (keepalived's
  // vrrp_mcast_group4/6); unset: 224.0.0.18 or ff02::12.
  std::optional<wire::IpAddress> group;
};

// nullopt when the header is acceptable. Thread-safe.
std::optional<DecodeError> checkIpHeader(const ReceivedIpHeader& header, const IpExpectations& expected);

}  // namespace sluice::vrrp
