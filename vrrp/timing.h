// The VRRP timers' arithmetic (RFC 3768 6.1, RFC 5798 6.1):
//   Skew_Time            v2: (256 - Priority) / 256 seconds
//                        v3: ((256 - Priority) x Master_Adver_Interval) / 256
//   Master_Down_Interval 3 x Master_Adver_Interval + Skew_Time
// keepalived computes both in microseconds (so a VRRPv3 skew is not
// rounded to whole centiseconds as RFC 5798's integer units would); here
// they are the same values truncated to the milliseconds of the state
// machine's clock. Priority is the local (effective) one. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

#include "vrrp/packet.h"

namespace sluice::vrrp {

using Millis = std::chrono::milliseconds;

inline constexpr Millis centiseconds(uint32_t cs) { return Millis{cs * 10}; }

Millis skewTime(Version version, uint8_t priority, uint16_t masterAdverIntervalCs);

// `adverts` is keepalived's down_timer_adverts (3 by the RFCs).
Millis masterDownInterval(Version version, uint8_t priority, uint16_t masterAdverIntervalCs,
                          uint32_t adverts = 3);

}  // namespace sluice::vrrp
