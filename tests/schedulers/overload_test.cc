#include <gtest/gtest.h>

#include "schedulers/scheduler.h"

namespace sluice::sched {
namespace {

TEST(UpdateOverload, NoThresholdsNeverOverloaded) {
  EXPECT_FALSE(updateOverload(false, 1000000, 0, 0));
  EXPECT_FALSE(updateOverload(true, 1000000, 0, 0));  // a stale flag clears
}

TEST(UpdateOverload, BecomesOverloadedAtTheUpperThreshold) {
  EXPECT_FALSE(updateOverload(false, 99, 100, 0));
  EXPECT_TRUE(updateOverload(false, 100, 100, 0));
  EXPECT_TRUE(updateOverload(false, 150, 100, 50));
}

TEST(UpdateOverload, DefaultLowerIsThreeQuartersOfUpper) {
  // Overloaded at 100; stays so down to 75, clears below.
  EXPECT_TRUE(updateOverload(true, 99, 100, 0));
  EXPECT_TRUE(updateOverload(true, 75, 100, 0));
  EXPECT_FALSE(updateOverload(true, 74, 100, 0));
  // Not overloaded in the band: no flapping on the way up either.
  EXPECT_FALSE(updateOverload(false, 80, 100, 0));
}

TEST(UpdateOverload, ExplicitLowerThreshold) {
  EXPECT_TRUE(updateOverload(true, 60, 100, 50));
  EXPECT_TRUE(updateOverload(true, 50, 100, 50));
  EXPECT_FALSE(updateOverload(true, 49, 100, 50));
  EXPECT_FALSE(updateOverload(false, 60, 100, 50));
}

TEST(UpdateOverload, LowerAloneOnlyClears) {
  // lthreshold without uthreshold never sets the flag, but clears it.
  EXPECT_FALSE(updateOverload(false, 1000, 0, 10));
  EXPECT_TRUE(updateOverload(true, 10, 0, 10));
  EXPECT_FALSE(updateOverload(true, 9, 0, 10));
}

TEST(UpdateOverload, WalksTheHysteresisLoop) {
  bool over = false;
  std::vector<bool> states;
  for (uint32_t conns : {10u, 19u, 20u, 18u, 16u, 15u, 14u, 19u, 20u}) {
    over = updateOverload(over, conns, 20, 15);
    states.push_back(over);
  }
  EXPECT_EQ(states, (std::vector<bool>{false, false, true, true, true, true, false, false, true}));
}

TEST(UpdateOverload, NoOverflowNearTheTop) {
  const uint32_t top = 0xffffffffu;
  EXPECT_TRUE(updateOverload(false, top, top, 0));
  EXPECT_TRUE(updateOverload(true, top - 1, top, 0));
  EXPECT_FALSE(updateOverload(true, top / 2, top, 0));
}

}  // namespace
}  // namespace sluice::sched
