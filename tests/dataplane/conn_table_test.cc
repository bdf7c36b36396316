#include "dataplane/conn_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <tuple>

namespace sluice::dp {
namespace {

Addr4 a4(uint32_t hostOrder) { return Addr4::from(IpAddr::fromV4(hostOrder)); }

const auto kNoEvict = [](const Conn<Addr4>&) { FAIL() << "unexpected eviction"; };

TEST(ConnTable, FindsBothDirectionsOfANatConnection) {
  ConnTable<Addr4> t(64);
  const Addr4 client = a4(0x0A000065), vip = a4(0x0A000001), rs = a4(0xC0A80114);
  auto* c = t.insert(client, 40000, vip, 80, rs, 8080, kProtoTcp, /*nat=*/true, kNoEvict);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(t.size(), 1u);

  auto in = t.lookup(client, 40000, vip, 80, kProtoTcp);
  EXPECT_EQ(in.conn, c);
  EXPECT_FALSE(in.fromServer);
  auto out = t.lookup(rs, 8080, client, 40000, kProtoTcp);
  EXPECT_EQ(out.conn, c);
  EXPECT_TRUE(out.fromServer);

  EXPECT_EQ(t.lookup(client, 40000, vip, 80, kProtoUdp).conn, nullptr);   // other protocol
  EXPECT_EQ(t.lookup(client, 40001, vip, 80, kProtoTcp).conn, nullptr);   // other port
  EXPECT_EQ(t.lookup(vip, 80, client, 40000, kProtoTcp).conn, nullptr);   // VIP -> client is not a tuple of it
}

TEST(ConnTable, DirectRoutingIndexesOnlyTheClientTuple) {
  ConnTable<Addr4> t(16);
  const Addr4 client = a4(1), vip = a4(2), rs = a4(3);
  t.insert(client, 1, vip, 80, rs, 80, kProtoTcp, /*nat=*/false, kNoEvict);
  EXPECT_NE(t.lookup(client, 1, vip, 80, kProtoTcp).conn, nullptr);
  EXPECT_EQ(t.lookup(rs, 80, client, 1, kProtoTcp).conn, nullptr);
}

TEST(ConnTable, RandomInsertEraseMatchesAReferenceMap) {
  // Backward-shift deletion must keep every other probe chain reachable.
  ConnTable<Addr4> t(2000);
  using Key = std::tuple<uint32_t, uint16_t>;
  std::map<Key, Conn<Addr4>*> ref;
  std::mt19937 rng(7);
  const Addr4 vip = a4(0x0A000001), rs = a4(0xC0A80114);
  for (int step = 0; step < 40000; ++step) {
    const uint32_t client = rng() % 3000;
    const uint16_t port = static_cast<uint16_t>(rng() % 4);
    const Key k{client, port};
    auto it = ref.find(k);
    if (it == ref.end()) {
      if (ref.size() >= 2000) continue;
      auto* c = t.insert(a4(client), port, vip, 80, rs, port, kProtoTcp, true, kNoEvict);
      ASSERT_NE(c, nullptr);
      ref[k] = c;
    } else {
      t.erase(*it->second);
      ref.erase(it);
    }
    if (step % 997 == 0) {
      for (const auto& [key, conn] : ref) {
        const auto& [cl, p] = key;
        ASSERT_EQ(t.lookup(a4(cl), p, vip, 80, kProtoTcp).conn, conn);
        ASSERT_EQ(t.lookup(rs, p, a4(cl), p, kProtoTcp).conn, conn);
      }
    }
  }
  EXPECT_EQ(t.size(), ref.size());
}

TEST(ConnTable, FullTableEvictsTheOldestEmbryonicFirst) {
  ConnTable<Addr4> t(4);
  std::vector<Conn<Addr4>*> conns;
  for (uint32_t i = 0; i < 4; ++i) {
    auto* c = t.insert(a4(100 + i), 1, a4(1), 80, a4(2), 80, kProtoTcp, true, kNoEvict);
    c->state = (i == 1 || i == 3) ? ConnState::kSynRecv : ConnState::kEstablished;
    if (c->state == ConnState::kSynRecv) t.markEmbryonic(*c);
    conns.push_back(c);
  }
  int evictions = 0;
  uint32_t evicted = 0;
  auto onEvict = [&](const Conn<Addr4>& c) {
    ++evictions;
    evicted = c.client.v;
  };
  ASSERT_NE(t.insert(a4(200), 1, a4(1), 80, a4(2), 80, kProtoTcp, true, onEvict), nullptr);
  EXPECT_EQ(evictions, 1);
  EXPECT_EQ(evicted, a4(101).v);  // the older of the two embryonic ones
  EXPECT_EQ(t.lookup(a4(101), 1, a4(1), 80, kProtoTcp).conn, nullptr);
  EXPECT_NE(t.lookup(a4(100), 1, a4(1), 80, kProtoTcp).conn, nullptr);

  ASSERT_NE(t.insert(a4(201), 1, a4(1), 80, a4(2), 80, kProtoTcp, true, onEvict), nullptr);
  EXPECT_EQ(evicted, a4(103).v);
  // Only established connections are left: nothing may be evicted.
  t.lookup(a4(200), 1, a4(1), 80, kProtoTcp).conn->state = ConnState::kEstablished;
  t.lookup(a4(201), 1, a4(1), 80, kProtoTcp).conn->state = ConnState::kEstablished;
  EXPECT_EQ(t.insert(a4(202), 1, a4(1), 80, a4(2), 80, kProtoTcp, true, onEvict), nullptr);
  EXPECT_EQ(evictions, 2);
}

// The eviction ring holds a quarter of the capacity: under a flood of
// embryonic connections it keeps the newest records and evicts the oldest
// of those, and a full table of embryonic entries still takes every SYN.
TEST(ConnTable, EvictionRingKeepsTheNewestQuarterOfEmbryonicRecords) {
  constexpr uint32_t kCapacity = 256;
  ConnTable<Addr4> t(kCapacity);
  ASSERT_EQ(t.embryonicRecords(), kCapacity / 4);
  auto open = [&](uint32_t client, auto&& onEvict) {
    auto* c = t.insert(a4(client), 1, a4(1), 80, a4(2), 80, kProtoTcp, true, onEvict);
    if (c != nullptr) {
      c->state = ConnState::kSynRecv;
      t.markEmbryonic(*c);
    }
    return c;
  };
  for (uint32_t i = 0; i < kCapacity; ++i) ASSERT_NE(open(1000 + i, kNoEvict), nullptr);
  std::vector<uint32_t> evicted;
  auto onEvict = [&](const Conn<Addr4>& c) { evicted.push_back(c.client.v); };
  // The next 3/4 * 256 SYNs evict the records the ring kept (the newest
  // quarter, oldest first), then the new connections themselves.
  for (uint32_t i = 0; i < kCapacity; ++i) ASSERT_NE(open(5000 + i, onEvict), nullptr) << i;
  ASSERT_EQ(evicted.size(), kCapacity);
  for (uint32_t i = 0; i < kCapacity / 4; ++i) EXPECT_EQ(evicted[i], a4(1000 + kCapacity * 3 / 4 + i).v) << i;
  for (uint32_t i = kCapacity / 4; i < kCapacity; ++i) EXPECT_EQ(evicted[i], a4(5000 + i - kCapacity / 4).v) << i;
  EXPECT_EQ(t.size(), kCapacity);
  // Entries older than the ring's records stay until they expire.
  EXPECT_NE(t.lookup(a4(1000), 1, a4(1), 80, kProtoTcp).conn, nullptr);
}

TEST(ConnTable, TenMillionConnectionsFitInOneGibibyte) {
  constexpr uint32_t k10M = 10u << 20;
  EXPECT_LE(ConnTable<Addr4>::footprintBytes(k10M), uint64_t{1} << 30);
  // 64-byte entries, 4-byte free list, 8-byte index slots (2^25), ring of 2^22.
  EXPECT_EQ(ConnTable<Addr4>::footprintBytes(k10M),
            uint64_t{k10M} * 68 + (uint64_t{1} << 25) * 8 + (uint64_t{1} << 22) * 8);
}

TEST(ConnTable, SweepErasesOnlyExpiredEntriesAcrossClockWrap) {
  ConnTable<Addr4> t(8);
  const uint32_t now = 0xFFFFFF00u;  // just before the 32-bit clock wraps
  auto* keep = t.insert(a4(1), 1, a4(9), 80, a4(5), 80, kProtoUdp, true, kNoEvict);
  keep->expires = now + 0x200;  // wraps past zero: still in the future
  auto* drop = t.insert(a4(2), 1, a4(9), 80, a4(5), 80, kProtoUdp, true, kNoEvict);
  drop->expires = now - 1;
  int expired = 0;
  EXPECT_EQ(t.sweep(now, 8, [&](const Conn<Addr4>&) { ++expired; }), 1u);
  EXPECT_EQ(expired, 1);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_NE(t.lookup(a4(1), 1, a4(9), 80, kProtoUdp).conn, nullptr);
  EXPECT_EQ(t.lookup(a4(2), 1, a4(9), 80, kProtoUdp).conn, nullptr);
}

TEST(ConnTable, SweepIsBoundedByItsBudget) {
  ConnTable<Addr4> t(100);
  for (uint32_t i = 0; i < 100; ++i) t.insert(a4(i), 1, a4(9), 80, a4(5), 80, kProtoUdp, false, kNoEvict)->expires = 0;
  EXPECT_EQ(t.sweep(10, 30, [](const Conn<Addr4>&) {}), 30u);
  EXPECT_EQ(t.size(), 70u);
}

TEST(ConnTable, Ipv6Entries) {
  ConnTable<Addr6> t(8);
  IpAddr c{}, v{}, r{};
  c.b[0] = 0xfd; c.b[15] = 0x65;
  v.b[0] = 0xfd; v.b[15] = 0x01;
  r.b[0] = 0xfd; r.b[15] = 0x20;
  auto* e = t.insert(Addr6{c}, 5, Addr6{v}, 80, Addr6{r}, 80, kProtoTcp, true,
                     [](const Conn<Addr6>&) {});
  EXPECT_EQ(t.lookup(Addr6{r}, 80, Addr6{c}, 5, kProtoTcp).conn, e);
}

TEST(ConnState, TcpHandshakeAndCloseSeenFromBothSides) {
  ConnState s = ConnState::kNone;
  s = nextTcpState(s, kTcpSyn, SegmentFrom::kClient);
  EXPECT_EQ(s, ConnState::kSynRecv);
  s = nextTcpState(s, kTcpSyn | kTcpAck, SegmentFrom::kRealServer);
  EXPECT_EQ(s, ConnState::kSynRecv);
  s = nextTcpState(s, kTcpAck, SegmentFrom::kClient);
  EXPECT_EQ(s, ConnState::kEstablished);
  EXPECT_TRUE(isActiveState(s));
  s = nextTcpState(s, kTcpFin | kTcpAck, SegmentFrom::kClient);
  EXPECT_EQ(s, ConnState::kCloseWait);
  s = nextTcpState(s, kTcpFin | kTcpAck, SegmentFrom::kRealServer);
  EXPECT_EQ(s, ConnState::kTimeWait);
  EXPECT_EQ(nextTcpState(ConnState::kEstablished, kTcpRst, SegmentFrom::kRealServer), ConnState::kClose);
  EXPECT_EQ(nextTcpState(ConnState::kEstablished, 0, SegmentFrom::kClient), ConnState::kEstablished);
}

TEST(ConnState, DirectRoutingSeesOnlyTheClient) {
  ConnState s = nextTcpState(ConnState::kNone, kTcpSyn, SegmentFrom::kClientOnly);
  EXPECT_EQ(s, ConnState::kSynRecv);
  s = nextTcpState(s, kTcpAck, SegmentFrom::kClientOnly);
  EXPECT_EQ(s, ConnState::kEstablished);
  s = nextTcpState(s, kTcpFin | kTcpAck, SegmentFrom::kClientOnly);
  EXPECT_EQ(s, ConnState::kFinWait);
}

TEST(ConnState, TimeoutsFollowIpvsadmSet) {
  ConnTimeouts t;
  EXPECT_EQ(t.of(ConnState::kEstablished), 900'000u);
  EXPECT_EQ(t.of(ConnState::kFinWait), 120'000u);
  EXPECT_EQ(t.of(ConnState::kUdp), 300'000u);
  t.set(3600, 0, 60);
  EXPECT_EQ(t.of(ConnState::kEstablished), 3'600'000u);
  EXPECT_EQ(t.of(ConnState::kFinWait), 120'000u);
  EXPECT_EQ(t.of(ConnState::kUdp), 60'000u);
  EXPECT_EQ(connStateName(ConnState::kSynRecv), "SYN_RECV");
}

}  // namespace
}  // namespace sluice::dp
