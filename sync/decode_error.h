// Every reason a received sync datagram is refused has a name, usable as a
// counter label. A datagram is taken whole or refused whole: one bad entry
// refuses all of it, so nothing of it is half applied. docs/sync.md says
// where the checks are stricter than the kernel's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sluice::sync {

// X(enum, label)
#define SLUICE_SYNC_DECODE_ERRORS(X)                                                                   \
  X(kOk, "ok")                                                                                        \
  X(kTooShort, "too_short")                   /* less than a header */                                \
  X(kBadSize, "bad_size")                     /* the size field is not the datagram's length */       \
  X(kWrongSyncId, "wrong_syncid")             /* another sync id than the one expected */             \
  X(kBadVersion, "bad_version")               /* first byte 0, but version not 1 or spare not 0 */    \
  X(kTruncatedEntry, "truncated_entry")       /* the datagram ends inside an entry */                 \
  X(kBadEntryVersion, "bad_entry_version")    /* the top 4 bits of ver_size are not 0 */              \
  X(kUnknownEntryType, "unknown_entry_type")  /* type neither 0 (IPv4) nor 1 (IPv6) */                \
  X(kBadEntryLength, "bad_entry_length")      /* entry size below its fixed part */                   \
  X(kBadOption, "bad_option")                 /* option header or data past the entry, or length 0 */ \
  X(kBadOptionLength, "bad_option_length")    /* sequence data not 24 bytes, PE name over 16 */       \
  X(kDuplicateOption, "duplicate_option")     /* the same option twice in one entry */                \
  X(kUnknownOption, "unknown_option")         /* an unknown option not marked optional */             \
  X(kBadPadding, "bad_padding")               /* padding between entries not zero */                  \
  X(kTrailingBytes, "trailing_bytes")         /* bytes after the last entry the count announces */    \
  X(kUnknownProtocol, "unknown_protocol")     /* a connection of a protocol IPVS has no states for */ \
  X(kBadState, "bad_state")                   /* a state beyond its protocol's */

enum class DecodeError : uint8_t {
#define SLUICE_SYNC_DECODE_ENUM(name, label) name,
  SLUICE_SYNC_DECODE_ERRORS(SLUICE_SYNC_DECODE_ENUM)
#undef SLUICE_SYNC_DECODE_ENUM
      kCount
};

inline constexpr std::size_t kDecodeErrorCount = static_cast<std::size_t>(DecodeError::kCount);

// The label of an error, e.g. "bad_size". Thread-safe.
inline constexpr std::string_view decodeErrorName(DecodeError e) {
  constexpr std::array<std::string_view, kDecodeErrorCount> kNames = {
#define SLUICE_SYNC_DECODE_NAME(name, label) label,
      SLUICE_SYNC_DECODE_ERRORS(SLUICE_SYNC_DECODE_NAME)
#undef SLUICE_SYNC_DECODE_NAME
  };
  const auto i = static_cast<std::size_t>(e);
  return i < kNames.size() ? kNames[i] : std::string_view("unknown");
}

}  // namespace sluice::sync
