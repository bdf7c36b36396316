// The advert codec: known-answer vectors built by hand from the RFC layouts,
// encode -> decode round trips, every decode and encode error, and bounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>
#include <vector>

#include "tests/vrrp/test_support.h"
#include "vrrp/auth_key.h"
#include "vrrp/packet.h"

namespace sluice::vrrp {
namespace {

using test::fromHex;
using test::independentChecksum;
using test::ip;
using test::toHex;

std::vector<uint8_t> encode(const AdvertFields& f) {
  std::vector<uint8_t> out(2048);
  auto size = encodeAdvert(f, out);
  EXPECT_TRUE(size.ok()) << encodeErrorName(size.error());
  out.resize(size.ok() ? size.value() : 0);
  return out;
}

// ---------------------------------------------------------------- known answers

struct KnownAnswer {
  const char* name;
  AdvertFields fields;
  std::vector<wire::IpAddress> addresses;
  std::vector<uint8_t> handBuilt;  // the RFC layout with a zero checksum field
  uint16_t checksum;               // computed with Python's struct + sum, see below
};

// The checksums were computed outside this code base (Python: sum of
// big-endian 16-bit words, folded, complemented) and are checked here a
// second time by test::independentChecksum.
std::vector<KnownAnswer> knownAnswers() {
  std::vector<KnownAnswer> v;
  {
    // RFC 3768 5.1: version 2 | type 1, VRID 50, priority 100, 1 address,
    // auth 1 (PASS), 1 s, checksum, 10.0.0.1, "passw123" (seed 4.1.1.2).
    KnownAnswer k{"v2_pass_seed_example", {}, {ip("10.0.0.1")},
                  fromHex("2132640101010000" "0a000001" "7061737377313233"), 0xe290};
    k.fields = {.version = Version::kV2, .vrid = 50, .priority = 100, .advertIntervalCs = 100,
                .authType = AuthType::kPass, .password = authKeyFromPassword("passw123")};
    v.push_back(k);
  }
  {
    // VRRPv2, no auth, 3 s, two addresses, zero auth data.
    KnownAnswer k{"v2_none_two_addresses", {}, {ip("192.168.0.100"), ip("192.168.0.101")},
                  fromHex("2101960200030000" "c0a80064" "c0a80065" "0000000000000000"), 0xc6de};
    k.fields = {.version = Version::kV2, .vrid = 1, .priority = 150, .advertIntervalCs = 300};
    v.push_back(k);
  }
  {
    // RFC 5798 5.1, IPv4: version 3 | type 1, VRID 2, priority 100, 1
    // address, 100 cs, checksum over the pseudo-header
    // {192.168.1.10, 224.0.0.18, 0, 112, 12} and the message.
    KnownAnswer k{"v3_ipv4", {}, {ip("192.168.1.1")}, fromHex("3102640100640000" "c0a80101"), 0x06ad};
    k.fields = {.version = Version::kV3, .vrid = 2, .priority = 100, .advertIntervalCs = 100,
                .source = ip("192.168.1.10"), .destination = ip("224.0.0.18")};
    v.push_back(k);
  }
  {
    // RFC 5798 5.1, IPv6: 50 cs (0.5 s), pseudo-header {fe80::1, ff02::12,
    // length 24, 0 0 0 112}.
    KnownAnswer k{"v3_ipv6_half_second", {}, {ip("2001:db8::100")},
                  fromHex("3107c80100320000" "20010db8000000000000000000000100"), 0xd9ec};
    k.fields = {.version = Version::kV3, .vrid = 7, .priority = 200, .advertIntervalCs = 50,
                .family = wire::IpFamily::kV6, .source = ip("fe80::1"), .destination = ip("ff02::12")};
    v.push_back(k);
  }
  return v;
}

TEST(VrrpCodecKnownAnswer, EncodesTheHandBuiltBytes) {
  for (KnownAnswer k : knownAnswers()) {
    SCOPED_TRACE(k.name);
    k.fields.addresses = k.addresses;
    // The independent checksum agrees with the recorded one...
    std::vector<uint8_t> summed = k.handBuilt;
    if (checksumCoversPseudoHeader(k.fields.version, k.fields.family)) {
      summed = test::pseudoHeader(k.fields.source, k.fields.destination, k.handBuilt.size());
      summed.insert(summed.end(), k.handBuilt.begin(), k.handBuilt.end());
    }
    EXPECT_EQ(independentChecksum(summed), k.checksum);
    // ...and the encoder writes exactly the hand-built bytes with it.
    std::vector<uint8_t> expected = k.handBuilt;
    expected[6] = static_cast<uint8_t>(k.checksum >> 8);
    expected[7] = static_cast<uint8_t>(k.checksum);
    EXPECT_EQ(toHex(encode(k.fields)), toHex(expected));
  }
}

TEST(VrrpCodecKnownAnswer, DecodesTheHandBuiltBytes) {
  for (const KnownAnswer& k : knownAnswers()) {
    SCOPED_TRACE(k.name);
    std::vector<uint8_t> bytes = k.handBuilt;
    bytes[6] = static_cast<uint8_t>(k.checksum >> 8);
    bytes[7] = static_cast<uint8_t>(k.checksum);
    // (A VRRPv2 IPv4 checksum covers no addresses: the defaults do.)
    auto advert = decodeAdvert(bytes, k.fields.source, k.fields.destination);
    ASSERT_TRUE(advert.ok()) << decodeErrorName(advert.error());
    EXPECT_EQ(advert->version, k.fields.version);
    EXPECT_EQ(advert->vrid, k.fields.vrid);
    EXPECT_EQ(advert->priority, k.fields.priority);
    EXPECT_EQ(advert->advertIntervalCs, k.fields.advertIntervalCs);
    EXPECT_EQ(advert->authType, k.fields.authType);
    ASSERT_EQ(advert->addressCount, k.addresses.size());
    for (std::size_t i = 0; i < k.addresses.size(); ++i) EXPECT_EQ(advert->address(i), k.addresses[i]);
  }
}

TEST(VrrpCodecKnownAnswer, PassAuthDataIsTheFirstEightCharactersZeroPadded) {
  EXPECT_EQ(toHex(authKeyFromPassword("passw123").data(), 8), "7061737377313233");
  EXPECT_EQ(toHex(authKeyFromPassword("passw123456").data(), 8), "7061737377313233");
  EXPECT_EQ(toHex(authKeyFromPassword("abc").data(), 8), "6162630000000000");
  EXPECT_EQ(toHex(authKeyFromPassword("").data(), 8), "0000000000000000");
}

// ---------------------------------------------------------------- round trips

struct RoundTrip {
  const char* name;
  Version version;
  wire::IpFamily family;
  AuthType auth;
  uint8_t priority;
  uint16_t intervalCs;
  std::size_t addressCount;
};

std::vector<wire::IpAddress> makeAddresses(wire::IpFamily family, std::size_t n) {
  std::vector<wire::IpAddress> v;
  for (std::size_t i = 0; i < n; ++i) {
    wire::IpAddress a = family == wire::IpFamily::kV4 ? ip("10.1.0.0") : ip("2001:db8::");
    a.bytes[a.size() - 1] = static_cast<uint8_t>(i);
    a.bytes[a.size() - 2] = static_cast<uint8_t>(i >> 8);
    v.push_back(a);
  }
  return v;
}

TEST(VrrpCodec, RoundTrips) {
  const RoundTrip rows[] = {
      {"v2 none", Version::kV2, wire::IpFamily::kV4, AuthType::kNone, 100, 100, 1},
      {"v2 PASS", Version::kV2, wire::IpFamily::kV4, AuthType::kPass, 150, 200, 2},
      {"v2 AH (inner message)", Version::kV2, wire::IpFamily::kV4, AuthType::kAh, 200, 100, 3},
      {"v2 owner 255", Version::kV2, wire::IpFamily::kV4, AuthType::kNone, 255, 100, 1},
      {"v2 priority 0", Version::kV2, wire::IpFamily::kV4, AuthType::kPass, 0, 100, 1},
      {"v2 no address", Version::kV2, wire::IpFamily::kV4, AuthType::kNone, 100, 100, 0},
      {"v2 255 addresses", Version::kV2, wire::IpFamily::kV4, AuthType::kNone, 100, 25500, 255},
      {"v2 over IPv6 (keepalived)", Version::kV2, wire::IpFamily::kV6, AuthType::kNone, 100, 100, 2},
      {"v3 IPv4", Version::kV3, wire::IpFamily::kV4, AuthType::kNone, 100, 100, 1},
      {"v3 IPv4 0.5 s", Version::kV3, wire::IpFamily::kV4, AuthType::kNone, 100, 50, 4},
      {"v3 IPv4 max interval", Version::kV3, wire::IpFamily::kV4, AuthType::kNone, 1, 4095, 1},
      {"v3 IPv6", Version::kV3, wire::IpFamily::kV6, AuthType::kNone, 254, 100, 1},
      {"v3 IPv6 0.01 s", Version::kV3, wire::IpFamily::kV6, AuthType::kNone, 100, 1, 16},
  };
  for (const RoundTrip& r : rows) {
    SCOPED_TRACE(r.name);
    const auto addresses = makeAddresses(r.family, r.addressCount);
    const wire::IpAddress src = r.family == wire::IpFamily::kV4 ? ip("192.168.1.10") : ip("fe80::10");
    const wire::IpAddress dst = multicastGroup(r.family);
    AdvertFields f{.version = r.version, .vrid = 42, .priority = r.priority, .advertIntervalCs = r.intervalCs,
                   .family = r.family, .addresses = addresses, .authType = r.auth,
                   .password = authKeyFromPassword("secret"), .source = src, .destination = dst};
    const auto bytes = encode(f);
    EXPECT_EQ(bytes.size(), advertSize(r.version, r.family, r.addressCount));
    auto a = decodeAdvert(bytes, src, dst);
    ASSERT_TRUE(a.ok()) << decodeErrorName(a.error());
    EXPECT_EQ(a->version, r.version);
    EXPECT_EQ(a->vrid, 42);
    EXPECT_EQ(a->priority, r.priority);
    EXPECT_EQ(a->advertIntervalCs, r.intervalCs);
    EXPECT_EQ(a->authType, r.auth);
    EXPECT_EQ(a->family, r.family);
    ASSERT_EQ(a->addressCount, r.addressCount);
    for (std::size_t i = 0; i < addresses.size(); ++i) EXPECT_EQ(a->address(i), addresses[i]);
    EXPECT_EQ(a->address(r.addressCount), wire::IpAddress{});  // out of range: a blank address
    if (hasAuthData(r.version, r.family)) {
      ASSERT_EQ(a->authData.size(), kAuthDataSize);
      const AuthKey expected = r.auth == AuthType::kPass ? authKeyFromPassword("secret") : AuthKey{};
      EXPECT_TRUE(std::equal(expected.begin(), expected.end(), a->authData.begin()));
    } else {
      EXPECT_TRUE(a->authData.empty());
    }
  }
}

// ---------------------------------------------------------------- decode errors

// A valid advert of each layout, and ways to break it.
struct Sample {
  std::vector<uint8_t> bytes;
  wire::IpAddress src;
  wire::IpAddress dst;
};

Sample v2Sample() {
  static const std::vector<wire::IpAddress> addresses = {ip("10.0.0.1"), ip("10.0.0.2")};
  Sample s{{}, ip("192.168.1.10"), kMulticastV4};
  s.bytes = encode({.vrid = 9, .addresses = addresses, .authType = AuthType::kPass,
                    .password = authKeyFromPassword("pw")});
  return s;
}

Sample v3Sample(wire::IpFamily family) {
  static const std::vector<wire::IpAddress> v4 = {ip("10.0.0.1")};
  static const std::vector<wire::IpAddress> v6 = {ip("2001:db8::1")};
  Sample s{{}, family == wire::IpFamily::kV4 ? ip("192.168.1.10") : ip("fe80::1"), multicastGroup(family)};
  s.bytes = encode({.version = Version::kV3, .vrid = 9, .family = family,
                    .addresses = family == wire::IpFamily::kV4 ? v4 : v6, .source = s.src, .destination = s.dst});
  return s;
}

// Rewrites the checksum so that only the intended fault remains.
void refreshChecksum(Sample& s, Version version) {
  s.bytes[6] = s.bytes[7] = 0;
  std::vector<uint8_t> summed = s.bytes;
  if (checksumCoversPseudoHeader(version, s.src.family)) {
    summed = test::pseudoHeader(s.src, s.dst, s.bytes.size());
    summed.insert(summed.end(), s.bytes.begin(), s.bytes.end());
  }
  const uint16_t c = independentChecksum(summed);
  s.bytes[6] = static_cast<uint8_t>(c >> 8);
  s.bytes[7] = static_cast<uint8_t>(c);
}

struct Breakage {
  const char* name;
  Sample (*sample)();
  void (*breakIt)(Sample&);
  DecodeError expected;
};

Sample v3v4() { return v3Sample(wire::IpFamily::kV4); }
Sample v3v6() { return v3Sample(wire::IpFamily::kV6); }

TEST(VrrpCodec, EveryDecodeError) {
  const Breakage rows[] = {
      {"empty", v2Sample, [](Sample& s) { s.bytes.clear(); }, DecodeError::kTooShort},
      {"7 bytes", v2Sample, [](Sample& s) { s.bytes.resize(7); }, DecodeError::kTooShort},
      {"v2 missing auth data", v2Sample, [](Sample& s) { s.bytes.pop_back(); },
       DecodeError::kTooShort},
      {"v2 count above the addresses", v2Sample,
       [](Sample& s) { s.bytes[3] = 3; refreshChecksum(s, Version::kV2); }, DecodeError::kTooShort},
      {"v2 count below the addresses", v2Sample,
       [](Sample& s) { s.bytes[3] = 1; refreshChecksum(s, Version::kV2); }, DecodeError::kTooLong},
      {"v2 trailing byte", v2Sample, [](Sample& s) { s.bytes.push_back(0); }, DecodeError::kTooLong},
      {"v3 count 255 on 1 address", v3v4, [](Sample& s) { s.bytes[3] = 255; }, DecodeError::kTooShort},
      {"v3 IPv6 trailing bytes", v3v6, [](Sample& s) { s.bytes.resize(s.bytes.size() + 4); },
       DecodeError::kTooLong},
      {"version 1", v2Sample, [](Sample& s) { s.bytes[0] = 0x11; }, DecodeError::kBadVersion},
      {"version 4", v3v4, [](Sample& s) { s.bytes[0] = 0x41; }, DecodeError::kBadVersion},
      {"version 0", v3v6, [](Sample& s) { s.bytes[0] = 0x01; }, DecodeError::kBadVersion},
      {"type 2", v2Sample, [](Sample& s) { s.bytes[0] = 0x22; }, DecodeError::kBadType},
      {"type 0", v3v4, [](Sample& s) { s.bytes[0] = 0x30; }, DecodeError::kBadType},
      {"v2 auth type 3", v2Sample, [](Sample& s) { s.bytes[4] = 3; refreshChecksum(s, Version::kV2); },
       DecodeError::kInvalidAuthType},
      {"v2 auth type 255", v2Sample, [](Sample& s) { s.bytes[4] = 255; }, DecodeError::kInvalidAuthType},
      {"v2 address byte flipped", v2Sample, [](Sample& s) { s.bytes[9] ^= 1; }, DecodeError::kBadChecksum},
      {"v2 password byte flipped", v2Sample, [](Sample& s) { s.bytes.back() ^= 0x80; },
       DecodeError::kBadChecksum},
      {"v2 checksum zeroed", v2Sample, [](Sample& s) { s.bytes[6] = s.bytes[7] = 0; }, DecodeError::kBadChecksum},
      {"v3 priority changed", v3v4, [](Sample& s) { s.bytes[2] = 99; }, DecodeError::kBadChecksum},
      {"v3 other source (pseudo-header)", v3v4, [](Sample& s) { s.src = ip("192.168.1.11"); },
       DecodeError::kBadChecksum},
      {"v3 unicast destination (pseudo-header)", v3v4, [](Sample& s) { s.dst = ip("192.168.1.20"); },
       DecodeError::kBadChecksum},
      {"v3 IPv6 other source", v3v6, [](Sample& s) { s.src = ip("fe80::2"); }, DecodeError::kBadChecksum},
  };
  for (const Breakage& r : rows) {
    SCOPED_TRACE(r.name);
    Sample s = r.sample();
    ASSERT_TRUE(decodeAdvert(s.bytes, s.src, s.dst).ok());
    r.breakIt(s);
    auto a = decodeAdvert(s.bytes, s.src, s.dst);
    ASSERT_FALSE(a.ok());
    EXPECT_EQ(decodeErrorName(a.error()), decodeErrorName(r.expected));
  }
}

TEST(VrrpCodec, V3ReservedBitsAreIgnored) {
  Sample s = v3v4();
  s.bytes[4] |= 0xf0;
  refreshChecksum(s, Version::kV3);
  auto a = decodeAdvert(s.bytes, s.src, s.dst);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->advertIntervalCs, 100);
}

// Every prefix of a valid advert is refused, and decoding reads only the
// bytes it is given (the copy has no slack for an overrun to hit silently
// under a sanitizer).
TEST(VrrpCodec, EveryTruncationIsRefused) {
  for (Sample s : {v2Sample(), v3v4(), v3v6()}) {
    for (std::size_t n = 0; n < s.bytes.size(); ++n) {
      std::vector<uint8_t> prefix(s.bytes.begin(), s.bytes.begin() + static_cast<std::ptrdiff_t>(n));
      auto a = decodeAdvert(prefix, s.src, s.dst);
      ASSERT_FALSE(a.ok()) << n;
      EXPECT_EQ(a.error(), DecodeError::kTooShort) << n;
    }
  }
}

// Random bytes never crash the decoder; whatever decodes stays in bounds.
// Half the buffers get a well-formed length and a quarter a right checksum,
// so the deeper paths run too.
TEST(VrrpCodec, RandomInputStaysInBounds) {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> anyLength(0, 80);
  std::size_t decoded = 0;
  for (int i = 0; i < 100000; ++i) {
    const wire::IpFamily family = i % 3 == 0 ? wire::IpFamily::kV6 : wire::IpFamily::kV4;
    const Version version = i % 5 < 2 ? Version::kV2 : Version::kV3;
    const std::size_t count = static_cast<std::size_t>(byte(rng) % 4);
    Sample s{{}, family == wire::IpFamily::kV4 ? ip("10.0.0.1") : ip("fe80::1"), multicastGroup(family)};
    s.bytes.resize(i % 2 ? advertSize(version, family, count) : anyLength(rng));
    for (auto& b : s.bytes) b = static_cast<uint8_t>(byte(rng));
    if (i % 2 && s.bytes.size() >= kHeaderSize) {
      s.bytes[0] = static_cast<uint8_t>(static_cast<uint8_t>(version) << 4 | 1);
      s.bytes[3] = static_cast<uint8_t>(count);
      if (version == Version::kV2) s.bytes[4] %= 3;
      if (i % 4 == 1) refreshChecksum(s, version);
    }
    auto a = decodeAdvert(s.bytes, s.src, s.dst);
    if (!a.ok()) continue;
    ++decoded;
    const auto inside = [&](std::span<const uint8_t> part) {
      return part.empty() || (part.data() >= s.bytes.data() && part.data() + part.size() <= s.bytes.data() + s.bytes.size());
    };
    EXPECT_TRUE(inside(a->addressBytes));
    EXPECT_TRUE(inside(a->authData));
    for (std::size_t k = 0; k <= a->addressCount; ++k) (void)a->address(k);
  }
  EXPECT_GT(decoded, 20000u);
}

// ---------------------------------------------------------------- encode errors

TEST(VrrpCodec, EveryEncodeError) {
  const std::vector<wire::IpAddress> one = {ip("10.0.0.1")};
  const std::vector<wire::IpAddress> six = {ip("2001:db8::1")};
  const std::vector<wire::IpAddress> tooMany = makeAddresses(wire::IpFamily::kV4, 256);
  struct Row {
    const char* name;
    AdvertFields fields;
    std::size_t bufferSize;
    EncodeError expected;
  };
  const Row rows[] = {
      {"256 addresses", {.addresses = tooMany}, 4096, EncodeError::kTooManyAddresses},
      {"IPv6 address in IPv4 advert", {.addresses = six}, 64, EncodeError::kWrongFamily},
      {"v3 IPv4 with IPv6 pseudo-header", {.version = Version::kV3, .addresses = one,
        .source = ip("fe80::1"), .destination = kMulticastV6}, 64, EncodeError::kWrongFamily},
      {"v2 1.5 s", {.advertIntervalCs = 150, .addresses = one}, 64, EncodeError::kBadInterval},
      {"v2 0 s", {.advertIntervalCs = 0, .addresses = one}, 64, EncodeError::kBadInterval},
      {"v2 256 s", {.advertIntervalCs = 25600, .addresses = one}, 64, EncodeError::kBadInterval},
      {"v3 0 cs", {.version = Version::kV3, .advertIntervalCs = 0, .addresses = one,
        .source = ip("10.0.0.9"), .destination = kMulticastV4}, 64, EncodeError::kBadInterval},
      {"v3 4096 cs", {.version = Version::kV3, .advertIntervalCs = 4096, .addresses = one,
        .source = ip("10.0.0.9"), .destination = kMulticastV4}, 64, EncodeError::kBadInterval},
      {"v3 with PASS", {.version = Version::kV3, .addresses = one, .authType = AuthType::kPass,
        .source = ip("10.0.0.9"), .destination = kMulticastV4}, 64, EncodeError::kAuthNotSupported},
      {"v2 IPv6 with AH", {.family = wire::IpFamily::kV6, .addresses = six, .authType = AuthType::kAh,
        .source = ip("fe80::1"), .destination = kMulticastV6}, 64, EncodeError::kAuthNotSupported},
      {"buffer one byte short", {.addresses = one}, 19, EncodeError::kBufferTooSmall},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    std::vector<uint8_t> out(r.bufferSize);
    auto size = encodeAdvert(r.fields, out);
    ASSERT_FALSE(size.ok());
    EXPECT_EQ(encodeErrorName(size.error()), encodeErrorName(r.expected));
  }
}

TEST(VrrpCodec, ExactBufferIsEnough) {
  const std::vector<wire::IpAddress> one = {ip("10.0.0.1")};
  std::vector<uint8_t> out(20);
  auto size = encodeAdvert({.addresses = one}, out);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size.value(), 20u);
}

}  // namespace
}  // namespace sluice::vrrp
