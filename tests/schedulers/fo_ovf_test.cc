#include <gtest/gtest.h>

#include "schedulers/scheduler.h"
#include "tests/schedulers/test_support.h"

namespace sluice::sched {
namespace {

int pickOnce(std::string_view name, const std::vector<Destination>& dests) {
  auto s = makeScheduler(name);
  s->update(dests);
  return s->pick(dests, test::flowFrom(test::v4(1)), 0);
}

TEST(Fo, PicksTheHighestWeight) {
  EXPECT_EQ(pickOnce("fo", test::destsWithWeights({1, 5, 3})), 1);
}

TEST(Fo, FirstOfEqualHighestWeights) {
  EXPECT_EQ(pickOnce("fo", test::destsWithWeights({2, 5, 5, 1})), 1);
}

TEST(Fo, IgnoresLoad) {
  auto dests = test::destsWithWeights({2, 5});
  dests[1].activeConns = 1000000;
  EXPECT_EQ(pickOnce("fo", dests), 1);
}

TEST(Fo, FailsOverWhenTheTopServerIsUnavailable) {
  auto dests = test::destsWithWeights({2, 5, 3});
  dests[1].overloaded = true;
  EXPECT_EQ(pickOnce("fo", dests), 2);
  dests[2].weight = 0;
  EXPECT_EQ(pickOnce("fo", dests), 0);
}

TEST(Fo, StaysOnOneServerForEveryFlow) {
  auto s = makeScheduler("fo");
  auto dests = test::destsWithWeights({2, 7, 3});
  s->update(dests);
  EXPECT_EQ(test::picks(*s, dests, 5), (std::vector<int>{1, 1, 1, 1, 1}));
}

TEST(Ovf, FillsTheHighestWeightUpToItsWeight) {
  auto dests = test::destsWithWeights({3, 10, 5});
  dests[1].activeConns = 9;
  EXPECT_EQ(pickOnce("ovf", dests), 1);
  dests[1].activeConns = 10;  // IPVS skips only above the weight
  EXPECT_EQ(pickOnce("ovf", dests), 1);
  dests[1].activeConns = 11;
  EXPECT_EQ(pickOnce("ovf", dests), 2);
}

TEST(Ovf, OverflowsDownTheWeights) {
  auto dests = test::destsWithWeights({3, 10, 5});
  dests[1].activeConns = 11;
  dests[2].activeConns = 6;
  EXPECT_EQ(pickOnce("ovf", dests), 0);
  dests[0].activeConns = 4;
  EXPECT_EQ(pickOnce("ovf", dests), kNoDestination);  // everybody over its weight
}

TEST(Ovf, FirstOfEqualWeightsAndSkipsUnavailable) {
  auto dests = test::destsWithWeights({4, 6, 6});
  EXPECT_EQ(pickOnce("ovf", dests), 1);
  dests[1].overloaded = true;
  EXPECT_EQ(pickOnce("ovf", dests), 2);
  dests[2].weight = 0;
  EXPECT_EQ(pickOnce("ovf", dests), 0);
}

TEST(Ovf, InactiveConnectionsDoNotCount) {
  auto dests = test::destsWithWeights({1, 2});
  dests[1].inactiveConns = 500;
  EXPECT_EQ(pickOnce("ovf", dests), 1);
}

}  // namespace
}  // namespace sluice::sched
