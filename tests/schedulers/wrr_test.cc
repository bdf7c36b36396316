#include <gtest/gtest.h>

#include <map>
#include <random>

#include "schedulers/scheduler.h"
#include "tests/schedulers/test_support.h"

namespace sluice::sched {
namespace {

constexpr int A = 0, B = 1, C = 2;

std::map<int, int> countPicks(Scheduler& s, std::span<const Destination> dests, int n) {
  std::map<int, int> counts;
  for (int d : test::picks(s, dests, static_cast<size_t>(n))) ++counts[d];
  return counts;
}

TEST(Wrr, Weights123InterleaveAsIpvs) {
  auto s = makeScheduler("wrr");
  auto dests = test::destsWithWeights({1, 2, 3});
  s->update(dests);
  const std::vector<int> cycle = {C, B, C, A, B, C};
  EXPECT_EQ(test::picks(*s, dests, 6), cycle);
  EXPECT_EQ(test::picks(*s, dests, 6), cycle);  // and again, cycle after cycle
}

TEST(Wrr, ExactRatioOverManyCycles) {
  auto s = makeScheduler("wrr");
  auto dests = test::destsWithWeights({1, 2, 3});
  s->update(dests);
  EXPECT_EQ(countPicks(*s, dests, 6 * 1000), (std::map<int, int>{{A, 1000}, {B, 2000}, {C, 3000}}));
}

TEST(Wrr, CommonDivisorIsFactoredOut) {
  auto s = makeScheduler("wrr");
  auto dests = test::destsWithWeights({2, 4, 6});
  s->update(dests);
  // Same sequence as 1:2:3, not a 12-long one with runs.
  EXPECT_EQ(test::picks(*s, dests, 12), (std::vector<int>{C, B, C, A, B, C, C, B, C, A, B, C}));
}

TEST(Wrr, GcdThreeWithTwoServers) {
  auto s = makeScheduler("wrr");
  auto dests = test::destsWithWeights({3, 6});
  s->update(dests);
  EXPECT_EQ(test::picks(*s, dests, 6), (std::vector<int>{B, A, B, B, A, B}));
}

TEST(Wrr, EqualWeightsAreRoundRobin) {
  auto s = makeScheduler("wrr");
  auto dests = test::destsWithWeights({5, 5, 5});
  s->update(dests);
  EXPECT_EQ(test::picks(*s, dests, 6), (std::vector<int>{A, B, C, A, B, C}));
}

TEST(Wrr, UpdateWithNewWeightsStartsANewCycle) {
  auto s = makeScheduler("wrr");
  auto dests = test::destsWithWeights({1, 2, 3});
  s->update(dests);
  EXPECT_EQ(test::picks(*s, dests, 2), (std::vector<int>{C, B}));
  dests[A].weight = 3;
  dests[C].weight = 1;
  s->update(dests);
  EXPECT_EQ(test::picks(*s, dests, 6), (std::vector<int>{A, A, B, A, B, C}));
  EXPECT_EQ(countPicks(*s, dests, 600), (std::map<int, int>{{A, 300}, {B, 200}, {C, 100}}));
}

TEST(Wrr, WeightZeroServerIsLeftOut) {
  auto s = makeScheduler("wrr");
  auto dests = test::destsWithWeights({1, 0, 2});
  s->update(dests);
  EXPECT_EQ(countPicks(*s, dests, 300), (std::map<int, int>{{A, 100}, {C, 200}}));
}

TEST(Wrr, OverloadedServerIsSkippedAndTheOthersKeepTheirRatio) {
  auto s = makeScheduler("wrr");
  auto dests = test::destsWithWeights({1, 2, 3});
  dests[C].overloaded = true;
  s->update(dests);
  EXPECT_EQ(countPicks(*s, dests, 300), (std::map<int, int>{{A, 100}, {B, 200}}));
}

TEST(Wrr, OnlyLowWeightServersLeftStillServed) {
  // The heavy server is out: the levels above the others' weights find
  // nobody. Walking them one pass each would take billions of steps per
  // pick (the test would time out); the light servers must be found at once.
  auto s = makeScheduler("wrr");
  auto dests = test::destsWithWeights({1, 1, 0x7fffffff});
  s->update(dests);
  dests[C].overloaded = true;
  std::vector<int> expected;
  for (int i = 0; i < 50; ++i) expected.push_back(i % 2 == 0 ? A : B);
  EXPECT_EQ(test::picks(*s, dests, 50), expected);
}

TEST(Wrr, RatioHoldsForRandomWeights) {
  std::mt19937 rng(3);
  for (int round = 0; round < 20; ++round) {
    std::vector<Destination> dests = test::equalDests(1 + rng() % 8);
    int total = 0;
    for (Destination& d : dests) {
      d.weight = static_cast<int32_t>(rng() % 6);  // zeros included
      total += d.weight;
    }
    auto s = makeScheduler("wrr");
    s->update(dests);
    if (total == 0) {
      EXPECT_EQ(s->pick(dests, test::flowFrom(test::v4(1)), 0), kNoDestination);
      continue;
    }
    // Over whole cycles of sum(weights) picks every server gets its weight
    // (a cycle of the gcd-reduced weights divides it).
    const auto counts = countPicks(*s, dests, total * 10);
    for (size_t i = 0; i < dests.size(); ++i) {
      const auto it = counts.find(static_cast<int>(i));
      EXPECT_EQ(it == counts.end() ? 0 : it->second, dests[i].weight * 10) << "server " << i;
    }
  }
}

}  // namespace
}  // namespace sluice::sched
