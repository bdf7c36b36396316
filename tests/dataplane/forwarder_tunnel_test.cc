// TUN forwarding: the client's packet, unchanged, in ipip, GUE or GRE to
// the real server, from the router's address on the egress port; and the
// ICMP error that tells a client its packets do not fit the tunnel.
#include <gtest/gtest.h>

#include <vector>

#include "dataplane/checksum.h"
#include "dataplane/forwarder.h"
#include "tests/dataplane/packet_builder.h"
#include "tests/dataplane/test_table.h"

namespace sluice::dp {
namespace {

using testing::buildFrame;
using testing::ip;
using testing::kExt;
using testing::kInt;
using testing::Lab;

constexpr uint16_t kHeadroom = 128;

// A frame placed after kHeadroom free bytes, as an mbuf holds it.
struct Buffer {
  std::vector<uint8_t> bytes;
  uint32_t len;
  explicit Buffer(const std::vector<uint8_t>& frame) : bytes(kHeadroom + frame.size()), len(static_cast<uint32_t>(frame.size())) {
    std::copy(frame.begin(), frame.end(), bytes.begin() + kHeadroom);
  }
  uint8_t* data() { return bytes.data() + kHeadroom; }
  // The frame after the verdict.
  std::vector<uint8_t> out(const Verdict& v) const {
    const auto begin = bytes.begin() + kHeadroom - v.prepend;
    return {begin, begin + (v.length ? v.length : len)};
  }
};

std::vector<uint8_t> syn(const char* client, const char* vip, uint16_t port, std::size_t payload = 5) {
  testing::FrameSpec s;
  s.src = {client, 40000};
  s.dst = {vip, port};
  s.tcpFlags = kTcpSyn;
  s.payload.assign(payload, 'x');
  return buildFrame(s);
}

// Sets an IPv4 frame's DF bit (and its header checksum).
void setDontFragment(std::vector<uint8_t>& f) {
  f[14 + 6] |= 0x40;
  storeBe16(&f[14 + 10], 0);
  storeBe16(&f[14 + 10], csumFinish(csumAdd(0, &f[14], 20)));
}

bool sumsToZero(const uint8_t* p, std::size_t n, uint32_t start = 0) { return csumFold(csumAdd(start, p, n)) == 0xFFFF; }

struct TunLab {
  Lab lab;
  Forwarder f{0, 1024, ConnTimeouts{}};
  explicit TunLab(Tunnel t, const char* vip = "10.0.0.1") {
    lab.addService(vip, 80, kProtoTcp, {1}, "rr", FwdMethod::kTun);
    lab.table->servers.back().tunnel = t;
    lab.attach(f);
  }
  Verdict send(Buffer& b) { return f.process(b.data(), b.len, 1000, kNoPort, kHeadroom); }
};

TEST(ForwarderTunnel, IpipCarriesTheClientsPacketUnchanged) {
  TunLab t({TunnelType::kIpip});
  const std::vector<uint8_t> in = syn("10.0.0.101", "10.0.0.1", 80);
  Buffer b(in);
  const Verdict v = t.send(b);
  ASSERT_EQ(v.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(v.port, kInt);
  EXPECT_EQ(v.prepend, 20);
  const std::vector<uint8_t> out = b.out(v);
  ASSERT_EQ(out.size(), in.size() + 20);
  EXPECT_EQ(out[5], 0x20);   // to the real server's MAC
  EXPECT_EQ(out[11], 0xE1);  // from the internal port's
  const uint8_t* outer = out.data() + 14;
  EXPECT_EQ(outer[9], 4);    // IP in IP
  EXPECT_EQ(outer[8], 64);   // the inner TTL
  EXPECT_EQ(loadBe16(outer + 2), in.size() - 14 + 20);
  EXPECT_TRUE(sumsToZero(outer, 20));
  IpAddr src{}, dst{};
  std::memcpy(src.b, outer + 12, 4);
  std::memcpy(dst.b, outer + 16, 4);
  EXPECT_EQ(src, ip("192.168.1.2"));   // the router on the egress port
  EXPECT_EQ(dst, ip("192.168.1.20"));  // the real server
  // The inner packet is the client's, byte for byte (DR-like: no NAT).
  EXPECT_TRUE(std::equal(in.begin() + 14, in.end(), out.begin() + 34));
  EXPECT_EQ(t.f.counters().dests[0].conns.get(), 1u);
}

TEST(ForwarderTunnel, Ipv6InIpv6) {
  TunLab t({TunnelType::kIpip}, "fd00:10::1");
  const std::vector<uint8_t> in = syn("fd00:10::101", "fd00:10::1", 80);
  Buffer b(in);
  const Verdict v = t.send(b);
  ASSERT_EQ(v.kind, Verdict::Kind::kTransmit);
  const std::vector<uint8_t> out = b.out(v);
  ASSERT_EQ(out.size(), in.size() + 40);
  EXPECT_EQ(loadBe16(&out[12]), 0x86DD);
  EXPECT_EQ(out[14 + 6], 41);  // IPv6 in IPv6
  EXPECT_EQ(loadBe16(&out[14 + 4]), in.size() - 14);
  EXPECT_TRUE(std::equal(in.begin() + 14, in.end(), out.begin() + 54));
}

TEST(ForwarderTunnel, GreWithItsChecksum) {
  TunLab t({TunnelType::kGre, 0, true});
  const std::vector<uint8_t> in = syn("10.0.0.101", "10.0.0.1", 80, 33);  // an odd length
  Buffer b(in);
  const Verdict v = t.send(b);
  ASSERT_EQ(v.kind, Verdict::Kind::kTransmit);
  const std::vector<uint8_t> out = b.out(v);
  ASSERT_EQ(out.size(), in.size() + 28);
  EXPECT_EQ(out[14 + 9], 47);
  const uint8_t* gre = out.data() + 34;
  EXPECT_EQ(loadBe16(gre), 0x8000);      // C bit, version 0
  EXPECT_EQ(loadBe16(gre + 2), 0x0800);  // IPv4 inside
  EXPECT_TRUE(sumsToZero(gre, out.size() - 34));
  EXPECT_TRUE(std::equal(in.begin() + 14, in.end(), out.begin() + 42));
}

TEST(ForwarderTunnel, GueToItsPortWithAUdpChecksum) {
  TunLab t({TunnelType::kGue, 6080, true});
  const std::vector<uint8_t> in = syn("10.0.0.101", "10.0.0.1", 80);
  Buffer b(in);
  const Verdict v = t.send(b);
  ASSERT_EQ(v.kind, Verdict::Kind::kTransmit);
  const std::vector<uint8_t> out = b.out(v);
  ASSERT_EQ(out.size(), in.size() + 32);
  EXPECT_EQ(out[14 + 9], kProtoUdp);
  const uint8_t* udp = out.data() + 34;
  EXPECT_GE(loadBe16(udp), 49152);
  EXPECT_EQ(loadBe16(udp + 2), 6080);
  EXPECT_EQ(loadBe16(udp + 4), out.size() - 34);
  EXPECT_EQ(udp[8], 0);  // GUE version 0, no options
  EXPECT_EQ(udp[9], 4);  // IPv4 inside
  uint8_t pseudo[12] = {};
  std::memcpy(pseudo, out.data() + 26, 8);  // outer source and destination
  pseudo[9] = kProtoUdp;
  storeBe16(pseudo + 10, static_cast<uint16_t>(out.size() - 34));
  EXPECT_TRUE(sumsToZero(udp, out.size() - 34, csumAdd(0, pseudo, 12)));
  // Without csum the UDP checksum is 0.
  TunLab plain({TunnelType::kGue, 6080, false});
  Buffer b2(in);
  const Verdict v2 = plain.send(b2);
  ASSERT_EQ(v2.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(loadBe16(b2.out(v2).data() + 34 + 6), 0);
}

TEST(ForwarderTunnel, TooBigForTheTunnelTellsTheClientTheMtuThatFits) {
  TunLab t({TunnelType::kIpip});
  t.lab.table->ports[kInt].mtu = 1000;
  t.f.setTable(t.lab.table.get());
  std::vector<uint8_t> in = syn("10.0.0.101", "10.0.0.1", 80, 1200);
  setDontFragment(in);
  Buffer b(in);
  const Verdict v = t.send(b);
  ASSERT_EQ(v.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(v.port, kExt);
  const std::vector<uint8_t> out = b.out(v);
  ASSERT_EQ(out.size(), 14u + 576);
  const ParsedPacket p = testing::parseFrame(out);
  EXPECT_EQ(p.l4Proto, kProtoIcmp);
  EXPECT_EQ(p.tuple.dst, ip("10.0.0.101") ) << "to the client";
  const uint8_t* icmp = out.data() + 34;
  EXPECT_EQ(icmp[0], 3);
  EXPECT_EQ(icmp[1], 4);
  EXPECT_EQ(loadBe16(icmp + 6), 980);  // 1000 less the outer header
  EXPECT_EQ(testing::checkChecksums(out), "");
  EXPECT_TRUE(std::equal(in.begin() + 14, in.begin() + 14 + 548, out.begin() + 42));  // the quote
  EXPECT_EQ(t.f.counters().icmpTooBig.get(), 1u);

  // Without DF it is not fragmented: dropped and counted.
  Buffer b2(syn("10.0.0.102", "10.0.0.1", 80, 1200));
  EXPECT_EQ(t.send(b2).kind, Verdict::Kind::kDrop);
  EXPECT_EQ(t.f.counters().drops[static_cast<std::size_t>(DropReason::kMtuExceeded)].get(), 1u);
}

TEST(ForwarderTunnel, Ipv6PacketTooBig) {
  TunLab t({TunnelType::kIpip}, "fd00:10::1");
  t.lab.table->ports[kInt].mtu = 1300;
  t.f.setTable(t.lab.table.get());
  const std::vector<uint8_t> in = syn("fd00:10::101", "fd00:10::1", 80, 1400);
  Buffer b(in);
  const Verdict v = t.send(b);
  ASSERT_EQ(v.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(v.port, kExt);
  const std::vector<uint8_t> out = b.out(v);
  ASSERT_EQ(out.size(), 14u + 1280);
  const uint8_t* icmp = out.data() + 54;
  EXPECT_EQ(icmp[0], 2);
  EXPECT_EQ(loadBe32(icmp + 4), 1260u);
  EXPECT_EQ(testing::checkChecksums(out), "");
}

TEST(ForwarderTunnel, NoHeadroomIsADrop) {
  TunLab t({TunnelType::kIpip});
  std::vector<uint8_t> in = syn("10.0.0.101", "10.0.0.1", 80);
  const Verdict v = t.f.process(in.data(), static_cast<uint32_t>(in.size()), 1000, kNoPort, 0);
  EXPECT_EQ(v.kind, Verdict::Kind::kDrop);
  EXPECT_EQ(v.reason, DropReason::kNoHeadroom);
}

}  // namespace
}  // namespace sluice::dp
