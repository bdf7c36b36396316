// dh, sh and mh: stable per key, spread by weight, and what happens when the
// hashed server is unavailable.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "schedulers/scheduler.h"
#include "tests/schedulers/test_support.h"

namespace sluice::sched {
namespace {

using test::v4;
using test::v6;

std::vector<wire::IpAddress> randomAddresses(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<wire::IpAddress> out;
  for (size_t i = 0; i < n; ++i) out.push_back(v4(static_cast<uint32_t>(rng())));
  return out;
}

// The flow keyed by addr for this scheduler: dh hashes the destination, the
// others the source.
FlowKey keyed(std::string_view name, const wire::IpAddress& addr, uint16_t port = 40000) {
  return name == "dh" ? test::flowTo(addr) : test::flowFrom(addr, port);
}

class Hashing : public ::testing::TestWithParam<std::string_view> {
 protected:
  std::unique_ptr<Scheduler> make(bool fallback = false, bool hashPort = false) {
    SchedulerOptions options;
    options.fallback = fallback;
    options.hashPort = hashPort;
    return makeScheduler(GetParam(), options);
  }
};

TEST_P(Hashing, SameKeySameServerWhateverTheLoad) {
  auto s = make();
  auto dests = test::destsWithWeights({1, 2, 3, 1});
  s->update(dests);
  std::mt19937 rng(5);
  for (const wire::IpAddress& a : randomAddresses(500, 1)) {
    const int first = s->pick(dests, keyed(GetParam(), a), 0);
    ASSERT_NE(first, kNoDestination);
    for (int i = 0; i < 5; ++i) {
      for (Destination& d : dests) d.activeConns = rng() % 100;
      EXPECT_EQ(s->pick(dests, keyed(GetParam(), a, static_cast<uint16_t>(rng())), i), first);
    }
  }
}

TEST_P(Hashing, AnotherInstanceAgrees) {
  // Every worker builds its own scheduler; they must send a key alike.
  auto one = make();
  auto two = make();
  auto dests = test::destsWithWeights({2, 1, 3});
  one->update(dests);
  two->update(dests);
  for (const wire::IpAddress& a : randomAddresses(300, 2)) {
    EXPECT_EQ(one->pick(dests, keyed(GetParam(), a), 0), two->pick(dests, keyed(GetParam(), a), 0));
  }
}

TEST_P(Hashing, SpreadsInProportionToWeightButDhEvenly) {
  auto s = make();
  auto dests = test::destsWithWeights({1, 2, 3, 2});
  s->update(dests);
  std::vector<int> counts(dests.size(), 0);
  const auto keys = randomAddresses(40000, 3);
  for (const wire::IpAddress& a : keys) ++counts[static_cast<size_t>(s->pick(dests, keyed(GetParam(), a), 0))];
  for (size_t i = 0; i < dests.size(); ++i) {
    const double share = static_cast<double>(counts[i]) / static_cast<double>(keys.size());
    // IPVS's dh deals one bucket per server whatever its weight.
    const double want = GetParam() == "dh" ? 1.0 / 4 : dests[i].weight / 8.0;
    EXPECT_NEAR(share, want, 0.02) << "server " << i;
  }
}

TEST_P(Hashing, SpreadsIpv6Keys) {
  auto s = make();
  auto dests = test::equalDests(4);
  s->update(dests);
  std::vector<int> counts(dests.size(), 0);
  std::mt19937 rng(9);
  for (int i = 0; i < 20000; ++i) {
    ++counts[static_cast<size_t>(s->pick(dests, keyed(GetParam(), v6(static_cast<uint32_t>(rng()))), 0))];
  }
  for (int c : counts) EXPECT_NEAR(c / 20000.0, 0.25, 0.03);
}

TEST_P(Hashing, WithoutFallbackAnUnavailableServerMeansNone) {
  auto s = make(false);
  auto dests = test::equalDests(3);
  s->update(dests);
  dests[1].overloaded = true;
  int refused = 0;
  for (const wire::IpAddress& a : randomAddresses(3000, 4)) {
    const int d = s->pick(dests, keyed(GetParam(), a), 0);
    EXPECT_NE(d, 1);
    refused += d == kNoDestination;
  }
  EXPECT_NEAR(refused / 3000.0, 1.0 / 3, 0.05);  // exactly the keys of server 1
}

INSTANTIATE_TEST_SUITE_P(Schedulers, Hashing, ::testing::Values("dh", "sh", "mh"),
                         [](const auto& info) { return std::string(info.param); });

class HashingWithFallback : public Hashing {};

TEST_P(HashingWithFallback, MovesOnlyTheKeysOfAnUnavailableServer) {
  auto s = make(true);
  auto dests = test::equalDests(4);
  s->update(dests);
  const auto keys = randomAddresses(4000, 6);
  std::vector<int> before;
  for (const wire::IpAddress& a : keys) before.push_back(s->pick(dests, keyed(GetParam(), a), 0));
  dests[2].overloaded = true;
  std::vector<int> movedTo(dests.size(), 0);
  for (size_t k = 0; k < keys.size(); ++k) {
    const int now = s->pick(dests, keyed(GetParam(), keys[k]), 0);
    ASSERT_NE(now, kNoDestination);
    ASSERT_NE(now, 2);
    if (before[k] != 2) {
      EXPECT_EQ(now, before[k]);
    } else {
      ++movedTo[static_cast<size_t>(now)];
    }
  }
  // mh rehashes a displaced key, so they do not all land on one server (sh
  // walks on to the following buckets, which belong to the next server).
  if (GetParam() == "mh") {
    for (size_t i : {0u, 1u, 3u}) EXPECT_GT(movedTo[i], 0) << "server " << i;
  }
  EXPECT_GT(movedTo[0] + movedTo[1] + movedTo[3], 0);
  // And come home when it is back.
  dests[2].overloaded = false;
  for (size_t k = 0; k < keys.size(); ++k) EXPECT_EQ(s->pick(dests, keyed(GetParam(), keys[k]), 0), before[k]);
}

TEST_P(HashingWithFallback, HashPortSpreadsOneClientOverServers) {
  const wire::IpAddress client = v4(0xcb007101);
  auto plain = make(false, false);
  auto ported = make(false, true);
  auto dests = test::equalDests(4);
  plain->update(dests);
  ported->update(dests);
  std::vector<int> seen(dests.size(), 0);
  const int home = plain->pick(dests, test::flowFrom(client, 1), 0);
  for (uint16_t port = 1; port < 2000; ++port) {
    EXPECT_EQ(plain->pick(dests, test::flowFrom(client, port), 0), home);
    ++seen[static_cast<size_t>(ported->pick(dests, test::flowFrom(client, port), 0))];
  }
  for (int c : seen) EXPECT_GT(c, 200);
  // The same port always maps alike.
  EXPECT_EQ(ported->pick(dests, test::flowFrom(client, 777), 0), ported->pick(dests, test::flowFrom(client, 777), 1));
}

TEST_P(HashingWithFallback, HashPortIgnoresPortlessProtocols) {
  auto ported = make(false, true);
  auto dests = test::equalDests(8);
  ported->update(dests);
  FlowKey icmp = test::flowFrom(v4(0xcb007102), 1);
  icmp.protocol = 1;
  const int first = ported->pick(dests, icmp, 0);
  for (uint16_t port = 2; port < 200; ++port) {
    icmp.srcPort = port;
    EXPECT_EQ(ported->pick(dests, icmp, 0), first);
  }
}

INSTANTIATE_TEST_SUITE_P(Schedulers, HashingWithFallback, ::testing::Values("sh", "mh"),
                         [](const auto& info) { return std::string(info.param); });

TEST(Dh, KeysOnTheDestinationNotTheSource) {
  auto s = makeScheduler("dh");
  auto dests = test::equalDests(8);
  s->update(dests);
  const wire::IpAddress dst = v4(0xc6120001);
  const int home = s->pick(dests, test::flowTo(dst), 0);
  for (const wire::IpAddress& src : randomAddresses(200, 8)) {
    FlowKey f = test::flowTo(dst);
    f.src = src;
    EXPECT_EQ(s->pick(dests, f, 0), home);
  }
}

TEST(Sh, BucketsFollowWeightChanges) {
  auto s = makeScheduler("sh");
  auto dests = test::destsWithWeights({1, 1});
  s->update(dests);
  dests[1].weight = 3;
  s->update(dests);
  int second = 0;
  const auto keys = randomAddresses(20000, 10);
  for (const wire::IpAddress& a : keys) second += s->pick(dests, test::flowFrom(a), 0) == 1;
  EXPECT_NEAR(second / 20000.0, 0.75, 0.02);
}

// What Linux 6.1's ip_vs_sh chose in the lab (refkernel_compare_lab): real
// servers of weights 1 1 2 1 in the kernel's list order, sources 10.0.0.201
// to 10.0.0.216. The kernel's hash_32 decides the bucket.
TEST(Sh, PicksWhatTheKernelPicked) {
  auto s = makeScheduler("sh");
  auto dests = test::destsWithWeights({1, 1, 2, 1});
  s->update(dests);
  const std::vector<int> kernel = {0, 2, 0, 2, 3, 2, 0, 1, 3, 2, 3, 2, 2, 1, 3, 1};
  for (uint32_t i = 0; i < kernel.size(); ++i) {
    EXPECT_EQ(s->pick(dests, test::flowFrom(v4(0x0a0000c9 + i)), 0), kernel[i]) << "10.0.0." << 201 + i;
  }
}

// ip_vs_dh's bucket, as sh's, is the kernel's hash_32 of the address:
// 10.0.0.16 -> 226 (what Linux 6.1 chose in the lab), 10.0.0.1 -> 39,
// 192.168.10.5 -> 28; with four equal servers, bucket b is server b % 4.
TEST(Dh, BucketsAsTheKernelDoes) {
  auto s = makeScheduler("dh");
  auto dests = test::equalDests(4);
  s->update(dests);
  EXPECT_EQ(s->pick(dests, test::flowTo(v4(0x0a000010)), 0), 2);
  EXPECT_EQ(s->pick(dests, test::flowTo(v4(0x0a000001)), 0), 3);
  EXPECT_EQ(s->pick(dests, test::flowTo(v4(0xc0a80a05)), 0), 0);
}

// What Linux 6.1's ip_vs_mh chose in the lab (refkernel_compare_long): rs4
// rs3 rs2 rs1 (192.168.1.23 down to .20, port 80, weights 1 1 2 1) in the
// kernel's list order, its 4093-slot table, sources 10.0.0.201 to .216.
TEST(Mh, PicksWhatTheKernelPicked) {
  auto s = makeScheduler("mh");
  std::vector<Destination> dests(4);
  const int weights[] = {1, 1, 2, 1};
  for (size_t i = 0; i < dests.size(); ++i) {
    dests[i].addr = v4(0xc0a80117 - static_cast<uint32_t>(i));
    dests[i].port = 80;
    dests[i].weight = weights[i];
  }
  s->update(dests);
  const std::vector<int> kernel = {2, 2, 2, 2, 0, 2, 0, 0, 2, 3, 2, 3, 3, 2, 2, 1};
  for (uint32_t i = 0; i < kernel.size(); ++i) {
    EXPECT_EQ(s->pick(dests, test::flowFrom(v4(0x0a0000c9 + i)), 0), kernel[i]) << "10.0.0." << 201 + i;
  }
}

// Linux 6.1's sh gives a server of weight 0 one bucket of each round (a
// client hashed there finds it unavailable), and with fallback walks on from
// twice the home bucket: 4 servers of weights 1 0 2 1 make rounds of 5
// buckets (0 1 2 2 3).
TEST(Sh, WeightZeroKeepsItsBucketAndFallbackWalksAsTheKernel) {
  SchedulerOptions fallback;
  fallback.fallback = true;
  auto s = makeScheduler("sh", fallback);
  auto plain = makeScheduler("sh");
  auto dests = test::destsWithWeights({1, 0, 2, 1});
  s->update(dests);
  plain->update(dests);
  // Bucket b belongs to server [0 1 2 2 3][b % 5]. Find a source whose home
  // bucket is server 1's (weight 0): without fallback it gets none; with
  // it, the bucket at twice the home is tried first.
  int checked = 0;
  for (uint32_t a = 1; a < 5000 && checked < 20; ++a) {
    const uint32_t home = (a * 0x61C88647u) >> 24;
    if (home % 5 != 1) continue;
    const FlowKey f = test::flowFrom(v4(a));
    EXPECT_EQ(plain->pick(dests, f, 0), kNoDestination);
    const int round[] = {0, 1, 2, 2, 3};
    uint32_t b = (2 * home) & 255;
    while (round[b % 5] == 1) b = (b + 1) & 255;
    EXPECT_EQ(s->pick(dests, f, 0), round[b % 5]) << "key " << a;
    ++checked;
  }
  EXPECT_EQ(checked, 20);
}

// Server i's key owners, for the Maglev disruption tests.
std::vector<std::string> ownersByAddress(Scheduler& s, const std::vector<Destination>& dests,
                                         const std::vector<wire::IpAddress>& keys) {
  std::vector<std::string> out;
  for (const wire::IpAddress& a : keys) {
    const int d = s.pick(dests, test::flowFrom(a), 0);
    out.push_back(d == kNoDestination ? "-" : std::to_string(dests[static_cast<size_t>(d)].addr.bytes[3]));
  }
  return out;
}

TEST(Mh, RemovingOneOfNServersMovesAboutOneNthOfKeys) {
  // A table much larger than the servers, as Maglev wants: IPVS's default
  // 4093 slots move a little more than 1.5/N of the keys at N = 31.
  SchedulerOptions large;
  large.mhTableSize = 65537;
  for (size_t n : {5u, 10u, 31u}) {
    SCOPED_TRACE(n);
    auto s = makeScheduler("mh", large);
    auto dests = test::equalDests(n);
    s->update(dests);
    const auto keys = randomAddresses(10000, 12);
    const auto before = ownersByAddress(*s, dests, keys);
    dests.erase(dests.begin() + static_cast<std::ptrdiff_t>(n / 2));
    s->update(dests);
    const auto after = ownersByAddress(*s, dests, keys);
    size_t moved = 0;
    for (size_t k = 0; k < keys.size(); ++k) moved += before[k] != after[k];
    const double fraction = static_cast<double>(moved) / static_cast<double>(keys.size());
    EXPECT_LT(fraction, 1.5 / static_cast<double>(n));
    EXPECT_GT(fraction, 0.5 / static_cast<double>(n));  // the removed server's keys did move
  }
}

TEST(Mh, AddingAServerTakesAboutItsShareOnly) {
  auto s = makeScheduler("mh");
  auto dests = test::equalDests(9);
  s->update(dests);
  const auto keys = randomAddresses(10000, 13);
  const auto before = ownersByAddress(*s, dests, keys);
  dests = test::equalDests(10);
  s->update(dests);
  const auto after = ownersByAddress(*s, dests, keys);
  size_t moved = 0;
  size_t toNewcomer = 0;
  for (size_t k = 0; k < keys.size(); ++k) {
    moved += before[k] != after[k];
    toNewcomer += before[k] != after[k] && after[k] == "10";
  }
  EXPECT_LT(static_cast<double>(moved) / 10000.0, 1.5 / 10);
  // Maglev is not perfectly minimal: a few keys shuffle between old servers.
  EXPECT_GT(static_cast<double>(toNewcomer), 0.9 * static_cast<double>(moved));
}

TEST(Mh, OrderOfTheListDoesNotMatter) {
  auto s = makeScheduler("mh");
  auto dests = test::equalDests(6);
  s->update(dests);
  const auto keys = randomAddresses(3000, 14);
  const auto before = ownersByAddress(*s, dests, keys);
  std::reverse(dests.begin(), dests.end());
  s->update(dests);
  size_t moved = 0;
  const auto after = ownersByAddress(*s, dests, keys);
  for (size_t k = 0; k < keys.size(); ++k) moved += before[k] != after[k];
  // Preferences hang on address and port; only ties in slot claiming shift.
  EXPECT_LT(static_cast<double>(moved) / 3000.0, 0.02);
}

TEST(Mh, SmallPrimeTableStillSpreadsByWeight) {
  SchedulerOptions options;
  options.mhTableSize = 251;
  auto s = makeScheduler("mh", options);
  auto dests = test::destsWithWeights({1, 3});
  s->update(dests);
  int heavy = 0;
  for (const wire::IpAddress& a : randomAddresses(20000, 15)) heavy += s->pick(dests, test::flowFrom(a), 0) == 1;
  EXPECT_NEAR(heavy / 20000.0, 0.75, 0.03);
}

TEST(Mh, HugeWeightRatioStillLeavesTheLightServerSlots) {
  auto s = makeScheduler("mh");
  auto dests = test::destsWithWeights({1, 1000000});
  s->update(dests);
  int light = 0;
  for (const wire::IpAddress& a : randomAddresses(200000, 16)) light += s->pick(dests, test::flowFrom(a), 0) == 0;
  EXPECT_GT(light, 0);
}

}  // namespace
}  // namespace sluice::sched
