// The frame readers and writers on their own: what they accept, and the
// frames the router sends unprompted.
#include "controlplane/neighbours/frames.h"

#include <gtest/gtest.h>

#include "tests/controlplane/neighbours/frame_util.h"

namespace sluice::neighbours {
namespace {

using namespace testing;  // NOLINT: the frame helpers

const dp::MacAddr kUs = macOf(0x02, 0, 0, 0, 0, 0x01);
const dp::MacAddr kHost = macOf(0x02, 0xaa, 0, 0, 0, 0x50);

TEST(Frames, ParseL2UntaggedAndTagged) {
  ArpSpec s;
  s.sha = kHost;
  s.spa = "10.0.0.50";
  s.tpa = "10.0.0.2";
  const Bytes plain = arpFrame(s);
  const auto l2 = parseL2(plain);
  ASSERT_TRUE(l2);
  EXPECT_EQ(l2->dst, kBroadcast);
  EXPECT_EQ(l2->src, kHost);
  EXPECT_FALSE(l2->vlanTci);
  EXPECT_EQ(l2->etherType, 0x0806);
  EXPECT_EQ(l2->payload, 14u);

  s.vlanTci = 0xe00f;
  const Bytes tagged = arpFrame(s);
  const auto t = parseL2(tagged);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->vlanTci, 0xe00f);
  EXPECT_EQ(t->etherType, 0x0806);
  EXPECT_EQ(t->payload, 18u);

  const auto arp = parseArp(tagged, *t);
  ASSERT_TRUE(arp);
  EXPECT_EQ(arp->op, 1);
  EXPECT_EQ(arp->senderMac, kHost);
  EXPECT_EQ(arp->senderIp, ip("10.0.0.50"));
  EXPECT_EQ(arp->targetIp, ip("10.0.0.2"));

  EXPECT_FALSE(parseL2(Bytes(13, 0)));
  EXPECT_FALSE(parseL2(slice(tagged, 0, 17)));  // a tag without its type
}

TEST(Frames, ParseArpRefusesOtherHardwareAndOps) {
  ArpSpec s;
  s.sha = kHost;
  s.spa = "10.0.0.50";
  s.tpa = "10.0.0.2";
  Bytes f = arpFrame(s);
  const L2 l2 = *parseL2(f);
  ASSERT_TRUE(parseArp(f, l2));
  Bytes op3 = f;
  op3[21] = 3;  // RARP request
  EXPECT_FALSE(parseArp(op3, l2));
  Bytes ieee = f;
  ieee[15] = 6;  // IEEE 802 hardware
  EXPECT_FALSE(parseArp(ieee, l2));
  Bytes v6len = f;
  v6len[19] = 16;
  EXPECT_FALSE(parseArp(v6len, l2));
}

TEST(Frames, ParseNdReadsTheSolicitation) {
  NdSpec s;
  s.ethSrc = kHost;
  s.src = "fd00::50";
  s.target = "fd00::2";
  s.linkAddr = kHost;
  const Bytes f = ndFrame(s);
  const auto nd = parseNd(f, *parseL2(f));
  ASSERT_TRUE(nd);
  EXPECT_EQ(nd->type, 135);
  EXPECT_EQ(nd->src, ip("fd00::50"));
  EXPECT_EQ(nd->dst, ip("ff02::1:ff00:2"));
  EXPECT_EQ(nd->target, ip("fd00::2"));
  ASSERT_TRUE(nd->linkAddr);
  EXPECT_EQ(*nd->linkAddr, kHost);

  s.linkAddr.reset();
  const Bytes bare = ndFrame(s);
  const auto noOption = parseNd(bare, *parseL2(bare));
  ASSERT_TRUE(noOption);
  EXPECT_FALSE(noOption->linkAddr);
}

TEST(Frames, ParseNdTakesOnlyTheOptionOfItsKind) {
  // An advertisement carrying a source (not target) link-layer option.
  NdSpec s;
  s.type = 136;
  s.ethSrc = kHost;
  s.src = "fd00::50";
  s.target = "fd00::50";
  s.linkAddr = kHost;
  Bytes f = ndFrame(s);
  const L2 l2 = *parseL2(f);
  ASSERT_TRUE(parseNd(f, l2));
  EXPECT_TRUE(parseNd(f, l2)->linkAddr);
  // Turn the option into type 1 and fix the checksum by hand.
  Bytes msg = slice(f, 54, 32);
  msg[24] = 1;
  const uint16_t sum = icmpv6Checksum("fd00::50", "ff02::1", msg);
  msg[2] = static_cast<uint8_t>(sum >> 8);
  msg[3] = static_cast<uint8_t>(sum);
  std::copy(msg.begin(), msg.end(), f.begin() + 54);
  const auto nd = parseNd(f, l2);
  ASSERT_TRUE(nd);
  EXPECT_FALSE(nd->linkAddr);
}

TEST(Frames, ParseEchoRequestBothFamilies) {
  const Bytes v4 = echo4Frame(kUs, kHost, "10.0.0.50", "10.0.0.2");
  const auto e4 = parseEchoRequest(v4, *parseL2(v4));
  ASSERT_TRUE(e4);
  EXPECT_FALSE(e4->v6);
  EXPECT_EQ(e4->src, ip("10.0.0.50"));
  EXPECT_EQ(e4->dst, ip("10.0.0.2"));

  const Bytes v6 = echo6Frame(kUs, kHost, "fd00::50", "fd00::2");
  const auto e6 = parseEchoRequest(v6, *parseL2(v6));
  ASSERT_TRUE(e6);
  EXPECT_TRUE(e6->v6);
  EXPECT_EQ(e6->src, ip("fd00::50"));
  EXPECT_EQ(e6->dst, ip("fd00::2"));

  // An echo reply is not a request.
  Bytes reply = v4;
  reply[34] = 0;
  EXPECT_FALSE(parseEchoRequest(reply, *parseL2(reply)));
  Bytes later = v4;
  later[20] = 0x00;
  later[21] = 0x10;  // a fragment at offset 128
  EXPECT_FALSE(parseEchoRequest(later, *parseL2(later)));
}

TEST(Frames, GratuitousArpAnnouncesTheAddress) {
  const Frame f = gratuitousArp(kUs, ip("10.0.0.1"));
  ASSERT_EQ(f.size(), 60u);
  EXPECT_EQ(slice(f, 0, 6), macBytes(kBroadcast));
  EXPECT_EQ(slice(f, 6, 6), macBytes(kUs));
  EXPECT_EQ(be16At(f, 12), 0x0806);
  EXPECT_EQ(be16At(f, 14), 1);
  EXPECT_EQ(be16At(f, 16), 0x0800);
  EXPECT_EQ(f[18], 6);
  EXPECT_EQ(f[19], 4);
  EXPECT_EQ(be16At(f, 20), 1);
  EXPECT_EQ(slice(f, 22, 6), macBytes(kUs));
  EXPECT_EQ(slice(f, 28, 4), addrBytes("10.0.0.1"));
  EXPECT_EQ(slice(f, 38, 4), addrBytes("10.0.0.1"));  // sender and target address alike
}

TEST(Frames, UnsolicitedAdvertAnnouncesTheAddressToAllNodes) {
  const Frame f = unsolicitedNeighbourAdvert(kUs, ip("fd00::1"));
  EXPECT_EQ(slice(f, 0, 6), (Bytes{0x33, 0x33, 0, 0, 0, 1}));
  EXPECT_EQ(slice(f, 6, 6), macBytes(kUs));
  const auto nd = parseNd(f, *parseL2(f));  // checks hop limit 255 and the checksum
  ASSERT_TRUE(nd);
  EXPECT_EQ(nd->type, 136);
  EXPECT_EQ(nd->dst, ip("ff02::1"));
  EXPECT_EQ(nd->target, ip("fd00::1"));
  ASSERT_TRUE(nd->linkAddr);
  EXPECT_EQ(*nd->linkAddr, kUs);
  EXPECT_EQ(f[54 + 4], 0x20);  // override, not solicited
}

}  // namespace
}  // namespace sluice::neighbours
