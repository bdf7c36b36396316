// Advert frames: what the driver sends decodes with the VRRP library's
// receive path; headers are checked against an independent checksum; other
// frames are left for ARP/ND.
#include "controlplane/failover/advert_frame.h"

#include <gtest/gtest.h>

#include <array>

#include "vrrp/packet.h"
#include "vrrp/receive.h"

namespace sluice::failover {
namespace {

const dp::MacAddr kMac{{0x02, 0, 0, 0, 1, 1}};

wire::IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return wire::IpAddress::v4(a, b, c, d); }

// RFC 1071, written out independently of wire/checksum.h.
uint16_t ipChecksum(const uint8_t* p, std::size_t n) {
  uint32_t sum = 0;
  for (std::size_t i = 0; i < n; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

TEST(AdvertFrame, AnIpv4AdvertRoundTripsThroughTheReceiveChecks) {
  const std::array<wire::IpAddress, 1> vips = {v4(10, 0, 0, 1)};
  vrrp::AdvertFields f;
  f.vrid = 50;
  f.addresses = vips;
  f.source = v4(10, 0, 0, 2);
  f.destination = vrrp::kMulticastV4;
  std::array<uint8_t, 64> msg;
  const auto size = vrrp::encodeAdvert(f, msg);
  ASSERT_TRUE(size);
  const Frame frame = advertFrame({kMac, multicastMac(vrrp::kMulticastV4), f.source, f.destination,
                                   vrrp::kProtocolVrrp, 7},
                                  std::span<const uint8_t>(msg.data(), size.value()));
  ASSERT_EQ(frame.size(), 60u);  // padded to the Ethernet minimum
  EXPECT_EQ(ipChecksum(frame.data() + 14, 20), 0);
  EXPECT_EQ(frame[14 + 1], 0xc0);  // TOS internet control, as keepalived

  const auto parsed = parseAdvertFrame(frame);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->ip.ttl, 255);
  EXPECT_EQ(parsed->ip.id, 7);
  EXPECT_EQ(parsed->payload.size(), size.value());  // padding cut
  vrrp::ReceiveExpectations e;
  e.instance.vrid = 50;
  e.instance.addresses = vips;
  const auto advert = vrrp::receiveAdvert(parsed->ip, parsed->payload, e, nullptr);
  ASSERT_TRUE(advert) << vrrp::decodeErrorName(advert.error());
  EXPECT_EQ(advert->priority, 100);
}

TEST(AdvertFrame, TaggedFramesParseAndOtherFramesAreNotAdverts) {
  const std::array<uint8_t, 20> payload{};
  Frame frame = advertFrame({kMac, multicastMac(vrrp::kMulticastV4), v4(10, 0, 0, 2), vrrp::kMulticastV4,
                             vrrp::kProtocolVrrp, 1},
                            payload);
  Frame tagged(frame.begin(), frame.begin() + 12);
  for (uint8_t b : {0x81, 0x00, 0x00, 0x05}) tagged.push_back(b);
  tagged.insert(tagged.end(), frame.begin() + 12, frame.end());
  EXPECT_TRUE(parseAdvertFrame(tagged));

  Frame tcp = frame;
  tcp[14 + 9] = 6;
  EXPECT_FALSE(parseAdvertFrame(tcp));
  Frame arp = frame;
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_FALSE(parseAdvertFrame(arp));
  EXPECT_FALSE(parseAdvertFrame(std::span<const uint8_t>(frame.data(), 20)));
  Frame fragment = frame;
  fragment[14 + 6] = 0x20;  // more fragments
  EXPECT_FALSE(parseAdvertFrame(fragment));
}

TEST(AdvertFrame, AShortIpv4FrameIsALengthErrorNotAnOverread) {
  const std::array<uint8_t, 20> payload{};
  Frame frame = advertFrame({kMac, multicastMac(vrrp::kMulticastV4), v4(10, 0, 0, 2), vrrp::kMulticastV4,
                             vrrp::kProtocolVrrp, 1},
                            payload);
  frame[14 + 2] = 0x05;  // total length 1300: more than the frame holds
  const auto parsed = parseAdvertFrame(frame);
  ASSERT_TRUE(parsed);
  EXPECT_NE(parsed->ip.totalLength, parsed->ip.receivedLength);
  EXPECT_LE(14 + 20 + parsed->payload.size(), frame.size());
}

TEST(AdvertFrame, GroupMacsAndLinkLocalAddresses) {
  EXPECT_EQ(multicastMac(vrrp::kMulticastV4), (dp::MacAddr{{0x01, 0x00, 0x5e, 0, 0, 0x12}}));
  EXPECT_EQ(multicastMac(vrrp::kMulticastV6), (dp::MacAddr{{0x33, 0x33, 0, 0, 0, 0x12}}));
  const wire::IpAddress ll = linkLocalOf(dp::MacAddr{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}});
  const std::array<uint8_t, 16> want = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56};
  EXPECT_EQ(ll.bytes, want);
}

}  // namespace
}  // namespace sluice::failover
