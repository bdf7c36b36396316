// The lookup indexes against the scans they replaced: the same answers for
// random tables and addresses, ties and overlaps included.
#include "dataplane/route_index.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "dataplane/flat_index.h"
#include "tests/dataplane/packet_builder.h"

namespace sluice::dp {
namespace {

using testing::address;

Prefix prefix(const char* text, uint8_t len) { return Prefix{address(text), len}; }

IpAddr key(const char* text) { return IpAddr::of(address(text)); }

// The reference: the longest prefix that contains the address, the first
// of equal ones.
int32_t scan(const std::vector<Prefix>& prefixes, const IpAddr& a, bool v6) {
  int32_t best = RouteIndex::kNoRoute;
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    if (!prefixes[i].contains(a, v6)) continue;
    if (best < 0 || prefixes[i].len > prefixes[static_cast<std::size_t>(best)].len) best = static_cast<int32_t>(i);
  }
  return best;
}

TEST(FlatIndex, FindsWhatWasInsertedAndKeepsTheFirstValue) {
  FlatIndex index;
  EXPECT_EQ(index.find(IndexKey{key("10.0.0.1"), 80}), FlatIndex::kNone);
  for (uint32_t i = 0; i < 5000; ++i) EXPECT_TRUE(index.insert(IndexKey{IpAddr::fromV4(0x0A000000 + i), i % 7}, i));
  EXPECT_FALSE(index.insert(IndexKey{IpAddr::fromV4(0x0A000005), 5}, 99));
  EXPECT_EQ(index.size(), 5000u);
  for (uint32_t i = 0; i < 5000; ++i) {
    EXPECT_EQ(index.find(IndexKey{IpAddr::fromV4(0x0A000000 + i), i % 7}), i);
    EXPECT_EQ(index.find(IndexKey{IpAddr::fromV4(0x0A000000 + i), i % 7 + 1}), FlatIndex::kNone);
  }
  index.clear();
  EXPECT_EQ(index.find(IndexKey{IpAddr::fromV4(0x0A000001), 1}), FlatIndex::kNone);
}

TEST(RouteIndex, LongestPrefixWinsAndTheFirstOfEqualOnes) {
  const std::vector<Prefix> routes = {
      prefix("0.0.0.0", 0),       prefix("10.0.0.0", 8),       prefix("10.1.0.0", 16), prefix("10.1.2.0", 24),
      prefix("10.1.2.128", 25),   prefix("10.1.2.129", 32),    prefix("10.0.0.0", 8),  prefix("192.168.0.0", 17),
      prefix("fd00::", 8),        prefix("fd00:10::", 64),     prefix("fd00:10::1", 128)};
  RouteIndex index;
  index.build(routes);
  EXPECT_EQ(index.find(key("10.1.2.129"), false), 5);
  EXPECT_EQ(index.find(key("10.1.2.130"), false), 4);
  EXPECT_EQ(index.find(key("10.1.2.1"), false), 3);
  EXPECT_EQ(index.find(key("10.1.3.1"), false), 2);
  EXPECT_EQ(index.find(key("10.2.0.1"), false), 1);  // not 6: the first of two equal prefixes
  EXPECT_EQ(index.find(key("192.168.127.1"), false), 7);
  EXPECT_EQ(index.find(key("192.168.128.1"), false), 0);
  EXPECT_EQ(index.find(key("fd00:10::1"), true), 10);
  EXPECT_EQ(index.find(key("fd00:10::2"), true), 9);
  EXPECT_EQ(index.find(key("fd00:11::2"), true), 8);
  EXPECT_EQ(index.find(key("2001:db8::1"), true), RouteIndex::kNoRoute);

  RouteIndex empty;
  empty.build({});
  EXPECT_EQ(empty.find(key("10.0.0.1"), false), RouteIndex::kNoRoute);
  EXPECT_EQ(empty.find(key("fd00::1"), true), RouteIndex::kNoRoute);
}

TEST(RouteIndex, AgreesWithTheScanOnRandomTables) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::vector<Prefix> routes;
    const int count = 1 + static_cast<int>(rng() % 300);
    for (int i = 0; i < count; ++i) {
      // Few distinct networks, so that prefixes overlap and repeat.
      const uint32_t net = (rng() % 4) << 30 | (rng() % 8) << 16 | (rng() % 4) << 8 | (rng() % 256);
      const auto len = static_cast<uint8_t>(rng() % 33);
      const IpAddr masked = maskAddress(IpAddr::fromV4(net), len);
      routes.push_back(Prefix{masked.toWire(false), len});
      if (i % 3 == 0) {
        IpAddr a6 = IpAddr::fromV4(net);
        a6.b[0] = 0xfd;
        const auto len6 = static_cast<uint8_t>(rng() % 129);
        routes.push_back(Prefix{maskAddress(a6, len6).toWire(true), len6});
      }
    }
    RouteIndex index;
    index.build(routes);
    for (int probe = 0; probe < 2000; ++probe) {
      const uint32_t a = (rng() % 4) << 30 | (rng() % 8) << 16 | (rng() % 4) << 8 | (rng() % 256);
      const IpAddr v4 = IpAddr::fromV4(a);
      ASSERT_EQ(index.find(v4, false), scan(routes, v4, false)) << "address " << std::hex << a;
      IpAddr v6 = v4;
      v6.b[0] = 0xfd;
      ASSERT_EQ(index.find(v6, true), scan(routes, v6, true));
    }
  }
}

}  // namespace
}  // namespace sluice::dp
