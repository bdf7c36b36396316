// lblc and lblcr, driven by an injected millisecond clock.
#include <gtest/gtest.h>

#include <algorithm>

#include "schedulers/scheduler.h"
#include "tests/schedulers/test_support.h"

namespace sluice::sched {
namespace {

using test::flowTo;
using test::v4;
using test::v6;

const wire::IpAddress kDstX = v4(0xc6330001);
const wire::IpAddress kDstY = v4(0xc6330002);

std::vector<Destination> fourServers() { return test::destsWithWeights({10, 10, 10, 10}); }

TEST(Lblc, StaysWithTheServerChosenForADestination) {
  auto s = makeScheduler("lblc");
  auto dests = fourServers();
  s->update(dests);
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 0), 0);  // least loaded: first of equals
  dests[0].activeConns = 8;                         // busier, but within its weight
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 1), 0);
  EXPECT_EQ(s->pick(dests, flowTo(kDstY), 2), 1);  // a new destination goes by load
  dests[1].activeConns = 9;
  EXPECT_EQ(s->pick(dests, flowTo(kDstY), 3), 1);
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 4), 0);
}

TEST(Lblc, IgnoresTheSourceAddress) {
  auto s = makeScheduler("lblc");
  auto dests = fourServers();
  s->update(dests);
  const int first = s->pick(dests, flowTo(kDstX), 0);
  dests[static_cast<size_t>(first)].activeConns = 5;
  for (uint32_t src = 1; src < 50; ++src) {
    FlowKey f = flowTo(kDstX);
    f.src = v4(src);
    EXPECT_EQ(s->pick(dests, f, src), first);
  }
}

TEST(Lblc, MovesWhenItsServerIsOverloadedAndAnotherHasRoom) {
  auto s = makeScheduler("lblc");
  auto dests = fourServers();
  s->update(dests);
  ASSERT_EQ(s->pick(dests, flowTo(kDstX), 0), 0);
  for (Destination& d : dests) d.activeConns = 6;
  dests[0].activeConns = 11;  // above its weight
  dests[2].activeConns = 4;   // below half of its weight: room to spare
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 1), 2);
  // The move is remembered once the old server calms down.
  dests[0].activeConns = 0;
  dests[2].activeConns = 7;
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 2), 2);
}

TEST(Lblc, StaysWhenNobodyHasRoomToSpare) {
  auto s = makeScheduler("lblc");
  auto dests = fourServers();
  s->update(dests);
  ASSERT_EQ(s->pick(dests, flowTo(kDstX), 0), 0);
  for (Destination& d : dests) d.activeConns = 5;  // exactly half: not "below half"
  dests[0].activeConns = 30;
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 1), 0);
}

TEST(Lblc, MovesWhenItsServerIsUnavailable) {
  auto s = makeScheduler("lblc");
  auto dests = fourServers();
  s->update(dests);
  ASSERT_EQ(s->pick(dests, flowTo(kDstX), 0), 0);
  dests[0].overloaded = true;
  dests[1].activeConns = 3;
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 1), 2);
  dests[0].overloaded = false;
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 2), 2);
  dests[2].weight = 0;
  s->update(dests);
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 3), 0);
}

TEST(Lblc, EntryExpiresAfterItsLifetimeUnused) {
  SchedulerOptions options;
  options.lblcExpirationMs = 1000;
  auto s = makeScheduler("lblc", options);
  auto dests = fourServers();
  s->update(dests);
  ASSERT_EQ(s->pick(dests, flowTo(kDstX), 0), 0);
  dests[0].activeConns = 5;  // no longer the least loaded, not overloaded
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 999), 0);    // used again: lifetime restarts
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 1998), 0);
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 2998), 1);   // 1000 ms unused: chosen afresh
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 2999), 1);
}

TEST(Lblc, FullTableReplacesTheLeastRecentlyUsedEntry) {
  SchedulerOptions options;
  options.lblcTableEntries = 16;
  auto s = makeScheduler("lblc", options);
  auto dests = fourServers();
  s->update(dests);
  for (uint32_t i = 0; i < 16; ++i) ASSERT_EQ(s->pick(dests, flowTo(v4(0x0a640000 + i)), i), 0);
  ASSERT_EQ(s->pick(dests, flowTo(v4(0x0a640000)), 50), 0);  // the first is used again
  dests[0].activeConns = 5;
  EXPECT_EQ(s->pick(dests, flowTo(v4(0x0a6400ff)), 100), 1);  // a 17th destination
  for (uint32_t i = 0; i < 16; ++i) {
    if (i == 1) continue;
    EXPECT_EQ(s->pick(dests, flowTo(v4(0x0a640000 + i)), 200 + i), 0) << i;
  }
  EXPECT_EQ(s->pick(dests, flowTo(v4(0x0a640001)), 300), 1);  // the least recently used was forgotten
}

TEST(Lblc, FollowsItsServerAcrossAListChange) {
  auto s = makeScheduler("lblc");
  auto dests = fourServers();
  s->update(dests);
  ASSERT_EQ(s->pick(dests, flowTo(kDstX), 0), 0);
  ASSERT_EQ(s->pick(dests, flowTo(kDstY), 0), 0);
  const wire::IpAddress serverOfX = dests[0].addr;
  std::reverse(dests.begin(), dests.end());
  dests[0].activeConns = 1;
  dests[1].activeConns = 1;
  dests[2].activeConns = 1;
  s->update(dests);
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 1), 3);
  EXPECT_EQ(dests[3].addr, serverOfX);
  dests.pop_back();  // the server leaves: its destinations are rescheduled
  s->update(dests);
  EXPECT_EQ(s->pick(dests, flowTo(kDstY), 2), 0);
}

TEST(Lblc, Ipv6DestinationsAreKeptApart) {
  auto s = makeScheduler("lblc");
  auto dests = fourServers();
  s->update(dests);
  ASSERT_EQ(s->pick(dests, flowTo(v6(1)), 0), 0);
  dests[0].activeConns = 5;
  EXPECT_EQ(s->pick(dests, flowTo(v6(2)), 1), 1);  // differs only in the last byte
  EXPECT_EQ(s->pick(dests, flowTo(v6(1)), 2), 0);
}

TEST(Lblcr, ReplicatesOnOverloadAndShrinksAfterTheExpiration) {
  SchedulerOptions options;
  options.lblcrExpirationMs = 1000;
  auto s = makeScheduler("lblcr", options);
  auto dests = test::destsWithWeights({10, 10, 10});
  s->update(dests);

  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 0), 0);  // set {0}

  dests[0].activeConns = 11;  // overloaded by lblc's rule (1 has room)
  dests[1].activeConns = 3;
  dests[2].activeConns = 4;
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 1), 1);  // set {1, 0}

  // The set's least loaded is 0, though 2 is the least loaded overall.
  dests[0].activeConns = 5;
  dests[1].activeConns = 6;
  dests[2].activeConns = 4;
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 2), 0);
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 1001), 0);  // 1000 ms since the change: not yet

  // More than 1000 ms unchanged: the most loaded member (1) is dropped.
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 1002), 0);
  dests[0].activeConns = 7;
  dests[1].activeConns = 1;
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 1003), 0);  // 1 would win if still a member
}

TEST(Lblcr, GrowsWhenNoMemberIsAvailable) {
  auto s = makeScheduler("lblcr");
  auto dests = test::destsWithWeights({10, 10, 10});
  s->update(dests);
  ASSERT_EQ(s->pick(dests, flowTo(kDstX), 0), 0);
  dests[0].overloaded = true;
  dests[1].activeConns = 2;
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 1), 2);  // set {2, 0}
  dests[0].overloaded = false;
  dests[0].activeConns = 1;
  dests[1].activeConns = 0;
  dests[2].activeConns = 2;
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 2), 0);  // least of {2, 0}; 1 is no member
  dests[0].activeConns = 3;
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 3), 2);
}

TEST(Lblcr, TiesInTheSetGoToTheNewestMember) {
  auto s = makeScheduler("lblcr");
  auto dests = test::destsWithWeights({10, 10, 10});
  s->update(dests);
  ASSERT_EQ(s->pick(dests, flowTo(kDstX), 0), 0);
  dests[0].overloaded = true;
  ASSERT_EQ(s->pick(dests, flowTo(kDstX), 1), 1);  // joins the set
  dests[0].overloaded = false;
  for (Destination& d : dests) d.activeConns = 2;
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 2), 1);  // as IPVS, which adds at the head
}

TEST(Lblcr, ASingleMemberSetNeverShrinks) {
  SchedulerOptions options;
  options.lblcrExpirationMs = 10;
  auto s = makeScheduler("lblcr", options);
  auto dests = test::destsWithWeights({10, 10});
  s->update(dests);
  ASSERT_EQ(s->pick(dests, flowTo(kDstX), 0), 0);
  dests[0].activeConns = 4;
  for (uint64_t t = 5; t < 200; t += 5) EXPECT_EQ(s->pick(dests, flowTo(kDstX), t), 0);
}

TEST(Lblcr, EntryExpiresAfterItsLifetimeUnused) {
  SchedulerOptions options;
  options.lblcrExpirationMs = 1000;
  auto s = makeScheduler("lblcr", options);
  auto dests = test::destsWithWeights({10, 10});
  s->update(dests);
  ASSERT_EQ(s->pick(dests, flowTo(kDstX), 0), 0);
  dests[0].activeConns = 2;
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 999), 0);
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 1999), 1);  // unused for 1000 ms: a new set
}

TEST(Lblcr, MembersFollowTheirServersAcrossAListChange) {
  auto s = makeScheduler("lblcr");
  auto dests = test::destsWithWeights({10, 10, 10});
  s->update(dests);
  ASSERT_EQ(s->pick(dests, flowTo(kDstX), 0), 0);
  dests[0].overloaded = true;
  ASSERT_EQ(s->pick(dests, flowTo(kDstX), 1), 1);  // set {server .2, server .1}
  dests[0].overloaded = false;
  // New order: .3 .2 .1 — members are now at indexes 1 and 2.
  std::reverse(dests.begin(), dests.end());
  dests[1].activeConns = 5;
  s->update(dests);
  EXPECT_EQ(s->pick(dests, flowTo(kDstX), 2), 2);  // .1, not the idle .3
}

}  // namespace
}  // namespace sluice::sched
