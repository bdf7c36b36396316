// Skew_Time and Master_Down_Interval, value by value. Expected values are
// keepalived's microsecond arithmetic truncated to milliseconds; the RFC's
// integer units would round some down further (noted per row).
#include <gtest/gtest.h>

#include "vrrp/timing.h"

namespace sluice::vrrp {
namespace {

TEST(VrrpTiming, SkewAndMasterDown) {
  struct Row {
    const char* name;
    Version version;
    uint8_t priority;
    uint16_t intervalCs;
    uint32_t adverts;
    int64_t skewMs;
    int64_t downMs;
  };
  const Row rows[] = {
      // v2: (256 - p) / 256 s, whatever the interval.
      {"v2 p100 1s: 156/256 s = 609.375 ms", Version::kV2, 100, 100, 3, 609, 3609},
      {"v2 p100 3s", Version::kV2, 100, 300, 3, 609, 9609},
      {"v2 p255 owner: 3.906 ms", Version::kV2, 255, 100, 3, 3, 3003},
      {"v2 p254", Version::kV2, 254, 100, 3, 7, 3007},
      {"v2 p1: 996.09 ms", Version::kV2, 1, 100, 3, 996, 3996},
      {"v2 p200", Version::kV2, 200, 100, 3, 218, 3218},
      {"v2 down_timer_adverts 5", Version::kV2, 100, 100, 5, 609, 5609},
      // v3: ((256 - p) x Master_Adver_Interval) / 256 centiseconds.
      {"v3 p100 1s: 60.9 cs (RFC integer cs: 60)", Version::kV3, 100, 100, 3, 609, 3609},
      {"v3 p100 0.5s: 30.47 cs", Version::kV3, 100, 50, 3, 304, 1804},
      {"v3 p200 1s", Version::kV3, 200, 100, 3, 218, 3218},
      {"v3 p100 2s learnt", Version::kV3, 100, 200, 3, 1218, 7218},
      {"v3 p255 0.01s: 0.039 ms", Version::kV3, 255, 1, 3, 0, 30},
      {"v3 p1 40.95s", Version::kV3, 1, 4095, 3, 40790, 163640},
      {"v3 p150 0.3s", Version::kV3, 150, 30, 3, 124, 1024},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(skewTime(r.version, r.priority, r.intervalCs).count(), r.skewMs);
    EXPECT_EQ(masterDownInterval(r.version, r.priority, r.intervalCs, r.adverts).count(), r.downMs);
  }
}

TEST(VrrpTiming, HigherPriorityTakesOverFirst) {
  for (const Version v : {Version::kV2, Version::kV3}) {
    for (int p = 1; p < 255; ++p) {
      EXPECT_LE(masterDownInterval(v, static_cast<uint8_t>(p + 1), 100),
                masterDownInterval(v, static_cast<uint8_t>(p), 100));
    }
  }
}

}  // namespace
}  // namespace sluice::vrrp
