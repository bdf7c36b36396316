#include "dataplane/parse.h"

#include <gtest/gtest.h>

#include "tests/dataplane/packet_builder.h"

namespace sluice::dp {
namespace {

using testing::buildFrame;
using testing::buildIcmpError;
using testing::FrameSpec;
using testing::fragmentFrame;
using testing::ip;

using testing::parseFrame;

TEST(Parse, Ipv4Tcp) {
  const auto f = buildFrame({.src = {"10.0.0.101", 40000}, .dst = {"10.0.0.1", 80}});
  const ParsedPacket p = parseFrame(f);
  ASSERT_EQ(p.kind, PacketKind::kIpv4);
  EXPECT_EQ(p.tuple.src, ip("10.0.0.101"));
  EXPECT_EQ(p.tuple.dst, ip("10.0.0.1"));
  EXPECT_EQ(p.tuple.srcPort, 40000);
  EXPECT_EQ(p.tuple.dstPort, 80);
  EXPECT_EQ(p.tuple.proto, kProtoTcp);
  EXPECT_EQ(p.tcpFlags, 0x02);
  EXPECT_EQ(p.l3Offset, 14);
  EXPECT_EQ(p.l4Offset, 34);
  EXPECT_EQ(p.ttl, 64);
}

TEST(Parse, VlanTagAndIpv4Options) {
  FrameSpec s{.src = {"10.0.0.101", 1}, .dst = {"10.0.0.1", 53}, .proto = kProtoUdp};
  s.vlan = true;
  s.vlanTci = 42;
  s.ipv4Options = {1, 1, 1, 0};  // NOP NOP NOP EOL
  const ParsedPacket p = parseFrame(buildFrame(s));
  ASSERT_EQ(p.kind, PacketKind::kIpv4);
  EXPECT_TRUE(p.flags & kFlagVlan);
  EXPECT_EQ(p.vlanTci, 42);
  EXPECT_EQ(p.l3Offset, 18);
  EXPECT_EQ(p.l4Offset, 18 + 24);
  EXPECT_EQ(p.tuple.dstPort, 53);
}

TEST(Parse, Ipv6WithHopByHopAndSctp) {
  FrameSpec s{.src = {"fd00:10::101", 5000}, .dst = {"fd00:10::1", 3868}, .proto = kProtoSctp};
  s.ipv6HopByHop = true;
  const ParsedPacket p = parseFrame(buildFrame(s));
  ASSERT_EQ(p.kind, PacketKind::kIpv6);
  EXPECT_TRUE(p.tuple.v6);
  EXPECT_EQ(p.l4Offset, 14 + 40 + 8);
  EXPECT_EQ(p.tuple.proto, kProtoSctp);
  EXPECT_EQ(p.tuple.dstPort, 3868);
  EXPECT_EQ(p.tuple.dst, ip("fd00:10::1"));
}

TEST(Parse, IcmpErrorNamesTheQuotedFlowReversed) {
  // The real server's UDP reply to the client bounced: the error travels
  // client side -> VIP, quoting VIP:53 -> client:4000.
  const auto reply = buildFrame({.src = {"10.0.0.1", 53}, .dst = {"10.0.0.101", 4000}, .proto = kProtoUdp});
  const ParsedPacket p = parseFrame(buildIcmpError("10.0.0.254", "10.0.0.1", 3, 3, reply));
  ASSERT_EQ(p.kind, PacketKind::kIpv4);
  EXPECT_TRUE(p.flags & kFlagIcmpError);
  EXPECT_EQ(p.l4Proto, kProtoIcmp);
  EXPECT_EQ(p.tuple.proto, kProtoUdp);
  EXPECT_EQ(p.tuple.src, ip("10.0.0.101"));
  EXPECT_EQ(p.tuple.srcPort, 4000);
  EXPECT_EQ(p.tuple.dst, ip("10.0.0.1"));
  EXPECT_EQ(p.tuple.dstPort, 53);
}

TEST(Parse, Icmpv6Error) {
  const auto reply = buildFrame({.src = {"fd00:10::1", 80}, .dst = {"fd00:10::101", 4000}});
  const ParsedPacket p = parseFrame(buildIcmpError("fd00:10::254", "fd00:10::1", 1, 4, reply));
  ASSERT_EQ(p.kind, PacketKind::kIpv6);
  EXPECT_TRUE(p.flags & kFlagIcmpError);
  EXPECT_EQ(p.tuple.src, ip("fd00:10::101"));
  EXPECT_EQ(p.tuple.dstPort, 80);
}

TEST(Parse, EchoIsAQueryWithoutPorts) {
  const ParsedPacket p = parseFrame(buildFrame({.src = {"10.0.0.101", 7}, .dst = {"10.0.0.2", 0}, .proto = kProtoIcmp}));
  ASSERT_EQ(p.kind, PacketKind::kIpv4);
  EXPECT_TRUE(p.flags & kFlagIcmpQuery);
  EXPECT_FALSE(p.flags & kFlagIcmpError);
}

TEST(Parse, Arp) {
  std::vector<uint8_t> f(42, 0);
  f[12] = 0x08;
  f[13] = 0x06;
  EXPECT_EQ(parseFrame(f).kind, PacketKind::kArp);
  f.resize(40);
  EXPECT_EQ(parseFrame(f).drop, DropReason::kTruncated);
}

struct Malformed {
  const char* name;
  void (*mutate)(std::vector<uint8_t>&);
  DropReason reason;
};

class ParseMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(ParseMalformed, IsDroppedWithItsReason) {
  auto f = buildFrame({.src = {"10.0.0.101", 40000}, .dst = {"10.0.0.1", 80}});
  GetParam().mutate(f);
  const ParsedPacket p = parseFrame(f);
  EXPECT_EQ(p.kind, PacketKind::kDrop);
  EXPECT_EQ(dropReasonName(p.drop), dropReasonName(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(
    AllReasons, ParseMalformed,
    ::testing::Values(
        Malformed{"short_ethernet", [](std::vector<uint8_t>& f) { f.resize(10); }, DropReason::kTruncated},
        Malformed{"short_ipv4", [](std::vector<uint8_t>& f) { f.resize(30); }, DropReason::kTruncated},
        Malformed{"bad_ihl", [](std::vector<uint8_t>& f) { f[14] = 0x43; }, DropReason::kBadIpHeader},
        Malformed{"bad_version", [](std::vector<uint8_t>& f) { f[14] = 0x55; }, DropReason::kBadIpHeader},
        Malformed{"total_length_past_frame", [](std::vector<uint8_t>& f) { f[16] = 0x7f; }, DropReason::kTruncated},
        Malformed{"bad_header_checksum", [](std::vector<uint8_t>& f) { f[24] ^= 0xff; }, DropReason::kBadIpChecksum},
        Malformed{"truncated_tcp",
                  [](std::vector<uint8_t>& f) {
                    // total length says 30 bytes: a 10-byte TCP header
                    f[16] = 0;
                    f[17] = 30;
                    f[24] = f[25] = 0;
                    uint32_t sum = 0;
                    for (int i = 14; i < 34; i += 2) sum += (f[i] << 8) | f[i + 1];
                    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
                    f[24] = static_cast<uint8_t>(~sum >> 8);
                    f[25] = static_cast<uint8_t>(~sum);
                  },
                  DropReason::kTruncated},
        Malformed{"tcp_data_offset", [](std::vector<uint8_t>& f) { f[46] = 0x20; }, DropReason::kBadL4Header},
        Malformed{"fragment_not_a_multiple_of_8",
                  [](std::vector<uint8_t>& f) {
                    f[20] |= 0x20;  // MF on 25 bytes of data
                    f[24] = static_cast<uint8_t>(f[24] - 0x20);  // keep the header checksum right
                  },
                  DropReason::kFragmentMalformed},
        Malformed{"unknown_ethertype", [](std::vector<uint8_t>& f) { f[12] = 0x88; }, DropReason::kBadL2}),
    [](const ::testing::TestParamInfo<Malformed>& i) { return std::string(i.param.name); });

std::vector<uint8_t> udpDatagram(const char* src, const char* dst, uint32_t bytes) {
  return buildFrame({.src = {src, 5353}, .dst = {dst, 53}, .proto = kProtoUdp, .payload = std::vector<uint8_t>(bytes)});
}

TEST(Parse, FragmentsFirstWithPortsLaterWithTheirDatagramsIdentity) {
  for (const bool v6 : {false, true}) {
    SCOPED_TRACE(v6 ? "IPv6" : "IPv4");
    const auto frags = fragmentFrame(udpDatagram(v6 ? "fd00::1" : "10.0.0.101", v6 ? "fd00::2" : "10.0.0.1", 3000),
                                     1448, 0x4242);
    ASSERT_EQ(frags.size(), 3u);
    const ParsedPacket first = parseFrame(frags[0]);
    ASSERT_EQ(first.kind, v6 ? PacketKind::kIpv6 : PacketKind::kIpv4);
    EXPECT_TRUE(first.flags & kFlagFragment);
    EXPECT_FALSE(first.flags & kFlagNoPorts);
    EXPECT_EQ(first.tuple.srcPort, 5353);
    EXPECT_EQ(first.tuple.dstPort, 53);
    EXPECT_EQ(first.tuple.proto, kProtoUdp);
    EXPECT_EQ(first.fragOffset, 0);
    EXPECT_TRUE(first.fragMore);
    EXPECT_EQ(first.fragId, 0x4242u);
    const ParsedPacket last = parseFrame(frags[2]);
    ASSERT_EQ(last.kind, first.kind);
    EXPECT_TRUE(last.flags & kFlagFragment);
    EXPECT_TRUE(last.flags & kFlagNoPorts);
    EXPECT_EQ(last.tuple.srcPort, 0);
    EXPECT_EQ(last.tuple.proto, kProtoUdp);
    EXPECT_EQ(last.fragOffset, 2896);
    EXPECT_FALSE(last.fragMore);
    EXPECT_EQ(last.fragId, 0x4242u);
    EXPECT_EQ(last.l3End - last.l4Offset, 3008 - 2896);
  }
}

TEST(Parse, AnAtomicIpv6FragmentIsAWholeDatagram) {
  const auto frags = fragmentFrame(udpDatagram("fd00::1", "fd00::2", 100), 1448, 7);
  ASSERT_EQ(frags.size(), 1u);  // offset 0, M clear
  const ParsedPacket p = parseFrame(frags[0]);
  ASSERT_EQ(p.kind, PacketKind::kIpv6);
  EXPECT_FALSE(p.flags & kFlagFragment);
  EXPECT_EQ(p.tuple.dstPort, 53);
}

TEST(Parse, FragmentsPastTheLargestDatagramOrAtTcpOffset8AreDropped) {
  auto frags = fragmentFrame(udpDatagram("10.0.0.101", "10.0.0.1", 3000), 1480, 1);
  auto setOffset = [](std::vector<uint8_t>& f, uint16_t field) {
    storeBe16(&f[20], field);
    storeBe16(&f[24], 0);
    storeBe16(&f[24], static_cast<uint16_t>(~csumFold(csumAdd(0, &f[14], 20))));
  };
  setOffset(frags[1], 0x2000 | 8100);  // 64800 + 1480 bytes
  EXPECT_EQ(parseFrame(frags[1]).drop, DropReason::kFragmentOversized);
  auto tcp = fragmentFrame(buildFrame({.src = {"10.0.0.101", 1}, .dst = {"10.0.0.1", 80},
                                       .payload = std::vector<uint8_t>(100)}), 64, 2);
  setOffset(tcp[1], 0x2000 | 1);
  EXPECT_EQ(parseFrame(tcp[1]).drop, DropReason::kFragmentMalformed);
  const auto sctp = fragmentFrame(buildFrame({.src = {"10.0.0.101", 1}, .dst = {"10.0.0.1", 80},
                                              .proto = kProtoSctp, .payload = std::vector<uint8_t>(100)}), 64, 3);
  EXPECT_EQ(parseFrame(sctp[0]).drop, DropReason::kFragment);
}

TEST(Parse, NeverReadsPastTheFrameAtAnyLength) {
  // Every prefix of valid frames of each kind parses without touching
  // memory past its end (ASan in CI turns a violation into a failure).
  const auto reply = buildFrame({.src = {"10.0.0.1", 53}, .dst = {"10.0.0.101", 4000}, .proto = kProtoUdp});
  const std::vector<std::vector<uint8_t>> frames = {
      buildFrame({.src = {"10.0.0.101", 1}, .dst = {"10.0.0.1", 80}}),
      buildFrame({.src = {"fd00::1", 1}, .dst = {"fd00::2", 80}, .proto = kProtoUdp}),
      buildIcmpError("10.0.0.254", "10.0.0.1", 3, 3, reply),
  };
  for (const auto& full : frames) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      const ParsedPacket p = parseFrame(cut);
      EXPECT_EQ(p.kind, PacketKind::kDrop) << "prefix " << n;
    }
  }
}

}  // namespace
}  // namespace sluice::dp
