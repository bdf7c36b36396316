// IPsec AH around VRRPv2 as keepalived sends it: known-answer ICVs computed
// outside this code base, round trips, the mutable-field rules, every
// refusal, and keepalived's sequence number handling.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <vector>

#include "tests/vrrp/test_support.h"
#include "vrrp/ah_sequence.h"
#include "vrrp/ipsec_ah.h"
#include "vrrp/packet.h"

namespace sluice::vrrp {
namespace {

using test::fromHex;
using test::ip;
using test::toHex;

const std::vector<wire::IpAddress>& vips() {
  static const std::vector<wire::IpAddress> v = {ip("10.0.0.1")};
  return v;
}

// The VRRPv2 message keepalived puts behind AH: auth type 2, zero auth data.
std::vector<uint8_t> innerAdvert(uint8_t priority = 100) {
  std::vector<uint8_t> out(64);
  auto size = encodeAdvert({.vrid = 50, .priority = priority, .addresses = vips(), .authType = AuthType::kAh}, out);
  EXPECT_TRUE(size.ok());
  out.resize(size.ok() ? size.value() : 0);
  return out;
}

Ipv4Header multicastHeader() {
  return {.source = ip("192.168.1.10"), .destination = kMulticastV4, .id = 0x1234, .ttl = 255};
}

std::vector<uint8_t> wrap(const Ipv4Header& h, uint32_t seq, const std::vector<uint8_t>& vrrp, const char* pass,
                          bool ttlIsMutable) {
  std::vector<uint8_t> out(2048);
  auto size = encodeAh(h, seq, vrrp, authKeyFromPassword(pass), ttlIsMutable, out);
  EXPECT_TRUE(size.ok()) << encodeErrorName(size.error());
  out.resize(size.ok() ? size.value() : 0);
  return out;
}

// ---------------------------------------------------------------- known answers

// The ICVs below were computed with Python's hmac/hashlib (HMAC-MD5, key
// "secret" zero padded to 8 bytes) over the bytes spelled out here:
//   IPv4 image 45 00 <total 0x0034> 12 34 00 00 <ttl> 33 00 00 c0a8010a <dst>
//   AH         70 04 0000 c0a8010a 00000001 <12 zero bytes>
//   VRRP       21 32 64 01 02 01 6eca 0a000001 0000000000000000
TEST(VrrpAhKnownAnswer, InnerAdvertIsKeepalivedsLayout) {
  EXPECT_EQ(toHex(innerAdvert()), "213264010201" "6eca" "0a000001" "0000000000000000");
}

TEST(VrrpAhKnownAnswer, MulticastCoversTtl255) {
  const auto payload = wrap(multicastHeader(), 1, innerAdvert(), "secret", false);
  EXPECT_EQ(toHex(payload), "70040000" "c0a8010a" "00000001" "59f9cc283b2c509c4870ed04"
                            "2132640102016eca0a0000010000000000000000");
}

TEST(VrrpAhKnownAnswer, UnicastZeroesTtl) {
  Ipv4Header h = multicastHeader();
  h.destination = ip("192.168.1.11");
  h.ttl = 64;  // routed: any TTL, zeroed in the ICV
  const auto payload = wrap(h, 1, innerAdvert(), "secret", true);
  EXPECT_EQ(toHex(payload.data() + 12, kAhIcvSize), "e7bd5f638995077ace951144");
}

// The ICV again, from OpenSSL called directly on a hand-built ICV input:
// RFC 2402's rule spelled out independently of vrrp/ipsec_ah.cc.
TEST(VrrpAhKnownAnswer, IcvIsHmacMd5OverTheRfc2402Input) {
  const std::vector<uint8_t> vrrp = innerAdvert(200);
  const std::vector<uint8_t> options = {0x94, 0x04, 0x00, 0x00};  // Router Alert
  Ipv4Header h = multicastHeader();
  h.options = options;
  h.id = 0xbeef;
  const auto payload = wrap(h, 77, vrrp, "passw123", false);

  std::vector<uint8_t> input = {0x46, 0x00, 0x00, static_cast<uint8_t>(24 + 24 + vrrp.size()),
                                0xbe, 0xef, 0x00, 0x00, 0xff, 51, 0x00, 0x00};
  test::append(input, h.source);
  test::append(input, h.destination);
  input.insert(input.end(), options.begin(), options.end());
  const auto ah = fromHex("70040000" "c0a8010a" "0000004d" "000000000000000000000000");
  input.insert(input.end(), ah.begin(), ah.end());
  input.insert(input.end(), vrrp.begin(), vrrp.end());

  std::array<uint8_t, EVP_MAX_MD_SIZE> md{};
  unsigned int mdSize = 0;
  const std::string key = "passw123";
  ASSERT_NE(HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()), input.data(), input.size(), md.data(), &mdSize),
            nullptr);
  EXPECT_EQ(toHex(payload.data() + 12, kAhIcvSize), toHex(md.data(), kAhIcvSize));
}

// ---------------------------------------------------------------- round trips

TEST(VrrpAh, RoundTripThroughTheCodec) {
  for (const bool unicast : {false, true}) {
    SCOPED_TRACE(unicast ? "unicast" : "multicast");
    Ipv4Header h = multicastHeader();
    if (unicast) h.destination = ip("192.168.1.11");
    const auto payload = wrap(h, 42, innerAdvert(150), "passw123", unicast);
    auto verified = verifyAh(h, payload, authKeyFromPassword("passw123"), unicast);
    ASSERT_TRUE(verified.ok()) << decodeErrorName(verified.error());
    EXPECT_EQ(verified->sequence, 42u);
    auto advert = decodeAdvert(verified->vrrp, h.source, h.destination);
    ASSERT_TRUE(advert.ok());
    EXPECT_EQ(advert->authType, AuthType::kAh);
    EXPECT_EQ(advert->priority, 150);
    EXPECT_EQ(advert->address(0), ip("10.0.0.1"));
  }
}

TEST(VrrpAh, RightPasswordPassesWrongOneFails) {
  const auto payload = wrap(multicastHeader(), 1, innerAdvert(), "passw123", false);
  EXPECT_TRUE(verifyAh(multicastHeader(), payload, authKeyFromPassword("passw123"), false).ok());
  // Only the first 8 characters are the key, as keepalived's auth_pass.
  EXPECT_TRUE(verifyAh(multicastHeader(), payload, authKeyFromPassword("passw123456"), false).ok());
  for (const char* wrong : {"passw124", "passw12", "", "PASSW123"}) {
    SCOPED_TRACE(wrong);
    auto v = verifyAh(multicastHeader(), payload, authKeyFromPassword(wrong), false);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.error(), DecodeError::kAuthFailure);
  }
}

// Which IP header changes the ICV notices.
TEST(VrrpAh, MutableAndImmutableFields) {
  struct Row {
    const char* name;
    bool ttlIsMutable;
    void (*change)(Ipv4Header&);
    bool stillValid;
  };
  const Row rows[] = {
      {"multicast: TTL is covered", false, [](Ipv4Header& h) { h.ttl = 254; }, false},
      {"unicast: TTL is not covered", true, [](Ipv4Header& h) { h.ttl = 12; }, true},
      {"id is covered", false, [](Ipv4Header& h) { h.id = 0x1235; }, false},
      {"source is covered", false, [](Ipv4Header& h) { h.source = ip("192.168.1.12"); }, false},
      {"destination is covered", false, [](Ipv4Header& h) { h.destination = ip("224.0.0.19"); }, false},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    const Ipv4Header sent = multicastHeader();
    const auto payload = wrap(sent, 5, innerAdvert(), "k", r.ttlIsMutable);
    Ipv4Header received = sent;
    r.change(received);
    EXPECT_EQ(verifyAh(received, payload, authKeyFromPassword("k"), r.ttlIsMutable).ok(), r.stillValid);
  }
}

TEST(VrrpAh, EveryRefusal) {
  const AuthKey key = authKeyFromPassword("k");
  const Ipv4Header h = multicastHeader();
  const auto good = wrap(h, 9, innerAdvert(), "k", false);
  struct Row {
    const char* name;
    void (*change)(std::vector<uint8_t>&);
    DecodeError expected;
  };
  const Row rows[] = {
      {"shorter than AH", [](std::vector<uint8_t>& p) { p.resize(23); }, DecodeError::kTooShort},
      {"empty", [](std::vector<uint8_t>& p) { p.clear(); }, DecodeError::kTooShort},
      {"longer than any VRRPv2 advert", [](std::vector<uint8_t>& p) { p.resize(24 + 1037); }, DecodeError::kTooLong},
      {"next header not VRRP", [](std::vector<uint8_t>& p) { p[0] = 6; }, DecodeError::kAhNotVrrp},
      {"AH length not 4", [](std::vector<uint8_t>& p) { p[1] = 5; }, DecodeError::kAhNotVrrp},
      {"ICV flipped", [](std::vector<uint8_t>& p) { p[20] ^= 1; }, DecodeError::kAuthFailure},
      {"VRRP byte flipped", [](std::vector<uint8_t>& p) { p.back() ^= 1; }, DecodeError::kAuthFailure},
      {"sequence changed", [](std::vector<uint8_t>& p) { p[11] ^= 1; }, DecodeError::kAuthFailure},
      {"SPI changed", [](std::vector<uint8_t>& p) { p[7] ^= 1; }, DecodeError::kAuthFailure},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    auto p = good;
    r.change(p);
    auto v = verifyAh(h, p, key, false);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(decodeErrorName(v.error()), decodeErrorName(r.expected));
  }
}

// An SPI other than the source with a valid ICV (a sender that keys its SA
// differently): refused after the ICV, as keepalived does.
TEST(VrrpAh, SpiMustBeTheSourceAddress) {
  const Ipv4Header h = multicastHeader();
  const auto vrrp = innerAdvert();
  std::vector<uint8_t> input = fromHex("4500");
  const std::size_t total = 20 + 24 + vrrp.size();
  input.insert(input.end(), {static_cast<uint8_t>(total >> 8), static_cast<uint8_t>(total), 0x12, 0x34, 0, 0, 255,
                             51, 0, 0});
  test::append(input, h.source);
  test::append(input, h.destination);
  auto payload = fromHex("70040000" "01020304" "00000003" "000000000000000000000000");
  payload.insert(payload.end(), vrrp.begin(), vrrp.end());
  input.insert(input.end(), payload.begin(), payload.end());
  std::array<uint8_t, EVP_MAX_MD_SIZE> md{};
  unsigned int mdSize = 0;
  const std::string key = "k";
  ASSERT_NE(HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()), input.data(), input.size(), md.data(), &mdSize),
            nullptr);
  std::copy_n(md.begin(), kAhIcvSize, payload.begin() + 12);
  auto v = verifyAh(h, payload, authKeyFromPassword("k"), false);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error(), DecodeError::kAhBadSpi);
}

TEST(VrrpAh, IpOptionsAreCoveredAsSent) {
  const std::vector<uint8_t> options = {0x94, 0x04, 0x00, 0x00};
  const std::vector<uint8_t> otherOptions = {0x94, 0x04, 0x00, 0x01};
  Ipv4Header h = multicastHeader();
  h.options = options;
  const auto payload = wrap(h, 3, innerAdvert(), "k", false);
  EXPECT_TRUE(verifyAh(h, payload, authKeyFromPassword("k"), false).ok());
  Ipv4Header changed = h;
  changed.options = otherOptions;
  EXPECT_FALSE(verifyAh(changed, payload, authKeyFromPassword("k"), false).ok());
  Ipv4Header none = h;
  none.options = {};
  EXPECT_FALSE(verifyAh(none, payload, authKeyFromPassword("k"), false).ok());
}

TEST(VrrpAh, EncodeRefusals) {
  const auto vrrp = innerAdvert();
  std::vector<uint8_t> out(2048);
  const AuthKey key = authKeyFromPassword("k");
  const std::vector<uint8_t> threeBytes = {1, 2, 3};
  const std::vector<uint8_t> fortyFour(44, 1);
  Ipv4Header h = multicastHeader();
  h.options = threeBytes;
  EXPECT_EQ(encodeAh(h, 1, vrrp, key, false, out).error(), EncodeError::kBadIpOptions);
  h.options = fortyFour;
  EXPECT_EQ(encodeAh(h, 1, vrrp, key, false, out).error(), EncodeError::kBadIpOptions);
  h = multicastHeader();
  h.source = ip("fe80::1");
  EXPECT_EQ(encodeAh(h, 1, vrrp, key, false, out).error(), EncodeError::kWrongFamily);
  std::vector<uint8_t> small(24 + vrrp.size() - 1);
  EXPECT_EQ(encodeAh(multicastHeader(), 1, vrrp, key, false, small).error(), EncodeError::kBufferTooSmall);
  std::vector<uint8_t> exact(24 + vrrp.size());
  EXPECT_TRUE(encodeAh(multicastHeader(), 1, vrrp, key, false, exact).ok());
}

// ---------------------------------------------------------------- sequence numbers

TEST(VrrpAhSequence, CountsFromOne) {
  AhSequence seq;
  EXPECT_EQ(seq.nextToSend(), 1u);
  EXPECT_EQ(seq.nextToSend(), 2u);
  EXPECT_EQ(seq.last(), 2u);
}

TEST(VrrpAhSequence, AcceptsOnlyAboveTheLastSentOrAccepted) {
  AhSequence seq;
  EXPECT_TRUE(seq.accept(5));
  EXPECT_FALSE(seq.accept(5));  // a replay
  EXPECT_FALSE(seq.accept(4));
  EXPECT_TRUE(seq.accept(9));   // gaps are fine (lost adverts)
  EXPECT_EQ(seq.nextToSend(), 10u);  // one counter: a new master continues the sequence
  EXPECT_FALSE(seq.accept(10));      // our own number back is not new
  EXPECT_TRUE(seq.accept(11));
}

TEST(VrrpAhSequence, RestartedPeerIsRefusedUntilItCatchesUp) {
  AhSequence backup;
  ASSERT_TRUE(backup.accept(1000));
  EXPECT_FALSE(backup.accept(1));  // the restarted master starts again from 1
  AhSequence restarted;            // ... and catches up from the first advert it accepts
  EXPECT_TRUE(restarted.accept(backup.nextToSend()));
  EXPECT_TRUE(backup.accept(restarted.nextToSend()));
}

TEST(VrrpAhSequence, LowerPriorityAdvertSyncsTheMaster) {
  AhSequence master;
  master.nextToSend();
  master.syncFromLowerPriority(500);
  EXPECT_EQ(master.nextToSend(), 502u);  // keepalived: seq = received + 1, then ++ on send
}

TEST(VrrpAhSequence, CycleStopsCountingAndRestartsOnBecomingMaster) {
  AhSequence seq;
  ASSERT_TRUE(seq.accept(0xfffffffd));
  EXPECT_EQ(seq.nextToSend(), 0xfffffffeu);
  EXPECT_FALSE(seq.cycled());
  EXPECT_EQ(seq.nextToSend(), 0xfffffffeu);  // stops counting
  EXPECT_TRUE(seq.cycled());
  seq.onBecomeMaster();
  EXPECT_FALSE(seq.cycled());
  EXPECT_EQ(seq.nextToSend(), 1u);
  seq.onBecomeMaster();                 // not cycled: no restart
  EXPECT_EQ(seq.nextToSend(), 2u);
}

TEST(VrrpAhSequence, AcceptedMasterClearsTheCycle) {
  AhSequence seq;
  ASSERT_TRUE(seq.accept(0xfffffffe));
  seq.nextToSend();
  ASSERT_TRUE(seq.cycled());
  seq.clearCycle();
  seq.onBecomeMaster();
  EXPECT_EQ(seq.last(), 0xfffffffeu);
}

}  // namespace
}  // namespace sluice::vrrp
