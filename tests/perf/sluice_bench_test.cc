// sluice-bench's pure pieces: frames with valid checksums whose stamp and
// phase read back, the latency histogram's quantiles, the flow cursor, and
// the command line.
#include <gtest/gtest.h>

#include <set>
#include <utility>
#include <vector>

#include "dataplane/parse.h"
#include "perf/sluice_bench/flows.h"
#include "perf/sluice_bench/frame.h"
#include "perf/sluice_bench/latency.h"
#include "perf/sluice_bench/options.h"
#include "wire/checksum.h"

namespace sluice::bench {
namespace {

FrameSpec spec(bool tcp, uint8_t flags, uint32_t size) {
  return FrameSpec{{2, 0, 0, 0, 0, 2}, {2, 0, 0, 0, 0, 1}, 0x0A000001u, 80, tcp, flags, size};
}

// The one's complement sum over the IPv4 header, and over the pseudo-header
// plus segment, must both come out as 0xFFFF.
void expectValidChecksums(const std::vector<uint8_t>& f, bool tcp) {
  const uint8_t* ip = f.data() + kEthHeader;
  EXPECT_EQ(wire::csumFold(wire::csumAdd(0, ip, 20)), 0xFFFF);
  const uint32_t l4Len = static_cast<uint32_t>(f.size()) - kEthHeader - 20;
  uint32_t sum = wire::csumAdd(0, ip + 12, 8) + (tcp ? 6 : 17) + l4Len;
  sum = wire::csumAdd(sum, ip + 20, l4Len);
  EXPECT_EQ(wire::csumFold(sum), 0xFFFF);
}

TEST(SluiceBenchFrame, SixtyFourByteTcpFrameCarriesItsStampAndValidChecksums) {
  const FrameTemplate t(spec(true, 0x02, 64));
  ASSERT_EQ(t.length(), 60u);
  std::vector<uint8_t> f(t.length());
  const uint64_t stamp = 0xBEEF12345678ull & kStampMask;
  t.write(f.data(), 0x0A010203u, 40000, Phase::kMeasure, stamp);
  expectValidChecksums(f, true);
  uint16_t phase = 0;
  uint64_t read = 0;
  ASSERT_TRUE(readStamp(f.data(), t.length(), phase, read));
  EXPECT_EQ(phase, static_cast<uint16_t>(Phase::kMeasure));
  EXPECT_EQ(read, stamp);
  // The data plane's own parser sees a SYN from the client to the VIP.
  const dp::ParsedPacket p = dp::parsePacket(f.data(), t.length());
  ASSERT_EQ(p.kind, dp::PacketKind::kIpv4);
  EXPECT_EQ(p.tuple.srcPort, 40000);
  EXPECT_EQ(p.tuple.dstPort, 80);
  EXPECT_EQ(p.tcpFlags, 0x02);
}

TEST(SluiceBenchFrame, UdpAndLargeFramesToo) {
  for (uint32_t size : {64u, 65u, 128u, 1518u}) {
    for (bool tcp : {false, true}) {
      const FrameTemplate t(spec(tcp, 0x10, size));
      std::vector<uint8_t> f(t.length());
      for (uint64_t stamp : {uint64_t{0}, uint64_t{1}, kStampMask}) {
        t.write(f.data(), 0xC0A80101u, 1024, Phase::kWarmup, stamp);
        expectValidChecksums(f, tcp);
        uint16_t phase = 0;
        uint64_t read = 0;
        ASSERT_TRUE(readStamp(f.data(), t.length(), phase, read));
        EXPECT_EQ(read, stamp);
      }
    }
  }
}

TEST(SluiceBenchFrame, OtherFramesHaveNoStamp) {
  std::vector<uint8_t> arp(60, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  uint16_t phase;
  uint64_t stamp;
  EXPECT_FALSE(readStamp(arp.data(), 60, phase, stamp));
  const FrameTemplate t(spec(true, 0x10, 64));
  std::vector<uint8_t> f(t.length());
  t.write(f.data(), 1, 1, Phase::kProbe, 5);
  EXPECT_FALSE(readStamp(f.data(), 55, phase, stamp));  // cut inside the stamp
}

TEST(SluiceBenchLatency, QuantilesWithinTheBucketResolution) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.add(v * 10);
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.min(), 10u);
  EXPECT_EQ(h.max(), 1000000u);
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const double expected = q * 1000000;
    EXPECT_NEAR(static_cast<double>(h.quantile(q)), expected, expected * 0.035) << q;
  }
  for (uint64_t v : {0ull, 1ull, 63ull, 64ull, 1000ull, (1ull << 47) + 5}) {
    const uint64_t mid = LatencyHistogram::valueOf(LatencyHistogram::bucketOf(v));
    EXPECT_NEAR(static_cast<double>(mid), static_cast<double>(v), static_cast<double>(v) * 0.035 + 1) << v;
  }
  EXPECT_LT(LatencyHistogram::bucketOf(~0ull), LatencyHistogram::kBuckets);
}

TEST(SluiceBenchFlows, SequentialCursorVisitsEveryFlowOnceThenWraps) {
  FlowCursor c(Range{0x0A010000u, 0x0A0100FFu}, Range{1024, 1027}, 10, false);
  std::set<std::pair<uint32_t, uint16_t>> seen;
  for (int i = 0; i < 10; ++i) {
    const Endpoint e = c.next();
    EXPECT_TRUE(seen.insert({e.ip, e.port}).second);
    EXPECT_EQ(e.ip, c.flowAt(static_cast<uint64_t>(i)).ip);
    EXPECT_EQ(e.port, c.flowAt(static_cast<uint64_t>(i)).port);
  }
  EXPECT_EQ(c.next().ip, 0x0A010000u);  // flow 0 again
}

TEST(SluiceBenchFlows, RandomCursorStaysInTheRanges) {
  FlowCursor c(Range{0x0A010000u, 0x0A01FFFFu}, Range{1024, 65535}, 1, true);
  std::set<std::pair<uint32_t, uint16_t>> seen;
  for (int i = 0; i < 100000; ++i) {
    const Endpoint e = c.next();
    ASSERT_GE(e.ip, 0x0A010000u);
    ASSERT_LE(e.ip, 0x0A01FFFFu);
    ASSERT_GE(e.port, 1024);
    seen.insert({e.ip, e.port});
  }
  EXPECT_GT(seen.size(), 99900u);  // practically every one new
}

TEST(SluiceBenchOptions, ParsesAndRefuses) {
  const auto r = parseOptions({"--mode", "syn", "--src-ip", "10.2.0.0-10.2.3.255", "--src-port", "2000-2999",
                               "--size", "128", "--rate", "2.5", "--duration", "3", "--json", "--label", "x"});
  ASSERT_TRUE(r.options) << r.error;
  EXPECT_EQ(r.options->mode, TrafficMode::kSyn);
  EXPECT_EQ(r.options->srcIp.size(), 1024u);
  EXPECT_EQ(r.options->srcPort.first, 2000u);
  EXPECT_EQ(r.options->frameSize, 128u);
  EXPECT_DOUBLE_EQ(r.options->rateMpps, 2.5);
  EXPECT_TRUE(r.options->json);
  EXPECT_TRUE(r.options->probe);
  EXPECT_FALSE(parseOptions({"--no-probe"}).options->probe);
  EXPECT_FALSE(parseOptions({"--size", "63"}).options);
  EXPECT_FALSE(parseOptions({"--size", "1519"}).options);
  EXPECT_FALSE(parseOptions({"--mode", "tcp"}).options);
  EXPECT_FALSE(parseOptions({"--src-ip", "10.0.0.9-10.0.0.1"}).options);
  EXPECT_FALSE(parseOptions({"--flows", "5", "--src-ip", "10.0.0.1", "--src-port", "1-4"}).options);
  EXPECT_FALSE(parseOptions({"--rate"}).options);
  EXPECT_EQ(parseOptions({"--help"}).error, "help");
}

}  // namespace
}  // namespace sluice::bench
