// Encoding and decoding of VRRP advertisements: the IP payload of protocol
// 112 (the caller builds and strips the IP header; AH is vrrp/ipsec_ah.h).
//
// VRRPv2, RFC 3768 section 5.1 (IPv4):
//   0       version 2 (high nibble) | type 1 (low nibble)
//   1       virtual router id
//   2       priority (0: the master resigns, 255: address owner)
//   3       count of IPv4 addresses
//   4       auth type: 0 none, 1 simple text password, 2 IPsec AH (keepalived)
//   5       advertisement interval, whole seconds
//   6..7    checksum of the VRRP message alone
//   8..     count x 4 bytes of IPv4 addresses
//   last 8  authentication data: the password for type 1, zeros otherwise
//
// VRRPv3, RFC 5798 section 5.1 (IPv4 or IPv6):
//   0..3    as VRRPv2 (version 3)
//   4..5    4 reserved bits (sent 0, ignored) | max advert interval, 12 bits,
//           centiseconds
//   6..7    checksum over the IPv4/IPv6 pseudo-header and the message
//   8..     count x 4 (IPv4) or 16 (IPv6) bytes of addresses; no auth data
//
// keepalived also speaks VRRPv2 over IPv6: the VRRPv2 header, 16-byte
// addresses, no authentication data, and (its kernel socket computes it) a
// checksum over the IPv6 pseudo-header. It is decoded and encoded the same.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "vrrp/address.h"
#include "vrrp/auth_key.h"
#include "vrrp/decode_error.h"
#include "vrrp/result.h"

namespace sluice::vrrp {

enum class Version : uint8_t { kV2 = 2, kV3 = 3 };
enum class AuthType : uint8_t { kNone = 0, kPass = 1, kAh = 2 };

inline constexpr std::size_t kHeaderSize = 8;
inline constexpr uint8_t kTypeAdvertisement = 1;
inline constexpr std::size_t kMaxAddresses = 255;          // the count is one byte
inline constexpr uint16_t kMaxV3IntervalCs = 0x0fff;       // 12 bits: 40.95 s
inline constexpr uint16_t kMaxV2IntervalCs = 255 * 100;    // one byte of seconds

// Whether the message ends with 8 bytes of authentication data: VRRPv2 over
// IPv4 only. Thread-safe.
bool hasAuthData(Version version, wire::IpFamily family);

// Whether the checksum covers the pseudo-header: VRRPv3, and any advert over
// IPv6. Thread-safe.
bool checksumCoversPseudoHeader(Version version, wire::IpFamily family);

// The size of a message with `addressCount` addresses. Thread-safe.
std::size_t advertSize(Version version, wire::IpFamily family, std::size_t addressCount);

// What to send.
struct AdvertFields {
  Version version = Version::kV2;
  uint8_t vrid = 0;
  uint8_t priority = 100;
  uint16_t advertIntervalCs = 100;  // VRRPv2: whole seconds only
  wire::IpFamily family = wire::IpFamily::kV4;
  std::span<const wire::IpAddress> addresses;  // all of `family`
  AuthType authType = AuthType::kNone;   // VRRPv2 over IPv4 only
  AuthKey password{};                    // the auth data when authType is kPass
  // The IP header's addresses, for the pseudo-header (when it is covered).
  wire::IpAddress source;
  wire::IpAddress destination;
};

#define SLUICE_VRRP_ENCODE_ERRORS(X)                                         \
  X(kBufferTooSmall, "buffer_too_small")                                    \
  X(kTooManyAddresses, "too_many_addresses")                                \
  X(kWrongFamily, "wrong_family")   /* an address not of the advert's */    \
  X(kBadInterval, "bad_interval")   /* 0, too long, or v2 not whole s */    \
  X(kAuthNotSupported, "auth_not_supported") /* auth with v3 or IPv6 */  \
  X(kBadIpOptions, "bad_ip_options") /* AH: not whole words, or > 40 */   \
  X(kCryptoUnavailable, "crypto_unavailable") /* AH: no HMAC-MD5 (FIPS) */

enum class EncodeError : uint8_t {
#define SLUICE_VRRP_ENCODE_ENUM(name, label) name,
  SLUICE_VRRP_ENCODE_ERRORS(SLUICE_VRRP_ENCODE_ENUM)
#undef SLUICE_VRRP_ENCODE_ENUM
};

// The label of an encode error. Thread-safe.
std::string_view encodeErrorName(EncodeError e);

// Writes the advert to the start of `out`; returns its size. Thread-safe.
Result<std::size_t, EncodeError> encodeAdvert(const AdvertFields& fields, std::span<uint8_t> out);

// A decoded advert. The spans point into the decoded buffer, which must
// outlive the Advert: decoding copies nothing and allocates nothing.
struct Advert {
  Version version = Version::kV2;
  uint8_t vrid = 0;
  uint8_t priority = 0;
  uint8_t addressCount = 0;
  AuthType authType = AuthType::kNone;  // VRRPv3: always kNone
  uint16_t advertIntervalCs = 0;        // VRRPv2 seconds are given x 100
  wire::IpFamily family = wire::IpFamily::kV4;
  std::span<const uint8_t> addressBytes;  // addressCount x 4 or 16 bytes
  std::span<const uint8_t> authData;      // 8 bytes, or empty

  // The i-th address, i < addressCount.
  wire::IpAddress address(std::size_t i) const;
};

// Decodes a VRRP message received from `source` to `destination` (the IP
// header's addresses; their family is the message's). Checks the length
// against the address count, the version (2 or 3), the type, the VRRPv2
// auth type and the checksum; what must match the local instance is
// vrrp/advert_check.h. Never reads outside `message`. Thread-safe.
Result<Advert, DecodeError> decodeAdvert(std::span<const uint8_t> message, const wire::IpAddress& source,
                                         const wire::IpAddress& destination);

}  // namespace sluice::vrrp
