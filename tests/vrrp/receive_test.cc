// The receive path end to end: IP checks, AH with replay, decoding and the
// instance checks in keepalived's order, on packets built by the encoders.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/vrrp/test_support.h"
#include "vrrp/ipsec_ah.h"
#include "vrrp/receive.h"
#include "vrrp/state_machine.h"

namespace sluice::vrrp {
namespace {

using test::ip;

const std::vector<wire::IpAddress>& vips4() {
  static const std::vector<wire::IpAddress> v = {ip("10.0.0.1"), ip("10.0.0.2")};
  return v;
}

const std::vector<wire::IpAddress>& vips6() {
  static const std::vector<wire::IpAddress> v = {ip("2001:db8::1")};
  return v;
}

// A received datagram: what the receiver read from the IP header, and the
// IP payload it points into.
struct Packet {
  ReceivedIpHeader header;
  std::vector<uint8_t> payload;
};

struct Sender {
  Version version = Version::kV2;
  wire::IpFamily family = wire::IpFamily::kV4;
  AuthType auth = AuthType::kNone;
  const char* password = "passw123";
  uint8_t priority = 150;
  uint16_t intervalCs = 100;
  wire::IpAddress source = ip("192.168.1.10");
  wire::IpAddress destination = kMulticastV4;
  uint8_t ttl = 255;
  bool unicast = false;
  uint32_t sequence = 1;
  std::vector<wire::IpAddress> addresses = vips4();
};

Packet send(const Sender& s) {
  std::vector<uint8_t> vrrp(2048);
  auto size = encodeAdvert({.version = s.version, .vrid = 51, .priority = s.priority,
                            .advertIntervalCs = s.intervalCs, .family = s.family, .addresses = s.addresses,
                            .authType = s.auth, .password = authKeyFromPassword(s.password), .source = s.source,
                            .destination = s.destination},
                           vrrp);
  EXPECT_TRUE(size.ok());
  vrrp.resize(size.ok() ? size.value() : 0);
  Packet p;
  p.header = {.family = s.family, .ttl = s.ttl, .protocol = kProtocolVrrp, .source = s.source,
              .destination = s.destination, .id = 0x4242};
  p.payload = vrrp;
  if (s.auth == AuthType::kAh) {
    p.header.protocol = kProtocolAh;
    p.payload.resize(kAhHeaderSize + vrrp.size());
    const Ipv4Header h{.source = s.source, .destination = s.destination, .id = 0x4242, .ttl = s.ttl};
    EXPECT_TRUE(encodeAh(h, s.sequence, vrrp, authKeyFromPassword(s.password), s.unicast, p.payload).ok());
  }
  if (s.family == wire::IpFamily::kV4) {
    p.header.totalLength = static_cast<uint16_t>(kIpv4HeaderSize + p.payload.size());
    p.header.receivedLength = p.header.totalLength;
  }
  return p;
}

ReceiveExpectations local(AuthType auth = AuthType::kNone, Version version = Version::kV2, bool unicast = false) {
  ReceiveExpectations e;
  e.ip = {.unicast = unicast, .ah = auth == AuthType::kAh};
  e.instance = {.version = version, .vrid = 51, .authType = auth, .password = authKeyFromPassword("passw123"),
                .advertIntervalCs = 100, .addresses = vips4()};
  return e;
}

std::string outcome(const Result<Advert, DecodeError>& r) {
  return r.ok() ? "ok" : std::string(decodeErrorName(r.error()));
}

TEST(VrrpReceive, Table) {
  struct Row {
    const char* name;
    Sender sender;
    ReceiveExpectations expected;
    const char* result;
  };
  const auto v6 = [] {
    ReceiveExpectations e = local(AuthType::kNone, Version::kV3);
    e.instance.addresses = vips6();
    return e;
  };
  const Row rows[] = {
      {"v2 none", {}, local(), "ok"},
      {"v2 PASS", {.auth = AuthType::kPass}, local(AuthType::kPass), "ok"},
      {"v2 PASS wrong password", {.auth = AuthType::kPass, .password = "passw124"}, local(AuthType::kPass),
       "auth_failure"},
      {"v2 AH", {.auth = AuthType::kAh}, local(AuthType::kAh), "ok"},
      {"v2 AH wrong password", {.auth = AuthType::kAh, .password = "other"}, local(AuthType::kAh), "auth_failure"},
      {"v2 AH unicast, routed TTL",
       {.auth = AuthType::kAh, .destination = ip("192.168.1.2"), .ttl = 61, .unicast = true},
       local(AuthType::kAh, Version::kV2, true), "ok"},
      {"v2 AH received, PASS configured", {.auth = AuthType::kAh}, local(AuthType::kPass), "authtype_mismatch"},
      {"v2 PASS received, AH configured", {.auth = AuthType::kPass}, local(AuthType::kAh), "authtype_mismatch"},
      {"v2 none received, PASS configured", {}, local(AuthType::kPass), "authtype_mismatch"},
      {"TTL checked before anything else", {.auth = AuthType::kPass, .password = "x", .ttl = 1},
       local(AuthType::kPass), "bad_ttl"},
      {"v2 interval 2 s", {.intervalCs = 200}, local(), "advert_interval_mismatch"},
      {"v3 IPv4", {.version = Version::kV3}, local(AuthType::kNone, Version::kV3), "ok"},
      {"v3 received by a v2 instance", {.version = Version::kV3}, local(), "bad_version"},
      {"v3 IPv6", {.version = Version::kV3, .family = wire::IpFamily::kV6, .source = ip("fe80::1"),
                   .destination = kMulticastV6, .addresses = vips6()}, v6(), "ok"},
      {"v3 IPv6 hop limit 64", {.version = Version::kV3, .family = wire::IpFamily::kV6, .source = ip("fe80::1"),
                                .destination = kMulticastV6, .ttl = 64, .addresses = vips6()}, v6(), "bad_ttl"},
      {"other VIPs", {.addresses = {ip("10.0.0.1"), ip("10.0.0.9")}}, local(), "address_mismatch"},
      {"unicast to a multicast instance", {.destination = ip("192.168.1.2")}, local(), "bad_destination"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.name);
    const Packet p = send(r.sender);
    AhSequence sequence;
    EXPECT_EQ(outcome(receiveAdvert(p.header, p.payload, r.expected, &sequence)), r.result);
  }
}

TEST(VrrpReceive, WrongIpTotalLength) {
  Packet p = send({});
  p.header.receivedLength += 4;
  EXPECT_EQ(outcome(receiveAdvert(p.header, p.payload, local(), nullptr)), "ip_length_mismatch");
}

TEST(VrrpReceive, AhReplayIsRefused) {
  AhSequence receiver;
  const ReceiveExpectations e = local(AuthType::kAh);
  const Packet first = send({.auth = AuthType::kAh, .sequence = 7});
  EXPECT_EQ(outcome(receiveAdvert(first.header, first.payload, e, &receiver)), "ok");
  EXPECT_EQ(outcome(receiveAdvert(first.header, first.payload, e, &receiver)), "ah_replay");
  const Packet older = send({.auth = AuthType::kAh, .sequence = 6});
  EXPECT_EQ(outcome(receiveAdvert(older.header, older.payload, e, &receiver)), "ah_replay");
  const Packet next = send({.auth = AuthType::kAh, .sequence = 8});
  EXPECT_EQ(outcome(receiveAdvert(next.header, next.payload, e, &receiver)), "ok");
  EXPECT_EQ(receiver.last(), 8u);
  // A forged packet does not move the counter.
  const Packet forged = send({.auth = AuthType::kAh, .password = "guess", .sequence = 1000});
  EXPECT_EQ(outcome(receiveAdvert(forged.header, forged.payload, e, &receiver)), "auth_failure");
  EXPECT_EQ(receiver.last(), 8u);
}

TEST(VrrpReceive, FeedsTheStateMachine) {
  const Packet p = send({.priority = 200});
  auto advert = receiveAdvert(p.header, p.payload, local(), nullptr);
  ASSERT_TRUE(advert.ok());
  StateMachine m({.priority = 100, .primaryAddress = ip("192.168.1.20")});
  m.start(Millis{0});
  const Step s = m.onAdvert(ReceivedAdvert::from(advert.value(), p.header.source), Millis{1000});
  EXPECT_EQ(s.to, State::kBackup);
  EXPECT_EQ(m.masterAddress(), ip("192.168.1.10"));
  EXPECT_EQ(m.nextDeadline(), Millis{4609});
}

}  // namespace
}  // namespace sluice::vrrp
