// The receive checks around decoding: the IP header (protocol, length, TTL,
// destination) and the advert against the local instance (version, VRID,
// auth, interval, addresses).
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "tests/vrrp/test_support.h"
#include "vrrp/advert_check.h"
#include "vrrp/ip_checks.h"
#include "vrrp/packet.h"

namespace sluice::vrrp {
namespace {

using test::ip;

std::string name(std::optional<DecodeError> e) { return e ? std::string(decodeErrorName(*e)) : "ok"; }

ReceivedIpHeader v4Header() {
  return {.family = wire::IpFamily::kV4, .ttl = 255, .protocol = kProtocolVrrp, .destination = kMulticastV4,
          .totalLength = 40, .receivedLength = 40};
}

ReceivedIpHeader v6Header() {
  return {.family = wire::IpFamily::kV6, .ttl = 255, .protocol = kProtocolVrrp, .destination = kMulticastV6};
}

TEST(VrrpIpChecks, Table) {
  struct Row {
    const char* name;
    ReceivedIpHeader header;
    IpExpectations expected;
    std::optional<DecodeError> result;
  };
  auto with = [](ReceivedIpHeader h, auto change) {
    change(h);
    return h;
  };
  const Row rows[] = {
      {"IPv4 multicast", v4Header(), {}, std::nullopt},
      {"IPv6 multicast", v6Header(), {}, std::nullopt},
      {"TTL 254", with(v4Header(), [](auto& h) { h.ttl = 254; }), {}, DecodeError::kBadTtl},
      {"TTL 1", with(v4Header(), [](auto& h) { h.ttl = 1; }), {}, DecodeError::kBadTtl},
      {"hop limit 64", with(v6Header(), [](auto& h) { h.ttl = 64; }), {}, DecodeError::kBadTtl},
      {"unicast: TTL not checked",
       with(v4Header(), [](auto& h) { h.ttl = 62; h.destination = ip("192.168.1.2"); }),
       {.unicast = true}, std::nullopt},
      {"protocol 6", with(v4Header(), [](auto& h) { h.protocol = 6; }), {}, DecodeError::kBadProtocol},
      {"AH received, instance without AH", with(v4Header(), [](auto& h) { h.protocol = kProtocolAh; }), {},
       DecodeError::kAuthTypeMismatch},
      {"no AH, instance with AH", v4Header(), {.ah = true}, DecodeError::kAuthTypeMismatch},
      {"AH, instance with AH", with(v4Header(), [](auto& h) { h.protocol = kProtocolAh; }), {.ah = true},
       std::nullopt},
      {"IPv6 never AH", v6Header(), {.ah = true}, std::nullopt},
      {"IPv4 total length above received", with(v4Header(), [](auto& h) { h.totalLength = 44; }), {},
       DecodeError::kIpLengthMismatch},
      {"IPv4 total length below received", with(v4Header(), [](auto& h) { h.receivedLength = 41; }), {},
       DecodeError::kIpLengthMismatch},
      {"multicast to another group", with(v4Header(), [](auto& h) { h.destination = ip("224.0.0.19"); }), {},
       DecodeError::kBadDestination},
      {"multicast mode, unicast received", with(v4Header(), [](auto& h) { h.destination = ip("10.0.0.1"); }),
       {}, DecodeError::kBadDestination},
      {"IPv6 to all-nodes", with(v6Header(), [](auto& h) { h.destination = ip("ff02::1"); }), {},
       DecodeError::kBadDestination},
      {"configured group (vrrp_mcast_group4)", with(v4Header(), [](auto& h) { h.destination = ip("224.0.0.99"); }),
       {.group = ip("224.0.0.99")}, std::nullopt},
      {"unicast mode, multicast received", v4Header(), {.unicast = true}, DecodeError::kBadDestination},
      {"unicast mode IPv6", with(v6Header(), [](auto& h) { h.destination = ip("2001:db8::2"); }),
       {.unicast = true}, std::nullopt},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    EXPECT_EQ(name(checkIpHeader(r.header, r.expected)), name(r.result));
  }
}

// ---------------------------------------------------------------- instance checks

struct Fixture {
  std::vector<wire::IpAddress> vips = {ip("10.0.0.1"), ip("10.0.0.2")};
  std::vector<uint8_t> bytes;
  wire::IpAddress src = ip("192.168.1.10");

  Advert decode(AdvertFields f) {
    f.addresses = f.addresses.empty() ? std::span<const wire::IpAddress>(vips) : f.addresses;
    f.source = src;
    f.destination = kMulticastV4;
    bytes.assign(2048, 0);
    auto size = encodeAdvert(f, bytes);
    EXPECT_TRUE(size.ok());
    bytes.resize(size.ok() ? size.value() : 0);
    auto a = decodeAdvert(bytes, src, kMulticastV4);
    EXPECT_TRUE(a.ok());
    return a.value();
  }
};

TEST(VrrpAdvertCheck, Table) {
  const std::vector<wire::IpAddress> reordered = {ip("10.0.0.2"), ip("10.0.0.1")};
  const std::vector<wire::IpAddress> other = {ip("10.0.0.1"), ip("10.0.0.3")};
  const std::vector<wire::IpAddress> three = {ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.3")};
  const AuthKey pass = authKeyFromPassword("passw123");
  struct Row {
    const char* name;
    AdvertFields sent;
    InstanceExpectations local;
    std::optional<DecodeError> result;
  };
  const InstanceExpectations v2Pass{.version = Version::kV2, .vrid = 50, .authType = AuthType::kPass,
                                    .password = pass};
  const Row rows[] = {
      {"v2 PASS matches", {.vrid = 50, .authType = AuthType::kPass, .password = pass}, v2Pass, std::nullopt},
      {"v2 PASS: 9th character ignored",
       {.vrid = 50, .authType = AuthType::kPass, .password = authKeyFromPassword("passw123X")}, v2Pass,
       std::nullopt},
      {"v2 wrong password",
       {.vrid = 50, .authType = AuthType::kPass, .password = authKeyFromPassword("passw124")}, v2Pass,
       DecodeError::kAuthFailure},
      {"v2 none received, PASS configured", {.vrid = 50}, v2Pass, DecodeError::kAuthTypeMismatch},
      {"v2 PASS received, none configured", {.vrid = 50, .authType = AuthType::kPass, .password = pass},
       {.vrid = 50}, DecodeError::kAuthTypeMismatch},
      {"v2 AH received, PASS configured", {.vrid = 50, .authType = AuthType::kAh}, v2Pass,
       DecodeError::kAuthTypeMismatch},
      {"v2 AH matches (ICV checked before)", {.vrid = 50, .authType = AuthType::kAh},
       {.vrid = 50, .authType = AuthType::kAh}, std::nullopt},
      {"v2 interval 2 s, 1 s configured", {.vrid = 50, .advertIntervalCs = 200}, {.vrid = 50},
       DecodeError::kAdvertIntervalMismatch},
      {"v3 interval differs: learnt, not refused",
       {.version = Version::kV3, .vrid = 50, .advertIntervalCs = 35},
       {.version = Version::kV3, .vrid = 50, .advertIntervalCs = 100}, std::nullopt},
      {"v3 received, v2 configured", {.version = Version::kV3, .vrid = 50}, {.vrid = 50},
       DecodeError::kBadVersion},
      {"v2 received, v3 configured", {.vrid = 50}, {.version = Version::kV3, .vrid = 50},
       DecodeError::kBadVersion},
      {"other VRID", {.vrid = 51}, {.vrid = 50}, DecodeError::kVridMismatch},
      {"addresses in another order", {.vrid = 50, .addresses = reordered}, {.vrid = 50}, std::nullopt},
      {"one address differs", {.vrid = 50, .addresses = other}, {.vrid = 50}, DecodeError::kAddressMismatch},
      {"one address more", {.vrid = 50, .addresses = three}, {.vrid = 50}, DecodeError::kAddressCountMismatch},
      {"addresses not checked (skip_check_adv_addr)", {.vrid = 50, .addresses = three},
       {.vrid = 50, .checkAddresses = false}, std::nullopt},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    Fixture fx;
    const Advert a = fx.decode(r.sent);
    InstanceExpectations local = r.local;
    if (local.addresses.empty()) local.addresses = fx.vips;
    EXPECT_EQ(name(checkAdvert(a, local)), name(r.result));
  }
}

TEST(VrrpAdvertCheck, NoAddressesConfiguredNeedsNoneAdvertised) {
  Fixture fx;
  const std::vector<wire::IpAddress> none;
  std::vector<uint8_t> bytes(64);
  auto size = encodeAdvert({.vrid = 5, .addresses = none}, bytes);
  ASSERT_TRUE(size.ok());
  bytes.resize(size.value());
  auto a = decodeAdvert(bytes, fx.src, kMulticastV4);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(name(checkAdvert(a.value(), {.vrid = 5})), "ok");
  EXPECT_EQ(name(checkAdvert(a.value(), {.vrid = 5, .addresses = fx.vips})), "address_count_mismatch");
}

}  // namespace
}  // namespace sluice::vrrp
