#include "vrrp/timing.h"

namespace sluice::vrrp {

Millis skewTime(Version version, uint8_t priority, uint16_t masterAdverIntervalCs) {
  const uint64_t weight = 256u - priority;
  // Microseconds first, as keepalived's VRRP_TIMER_SKEW: 1 s = 1e6 us,
  // 1 cs = 1e4 us.
  const uint64_t micros = version == Version::kV2 ? weight * 1'000'000 / 256
                                                  : weight * masterAdverIntervalCs * 10'000 / 256;
  return Millis{static_cast<Millis::rep>(micros / 1000)};
}

Millis masterDownInterval(Version version, uint8_t priority, uint16_t masterAdverIntervalCs, uint32_t adverts) {
  return centiseconds(masterAdverIntervalCs) * adverts + skewTime(version, priority, masterAdverIntervalCs);
}

}  // namespace sluice::vrrp
