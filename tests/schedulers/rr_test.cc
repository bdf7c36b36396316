#include <gtest/gtest.h>

#include "schedulers/scheduler.h"
#include "tests/schedulers/test_support.h"

namespace sluice::sched {
namespace {

TEST(Rr, CyclesThroughServersInListOrder) {
  auto s = makeScheduler("rr");
  auto dests = test::equalDests(3);
  s->update(dests);
  EXPECT_EQ(test::picks(*s, dests, 7), (std::vector<int>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(Rr, IgnoresWeightsAboveZero) {
  auto s = makeScheduler("rr");
  auto dests = test::destsWithWeights({1, 100, 7});
  s->update(dests);
  EXPECT_EQ(test::picks(*s, dests, 6), (std::vector<int>{0, 1, 2, 0, 1, 2}));
}

TEST(Rr, SkipsUnavailableServersAndContinuesAfterTheLastPick) {
  auto s = makeScheduler("rr");
  auto dests = test::destsWithWeights({1, 1, 0, 1});
  dests[3].overloaded = true;
  s->update(dests);
  EXPECT_EQ(test::picks(*s, dests, 4), (std::vector<int>{0, 1, 0, 1}));
  // The last pick was 1; 2 has weight 0, so the cycle goes on with 3.
  dests[3].overloaded = false;
  EXPECT_EQ(test::picks(*s, dests, 4), (std::vector<int>{3, 0, 1, 3}));
}

TEST(Rr, KeepsItsPlaceWhenWeightsChange) {
  auto s = makeScheduler("rr");
  auto dests = test::equalDests(4);
  s->update(dests);
  EXPECT_EQ(test::picks(*s, dests, 2), (std::vector<int>{0, 1}));
  dests[0].weight = 5;
  s->update(dests);
  EXPECT_EQ(test::picks(*s, dests, 3), (std::vector<int>{2, 3, 0}));
}

TEST(Rr, RestartsWhenTheListShrinksBelowItsPlace) {
  auto s = makeScheduler("rr");
  auto dests = test::equalDests(4);
  s->update(dests);
  EXPECT_EQ(test::picks(*s, dests, 4), (std::vector<int>{0, 1, 2, 3}));
  dests.resize(2);
  s->update(dests);
  EXPECT_EQ(test::picks(*s, dests, 3), (std::vector<int>{0, 1, 0}));
}

}  // namespace
}  // namespace sluice::sched
