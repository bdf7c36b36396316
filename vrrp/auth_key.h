// The 8 bytes keepalived derives from `auth_pass`: the first 8 characters,
// zero padded (longer passwords are truncated, with a warning, by its
// parser). They are the VRRPv2 PASS authentication data and the HMAC-MD5 key
// of AH; HMAC pads short keys with zeros, so the padding changes nothing.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sluice::vrrp {

inline constexpr std::size_t kAuthDataSize = 8;

using AuthKey = std::array<uint8_t, kAuthDataSize>;

// Thread-safe.
AuthKey authKeyFromPassword(std::string_view password);

}  // namespace sluice::vrrp
