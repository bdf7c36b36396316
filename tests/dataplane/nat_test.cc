#include "dataplane/nat.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "tests/dataplane/packet_builder.h"

namespace sluice::dp {
namespace {

using testing::buildFrame;
using testing::buildIcmpError;
using testing::checkChecksums;
using testing::FrameSpec;
using testing::ip;

using testing::parseFrame;

struct Case {
  const char* name;
  FrameSpec spec;
};

class NatBothWays : public ::testing::TestWithParam<Case> {};

// The word-at-a-time sums against the definition: big-endian 16-bit words,
// a trailing odd byte padded with zero.
uint32_t referenceSum(const uint8_t* p, std::size_t n) {
  uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += uint32_t{p[i]} << 8 | p[i + 1];
  if (n % 2 == 1) sum += uint32_t{p[n - 1]} << 8;
  return sum;
}

TEST(Checksum, WordAtATimeSumsAgreeWithTheDefinition) {
  std::mt19937 rng(3);
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> bytes(rng() % 80);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(round % 7 == 0 ? 0xFF : rng());
    const std::size_t at = (rng() % (bytes.size() / 2 + 1)) * 2;  // pieces cut at an even offset
    const uint32_t pieces = csumAdd(csumAdd(0, bytes.data(), at), bytes.data() + at, bytes.size() - at);
    ASSERT_EQ(csumFold(pieces), csumFold(referenceSum(bytes.data(), bytes.size()))) << bytes.size();

    // A change of 4 or 16 bytes, applied as a delta, gives the checksum
    // computed from scratch.
    if (bytes.size() < 20) continue;
    const std::size_t n = round % 2 == 0 ? 4 : 16;
    std::vector<uint8_t> changed = bytes;
    for (std::size_t i = 0; i < n; ++i) changed[4 + i] = static_cast<uint8_t>(rng());
    CsumDelta d;
    d.add(bytes.data() + 4, changed.data() + 4, n);
    const uint16_t before = csumFinish(referenceSum(bytes.data(), bytes.size()));
    const uint16_t after = csumFinish(referenceSum(changed.data(), changed.size()));
    // One's complement has two zeros, 0x0000 and 0xFFFF.
    auto canonical = [](uint16_t c) { return c == 0xFFFF ? uint16_t{0} : c; };
    ASSERT_EQ(canonical(d.apply(before)), canonical(after));
  }
}

TEST_P(NatBothWays, RewritesAddressPortTtlAndChecksums) {
  const FrameSpec& s = GetParam().spec;
  const bool v6 = s.src.addr.find(':') != std::string::npos;
  const IpAddr rs = ip(v6 ? "fd00:192:168:1::20" : "192.168.1.20");

  auto f = buildFrame(s);
  ParsedPacket p = parseFrame(f);
  ASSERT_NE(p.kind, PacketKind::kDrop);
  natToRealServer(f.data(), p, rs, 8080);
  EXPECT_EQ(checkChecksums(f), "");
  p = parseFrame(f);
  EXPECT_EQ(p.tuple.dst, rs);
  EXPECT_EQ(p.tuple.dstPort, 8080);
  EXPECT_EQ(p.tuple.src, ip(s.src.addr));
  EXPECT_EQ(p.tuple.srcPort, s.src.port);
  EXPECT_EQ(p.ttl, s.ttl - 1);

  // The reply comes back from the real server and leaves as the VIP.
  FrameSpec back = s;
  back.src = {v6 ? "fd00:192:168:1::20" : "192.168.1.20", 8080};
  back.dst = s.src;
  auto r = buildFrame(back);
  p = parseFrame(r);
  natToClient(r.data(), p, ip(s.dst.addr), s.dst.port);
  EXPECT_EQ(checkChecksums(r), "");
  p = parseFrame(r);
  EXPECT_EQ(p.tuple.src, ip(s.dst.addr));
  EXPECT_EQ(p.tuple.srcPort, s.dst.port);
  EXPECT_EQ(p.tuple.dst, ip(s.src.addr));
}

FrameSpec spec(const char* src, const char* dst, uint8_t proto) {
  FrameSpec s{.src = {src, 40001}, .dst = {dst, 80}, .proto = proto};
  s.payload.assign(301, 0xA5);  // odd length exercises the padding rule
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Protocols, NatBothWays,
    ::testing::Values(Case{"tcp4", spec("10.0.0.101", "10.0.0.1", kProtoTcp)},
                      Case{"udp4", spec("10.0.0.101", "10.0.0.1", kProtoUdp)},
                      Case{"sctp4", spec("10.0.0.101", "10.0.0.1", kProtoSctp)},
                      Case{"tcp6", spec("fd00:10::101", "fd00:10::1", kProtoTcp)},
                      Case{"udp6", spec("fd00:10::101", "fd00:10::1", kProtoUdp)}),
    [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(Nat, Ipv4UdpWithoutChecksumStaysWithout) {
  FrameSpec s = spec("10.0.0.101", "10.0.0.1", kProtoUdp);
  s.udpChecksumZero = true;
  auto f = buildFrame(s);
  const ParsedPacket p = parseFrame(f);
  natToRealServer(f.data(), p, ip("192.168.1.20"), 80);
  EXPECT_EQ(f[14 + 20 + 6], 0);
  EXPECT_EQ(f[14 + 20 + 7], 0);
  EXPECT_EQ(checkChecksums(f), "");
}

TEST(Nat, IcmpErrorFromTheClientSideReachesTheRealServer) {
  // Our reply VIP:80 -> client bounced; the error comes to the VIP.
  const auto reply = buildFrame({.src = {"10.0.0.1", 80}, .dst = {"10.0.0.101", 40001}});
  auto f = buildIcmpError("10.0.0.254", "10.0.0.1", 3, 4, reply);
  const ParsedPacket p = parseFrame(f);
  natToRealServer(f.data(), p, ip("192.168.1.20"), 8080);
  EXPECT_EQ(checkChecksums(f), "");
  const ParsedPacket q = parseFrame(f);
  EXPECT_EQ(q.tuple.dst, ip("192.168.1.20"));  // outer destination and quoted source
  EXPECT_EQ(q.tuple.dstPort, 8080);
  EXPECT_EQ(q.tuple.src, ip("10.0.0.101"));
}

TEST(Nat, IcmpErrorFromTheRealServerLeavesAsTheVip) {
  // The real server rejects a forwarded datagram client -> RS:8080.
  const auto fwd = buildFrame({.src = {"10.0.0.101", 4000}, .dst = {"192.168.1.20", 8080}, .proto = kProtoUdp});
  auto f = buildIcmpError("192.168.1.20", "10.0.0.101", 3, 3, fwd);
  const ParsedPacket p = parseFrame(f);
  natToClient(f.data(), p, ip("10.0.0.1"), 53);
  EXPECT_EQ(checkChecksums(f), "");
  const ParsedPacket q = parseFrame(f);
  EXPECT_EQ(q.tuple.src, ip("10.0.0.1"));
  EXPECT_EQ(q.tuple.srcPort, 53);
  EXPECT_EQ(f[14 + 12], 10);  // outer source is the VIP too
}

TEST(Nat, Icmpv6ErrorCoversThePseudoHeader) {
  const auto fwd = buildFrame({.src = {"fd00:10::101", 4000}, .dst = {"fd00:192:168:1::20", 80}, .proto = kProtoUdp});
  auto f = buildIcmpError("fd00:192:168:1::20", "fd00:10::101", 1, 4, fwd);
  const ParsedPacket p = parseFrame(f);
  natToClient(f.data(), p, ip("fd00:10::1"), 53);
  EXPECT_EQ(checkChecksums(f), "");
  EXPECT_EQ(parseFrame(f).tuple.src, ip("fd00:10::1"));
}

}  // namespace
}  // namespace sluice::dp
