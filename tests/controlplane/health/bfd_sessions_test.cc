// BFD sessions on the event loop against a peer played by the test over
// loopback: RFC 5881's ports and TTL, the handshake, AdminDown, expiry,
// the GTSM check, keepalived's log lines, BFD_CHECK's probe, and the
// monitor's sessions for VRRP's track_bfd.
#include "controlplane/health/bfd_sessions.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <map>
#include <thread>
#include <variant>

#include "controlplane/config/parser.h"
#include "controlplane/health/bfd_probe.h"
#include "controlplane/health/monitor.h"
#include "tests/controlplane/health/loop_support.h"

namespace sluice::health {
namespace {

using std::chrono::milliseconds;
using testing::runProbe;
using testing::runUntil;

// A free UDP port on loopback (bound, then released for the code under test).
uint16_t freeUdpPort() {
  common::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ADD_FAILURE() << "no free port";
  }
  return ntohs(a.sin_port);
}

// The far end: a UDP socket on loopback that reads with the TTL and sends
// packets it is given, with the TTL it is told.
struct FakePeer {
  common::UniqueFd fd{::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)};
  uint16_t port = freeUdpPort();
  uint16_t lastSourcePort = 0;
  int lastTtl = -1;

  FakePeer() {
    const int on = 1;
    sockaddr_storage a{};
    const socklen_t len = common::toSockaddr(wire::IpAddress::v4(127, 0, 0, 1), port, a);
    EXPECT_EQ(::setsockopt(fd.get(), IPPROTO_IP, IP_RECVTTL, &on, sizeof on), 0);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), len), 0);
  }

  std::optional<bfd::Packet> read() {
    std::array<uint8_t, 64> buf{};
    std::array<char, CMSG_SPACE(sizeof(int))> control{};
    sockaddr_in from{};
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(fd.get(), &msg, 0);
    if (n < 0) return std::nullopt;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) std::memcpy(&lastTtl, CMSG_DATA(c), sizeof lastTtl);
    }
    lastSourcePort = ntohs(from.sin_port);
    const auto d = bfd::decode(std::span<const uint8_t>(buf.data(), static_cast<std::size_t>(n)));
    if (!std::holds_alternative<bfd::Packet>(d)) return std::nullopt;
    return std::get<bfd::Packet>(d);
  }

  void send(const bfd::Packet& p, uint16_t to, int ttl = 255) {
    ::setsockopt(fd.get(), IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
    const auto bytes = bfd::encode(p);
    sockaddr_storage a{};
    const socklen_t len = common::toSockaddr(wire::IpAddress::v4(127, 0, 0, 1), to, a);
    ::sendto(fd.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), len);
  }
};

constexpr uint32_t kPeerDiscr = 0xbeef;

bfd::Packet peerPacket(bfd::State s, uint32_t yourDiscr, bfd::Diag diag = bfd::Diag::kNone) {
  bfd::Packet p;
  p.state = s;
  p.diag = diag;
  p.detectMult = 3;
  p.myDiscriminator = kPeerDiscr;
  p.yourDiscriminator = yourDiscr;
  p.desiredMinTxUs = 200'000;  // detection time 3 x 200 ms: room for a loaded machine
  p.requiredMinRxUs = 20'000;
  return p;
}

struct BfdSessionsFixture : ::testing::Test {
  common::EventLoop loop;
  FakePeer peer;
  uint16_t listen = freeUdpPort();
  std::vector<common::LogLine> lines;
  std::unique_ptr<BfdSessions> sessions;

  void make(uint8_t multiplier = 3) {
    config::BfdInstance b;
    b.name = "b1";
    b.neighbor = wire::IpAddress::v4(127, 0, 0, 1);
    b.minRxUs = b.minTxUs = 20'000;
    b.multiplier = multiplier;
    sessions = std::make_unique<BfdSessions>(
        loop, std::vector<config::BfdInstance>{b}, [this](const common::LogLine& l) { lines.push_back(l); }, listen,
        peer.port);
    sessions->start();
  }

  // Runs the loop until the peer reads a packet of ours.
  std::optional<bfd::Packet> heard() {
    std::optional<bfd::Packet> p;
    // runUntil asks once more at the end: keep what was read.
    runUntil(loop, [&] {
      if (!p) p = peer.read();
      return p.has_value();
    }, milliseconds(3000));
    return p;
  }

  bool logged(const std::string& text) const {
    for (const auto& l : lines) {
      if (l.text == text) return true;
    }
    return false;
  }

  // The handshake, the peer starting Down.
  uint32_t bringUp() {
    const auto first = heard();
    EXPECT_TRUE(first);
    const uint32_t ours = first ? first->myDiscriminator : 0;
    peer.send(peerPacket(bfd::State::kInit, ours), listen);
    EXPECT_TRUE(runUntil(loop, [&] { return sessions->up("b1"); }, milliseconds(2000)));
    return ours;
  }
};

TEST_F(BfdSessionsFixture, SpeaksRfc5881AndComesUp) {
  make();
  const auto first = heard();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->state, bfd::State::kDown);
  EXPECT_EQ(first->yourDiscriminator, 0u);
  EXPECT_NE(first->myDiscriminator, 0u);
  EXPECT_EQ(first->desiredMinTxUs, 1'000'000u);  // idle rate until Up
  EXPECT_EQ(peer.lastTtl, 255);
  EXPECT_GE(peer.lastSourcePort, 49152);
  bool told = false;
  sessions->subscribe("b1", [&](bool up) { told = up; });
  peer.send(peerPacket(bfd::State::kInit, first->myDiscriminator), listen);
  EXPECT_TRUE(runUntil(loop, [&] { return told; }, milliseconds(2000)));
  EXPECT_TRUE(sessions->up("b1"));
  EXPECT_TRUE(logged("(b1) Entering Up state"));
  EXPECT_EQ(lines.at(0).source, common::LogSource::kBfd);
  const auto answer = heard();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->state, bfd::State::kUp);
  EXPECT_EQ(answer->yourDiscriminator, kPeerDiscr);
  EXPECT_TRUE(answer->poll);  // announcing the faster rate
}

TEST_F(BfdSessionsFixture, PeerAdminDownAndSilenceTakeItDown) {
  make();
  uint32_t ours = bringUp();
  peer.send(peerPacket(bfd::State::kAdminDown, ours, bfd::Diag::kAdminDown), listen);
  EXPECT_TRUE(runUntil(loop, [&] { return !sessions->up("b1"); }, milliseconds(2000)));
  EXPECT_TRUE(logged("(b1) Entering Down state (Local diagnostic - Neighbor Signaled Session Down, "
                     "Remote diagnostic - Administratively Down)"));
  // Up again, then the peer falls silent: 3 x 200 ms later it is down.
  peer.send(peerPacket(bfd::State::kDown, ours), listen);  // Down -> Init
  peer.send(peerPacket(bfd::State::kUp, ours), listen);
  ASSERT_TRUE(runUntil(loop, [&] { return sessions->up("b1"); }, milliseconds(2000)));
  const auto upAt = common::Clock::now();
  EXPECT_TRUE(runUntil(loop, [&] { return !sessions->up("b1"); }, milliseconds(2000)));
  EXPECT_GE(common::Clock::now() - upAt, milliseconds(550));
  EXPECT_LT(common::Clock::now() - upAt, milliseconds(1500));
  bool expired = false;
  for (const auto& l : lines) expired = expired || l.text.rfind("(b1) Expired after ", 0) == 0;
  EXPECT_TRUE(expired);
  EXPECT_TRUE(logged("(b1) Entering Down state (Local diagnostic - Control Detection Time Expired, "
                     "Remote diagnostic - No Diagnostic)"));
}

TEST_F(BfdSessionsFixture, PacketsWithALowTtlAreIgnored) {
  make();
  const auto first = heard();
  ASSERT_TRUE(first);
  peer.send(peerPacket(bfd::State::kInit, first->myDiscriminator), listen, 254);  // one hop away
  runUntil(loop, [] { return false; }, milliseconds(200));
  EXPECT_FALSE(sessions->up("b1"));
}

TEST_F(BfdSessionsFixture, ProbeFollowsTheSession) {
  make();
  auto reported = std::make_shared<BfdProbe::Reported>();
  {
    // The first probe waits out the grace (3 x 1 s), unless the session comes Up.
    BfdProbe probe(sessions.get(), "b1", reported);
    const auto first = heard();
    ASSERT_TRUE(first);
    peer.send(peerPacket(bfd::State::kInit, first->myDiscriminator), listen);
    const auto r = runProbe(loop, probe, milliseconds(2000));
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->ok);
  }
  {
    // Same verdict: the next probe waits for a change.
    BfdProbe probe(sessions.get(), "b1", reported);
    std::optional<ProbeResult> r;
    probe.start(loop, [&](ProbeResult x) { r = std::move(x); });
    runUntil(loop, [&] { return r.has_value(); }, milliseconds(30));
    EXPECT_FALSE(r);
    peer.send(peerPacket(bfd::State::kAdminDown, 0), listen);
    EXPECT_TRUE(runUntil(loop, [&] { return r.has_value(); }, milliseconds(2000)));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->ok);
    EXPECT_EQ(r->error, "BFD instance b1 is not Up");
  }
}

TEST_F(BfdSessionsFixture, AnUnknownInstanceIsDown) {
  make();
  auto reported = std::make_shared<BfdProbe::Reported>();
  for (BfdSessions* s : {static_cast<BfdSessions*>(nullptr), sessions.get()}) {
    reported->up.reset();
    BfdProbe probe(s, "nosuch", reported);
    const auto r = runProbe(loop, probe, milliseconds(500));
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->ok);
  }
}

TEST_F(BfdSessionsFixture, FirstProbeReportsDownAfterTheGrace) {
  make(1);
  auto reported = std::make_shared<BfdProbe::Reported>();
  BfdProbe probe(sessions.get(), "b1", reported);
  const auto started = common::Clock::now();
  const auto r = runProbe(loop, probe, milliseconds(3000));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_GE(common::Clock::now() - started, milliseconds(990));  // multiplier 1 x idle_tx 1 s
}

// catches: a track_bfd session not run without a BFD_CHECK, or its state
// not reaching trackedBfdStates() (which VRRP's tracking reads).
TEST(HealthMonitorBfd, TrackBfdSessionsRunAndReportTheirState) {
  FakePeer peer;
  const uint16_t listen = freeUdpPort();
  const config::ParseResult r = config::parseString(R"(
bfd_instance b1 {
  neighbor_ip 127.0.0.1
  min_rx 20
  min_tx 20
  multiplier 3
}
bfd_instance unused {
  neighbor_ip 127.0.0.2
}
vrrp_instance V {
  interface eth0
  virtual_router_id 5
  virtual_ipaddress { 10.0.0.200 }
  track_bfd { b1 }
}
)",
                                                    "t.conf");
  ASSERT_TRUE(r.ok());
  const HealthMonitor monitor(*r.config, {}, {}, BfdPorts{listen, peer.port});
  EXPECT_EQ(monitor.size(), 0u);
  // Down until the session comes Up; only the tracked instance runs.
  EXPECT_EQ(monitor.trackedBfdStates(), (std::map<std::string, bool>{{"b1", false}}));
  auto waitState = [&](bool up) {
    const auto deadline = common::Clock::now() + milliseconds(3000);
    while (common::Clock::now() < deadline) {
      if (monitor.trackedBfdStates().at("b1") == up) return true;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return false;
  };
  std::optional<bfd::Packet> first;
  for (int i = 0; i < 600 && !first; ++i) {
    first = peer.read();
    if (!first) std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_TRUE(first) << "the tracked session sent nothing";
  peer.send(peerPacket(bfd::State::kInit, first->myDiscriminator), listen);
  EXPECT_TRUE(waitState(true)) << "Up did not reach trackedBfdStates()";
  peer.send(peerPacket(bfd::State::kAdminDown, first->myDiscriminator, bfd::Diag::kAdminDown), listen);
  EXPECT_TRUE(waitState(false)) << "AdminDown did not reach trackedBfdStates()";
}

// catches: a reload (a new monitor) faulting the instances that track a
// session that was Up, or a carried Up that outlives the startup grace.
TEST(HealthMonitorBfd, ATrackedSessionUpBeforeAReloadStaysUpForItsGrace) {
  FakePeer silent;  // never answers
  const uint16_t listen = freeUdpPort();
  const config::ParseResult r = config::parseString(R"(
bfd_instance b1 {
  neighbor_ip 127.0.0.1
  multiplier 1
}
vrrp_instance V {
  interface eth0
  virtual_router_id 5
  virtual_ipaddress { 10.0.0.200 }
  track_bfd { b1 }
}
)",
                                                    "t.conf");
  ASSERT_TRUE(r.ok());
  const auto started = common::Clock::now();
  const HealthMonitor monitor(*r.config, {}, {}, BfdPorts{listen, silent.port}, {{"b1", true}});
  EXPECT_TRUE(monitor.trackedBfdStates().at("b1"));
  while (monitor.trackedBfdStates().at("b1") && common::Clock::now() - started < milliseconds(3000)) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_FALSE(monitor.trackedBfdStates().at("b1")) << "the carried Up outlived the grace";
  EXPECT_GE(common::Clock::now() - started, milliseconds(990));  // multiplier 1 x idle_tx 1 s
}

}  // namespace
}  // namespace sluice::health
