// Sync datagrams as Ethernet frames: what syncFrame() builds is read back
// field by field (the headers checked with checksums written out here,
// independently of wire/checksum.h), parses back whole, and every damage
// (checksum, truncation, another protocol) is refused with its reason.
#include "controlplane/connsync/sync_frame.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "controlplane/failover/advert_frame.h"
#include "vrrp/ip_checks.h"

namespace sluice::connsync {
namespace {

const dp::MacAddr kMac{{0x02, 0, 0, 0, 0, 0x12}};

wire::IpAddress addr(const std::string& text) {
  wire::IpAddress a;
  if (text.find(':') != std::string::npos) {
    a.family = wire::IpFamily::kV6;
    EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), a.bytes.data()), 1) << text;
  } else {
    EXPECT_EQ(inet_pton(AF_INET, text.c_str(), a.bytes.data()), 1) << text;
  }
  return a;
}

uint16_t be16(const std::vector<uint8_t>& f, std::size_t at) { return static_cast<uint16_t>(f[at] << 8 | f[at + 1]); }

// RFC 1071 over several pieces (each of even length but the last).
uint32_t sumOf(uint32_t sum, const uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; i += 2) {
    sum += static_cast<uint32_t>(p[i] << 8 | (i + 1 < n ? p[i + 1] : 0));
  }
  return sum;
}
uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The UDP checksum's sum over the pseudo-header and the datagram (with its
// checksum field as it is): 0xffff when the checksum is right.
uint16_t udpVerify(const wire::IpAddress& src, const wire::IpAddress& dst, const uint8_t* udp, std::size_t n) {
  const std::size_t a = src.isV6() ? 16 : 4;
  uint32_t sum = sumOf(0, src.bytes.data(), a);
  sum = sumOf(sum, dst.bytes.data(), a);
  sum += 17;
  sum += static_cast<uint32_t>(n);
  return fold(sumOf(sum, udp, n));
}

SyncFrameHeader header4() {
  SyncFrameHeader h;
  h.srcMac = kMac;
  h.source = addr("192.168.1.254");
  h.group = addr("224.0.0.81");
  h.port = 8848;
  h.ttl = 3;
  h.id = 0x1234;
  return h;
}

std::vector<uint8_t> payloadOf(std::size_t n) {
  std::vector<uint8_t> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(i * 7 + 1);
  return p;
}

// catches: a frame that leaves with the wrong destination MAC (a switch
// would not flood it as multicast), TTL, addresses, ports or checksums,
// and a parser that loses any of them.
TEST(SyncFrame, AnIpv4FrameCarriesEveryFieldAndParsesBack) {
  const std::vector<uint8_t> payload = payloadOf(101);  // odd: the checksum's last byte is padded
  const Frame f = syncFrame(header4(), payload);
  ASSERT_EQ(f.size(), 14u + 20u + 8u + payload.size());
  // Ethernet: the group's multicast MAC, ours, IPv4.
  EXPECT_EQ(std::vector<uint8_t>(f.begin(), f.begin() + 6), (std::vector<uint8_t>{0x01, 0x00, 0x5e, 0x00, 0x00, 0x51}));
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + 6, f.begin() + 12), (std::vector<uint8_t>{0x02, 0, 0, 0, 0, 0x12}));
  EXPECT_EQ(be16(f, 12), 0x0800);
  // IPv4: no options, TOS 0, the lengths, id, no fragment bits, TTL, UDP.
  const std::size_t ip = 14;
  EXPECT_EQ(f[ip], 0x45);
  EXPECT_EQ(f[ip + 1], 0);
  EXPECT_EQ(be16(f, ip + 2), 20 + 8 + payload.size());
  EXPECT_EQ(be16(f, ip + 4), 0x1234);
  EXPECT_EQ(be16(f, ip + 6), 0);
  EXPECT_EQ(f[ip + 8], 3);
  EXPECT_EQ(f[ip + 9], 17);
  EXPECT_EQ(fold(sumOf(0, f.data() + ip, 20)), 0xffff) << "IPv4 header checksum";
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + ip + 12, f.begin() + ip + 16), (std::vector<uint8_t>{192, 168, 1, 254}));
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + ip + 16, f.begin() + ip + 20), (std::vector<uint8_t>{224, 0, 0, 81}));
  // UDP: the sync port both ways, its length, a checksum that verifies.
  const std::size_t udp = ip + 20;
  EXPECT_EQ(be16(f, udp), 8848);
  EXPECT_EQ(be16(f, udp + 2), 8848);
  EXPECT_EQ(be16(f, udp + 4), 8 + payload.size());
  EXPECT_NE(be16(f, udp + 6), 0) << "IPVS's sync daemon sends a checksum";
  EXPECT_EQ(udpVerify(addr("192.168.1.254"), addr("224.0.0.81"), f.data() + udp, 8 + payload.size()), 0xffff);
  EXPECT_EQ(std::vector<uint8_t>(f.begin() + udp + 8, f.end()), payload);

  const ParsedUdp p = parseUdpFrame(f);
  ASSERT_TRUE(p.datagram);
  EXPECT_EQ(p.why, UdpRefusal::kNone);
  EXPECT_EQ(p.datagram->srcMac, kMac);
  EXPECT_EQ(p.datagram->source, addr("192.168.1.254"));
  EXPECT_EQ(p.datagram->destination, addr("224.0.0.81"));
  EXPECT_EQ(p.datagram->sourcePort, 8848);
  EXPECT_EQ(p.datagram->destinationPort, 8848);
  EXPECT_EQ(std::vector<uint8_t>(p.datagram->payload.begin(), p.datagram->payload.end()), payload);
}

// catches: Ethernet padding taken as payload (a sync datagram's size field
// must equal the payload's length, or the decoder refuses it).
TEST(SyncFrame, AShortFrameIsPaddedAndThePaddingIsNotPayload) {
  const std::vector<uint8_t> payload = {1, 2, 3, 4};
  SyncFrameHeader h = header4();
  h.port = 9000;
  const Frame f = syncFrame(h, payload);
  ASSERT_EQ(f.size(), 60u);
  const ParsedUdp p = parseUdpFrame(f);
  ASSERT_TRUE(p.datagram);
  EXPECT_EQ(p.datagram->sourcePort, 9000);
  EXPECT_EQ(p.datagram->destinationPort, 9000);
  EXPECT_EQ(std::vector<uint8_t>(p.datagram->payload.begin(), p.datagram->payload.end()), payload);
}

// catches: a checksum that comes out 0 sent as 0 (UDP over IPv4 reads
// that as "no checksum"); RFC 768 sends 0xffff instead.
TEST(SyncFrame, AChecksumOfZeroIsSentAsAllOnes) {
  std::vector<uint8_t> payload = payloadOf(16);
  payload[14] = 0;
  payload[15] = 0;
  const Frame first = syncFrame(header4(), payload);
  const uint16_t check = be16(first, 14 + 20 + 6);
  ASSERT_NE(check, 0xffff) << "pick another payload: this one already sums to 0";
  // The checksum's value in the last two payload bytes makes the sum all
  // ones, so the computed checksum is 0.
  payload[14] = static_cast<uint8_t>(check >> 8);
  payload[15] = static_cast<uint8_t>(check);
  const Frame f = syncFrame(header4(), payload);
  EXPECT_EQ(be16(f, 14 + 20 + 6), 0xffff);
  EXPECT_EQ(udpVerify(addr("192.168.1.254"), addr("224.0.0.81"), f.data() + 34, 8 + payload.size()), 0xffff);
  EXPECT_TRUE(parseUdpFrame(f).datagram);
}

// catches: a damaged datagram handed to the decoder (the checksum not
// verified, or verified over the wrong bytes).
TEST(SyncFrame, ACorruptedDatagramIsRefusedForItsChecksum) {
  const std::vector<uint8_t> payload = payloadOf(64);
  const Frame good = syncFrame(header4(), payload);
  ASSERT_TRUE(parseUdpFrame(good).datagram);
  const std::size_t udp = 34;

  Frame badSum = good;
  badSum[udp + 7] ^= 0x01;
  EXPECT_FALSE(parseUdpFrame(badSum).datagram);
  EXPECT_EQ(parseUdpFrame(badSum).why, UdpRefusal::kBadChecksum);

  Frame badPayload = good;
  badPayload[udp + 8 + 30] ^= 0x80;
  EXPECT_EQ(parseUdpFrame(badPayload).why, UdpRefusal::kBadChecksum);

  Frame badPort = good;
  badPort[udp + 1] ^= 0x01;
  EXPECT_EQ(parseUdpFrame(badPort).why, UdpRefusal::kBadChecksum);

  // The pseudo-header counts: the same UDP bytes from another source fail.
  Frame otherSource = good;
  otherSource[14 + 15] ^= 0x01;
  // (the IP header's own checksum is not the parser's business here; fix it
  // so that only the UDP checksum is wrong)
  otherSource[14 + 10] = 0;
  otherSource[14 + 11] = 0;
  const uint16_t ipSum = static_cast<uint16_t>(~fold(sumOf(0, otherSource.data() + 14, 20)));
  otherSource[14 + 10] = static_cast<uint8_t>(ipSum >> 8);
  otherSource[14 + 11] = static_cast<uint8_t>(ipSum);
  EXPECT_EQ(parseUdpFrame(otherSource).why, UdpRefusal::kBadChecksum);
}

// catches: an IPv4 datagram without a checksum (0: RFC 768's "none")
// refused; the kernel takes such datagrams.
TEST(SyncFrame, AnIpv4DatagramWithoutChecksumIsTaken) {
  const std::vector<uint8_t> payload = payloadOf(40);
  Frame f = syncFrame(header4(), payload);
  f[34 + 6] = 0;
  f[34 + 7] = 0;
  const ParsedUdp p = parseUdpFrame(f);
  ASSERT_TRUE(p.datagram);
  EXPECT_EQ(p.datagram->payload.size(), payload.size());
}

// catches: reading past the frame, or a datagram whose UDP length claims
// more than the frame holds taken with what is there.
TEST(SyncFrame, TruncatedFramesAreRefused) {
  const std::vector<uint8_t> payload = payloadOf(80);
  const Frame f = syncFrame(header4(), payload);
  for (std::size_t n = 0; n < f.size(); ++n) {
    SCOPED_TRACE("cut to " + std::to_string(n) + " bytes");
    const ParsedUdp p = parseUdpFrame(std::span(f.data(), n));
    EXPECT_FALSE(p.datagram);
    // With its IP header whole, the frame is UDP cut short; before that it
    // is not an IP packet at all.
    EXPECT_EQ(p.why, n >= 14 + 20 ? UdpRefusal::kTruncated : UdpRefusal::kNotUdp);
  }
  // A UDP length below its header, or past the IP payload.
  Frame shortLength = f;
  shortLength[34 + 4] = 0;
  shortLength[34 + 5] = 7;
  EXPECT_EQ(parseUdpFrame(shortLength).why, UdpRefusal::kTruncated);
  Frame longLength = f;
  longLength[34 + 4] = 0;
  longLength[34 + 5] = static_cast<uint8_t>(8 + payload.size() + 1);
  EXPECT_EQ(parseUdpFrame(longLength).why, UdpRefusal::kTruncated);
}

// catches: VRRP adverts, ARP or TCP taken for sync datagrams (the caller
// must hand them on to the failover and neighbour code).
TEST(SyncFrame, OtherFramesAreNotUdp) {
  const std::array<uint8_t, 20> advert{};
  const Frame vrrpFrame =
      failover::advertFrame({kMac, failover::multicastMac(vrrp::kMulticastV4), addr("10.0.0.2"), vrrp::kMulticastV4,
                             vrrp::kProtocolVrrp, 1},
                            advert);
  EXPECT_FALSE(parseUdpFrame(vrrpFrame).datagram);
  EXPECT_EQ(parseUdpFrame(vrrpFrame).why, UdpRefusal::kNotUdp);

  failover::AdvertHeader tcp;
  tcp.srcMac = kMac;
  tcp.source = addr("10.0.0.2");
  tcp.destination = addr("10.0.0.1");
  tcp.protocol = 6;
  const std::array<uint8_t, 20> segment{};
  EXPECT_EQ(parseUdpFrame(failover::advertFrame(tcp, segment)).why, UdpRefusal::kNotUdp);

  Frame arp(60, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_EQ(parseUdpFrame(arp).why, UdpRefusal::kNotUdp);

  // A UDP fragment is not taken either (parseIpFrame leaves fragments).
  Frame fragment = syncFrame(header4(), payloadOf(20));
  fragment[14 + 6] = 0x20;  // more fragments
  EXPECT_EQ(parseUdpFrame(fragment).why, UdpRefusal::kNotUdp);
}

// catches: the IPv6 group's MAC (33:33 + the group's last 4 bytes), the
// hop limit, or the mandatory IPv6 UDP checksum wrong.
TEST(SyncFrame, AnIpv6GroupWorks) {
  SyncFrameHeader h;
  h.srcMac = kMac;
  h.source = addr("fd00:192:168:1::254");
  h.group = addr("ff02::81");
  h.port = 8848;
  h.ttl = 1;
  const std::vector<uint8_t> payload = payloadOf(77);
  const Frame f = syncFrame(h, payload);
  ASSERT_EQ(f.size(), 14u + 40u + 8u + payload.size());
  EXPECT_EQ(std::vector<uint8_t>(f.begin(), f.begin() + 6), (std::vector<uint8_t>{0x33, 0x33, 0, 0, 0, 0x81}));
  EXPECT_EQ(be16(f, 12), 0x86dd);
  EXPECT_EQ(f[14] >> 4, 6);
  EXPECT_EQ(be16(f, 14 + 4), 8 + payload.size());
  EXPECT_EQ(f[14 + 6], 17);
  EXPECT_EQ(f[14 + 7], 1);  // hop limit
  EXPECT_EQ(udpVerify(h.source, h.group, f.data() + 54, 8 + payload.size()), 0xffff);

  const ParsedUdp p = parseUdpFrame(f);
  ASSERT_TRUE(p.datagram);
  EXPECT_EQ(p.datagram->source, h.source);
  EXPECT_EQ(p.datagram->destination, h.group);
  EXPECT_EQ(p.datagram->srcMac, kMac);
  EXPECT_EQ(std::vector<uint8_t>(p.datagram->payload.begin(), p.datagram->payload.end()), payload);

  // IPv6 has no "no checksum": a zero field is a wrong one.
  Frame zero = f;
  zero[54 + 6] = 0;
  zero[54 + 7] = 0;
  EXPECT_EQ(parseUdpFrame(zero).why, UdpRefusal::kBadChecksum);
  Frame bad = f;
  bad[54 + 8 + 5] ^= 0x10;
  EXPECT_EQ(parseUdpFrame(bad).why, UdpRefusal::kBadChecksum);
}

// catches: the source MAC read from the wrong offset, or a tagged frame
// not parsed (a VLAN port passes frames up with their tag).
TEST(SyncFrame, ATaggedFrameParsesWithItsSourceMac) {
  const std::vector<uint8_t> payload = payloadOf(50);
  const Frame plain = syncFrame(header4(), payload);
  Frame tagged(plain.begin(), plain.begin() + 12);
  for (uint8_t b : {0x81, 0x00, 0x00, 0x0a}) tagged.push_back(b);  // VLAN 10
  tagged.insert(tagged.end(), plain.begin() + 12, plain.end());
  const ParsedUdp p = parseUdpFrame(tagged);
  ASSERT_TRUE(p.datagram);
  EXPECT_EQ(p.datagram->srcMac, kMac);
  EXPECT_EQ(p.datagram->destination, addr("224.0.0.81"));
  EXPECT_EQ(std::vector<uint8_t>(p.datagram->payload.begin(), p.datagram->payload.end()), payload);
}

}  // namespace
}  // namespace sluice::connsync
