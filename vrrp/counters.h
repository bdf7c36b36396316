// Per-instance VRRP counters under keepalived's names (its vrrp stats and
// the RFC 6527 SNMP ones), so the API and /metrics read like
// `keepalived --signum=STATS` output. Not thread-safe: one owner per instance.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sluice::vrrp {

#define SLUICE_VRRP_COUNTERS(X)                                                     \
  X(kAdvertRcvd, "advert_rcvd")               /* valid adverts in BACKUP/MASTER */ \
  X(kAdvertSent, "advert_sent")                                                    \
  X(kBecomeMaster, "become_master")                                                \
  X(kReleaseMaster, "release_master")         /* left MASTER for any reason */     \
  X(kPacketLenErr, "packet_len_err")                                               \
  X(kAdvertIntervalErr, "advert_interval_err") /* VRRPv2 interval differs */       \
  X(kIpTtlErr, "ip_ttl_err")                                                       \
  X(kInvalidTypeRcvd, "invalid_type_rcvd")                                         \
  X(kAddrListErr, "addr_list_err")                                                 \
  X(kInvalidAuthtype, "invalid_authtype")                                          \
  X(kAuthtypeMismatch, "authtype_mismatch")                                        \
  X(kAuthFailure, "auth_failure")                                                  \
  X(kPriZeroRcvd, "pri_zero_rcvd")                                                 \
  X(kPriZeroSent, "pri_zero_sent")                                                 \
  X(kChkErr, "chk_err")                       /* SNMP: bad VRRP checksum */        \
  X(kVersErr, "vers_err")                     /* SNMP: unknown/other version */    \
  X(kVridErr, "vrid_err")                     /* SNMP: VRID not ours */

enum class Counter : uint8_t {
#define SLUICE_VRRP_COUNTER_ENUM(name, text) name,
  SLUICE_VRRP_COUNTERS(SLUICE_VRRP_COUNTER_ENUM)
#undef SLUICE_VRRP_COUNTER_ENUM
      kCount
};

inline constexpr std::size_t kCounterCount = static_cast<std::size_t>(Counter::kCount);

// The keepalived name of a counter. Thread-safe.
inline constexpr std::string_view counterName(Counter c) {
  constexpr std::array<std::string_view, kCounterCount> kNames = {
#define SLUICE_VRRP_COUNTER_NAME(name, text) text,
      SLUICE_VRRP_COUNTERS(SLUICE_VRRP_COUNTER_NAME)
#undef SLUICE_VRRP_COUNTER_NAME
  };
  return kNames[static_cast<std::size_t>(c)];
}

class Counters {
 public:
  void add(Counter c, uint64_t n = 1) { values_[static_cast<std::size_t>(c)] += n; }
  uint64_t get(Counter c) const { return values_[static_cast<std::size_t>(c)]; }

 private:
  std::array<uint64_t, kCounterCount> values_{};
};

}  // namespace sluice::vrrp
