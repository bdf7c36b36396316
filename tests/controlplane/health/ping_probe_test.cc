// PING_CHECK: the echo request it builds, the replies it accepts, and real
// pings of the loopback addresses (a raw ICMP socket: skipped where neither
// CAP_NET_RAW nor net.ipv4.ping_group_range allows an ICMP socket).
#include "controlplane/health/ping_probe.h"

#include <gtest/gtest.h>

#include "controlplane/config/address.h"
#include "loop_support.h"

namespace sluice::health {
namespace {

using namespace std::chrono_literals;

std::optional<ProbeResult> pingOnce(const char* address, std::chrono::milliseconds timeout) {
  common::EventLoop loop;
  PingProbe probe(PingSpec{*config::parseAddress(address), std::nullopt, timeout});
  return testing::runProbe(loop, probe);
}

// The one's complement sum of 16-bit words: 0xffff over a correct ICMP message.
uint32_t onesSum(const std::vector<uint8_t>& d) {
  uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < d.size(); i += 2) sum += static_cast<uint32_t>(d[i] << 8 | d[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

TEST(PingProbe, EchoRequestCarriesIdAndSequence) {
  const auto v4 = echoRequest(false, 0x1234, 0xabcd);
  ASSERT_EQ(v4.size(), 8u + 128u);
  EXPECT_EQ(v4[0], 8);  // echo request
  EXPECT_EQ(v4[4], 0x12);
  EXPECT_EQ(v4[5], 0x34);
  EXPECT_EQ(v4[6], 0xab);
  EXPECT_EQ(v4[7], 0xcd);
  EXPECT_EQ(onesSum(v4), 0xffffu);
  EXPECT_EQ(std::string(v4.begin() + 8, v4.begin() + 27), "keepalived check - ");
  const auto v6 = echoRequest(true, 1, 2);
  EXPECT_EQ(v6[0], 128);  // ICMPv6 echo request; the kernel sums it
}

TEST(PingProbe, OnlyEchoRepliesAreRead) {
  auto reply = echoRequest(false, 7, 9);
  reply[0] = 0;  // echo reply
  auto r = parseEchoReply(reply.data(), reply.size(), false, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 7);
  EXPECT_EQ(r->sequence, 9);
  // Behind an IPv4 header with options (ihl 6: 24 octets).
  std::vector<uint8_t> packet(24, 0);
  packet[0] = 0x46;
  packet.insert(packet.end(), reply.begin(), reply.end());
  r = parseEchoReply(packet.data(), packet.size(), false, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->sequence, 9);
  // The request itself (raw sockets see it on loopback) and short data are not replies.
  const auto request = echoRequest(false, 7, 9);
  EXPECT_FALSE(parseEchoReply(request.data(), request.size(), false, false));
  EXPECT_FALSE(parseEchoReply(reply.data(), 7, false, false));
  EXPECT_FALSE(parseEchoReply(packet.data(), 30, false, true));
  auto reply6 = echoRequest(true, 7, 9);
  reply6[0] = 129;
  EXPECT_TRUE(parseEchoReply(reply6.data(), reply6.size(), true, false));
  EXPECT_FALSE(parseEchoReply(reply.data(), reply.size(), true, false));  // an ICMPv4 reply's type
}

TEST(PingProbe, LoopbackAnswers) {
  const auto r = pingOnce("127.0.0.1", 2000ms);
  ASSERT_TRUE(r);
  if (!r->ok && r->error.rfind("socket:", 0) == 0) GTEST_SKIP() << r->error;
  EXPECT_TRUE(r->ok) << r->error;
  const auto r6 = pingOnce("::1", 2000ms);
  ASSERT_TRUE(r6);
  EXPECT_TRUE(r6->ok || r6->error.rfind("connect:", 0) == 0) << r6->error;  // no IPv6 loopback: connect fails
}

TEST(PingProbe, SilenceIsDownWithinTheTimeout) {
  // TEST-NET-3: no echo reply comes from it (no route fails the send, an
  // ICMP error from a router fails the probe, silence times it out).
  const auto start = common::Clock::now();
  const auto r = pingOnce("203.0.113.1", 300ms);
  ASSERT_TRUE(r);
  if (!r->ok && r->error.rfind("socket:", 0) == 0) GTEST_SKIP() << r->error;
  EXPECT_FALSE(r->ok);
  EXPECT_LT(common::Clock::now() - start, 2s);
}

}  // namespace
}  // namespace sluice::health
