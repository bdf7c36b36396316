// The checks a decoded advert must pass against the local instance before
// the state machine sees it, in keepalived's order (vrrp_check_packet):
// version, VRID, then for VRRPv2 the auth type, the password and the
// interval, then the address count and each configured address.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "vrrp/address.h"
#include "vrrp/auth_key.h"
#include "vrrp/decode_error.h"
#include "vrrp/packet.h"

namespace sluice::vrrp {

// What the local instance is configured with.
struct InstanceExpectations {
  Version version = Version::kV2;
  uint8_t vrid = 0;
  AuthType authType = AuthType::kNone;  // VRRPv2: the advert must carry the same
  AuthKey password{};                   // compared when authType is kPass
  // VRRPv2 adverts must carry the configured interval (RFC 3768 7.1;
  // keepalived drops others so two masters cannot share a VRID). VRRPv3
  // backups learn the master's instead.
  uint16_t advertIntervalCs = 100;
  std::span<const wire::IpAddress> addresses;  // the configured virtual addresses
  // keepalived's skip_check_adv_addr: false skips the address checks (it
  // does so only for adverts from the master it already knows).
  bool checkAddresses = true;
};

// nullopt when the advert is for this instance and acceptable; the reason
// otherwise. AH adverts are authenticated before decoding (vrrp/ipsec_ah.h);
// here only their auth type is compared. Thread-safe.
std::optional<DecodeError> checkAdvert(const Advert& advert, const InstanceExpectations& expected);

}  // namespace sluice::vrrp
