// Per-client limits of new connections (client_max_connections,
// client_max_rate, client prefixes): what the forwarder refuses, and what
// gives a client its room back.
#include <gtest/gtest.h>

#include "dataplane/forwarder.h"
#include "tests/dataplane/packet_builder.h"
#include "tests/dataplane/test_table.h"

namespace sluice::dp {
namespace {

using testing::buildFrame;
using testing::Lab;

Verdict::Kind limitSend(Forwarder& f, const char* client, uint16_t cport, uint32_t now, uint8_t flags = kTcpSyn,
                        uint8_t proto = kProtoTcp) {
  std::vector<uint8_t> frame =
      buildFrame({.src = {client, cport}, .dst = {"10.0.0.1", 80}, .proto = proto, .tcpFlags = flags});
  return f.process(frame.data(), static_cast<uint32_t>(frame.size()), now).kind;
}

uint64_t limitDrops(const Forwarder& f, DropReason r) {
  return f.counters().drops[static_cast<std::size_t>(r)].get();
}

constexpr auto kSent = Verdict::Kind::kTransmit;
constexpr auto kDropped = Verdict::Kind::kDrop;

// catches: a client past client_max_connections getting a connection, or
// its refusal reaching another client.
TEST(ClientLimits, TheConnectionPastTheLimitIsRefusedAndOthersAreServed) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1}).clientMaxConns = 2;
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);

  EXPECT_EQ(limitSend(f, "10.0.0.101", 1, 1000), kSent);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 2, 1000), kSent);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 3, 1000), kDropped);
  EXPECT_EQ(limitDrops(f, DropReason::kClientLimitConnections), 1u);
  EXPECT_EQ(limitSend(f, "10.0.0.102", 1, 1000), kSent);
  // The client's admitted connections go on.
  EXPECT_EQ(limitSend(f, "10.0.0.101", 1, 1001, kTcpAck), kSent);
  EXPECT_EQ(limitDrops(f, DropReason::kClientLimitConnections), 1u);
  EXPECT_EQ(f.counters().services[0].conns.get(), 3u);
}

// catches: a closed connection still holding its client's place.
TEST(ClientLimits, AConnectionClosedByRstMakesRoom) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1}).clientMaxConns = 1;
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);

  EXPECT_EQ(limitSend(f, "10.0.0.101", 1, 1000), kSent);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 1, 1001, kTcpAck), kSent);  // established
  EXPECT_EQ(limitSend(f, "10.0.0.101", 2, 1002), kDropped);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 1, 1003, kTcpRst), kSent);  // closed: its entry waits out CLOSE
  EXPECT_EQ(limitSend(f, "10.0.0.101", 2, 1004), kSent);
  // A SYN that reuses the closed entry is a new connection: refused now.
  EXPECT_EQ(limitSend(f, "10.0.0.101", 1, 1005), kDropped);
  EXPECT_EQ(limitDrops(f, DropReason::kClientLimitConnections), 2u);
}

// catches: an expired (swept) entry, TCP or UDP, not giving its place back.
TEST(ClientLimits, AnExpiredConnectionMakesRoom) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1}).clientMaxConns = 1;
  lab.addService("10.0.0.1", 80, kProtoUdp, {1}).clientMaxConns = 1;
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);

  EXPECT_EQ(limitSend(f, "10.0.0.101", 1, 1000), kSent);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 1, 1000, 0, kProtoUdp), kSent);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 2, 1000), kDropped);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 2, 1000, 0, kProtoUdp), kDropped);
  const uint32_t later = 1000 + ConnTimeouts{}.of(ConnState::kUdp) + 1;
  f.sweep(later, 4096);
  EXPECT_EQ(f.counters().connections.get(), 0u);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 2, later), kSent);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 2, later, 0, kProtoUdp), kSent);
}

// catches: a connection lazily expired by its own next packet, or evicted
// from a full table, still counted against its client.
TEST(ClientLimits, LazyExpiryAndEvictionMakeRoom) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1}).clientMaxConns = 1;
  lab.addService("10.0.0.1", 81, kProtoTcp, {1});  // no limits: fills the table
  // 16 entries: the eviction ring (a quarter of the table, 16 at least)
  // remembers every embryonic one.
  Forwarder f(0, 16, ConnTimeouts{});
  lab.attach(f);

  EXPECT_EQ(limitSend(f, "10.0.0.101", 1, 1000), kSent);
  const uint32_t later = 1000 + ConnTimeouts{}.of(ConnState::kSynRecv) + 1;
  EXPECT_EQ(limitSend(f, "10.0.0.101", 1, later), kSent);  // expired on sight, scheduled anew
  EXPECT_EQ(limitSend(f, "10.0.0.101", 2, later), kDropped);

  // 15 more embryonic connections fill the table; the next evicts the
  // oldest, the limited client's.
  for (uint16_t port = 1; port <= 16; ++port) {
    std::vector<uint8_t> frame = buildFrame({.src = {"10.0.0.102", port}, .dst = {"10.0.0.1", 81}});
    ASSERT_EQ(f.process(frame.data(), static_cast<uint32_t>(frame.size()), later).kind, kSent);
  }
  EXPECT_EQ(f.counters().evictions.get(), 1u);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 2, later), kSent);
}

// catches: a connection a sync peer installed not counting toward its
// client's limit here, or still counting once the peer says it closed.
TEST(ClientLimits, SyncedConnectionsCountTowardTheLimit) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1}).clientMaxConns = 1;
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);

  ConnRecord r;
  r.client = testing::ip("10.0.0.101");
  r.vip = testing::ip("10.0.0.1");
  r.rs = testing::ip("192.168.1.20");
  r.proto = kProtoTcp;
  r.method = static_cast<uint8_t>(FwdMethod::kNat);
  r.state = ConnState::kEstablished;
  r.clientPort = 1;
  r.vipPort = 80;
  r.rsPort = 80;
  r.expiresInMs = 60'000;
  ASSERT_TRUE(f.installSynced(r, 1000));
  EXPECT_EQ(limitSend(f, "10.0.0.101", 2, 1000), kDropped);
  EXPECT_EQ(limitDrops(f, DropReason::kClientLimitRate), 0u);  // it took no place in the rate

  r.state = ConnState::kTimeWait;
  ASSERT_TRUE(f.installSynced(r, 1001));
  EXPECT_EQ(limitSend(f, "10.0.0.101", 2, 1001), kSent);
}

// catches: the rate limit admitting more than client_max_rate in a
// second, or not admitting again in the next.
TEST(ClientLimits, TheRateLimitRefusesTheExcessWithinASecond) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1}).clientMaxRate = 3;
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);

  for (uint16_t port = 1; port <= 3; ++port) EXPECT_EQ(limitSend(f, "10.0.0.101", port, 1000), kSent);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 4, 1500), kDropped);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 5, 1999), kDropped);
  EXPECT_EQ(limitDrops(f, DropReason::kClientLimitRate), 2u);
  EXPECT_EQ(limitSend(f, "10.0.0.102", 1, 1999), kSent);  // another client's own second
  EXPECT_EQ(limitSend(f, "10.0.0.101", 6, 2000), kSent);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 7, 2001), kSent);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 8, 2002), kSent);
  EXPECT_EQ(limitSend(f, "10.0.0.101", 9, 2003), kDropped);
  EXPECT_EQ(limitDrops(f, DropReason::kClientLimitRate), 3u);
  EXPECT_EQ(limitDrops(f, DropReason::kClientLimitConnections), 0u);
}

// catches: client_prefix_v4 not grouping a network's addresses.
TEST(ClientLimits, AddressesOfOneClientPrefixShareTheLimit) {
  Lab lab;
  Service& s = lab.addService("10.0.0.1", 80, kProtoTcp, {1});
  s.clientMaxConns = 1;
  s.clientPrefix4 = 24;
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);

  EXPECT_EQ(limitSend(f, "10.0.0.101", 1, 1000), kSent);
  EXPECT_EQ(limitSend(f, "10.0.0.102", 1, 1000), kDropped);
  EXPECT_EQ(limitSend(f, "10.0.1.102", 1, 1000), kSent);  // another /24
}

// catches: a service without limits refusing or tracking anything.
TEST(ClientLimits, OffByDefault) {
  Lab lab;
  const Service& s = lab.addService("10.0.0.1", 80, kProtoTcp, {1});
  EXPECT_EQ(s.clientMaxConns, 0u);
  EXPECT_EQ(s.clientMaxRate, 0u);
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);

  for (uint16_t port = 1; port <= 300; ++port) ASSERT_EQ(limitSend(f, "10.0.0.101", port, 1000), kSent);
  EXPECT_EQ(limitDrops(f, DropReason::kClientLimitConnections), 0u);
  EXPECT_EQ(limitDrops(f, DropReason::kClientLimitRate), 0u);
  EXPECT_EQ(f.counters().clientLimitTableFull.get(), 0u);
}

}  // namespace
}  // namespace sluice::dp
