// Every reason a received advert is refused has a name, usable as a counter
// label, and maps to the keepalived counter that counts it (none where
// keepalived silently ignores the packet). Decoding returns one of these;
// it never throws.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "vrrp/counters.h"

namespace sluice::vrrp {

// X(enum, label, keepalived counter or kNone)
#define SLUICE_VRRP_DECODE_ERRORS(X)                                                             \
  X(kTooShort, "too_short", kPacketLenErr)            /* less than the header or count needs */ \
  X(kTooLong, "too_long", kPacketLenErr)              /* bytes after the last field */          \
  X(kIpLengthMismatch, "ip_length_mismatch", kPacketLenErr) /* IPv4 total length vs received */ \
  X(kBadVersion, "bad_version", kVersErr)             /* not 2 or 3, or not the instance's */   \
  X(kBadType, "bad_type", kInvalidTypeRcvd)           /* not 1 (ADVERTISEMENT) */               \
  X(kBadChecksum, "bad_checksum", kChkErr)                                                      \
  X(kVridMismatch, "vrid_mismatch", kVridErr)                                                   \
  X(kAddressCountMismatch, "address_count_mismatch", kAddrListErr) /* count vs configured */    \
  X(kAddressMismatch, "address_mismatch", kAddrListErr) /* a configured VIP is missing */       \
  X(kInvalidAuthType, "invalid_authtype", kInvalidAuthtype) /* VRRPv2 auth type above 2 */      \
  X(kAuthTypeMismatch, "authtype_mismatch", kAuthtypeMismatch) /* or AH present/absent */       \
  X(kAuthFailure, "auth_failure", kAuthFailure)       /* wrong password or AH ICV */            \
  X(kAhBadSpi, "ah_bad_spi", kAuthFailure)            /* SPI is not the source address */       \
  X(kAhReplay, "ah_replay", kAuthFailure)             /* sequence number not above the last */  \
  X(kAhNotVrrp, "ah_not_vrrp", kNone)                 /* AH next header / length not VRRP's */  \
  X(kAdvertIntervalMismatch, "advert_interval_mismatch", kAdvertIntervalErr) /* VRRPv2 only */  \
  X(kBadTtl, "bad_ttl", kIpTtlErr)                    /* TTL / hop limit not 255 */             \
  X(kBadProtocol, "bad_protocol", kNone)              /* neither 112 nor 51 */                  \
  X(kBadDestination, "bad_destination", kAddrListErr) /* multicast vs unicast mode */

enum class DecodeError : uint8_t {
#define SLUICE_VRRP_DECODE_ENUM(name, label, counter) name,
  SLUICE_VRRP_DECODE_ERRORS(SLUICE_VRRP_DECODE_ENUM)
#undef SLUICE_VRRP_DECODE_ENUM
      kCount
};

inline constexpr std::size_t kDecodeErrorCount = static_cast<std::size_t>(DecodeError::kCount);

// The label of an error, e.g. "bad_checksum". Thread-safe.
inline constexpr std::string_view decodeErrorName(DecodeError e) {
  constexpr std::array<std::string_view, kDecodeErrorCount> kNames = {
#define SLUICE_VRRP_DECODE_NAME(name, label, counter) label,
      SLUICE_VRRP_DECODE_ERRORS(SLUICE_VRRP_DECODE_NAME)
#undef SLUICE_VRRP_DECODE_NAME
  };
  return kNames[static_cast<std::size_t>(e)];
}

// The keepalived counter an error adds to, or nullopt when keepalived drops
// such a packet without counting it. Thread-safe.
inline constexpr std::optional<Counter> keepalivedCounter(DecodeError e) {
  using enum Counter;
  constexpr Counter kNone = Counter::kCount;  // marks "no counter" in the table
  constexpr std::array<Counter, kDecodeErrorCount> kCounters = {
#define SLUICE_VRRP_DECODE_COUNTER(name, label, counter) counter,
      SLUICE_VRRP_DECODE_ERRORS(SLUICE_VRRP_DECODE_COUNTER)
#undef SLUICE_VRRP_DECODE_COUNTER
  };
  const Counter c = kCounters[static_cast<std::size_t>(e)];
  if (c == kNone) return std::nullopt;
  return c;
}

}  // namespace sluice::vrrp
