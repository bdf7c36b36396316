// pick() runs on the data plane for every new flow and must never allocate.
// This binary counts every operator new made while picking.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "schedulers/scheduler.h"
#include "tests/schedulers/alloc_counter.h"
#include "tests/schedulers/test_support.h"

namespace {
int* volatile sink = nullptr;  // keeps the compiler from eliding a test allocation
}  // namespace

namespace sluice::sched {
namespace {

using test::v4;

class NoAllocation : public ::testing::TestWithParam<std::string_view> {};

TEST_P(NoAllocation, PickNeverAllocates) {
  SchedulerOptions options;
  options.fallback = true;
  options.lblcTableEntries = 64;             // small, so the table fills and evicts
  options.lblcExpirationMs = 5000;           // and entries expire
  options.lblcrExpirationMs = 2000;          // and sets shrink
  auto s = makeScheduler(GetParam(), options);
  ASSERT_NE(s, nullptr);
  auto dests = test::destsWithWeights({3, 1, 0, 2, 5, 1, 4, 2});
  s->update(dests);

  std::mt19937 rng(11);
  test::startCountingAllocations();
  for (int i = 0; i < 20000; ++i) {
    for (Destination& d : dests) {
      d.activeConns = rng() % 12;
      d.inactiveConns = rng() % 30;
      d.overloaded = rng() % 8 == 0;
    }
    FlowKey flow = test::flowFrom(v4(static_cast<uint32_t>(rng())), static_cast<uint16_t>(rng()));
    flow.dst = v4(0xc0000000 + rng() % 1000);
    s->pick(dests, flow, static_cast<uint64_t>(i) * 10);
  }
  EXPECT_EQ(test::stopCountingAllocations(), 0);
}

TEST(NoAllocationCheck, CountsAllocations) {
  // Guards the guard: an allocation while counting is seen.
  test::startCountingAllocations();
  sink = new int(3);
  const long seen = test::stopCountingAllocations();
  delete sink;
  EXPECT_EQ(seen, 1);
}

INSTANTIATE_TEST_SUITE_P(AllNames, NoAllocation, ::testing::ValuesIn(schedulerNames()),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace sluice::sched
