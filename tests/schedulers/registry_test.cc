#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "schedulers/scheduler.h"

namespace sluice::sched {
namespace {

TEST(Registry, ListsEveryKeepalivedNameInOrder) {
  const std::vector<std::string_view> expected = {"rr",  "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
                                                  "sh",  "sed", "nq", "mh",  "fo",   "ovf"};
  const auto names = schedulerNames();
  EXPECT_EQ(std::vector<std::string_view>(names.begin(), names.end()), expected);
}

TEST(Registry, EveryNameCreatesASchedulerOfThatName) {
  for (std::string_view name : schedulerNames()) {
    SCOPED_TRACE(std::string(name));
    EXPECT_TRUE(isKnownScheduler(name));
    auto s = makeScheduler(name);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->name(), name);
  }
}

TEST(Registry, UnknownNamesCreateNothing) {
  for (std::string_view name : {"", "WRR", "wrr ", "lblcrr", "random", "mh2"}) {
    SCOPED_TRACE(std::string(name));
    EXPECT_FALSE(isKnownScheduler(name));
    EXPECT_EQ(makeScheduler(name), nullptr);
  }
}

TEST(Registry, MhRejectsATableSizeThatIsNotPrime) {
  SchedulerOptions options;
  // 16777259 is prime but above the 2^24 limit.
  for (uint32_t size : {0u, 1u, 4u, 65536u, 4095u, 16777259u}) {
    options.mhTableSize = size;
    EXPECT_EQ(makeScheduler("mh", options), nullptr) << size;
  }
  for (uint32_t size : {251u, 4093u, 65521u, 65537u}) {
    options.mhTableSize = size;
    EXPECT_NE(makeScheduler("mh", options), nullptr) << size;
  }
}

TEST(Registry, LocalitySchedulersNeedATable) {
  SchedulerOptions options;
  for (uint32_t entries : {0u, (1u << 24) + 1, 0xffffffffu}) {
    options.lblcTableEntries = entries;
    EXPECT_EQ(makeScheduler("lblc", options), nullptr) << entries;
    EXPECT_EQ(makeScheduler("lblcr", options), nullptr) << entries;
    EXPECT_NE(makeScheduler("wlc", options), nullptr);  // the others do not care
  }
  options.lblcTableEntries = 1;
  EXPECT_NE(makeScheduler("lblc", options), nullptr);
  EXPECT_NE(makeScheduler("lblcr", options), nullptr);
}

}  // namespace
}  // namespace sluice::sched
