// Rules every scheduler keeps, checked for each registered name.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "schedulers/scheduler.h"
#include "tests/schedulers/test_support.h"

namespace sluice::sched {
namespace {

using test::v4;

// Whether refusing a flow is right while some server is available: dh
// answers only with the server its bucket holds, and ovf refuses once every
// server has more active connections than its weight. The others (sh and mh
// with fallback) must find an available server whenever one exists.
bool refusalAllowed(std::string_view name, const std::vector<Destination>& dests) {
  if (name == "dh") return true;
  if (name != "ovf") return false;
  return std::none_of(dests.begin(), dests.end(), [](const Destination& d) {
    return d.weight > 0 && !d.overloaded && d.activeConns <= static_cast<uint32_t>(d.weight);
  });
}

class EveryScheduler : public ::testing::TestWithParam<std::string_view> {
 protected:
  std::unique_ptr<Scheduler> make() {
    SchedulerOptions options;
    options.fallback = true;
    options.mhTableSize = 4093;  // keeps the test fast; any prime works
    auto s = makeScheduler(GetParam(), options);
    EXPECT_NE(s, nullptr);
    return s;
  }

  // Many picks over varied flows, clients, destinations and counters.
  template <typename Check>
  void pickMany(Scheduler& s, std::vector<Destination>& dests, Check check) {
    std::mt19937 rng(7);
    for (int i = 0; i < 3000; ++i) {
      for (Destination& d : dests) {
        d.activeConns = rng() % 20;
        d.inactiveConns = rng() % 50;
      }
      FlowKey flow = test::flowFrom(v4(static_cast<uint32_t>(rng())), static_cast<uint16_t>(rng()));
      flow.dst = v4(0xc0000200 + rng() % 64);
      check(s.pick(dests, flow, static_cast<uint64_t>(i) * 1000));
    }
  }
};

TEST_P(EveryScheduler, EmptyListGivesNoDestination) {
  auto s = make();
  std::vector<Destination> none;
  s->update(none);
  EXPECT_EQ(s->pick(none, test::flowFrom(v4(0x01020304)), 0), kNoDestination);
}

TEST_P(EveryScheduler, NeverPicksAServerOfWeightZeroOrLess) {
  auto s = make();
  auto dests = test::destsWithWeights({0, 3, -1, 1, 0, 2, 0});
  s->update(dests);
  int picked = 0;
  pickMany(*s, dests, [&](int d) {
    if (!refusalAllowed(GetParam(), dests)) {
      ASSERT_NE(d, kNoDestination);
    }
    if (d == kNoDestination) return;
    ASSERT_GE(d, 0);
    ASSERT_LT(d, static_cast<int>(dests.size()));
    EXPECT_GT(dests[static_cast<size_t>(d)].weight, 0) << "picked " << d;
    ++picked;
  });
  EXPECT_GT(picked, 0);
}

TEST_P(EveryScheduler, NeverPicksAnOverloadedServer) {
  auto s = make();
  auto dests = test::destsWithWeights({4, 4, 4, 4, 4});
  dests[0].overloaded = true;
  dests[2].overloaded = true;
  dests[4].overloaded = true;
  s->update(dests);
  int picked = 0;
  pickMany(*s, dests, [&](int d) {
    if (!refusalAllowed(GetParam(), dests)) {
      ASSERT_NE(d, kNoDestination);
    }
    if (d == kNoDestination) return;
    EXPECT_FALSE(dests[static_cast<size_t>(d)].overloaded) << "picked " << d;
    ++picked;
  });
  EXPECT_GT(picked, 0);
}

TEST_P(EveryScheduler, AllUnavailableGivesNoDestination) {
  auto s = make();
  auto dests = test::destsWithWeights({0, 2, 0, 5});
  dests[1].overloaded = true;
  dests[3].overloaded = true;
  s->update(dests);
  pickMany(*s, dests, [](int d) { EXPECT_EQ(d, kNoDestination); });
}

TEST_P(EveryScheduler, AllWeightZeroGivesNoDestination) {
  auto s = make();
  auto dests = test::destsWithWeights({0, 0, 0});
  s->update(dests);
  pickMany(*s, dests, [](int d) { EXPECT_EQ(d, kNoDestination); });
}

TEST_P(EveryScheduler, RecoversWhenAServerComesBack) {
  auto s = make();
  auto dests = test::destsWithWeights({1, 1});
  dests[0].overloaded = true;
  dests[1].overloaded = true;
  s->update(dests);
  const FlowKey flow = test::flowFrom(v4(0x0b000001));
  EXPECT_EQ(s->pick(dests, flow, 0), kNoDestination);
  dests[0].overloaded = false;
  dests[1].overloaded = false;
  const int d = s->pick(dests, flow, 1);
  EXPECT_TRUE(d == 0 || d == 1) << d;
}

TEST_P(EveryScheduler, ALoneServerTakesEverything) {
  auto s = make();
  auto dests = test::destsWithWeights({5});
  s->update(dests);
  pickMany(*s, dests, [&](int d) {
    if (d == kNoDestination && refusalAllowed(GetParam(), dests)) return;
    EXPECT_EQ(d, 0);
  });
}

INSTANTIATE_TEST_SUITE_P(AllNames, EveryScheduler, ::testing::ValuesIn(schedulerNames()),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace sluice::sched
