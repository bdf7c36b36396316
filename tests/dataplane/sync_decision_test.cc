#include "dataplane/sync_decision.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::dp {
namespace {

// The packets (by count from the client) at which a connection in `state`
// all along is sent, over `packets` packets 1 ms apart.
std::vector<uint32_t> sentAt(const SyncSettings& s, ConnState state, bool tcp, bool isTemplate, uint32_t packets,
                             uint32_t stepMs = 1) {
  SyncMark mark;
  std::vector<uint32_t> at;
  for (uint32_t pkts = 1; pkts <= packets; ++pkts) {
    if (syncDue(s, state, tcp, isTemplate, pkts, 900'000, pkts * stepMs, mark)) at.push_back(pkts);
  }
  return at;
}

TEST(SyncDecision, DefaultsSendTheThirdPacketThenEveryFiftieth) {
  const SyncSettings s;  // sync_threshold 3 50
  EXPECT_EQ(sentAt(s, ConnState::kEstablished, true, false, 160), (std::vector<uint32_t>{3, 53, 103, 153}));
  EXPECT_EQ(sentAt(s, ConnState::kUdp, false, false, 110), (std::vector<uint32_t>{3, 53, 103}));
}

TEST(SyncDecision, TcpOnlyInTheStatesABackupNeeds) {
  const SyncSettings s;
  for (ConnState st : {ConnState::kNone, ConnState::kSynRecv, ConnState::kSynSent, ConnState::kSynAck,
                       ConnState::kLastAck, ConnState::kListen}) {
    EXPECT_TRUE(sentAt(s, st, true, false, 60).empty()) << connStateName(st);
  }
}

TEST(SyncDecision, AChangeToAClosingStateIsSentAtOnceAndOnce) {
  const SyncSettings s;
  SyncMark mark;
  ASSERT_TRUE(syncDue(s, ConnState::kEstablished, true, false, 3, 900'000, 10, mark));
  EXPECT_FALSE(syncDue(s, ConnState::kEstablished, true, false, 4, 900'000, 11, mark));
  EXPECT_TRUE(syncDue(s, ConnState::kFinWait, true, false, 5, 120'000, 12, mark));
  EXPECT_EQ(mark.state, ConnState::kFinWait);
  EXPECT_FALSE(syncDue(s, ConnState::kFinWait, true, false, 6, 120'000, 13, mark));
  EXPECT_TRUE(syncDue(s, ConnState::kTimeWait, true, false, 7, 120'000, 14, mark));
}

TEST(SyncDecision, TemplatesPassWheneverAskedUnlessRefreshHoldsThem) {
  SyncSettings s;
  EXPECT_EQ(sentAt(s, ConnState::kNone, false, true, 4), (std::vector<uint32_t>{1, 2, 3, 4}));
  s.refreshMs = 30'000;
  EXPECT_EQ(sentAt(s, ConnState::kNone, false, true, 4, 1000), (std::vector<uint32_t>{1}));
}

TEST(SyncDecision, PeriodZeroSendsOnceAtTheThreshold) {
  SyncSettings s;
  s.period = 0;
  EXPECT_EQ(sentAt(s, ConnState::kEstablished, true, false, 200), (std::vector<uint32_t>{3}));
}

TEST(SyncDecision, RefreshPeriodResendsAfterTheWindowWithRetriesInBetween) {
  SyncSettings s;
  s.period = 0;
  s.refreshMs = 20'000;  // window: min(20 s, max(450 s, 10 s)) = 20 s
  // One packet a second: sent at once, then 20 s later, and so on.
  EXPECT_EQ(sentAt(s, ConnState::kEstablished, true, false, 45, 1000), (std::vector<uint32_t>{1, 21, 41}));
  // Retries: twice more, each at least 2.5 s (an eighth) after the last
  // send, which starts the window again; then a full window's quiet.
  s.retries = 2;
  EXPECT_EQ(sentAt(s, ConnState::kEstablished, true, false, 30, 1000), (std::vector<uint32_t>{1, 4, 7, 27, 30}));
}

}  // namespace
}  // namespace sluice::dp
