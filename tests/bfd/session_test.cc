#include "bfd/session.h"

#include <gtest/gtest.h>

namespace sluice::bfd {
namespace {

using std::chrono::milliseconds;

constexpr uint32_t kLocal = 0x1111, kRemote = 0x2222;

struct SessionFixture : ::testing::Test {
  Clock::time_point now{std::chrono::seconds{1000}};
  SessionConfig config;

  SessionFixture() {
    config.minTx = milliseconds{100};
    config.minRx = milliseconds{100};
    config.idleTx = milliseconds{1000};
    config.multiplier = 3;
  }

  Packet peer(State s, uint32_t yourDiscr = kLocal) const {
    Packet p;
    p.state = s;
    p.detectMult = 3;
    p.myDiscriminator = kRemote;
    p.yourDiscriminator = yourDiscr;
    p.desiredMinTxUs = 300'000;
    p.requiredMinRxUs = 50'000;
    return p;
  }

  // Brings `s` Up by the three-way handshake, as a peer that started Down.
  void bringUp(Session& s) {
    s.receive(peer(State::kDown, 0), now);
    s.receive(peer(State::kUp), now);
    ASSERT_EQ(s.state(), State::kUp);
  }
};

TEST_F(SessionFixture, ThreeWayHandshakeComesUp) {
  Session s(config, kLocal, 1, now);
  EXPECT_EQ(s.state(), State::kDown);
  s.receive(peer(State::kDown, 0), now);
  EXPECT_EQ(s.state(), State::kInit);
  EXPECT_EQ(s.remoteDiscriminator(), kRemote);
  const auto p = s.transmit(now);  // the new state goes out at once
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state, State::kInit);
  EXPECT_EQ(p->yourDiscriminator, kRemote);
  EXPECT_EQ(p->myDiscriminator, kLocal);
  EXPECT_EQ(p->desiredMinTxUs, 1'000'000u);  // idle rate while not Up
  s.receive(peer(State::kUp), now);
  EXPECT_EQ(s.state(), State::kUp);
  const auto t = s.takeTransitions();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].from, State::kDown);
  EXPECT_EQ(t[0].to, State::kInit);
  EXPECT_EQ(t[1].to, State::kUp);
  EXPECT_TRUE(s.takeTransitions().empty());
}

TEST_F(SessionFixture, DownToUpOnPeerInit) {
  Session s(config, kLocal, 1, now);
  s.receive(peer(State::kInit), now);
  EXPECT_EQ(s.state(), State::kUp);
}

TEST_F(SessionFixture, ExpiresAfterTheDetectionTime) {
  Session s(config, kLocal, 1, now);
  bringUp(s);
  s.takeTransitions();
  // The peer's multiplier x max(our min_rx 100 ms, its desired tx 300 ms).
  EXPECT_EQ(s.detectTime(), milliseconds{900});
  EXPECT_LE(s.wakeAt(), now + milliseconds{900});
  s.advance(now + milliseconds{899});
  EXPECT_EQ(s.state(), State::kUp);
  s.advance(now + milliseconds{950});
  EXPECT_EQ(s.state(), State::kDown);
  EXPECT_EQ(s.remoteDiscriminator(), 0u);
  const auto t = s.takeTransitions();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_TRUE(t[0].expired);
  EXPECT_EQ(t[0].localDiag, Diag::kExpired);
  EXPECT_EQ(t[0].silentFor, milliseconds{950});
  EXPECT_EQ(t[0].detectTime, milliseconds{900});
  const auto p = s.transmit(now + milliseconds{950});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state, State::kDown);
  EXPECT_EQ(p->diag, Diag::kExpired);
  EXPECT_EQ(p->yourDiscriminator, 0u);
}

TEST_F(SessionFixture, PacketsPushTheDetectionTimeBack) {
  Session s(config, kLocal, 1, now);
  bringUp(s);
  for (int i = 1; i <= 5; ++i) {
    s.advance(now + milliseconds{i * 800});
    s.receive(peer(State::kUp), now + milliseconds{i * 800});
  }
  EXPECT_EQ(s.state(), State::kUp);
}

TEST_F(SessionFixture, PeerAdminDownOrDownTakesTheSessionDown) {
  Session s(config, kLocal, 1, now);
  bringUp(s);
  s.takeTransitions();
  Packet admin = peer(State::kAdminDown);
  admin.diag = Diag::kAdminDown;
  s.receive(admin, now);
  EXPECT_EQ(s.state(), State::kDown);
  auto t = s.takeTransitions();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].localDiag, Diag::kNeighborDown);
  EXPECT_EQ(t[0].remoteDiag, Diag::kAdminDown);
  EXPECT_FALSE(t[0].expired);
  s.receive(admin, now);  // stays Down while the peer is AdminDown
  EXPECT_EQ(s.state(), State::kDown);

  bringUp(s);
  s.receive(peer(State::kDown), now);
  EXPECT_EQ(s.state(), State::kDown);
}

TEST_F(SessionFixture, IgnoresAnotherSessionsDiscriminatorAndAdminDown) {
  Session s(config, kLocal, 1, now);
  EXPECT_EQ(s.receive(peer(State::kInit, 0x9999), now), Ignored::kWrongDiscriminator);
  EXPECT_EQ(s.state(), State::kDown);
  s.setAdminDown(true, now);
  EXPECT_EQ(s.receive(peer(State::kInit), now), Ignored::kAdminDown);
  EXPECT_EQ(s.state(), State::kAdminDown);
  const auto p = s.transmit(now);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state, State::kAdminDown);
  EXPECT_EQ(p->diag, Diag::kAdminDown);
}

TEST_F(SessionFixture, PollsForTheFasterRateOnceUpAndAnswersPollsWithFinal) {
  Session s(config, kLocal, 1, now);
  bringUp(s);
  EXPECT_TRUE(s.pollActive());
  auto p = s.transmit(now);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->poll);
  EXPECT_FALSE(p->final);
  EXPECT_EQ(p->desiredMinTxUs, 100'000u);
  Packet fin = peer(State::kUp);
  fin.final = true;
  s.receive(fin, now);
  EXPECT_FALSE(s.pollActive());
  Packet poll = peer(State::kUp);
  poll.poll = true;
  s.receive(poll, now + milliseconds{1});
  p = s.transmit(now + milliseconds{1});  // at once, not at the next period
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->final);
  EXPECT_FALSE(p->poll);
}

TEST_F(SessionFixture, TransmitsAtTheAgreedIntervalWithJitter) {
  Session s(config, kLocal, 7, now);
  ASSERT_TRUE(s.transmit(s.wakeAt()));
  // Not Up: the idle rate, 75-100% of 1 s.
  for (int i = 0; i < 50; ++i) {
    const Clock::time_point sent = s.wakeAt();
    ASSERT_TRUE(s.transmit(sent));
    EXPECT_FALSE(s.transmit(sent));  // nothing more until the next period
    const auto gap = s.wakeAt() - sent;
    EXPECT_GE(gap, milliseconds{750});
    EXPECT_LE(gap, milliseconds{1000});
  }
  now = s.wakeAt();
  bringUp(s);
  s.transmit(now);
  // Up: max(our min_tx 100 ms, the peer's min_rx 50 ms).
  EXPECT_EQ(s.txInterval(), milliseconds{100});
  for (int i = 0; i < 50; ++i) {
    const Clock::time_point at = std::min(s.wakeAt(), now + s.detectTime());
    now = at;
    s.receive(peer(State::kUp), at);
    ASSERT_TRUE(s.transmit(at));
    const auto gap = s.wakeAt() - at;
    EXPECT_GE(gap, milliseconds{75});
    EXPECT_LE(gap, milliseconds{100});
  }
}

TEST_F(SessionFixture, MultiplierOneJittersTenToTwentyFivePercent) {
  config.multiplier = 1;
  Session s(config, kLocal, 3, now);
  s.transmit(s.wakeAt());
  for (int i = 0; i < 50; ++i) {
    const Clock::time_point sent = s.wakeAt();
    ASSERT_TRUE(s.transmit(sent));
    const auto gap = s.wakeAt() - sent;
    EXPECT_GE(gap, milliseconds{750});
    EXPECT_LE(gap, milliseconds{900});
  }
}

TEST_F(SessionFixture, PassiveWaitsForThePeer) {
  config.passive = true;
  Session s(config, kLocal, 1, now);
  EXPECT_FALSE(s.transmit(now + milliseconds{5000}));
  EXPECT_EQ(s.wakeAt(), Clock::time_point::max());
  s.receive(peer(State::kDown, 0), now);
  const auto p = s.transmit(now);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state, State::kInit);
}

TEST_F(SessionFixture, SendsNothingToAPeerThatWantsNone) {
  Session s(config, kLocal, 1, now);
  Packet p = peer(State::kDown, 0);
  p.requiredMinRxUs = 0;
  s.receive(p, now);
  EXPECT_FALSE(s.transmit(now + milliseconds{5000}));
}

}  // namespace
}  // namespace sluice::bfd
