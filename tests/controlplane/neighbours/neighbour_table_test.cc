// NeighbourTable: what the control plane learned and when it last asked.
#include "controlplane/neighbours/neighbour_table.h"

#include <gtest/gtest.h>

#include "tests/controlplane/neighbours/frame_util.h"

namespace sluice::neighbours {
namespace {

using testing::ip;
using testing::macOf;

const dp::MacAddr kA = macOf(0x02, 0, 0, 0, 0, 0x0a);
const dp::MacAddr kB = macOf(0x02, 0, 0, 0, 0, 0x0b);

TEST(NeighbourTable, LearnReportsNewAndChangedEntriesOnly) {
  NeighbourTable t;
  EXPECT_TRUE(t.learn(0, false, ip("10.0.0.5"), kA, 100));
  EXPECT_FALSE(t.learn(0, false, ip("10.0.0.5"), kA, 200));  // heard again, same MAC
  EXPECT_TRUE(t.learn(0, false, ip("10.0.0.5"), kB, 300));   // moved
  ASSERT_NE(t.find(0, false, ip("10.0.0.5")), nullptr);
  EXPECT_EQ(t.find(0, false, ip("10.0.0.5"))->mac, kB);
  EXPECT_EQ(t.size(), 1u);
}

TEST(NeighbourTable, LearningAtTimeZeroStillCountsAsKnown) {
  NeighbourTable t;
  EXPECT_TRUE(t.learn(0, false, ip("10.0.0.5"), kA, 0));
  EXPECT_FALSE(t.learn(0, false, ip("10.0.0.5"), kA, 0));
}

TEST(NeighbourTable, EntriesAreKeptPerPortAndFamily) {
  NeighbourTable t;
  EXPECT_TRUE(t.learn(0, false, ip("10.0.0.5"), kA, 1));
  EXPECT_TRUE(t.learn(1, false, ip("10.0.0.5"), kB, 1));
  EXPECT_TRUE(t.learn(0, true, ip("fd00::5"), kB, 1));
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.find(0, false, ip("10.0.0.5"))->mac, kA);
  EXPECT_EQ(t.find(1, false, ip("10.0.0.5"))->mac, kB);
  EXPECT_EQ(t.find(2, false, ip("10.0.0.5")), nullptr);
  EXPECT_EQ(t.find(0, true, ip("10.0.0.5")), nullptr);
  EXPECT_EQ(t.find(0, false, ip("10.0.0.6")), nullptr);

  const std::vector<dp::Neighbour> all = t.entries();
  ASSERT_EQ(all.size(), 3u);
  int v6 = 0;
  for (const dp::Neighbour& n : all) {
    const dp::Neighbour* same = t.find(n.port, n.addr.isV6(), dp::IpAddr::of(n.addr));
    ASSERT_NE(same, nullptr);
    EXPECT_EQ(same->mac, n.mac);
    v6 += n.addr.isV6() ? 1 : 0;
  }
  EXPECT_EQ(v6, 1);
}

TEST(NeighbourTable, MayAskOncePerIntervalPerAddress) {
  NeighbourTable t;
  EXPECT_TRUE(t.mayAsk(0, false, ip("10.0.0.5"), 1000));
  EXPECT_FALSE(t.mayAsk(0, false, ip("10.0.0.5"), 1000));
  EXPECT_FALSE(t.mayAsk(0, false, ip("10.0.0.5"), 1999));
  EXPECT_TRUE(t.mayAsk(0, false, ip("10.0.0.6"), 1999));  // another address
  EXPECT_TRUE(t.mayAsk(1, false, ip("10.0.0.5"), 1999));  // another port
  EXPECT_TRUE(t.mayAsk(0, false, ip("10.0.0.5"), 2000));
  EXPECT_FALSE(t.mayAsk(0, false, ip("10.0.0.5"), 2500));  // counted from the last question
  EXPECT_TRUE(t.mayAsk(0, false, ip("10.0.0.5"), 2600, 600));  // a shorter interval
  EXPECT_EQ(t.size(), 0u);  // asking teaches nothing
}

}  // namespace
}  // namespace sluice::neighbours
