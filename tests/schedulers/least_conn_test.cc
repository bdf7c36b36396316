// lc, wlc, sed and nq against brute-force references written from the IPVS
// definitions, plus their exact tie-breaking.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "schedulers/scheduler.h"
#include "tests/schedulers/test_support.h"

namespace sluice::sched {
namespace {

bool usable(const Destination& d) { return d.weight > 0 && !d.overloaded; }

// Exact for any overhead times any weight.
__extension__ typedef unsigned __int128 Wide;

// Index of the first usable server minimising cost(d) / divisor(d); none: -1.
template <typename Cost, typename Divisor>
int firstMinimum(const std::vector<Destination>& dests, Cost cost, Divisor divisor) {
  int best = kNoDestination;
  for (size_t i = 0; i < dests.size(); ++i) {
    if (!usable(dests[i])) continue;
    // Compare by exact cross products: cost_i * div_best < cost_best * div_i.
    if (best == kNoDestination ||
        Wide(cost(dests[i])) * Wide(divisor(dests[static_cast<size_t>(best)])) <
            Wide(cost(dests[static_cast<size_t>(best)])) * Wide(divisor(dests[i]))) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

uint64_t overhead(const Destination& d) { return uint64_t{d.activeConns} * 256 + d.inactiveConns; }
uint64_t one(const Destination&) { return 1; }
uint64_t weightOf(const Destination& d) { return static_cast<uint64_t>(d.weight); }
uint64_t activePlusOne(const Destination& d) { return uint64_t{d.activeConns} + 1; }

int referenceLc(const std::vector<Destination>& d) { return firstMinimum(d, overhead, one); }
int referenceWlc(const std::vector<Destination>& d) { return firstMinimum(d, overhead, weightOf); }
int referenceSed(const std::vector<Destination>& d) { return firstMinimum(d, activePlusOne, weightOf); }
int referenceNq(const std::vector<Destination>& d) {
  for (size_t i = 0; i < d.size(); ++i) {
    if (usable(d[i]) && d[i].activeConns == 0) return static_cast<int>(i);
  }
  return referenceSed(d);
}

struct Case {
  std::string_view name;
  int (*reference)(const std::vector<Destination>&);
};

class LeastConnections : public ::testing::TestWithParam<Case> {};

TEST_P(LeastConnections, MatchesBruteForceUnderRandomCounters) {
  auto s = makeScheduler(GetParam().name);
  std::mt19937_64 rng(20240611);
  int refusals = 0;
  for (int round = 0; round < 20000; ++round) {
    std::vector<Destination> dests = test::equalDests(1 + rng() % 12);
    // Small ranges make ties frequent; occasional huge ones probe overflow.
    const bool huge = rng() % 10 == 0;
    for (Destination& d : dests) {
      d.weight = static_cast<int32_t>(rng() % 5) - (rng() % 9 == 0 ? 2 : 0);
      if (huge) d.weight = static_cast<int32_t>(rng() % 0x7fffffff);
      d.activeConns = static_cast<uint32_t>(huge ? rng() : rng() % 4);
      d.inactiveConns = static_cast<uint32_t>(huge ? rng() : rng() % 600);
      d.overloaded = rng() % 7 == 0;
    }
    s->update(dests);
    const int expected = GetParam().reference(dests);
    refusals += expected == kNoDestination;
    ASSERT_EQ(s->pick(dests, test::flowFrom(test::v4(1)), 0), expected) << "round " << round;
  }
  EXPECT_LT(refusals, 20000 / 4);  // the property was mostly about real picks
}

INSTANTIATE_TEST_SUITE_P(Family, LeastConnections,
                         ::testing::Values(Case{"lc", referenceLc}, Case{"wlc", referenceWlc},
                                           Case{"sed", referenceSed}, Case{"nq", referenceNq}),
                         [](const auto& info) { return std::string(info.param.name); });

Destination server(int32_t weight, uint32_t active, uint32_t inactive) {
  Destination d;
  d.weight = weight;
  d.activeConns = active;
  d.inactiveConns = inactive;
  return d;
}

int pickOnce(std::string_view name, const std::vector<Destination>& dests) {
  auto s = makeScheduler(name);
  s->update(dests);
  return s->pick(dests, test::flowFrom(test::v4(1)), 0);
}

TEST(Lc, ActiveConnectionWeighs256Inactive) {
  // 1 active = 256 < 257 inactive; 1 active == 256 inactive: first wins.
  EXPECT_EQ(pickOnce("lc", {server(1, 0, 257), server(1, 1, 0)}), 1);
  EXPECT_EQ(pickOnce("lc", {server(1, 0, 256), server(1, 1, 0)}), 0);
  EXPECT_EQ(pickOnce("lc", {server(1, 1, 0), server(1, 0, 256)}), 0);
}

TEST(Lc, IgnoresWeightBeyondZero) {
  EXPECT_EQ(pickOnce("lc", {server(100, 2, 0), server(1, 1, 0)}), 1);
}

TEST(Lc, FirstOfEqualMinimaWins) {
  EXPECT_EQ(pickOnce("lc", {server(1, 5, 0), server(1, 3, 0), server(1, 3, 0)}), 1);
}

TEST(Wlc, ComparesOverheadPerWeight) {
  // 2 active / weight 3 (170.7) beats 1 active / weight 1 (256).
  EXPECT_EQ(pickOnce("wlc", {server(1, 1, 0), server(3, 2, 0)}), 1);
  // Equal ratios (256/1 vs 512/2): the first stays.
  EXPECT_EQ(pickOnce("wlc", {server(1, 1, 0), server(2, 2, 0)}), 0);
  EXPECT_EQ(pickOnce("wlc", {server(2, 2, 0), server(1, 1, 0)}), 0);
}

TEST(Wlc, CountsInactiveConnections) {
  EXPECT_EQ(pickOnce("wlc", {server(1, 1, 10), server(1, 1, 0)}), 1);
}

TEST(Wlc, NoOverflowWithHugeCountersAndWeights) {
  // 2^32-1 active * 256 * 2^31-ish weight needs more than 64 bits.
  const uint32_t big = 0xffffffffu;
  EXPECT_EQ(pickOnce("wlc", {server(0x7fffffff, big, big), server(0x7ffffffe, big, big)}), 0);
  EXPECT_EQ(pickOnce("wlc", {server(0x7ffffffe, big, big), server(0x7fffffff, big, big)}), 1);
}

TEST(Sed, IgnoresInactiveConnections) {
  EXPECT_EQ(pickOnce("sed", {server(1, 1, 1000), server(1, 1, 0)}), 0);
}

TEST(Sed, ExpectedDelayCountsTheNewConnection) {
  // (0+1)/1 = 1 vs (1+1)/3 = 0.67: the busier but stronger server wins,
  // where wlc would pick the idle one.
  EXPECT_EQ(pickOnce("sed", {server(1, 0, 0), server(3, 1, 0)}), 1);
  EXPECT_EQ(pickOnce("wlc", {server(1, 0, 0), server(3, 1, 0)}), 0);
  // Ties ((1+1)/2 == (0+1)/1): the first stays.
  EXPECT_EQ(pickOnce("sed", {server(2, 1, 0), server(1, 0, 0)}), 0);
}

TEST(Nq, TakesTheFirstIdleServerAtOnce) {
  // sed picks server 2 ((0+1)/9 is the least); nq takes the first idle one.
  EXPECT_EQ(pickOnce("nq", {server(3, 1, 0), server(1, 0, 0), server(9, 0, 0)}), 1);
  EXPECT_EQ(pickOnce("sed", {server(3, 1, 0), server(1, 0, 0), server(9, 0, 0)}), 2);
}

TEST(Nq, IdleButUnavailableServersDoNotCount) {
  std::vector<Destination> dests = {server(3, 1, 0), server(1, 0, 0), server(0, 0, 0)};
  dests[1].overloaded = true;
  EXPECT_EQ(pickOnce("nq", dests), 0);
}

TEST(Nq, FallsBackToShortestExpectedDelay) {
  EXPECT_EQ(pickOnce("nq", {server(1, 2, 0), server(4, 5, 0)}), 1);  // 3/1 vs 6/4
}

}  // namespace
}  // namespace sluice::sched
