// Two (or three) VRRP routers wired through a simulated segment: elections,
// failover within Master_Down_Interval, priority 0 on stop, preemption,
// authentication, refusals counted without a state change, sync groups,
// tracking, gratuitous ARPs, the VIPs held, and reconfiguration.
#include "controlplane/failover/driver.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "controlplane/failover/status_json.h"
#include "tests/controlplane/failover/failover_test_support.h"

namespace sluice::failover {
namespace {

using namespace testing;

std::string instance(const std::string& name, const std::string& iface, int vrid, int prio,
                     const std::string& vip, const std::string& extra = "") {
  return "vrrp_instance " + name + " {\n  interface " + iface + "\n  virtual_router_id " + std::to_string(vrid) +
         "\n  priority " + std::to_string(prio) + "\n  advert_int 1\n" + extra + "\n  virtual_ipaddress {\n    " + vip +
         "\n  }\n}\n";
}

bool told(const Router& r, const std::string& line) {
  return std::find(r.told.begin(), r.told.end(), line) != r.told.end();
}

uint64_t counter(const Router& r, const std::string& name) {
  return vrrpJson(r.driver)["instances"][0]["counters"][name].get<uint64_t>();
}

TEST(FailoverDriver, TheHigherPriorityBecomesMasterAndHoldsTheVip) {
  Router a(instance("VI", "eth0", 50, 150, "10.0.0.1"), 2);
  Router b(instance("VI", "eth0", 50, 100, "10.0.0.1"), 3);
  Segment lan({&a, &b});
  lan.start();
  EXPECT_EQ(a.state(), "BACKUP");
  EXPECT_FALSE(a.holds("10.0.0.1"));
  lan.runFor(3400ms);  // a's Master_Down_Interval: 3 s + (256 - 150) / 256 s = 3414 ms
  EXPECT_EQ(a.state(), "BACKUP");
  lan.runFor(100ms);
  EXPECT_EQ(a.state(), "MASTER");
  EXPECT_EQ(b.state(), "BACKUP");
  EXPECT_TRUE(a.holds("10.0.0.1"));
  EXPECT_FALSE(b.holds("10.0.0.1"));
  lan.runFor(10s);
  EXPECT_EQ(b.state(), "BACKUP");  // the master's adverts keep it back
  EXPECT_GE(counter(b, "advert_rcvd"), 9u);
  EXPECT_EQ(vrrpJson(b.driver)["instances"][0]["master_address"], "10.0.0.2");
}

TEST(FailoverDriver, TransitionsAreLoggedInKeepalivedsWords) {
  Router a(instance("VI_1", "eth0", 50, 150, "10.0.0.1"), 2);
  Router b(instance("VI_1", "eth0", 50, 100, "10.0.0.1"), 3);
  Segment lan({&a, &b});
  lan.start();
  lan.runFor(5s);
  a.driver.stop(lan.now);  // resigns: b takes over; the stop itself is not told
  lan.deliver();
  lan.runFor(1s);
  EXPECT_EQ(a.told, (std::vector<std::string>{"(VI_1) Entering BACKUP STATE (init)", "(VI_1) Entering MASTER STATE"}));
  EXPECT_EQ(b.told, (std::vector<std::string>{"(VI_1) Entering BACKUP STATE (init)", "(VI_1) Entering MASTER STATE"}));
}

TEST(FailoverDriver, TheBackupTakesOverWithinMasterDownWhenTheMasterGoesSilent) {
  Router a(instance("VI", "eth0", 50, 150, "10.0.0.1"), 2);
  Router b(instance("VI", "eth0", 50, 100, "10.0.0.1"), 3);
  Segment lan({&a, &b});
  lan.start();
  lan.runFor(5s);
  ASSERT_EQ(a.state(), "MASTER");
  lan.down[0] = true;  // killed: no priority 0
  vrrp::Millis waited{0};
  while (b.state() != "MASTER" && waited < 10s) {
    lan.runFor(10ms);
    waited += 10ms;
  }
  // b: Master_Down_Interval = 3 s + (256 - 100) / 256 s = 3609 ms after a's last advert.
  EXPECT_EQ(b.state(), "MASTER");
  // a's last advert was less than one advert_int before the kill.
  EXPECT_GT(waited, 3609ms - 1000ms);
  EXPECT_LE(waited, 3609ms + 10ms);
  EXPECT_TRUE(b.holds("10.0.0.1"));
}

TEST(FailoverDriver, AStoppedMasterResignsAndTheBackupTakesOverAfterSkew) {
  Router a(instance("VI", "eth0", 50, 150, "10.0.0.1"), 2);
  Router b(instance("VI", "eth0", 50, 100, "10.0.0.1"), 3);
  Segment lan({&a, &b});
  lan.start();
  lan.runFor(5s);
  a.driver.stop(lan.now);
  EXPECT_FALSE(a.holds("10.0.0.1"));
  lan.deliver();
  EXPECT_EQ(counter(b, "pri_zero_rcvd"), 1u);
  lan.runFor(700ms);  // Skew_Time: 609 ms
  EXPECT_EQ(b.state(), "MASTER");
}

TEST(FailoverDriver, TheHigherPriorityPreemptsOnItsReturnUnlessNopreempt) {
  for (const bool nopreempt : {false, true}) {
    SCOPED_TRACE(nopreempt ? "nopreempt" : "preempt");
    const std::string extra = nopreempt ? "  nopreempt\n" : "";
    Router a(instance("VI", "eth0", 50, 150, "10.0.0.1", extra), 2);
    Router b(instance("VI", "eth0", 50, 100, "10.0.0.1", extra), 3);
    Segment lan({&a, &b});
    lan.start();
    lan.runFor(5s);
    ASSERT_EQ(a.state(), "MASTER");
    lan.down[0] = true;  // a dies
    lan.runFor(5s);
    ASSERT_EQ(b.state(), "MASTER");
    a.driver.stop(lan.now);  // and starts again
    lan.deliver();
    lan.down[0] = false;
    a.driver.start(lan.now);
    lan.runFor(5s);
    EXPECT_EQ(a.state(), nopreempt ? "BACKUP" : "MASTER");
    EXPECT_EQ(b.state(), nopreempt ? "MASTER" : "BACKUP");
  }
}

TEST(FailoverDriver, AuthenticatedPeersElectOneMaster) {
  for (const char* type : {"PASS", "AH"}) {
    SCOPED_TRACE(type);
    const std::string auth = std::string("  authentication {\n    auth_type ") + type + "\n    auth_pass s3cret\n  }\n";
    Router a(instance("VI", "eth0", 50, 150, "10.0.0.1", auth), 2);
    Router b(instance("VI", "eth0", 50, 100, "10.0.0.1", auth), 3);
    Segment lan({&a, &b});
    lan.start();
    lan.runFor(8s);
    EXPECT_EQ(a.state(), "MASTER");
    EXPECT_EQ(b.state(), "BACKUP");
    EXPECT_EQ(counter(b, "auth_failure"), 0u);
    EXPECT_EQ(b.adverts().size(), 0u);  // a backup is silent
  }
}

TEST(FailoverDriver, AWrongPasswordIsRefusedAndCountedWithoutAStateChange) {
  const auto auth = [](const char* pass) {
    return std::string("  authentication {\n    auth_type PASS\n    auth_pass ") + pass + "\n  }\n";
  };
  Router a(instance("VI", "eth0", 50, 150, "10.0.0.1", auth("right")), 2);
  Router b(instance("VI", "eth0", 50, 100, "10.0.0.1", auth("wrong")), 3);
  Segment lan({&a, &b});
  lan.start();
  lan.runFor(3500ms);
  ASSERT_EQ(a.state(), "MASTER");
  lan.runFor(2s);
  EXPECT_GE(counter(b, "auth_failure"), 1u);
  EXPECT_GE(vrrpJson(b.driver)["instances"][0]["counters"]["refused"]["auth_failure"].get<uint64_t>(), 1u);
  EXPECT_EQ(counter(b, "advert_rcvd"), 0u);
}

TEST(FailoverDriver, AnotherVridOrATtlBelow255IsCountedAndIgnored) {
  Router a(instance("VI", "eth0", 51, 150, "10.0.0.1"), 2);
  Router b(instance("VI", "eth0", 50, 100, "10.0.0.1"), 3);
  Segment lan({&a, &b});
  lan.start();
  lan.runFor(4s);
  EXPECT_EQ(a.state(), "MASTER");
  EXPECT_EQ(b.state(), "MASTER");  // not the same virtual router
  EXPECT_GE(b.driver.unknownVrid(), 1u);

  // a's own advert, forwarded by a router (TTL 254) to b's virtual router.
  Router c(instance("VI", "eth0", 50, 200, "10.0.0.1"), 4);
  Segment solo({&c});
  solo.start();
  solo.runFor(4s);
  Frame routed = c.adverts().back().second;
  routed[14 + 8] = 254;                               // TTL
  routed[14 + 10] = 0;                                // checksum recomputed below
  routed[14 + 11] = 0;
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += (routed[14 + i] << 8) | routed[14 + i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  routed[14 + 10] = static_cast<uint8_t>(~sum >> 8);
  routed[14 + 11] = static_cast<uint8_t>(~sum);
  b.driver.handleFrame(0, routed, lan.now);
  EXPECT_EQ(counter(b, "ip_ttl_err"), 1u);
  EXPECT_EQ(b.state(), "MASTER");
}

TEST(FailoverDriver, SyncGroupMembersMoveTogether) {
  const std::string group = "vrrp_sync_group G {\n  group {\n    EXT\n    INT\n  }\n}\n";
  Router a(group + instance("EXT", "eth0", 50, 150, "10.0.0.1") + instance("INT", "eth1", 2, 150, "192.168.1.1"), 2);
  Router b(group + instance("EXT", "eth0", 50, 100, "10.0.0.1") + instance("INT", "eth1", 2, 100, "192.168.1.1"), 3);
  Segment lan({&a, &b});
  lan.start();
  lan.runFor(5s);
  EXPECT_EQ(a.state(0), "MASTER");
  EXPECT_EQ(a.state(1), "MASTER");
  EXPECT_TRUE(a.holds("192.168.1.1"));
  // Only the external link of a dies: b takes EXT over, and INT follows it
  // on both routers although a still advertises INT.
  a.driver.setTracked({{}, {{"eth0", false}}}, lan.now);
  lan.runFor(5s);
  EXPECT_EQ(a.state(0), "FAULT");
  EXPECT_EQ(a.state(1), "FAULT");  // a member in FAULT puts the group in FAULT
  EXPECT_EQ(b.state(0), "MASTER");
  EXPECT_EQ(b.state(1), "MASTER");
  EXPECT_TRUE(told(a, "(EXT) Entering FAULT STATE"));
  EXPECT_TRUE(told(a, "(INT) Entering FAULT STATE"));
  EXPECT_TRUE(told(b, "VRRP_Group(G) Syncing instances to MASTER state"));
  EXPECT_FALSE(a.holds("192.168.1.1"));
  EXPECT_TRUE(b.holds("192.168.1.1"));
  a.driver.setTracked({{}, {{"eth0", true}}}, lan.now);
  lan.runFor(5s);
  EXPECT_EQ(a.state(0), "MASTER");  // preempts again
  EXPECT_EQ(a.state(1), "MASTER");
  EXPECT_EQ(b.state(1), "BACKUP");
}

TEST(FailoverDriver, TrackScriptWeightsMoveThePriorityAndWeightZeroFaults) {
  const std::string scripts =
      "vrrp_script chk_up {\n  script \"/bin/true\"\n  weight 60\n}\n"
      "vrrp_script chk_must {\n  script \"/bin/true\"\n}\n";
  const std::string track = "  track_script {\n    chk_up\n    chk_must\n  }\n";
  Router a(scripts + instance("VI", "eth0", 50, 100, "10.0.0.1", track), 2);
  Router b(instance("VI", "eth0", 50, 120, "10.0.0.1"), 3);
  Segment lan({&a, &b});
  lan.start();
  lan.runFor(5s);
  EXPECT_EQ(a.state(), "MASTER");  // 100 + 60 beats 120
  EXPECT_EQ(vrrpJson(a.driver)["instances"][0]["effective_priority"], 160);
  a.driver.setTracked({{{"chk_up", false}, {"chk_must", true}}, {}}, lan.now);
  lan.runFor(5s);
  EXPECT_EQ(b.state(), "MASTER");  // 100 < 120: b preempts
  EXPECT_EQ(a.state(), "BACKUP");
  a.driver.setTracked({{{"chk_up", true}, {"chk_must", false}}, {}}, lan.now);
  lan.runFor(1s);
  EXPECT_EQ(a.state(), "FAULT");
  EXPECT_EQ(vrrpJson(a.driver)["instances"][0]["last_error"], "vrrp_script chk_must is down");
}

TEST(FailoverDriver, ANewMasterSendsGratuitousArpsNowAndAfterTheDelay) {
  Router a("global_defs {\n  vrrp_garp_master_delay 2\n  vrrp_garp_master_repeat 3\n}\n" +
               instance("VI", "eth0", 50, 255, "10.0.0.1",
                        "  virtual_ipaddress_excluded {\n    fd00:10::1\n  }\n"),
           2);
  Segment lan({&a});
  lan.start();  // the address owner is master at once
  auto garps = [&] {
    std::size_t n = 0;
    for (const auto& [port, f] : a.log) n += f[12] == 0x08 && f[13] == 0x06;  // ARP
    return n;
  };
  auto nas = [&] {
    std::size_t n = 0;
    for (const auto& [port, f] : a.log) n += f[12] == 0x86 && f[13] == 0xdd && f[20] == 58;  // ICMPv6
    return n;
  };
  EXPECT_EQ(a.state(), "MASTER");
  EXPECT_EQ(garps(), 3u);
  EXPECT_EQ(nas(), 3u);
  lan.runFor(1900ms);
  EXPECT_EQ(garps(), 3u);
  lan.runFor(200ms);
  EXPECT_EQ(garps(), 6u);
  lan.runFor(5s);
  EXPECT_EQ(garps(), 6u);  // no refresh by default
}

// Gratuitous ARPs and unsolicited NAs `r` has sent so far.
std::size_t arpCount(const Router& r) {
  std::size_t n = 0;
  for (const auto& [port, f] : r.log) n += f[12] == 0x08 && f[13] == 0x06;
  return n;
}
std::size_t naCount(const Router& r) {
  std::size_t n = 0;
  for (const auto& [port, f] : r.log) n += f[12] == 0x86 && f[13] == 0xdd && f[20] == 58;
  return n;
}

// catches: garp_master_refresh not repeating (or repeating with the
// take-over's repeat count instead of garp_master_refresh_repeat).
TEST(FailoverDriver, AMasterRefreshesItsGratuitousArps) {
  Router a(instance("VI", "eth0", 50, 255, "10.0.0.1",
                    "  garp_master_delay 1\n  garp_master_refresh 2\n  garp_master_refresh_repeat 2\n"),
           2);
  Segment lan({&a});
  lan.start();
  EXPECT_EQ(arpCount(a), 5u);  // keepalived's default repeat
  lan.runFor(1050ms);
  EXPECT_EQ(arpCount(a), 10u);  // the second burst, after garp_master_delay
  lan.runFor(1900ms);
  EXPECT_EQ(arpCount(a), 10u);
  lan.runFor(200ms);
  EXPECT_EQ(arpCount(a), 12u);  // the refresh, 2 s later
  lan.runFor(2s);
  EXPECT_EQ(arpCount(a), 14u);
}

// catches: vrrp_garp_interval ignored (a burst sent back to back), applied
// to NAs (which have vrrp_gna_interval), or GARPs still sent for a VIP
// released before its queued ones left.
TEST(FailoverDriver, GarpIntervalSpacesTheBurstOnAPort) {
  Router a("global_defs {\n  vrrp_garp_interval 0.1\n  vrrp_garp_master_repeat 3\n  vrrp_garp_master_delay 0\n}\n" +
               instance("VI", "eth0", 50, 255, "10.0.0.1", "  virtual_ipaddress_excluded {\n    fd00:10::1\n  }\n"),
           2);
  Segment lan({&a});
  lan.start();
  EXPECT_EQ(arpCount(a), 1u);
  EXPECT_EQ(naCount(a), 3u);  // vrrp_gna_interval 0: back to back
  lan.runFor(50ms);
  EXPECT_EQ(arpCount(a), 1u);
  lan.runFor(60ms);
  EXPECT_EQ(arpCount(a), 2u);
  lan.runFor(100ms);
  EXPECT_EQ(arpCount(a), 3u);
  lan.runFor(1s);
  EXPECT_EQ(arpCount(a), 3u);

  Router b("global_defs {\n  vrrp_gna_interval 0.5\n  vrrp_garp_interval 1\n}\n" +
               instance("VI", "eth0", 50, 255, "10.0.0.1", "  virtual_ipaddress_excluded {\n    fd00:10::1\n  }\n"),
           3);
  Segment lan2({&b});
  lan2.start();
  EXPECT_EQ(arpCount(b), 1u);
  EXPECT_EQ(naCount(b), 1u);
  lan2.runFor(600ms);
  EXPECT_EQ(naCount(b), 2u);
  b.driver.stop(lan2.now);
  lan2.runFor(5s);
  EXPECT_EQ(arpCount(b), 1u) << "GARPs left after the release";
  EXPECT_EQ(naCount(b), 2u);
}

// catches: vrrp_min_garp not reducing the take-over to one GARP, or
// overriding a repeat written before it.
TEST(FailoverDriver, MinGarpSendsOneGratuitousArp) {
  Router a("global_defs {\n  vrrp_min_garp\n}\n" + instance("VI", "eth0", 50, 255, "10.0.0.1"), 2);
  Segment lan({&a});
  lan.start();
  EXPECT_EQ(arpCount(a), 1u);
  lan.runFor(6s);
  EXPECT_EQ(arpCount(a), 1u);
  Router b("global_defs {\n  vrrp_garp_master_repeat 2\n  vrrp_min_garp\n}\n" +
               instance("VI", "eth0", 50, 255, "10.0.0.1"),
           3);
  Segment lan2({&b});
  lan2.start();
  EXPECT_EQ(arpCount(b), 2u);
}

TEST(FailoverDriver, AdvertsGoToTheGroupFromThePortOrItsLinkLocalAddress) {
  Router a(instance("V4", "eth0", 50, 255, "10.0.0.1") +
               instance("V6", "eth1", 3, 255, "fd00:192:168:1::1", "  version 3\n  advert_int 0.5\n"),
           2);
  Segment lan({&a});
  lan.start();
  const auto adverts = a.adverts();
  ASSERT_EQ(adverts.size(), 2u);
  const auto v4 = parseAdvertFrame(adverts[0].second);
  EXPECT_EQ(adverts[0].second[0], 0x01);  // 01:00:5e:00:00:12
  EXPECT_EQ(adverts[0].second[5], 0x12);
  EXPECT_EQ(config::toString(v4->ip.source), "10.0.0.2");
  EXPECT_EQ(config::toString(v4->ip.destination), "224.0.0.18");
  EXPECT_EQ(v4->ip.ttl, 255);
  const auto v6 = parseAdvertFrame(adverts[1].second);
  EXPECT_EQ(adverts[1].second[0], 0x33);
  EXPECT_EQ(adverts[1].second[5], 0x12);
  EXPECT_EQ(config::toString(v6->ip.source), "fe80::ff:fe00:202");
  EXPECT_EQ(config::toString(v6->ip.destination), "ff02::12");
  EXPECT_EQ(v6->payload[0], 0x31);  // VRRPv3 advertisement
  lan.runFor(1s);
  EXPECT_EQ(a.adverts().size(), 2u + 1 + 2);  // every second, and every half second
}

TEST(FailoverDriver, UnicastPeersGetTheirOwnAdvertsAndOthersAreIgnored) {
  const std::string peers = "  unicast_peer {\n    10.0.0.3\n  }\n";
  Router a(instance("VI", "eth0", 50, 255, "10.0.0.1", peers), 2);
  Segment lan({&a});
  lan.start();
  const auto adverts = a.adverts();
  ASSERT_EQ(adverts.size(), 1u);
  EXPECT_EQ(config::toString(parseAdvertFrame(adverts[0].second)->ip.destination), "10.0.0.3");
  Router stranger(instance("VI", "eth0", 50, 100, "10.0.0.1", "  unicast_peer {\n    10.0.0.2\n  }\n"), 4);
  Segment other({&stranger});
  other.start();
  other.runFor(4s);
  a.driver.handleFrame(0, stranger.adverts().back().second, lan.now);
  EXPECT_EQ(vrrpJson(a.driver)["instances"][0]["counters"]["refused"]["unknown_peer"], 1);
}

TEST(FailoverDriver, ReconfigureKeepsUnchangedInstancesAndRestartsChangedOnes) {
  const std::string one = instance("A", "eth0", 50, 255, "10.0.0.1");
  Router r(one + instance("B", "eth1", 2, 255, "192.168.1.1"), 2);
  Segment lan({&r});
  lan.start();
  lan.runFor(1s);
  const uint64_t sentByA = counter(r, "advert_sent");
  r.driver.reconfigure(parse(one + instance("B", "eth1", 2, 100, "192.168.1.1")), lan.now);
  EXPECT_EQ(r.state(0), "MASTER");
  EXPECT_EQ(counter(r, "advert_sent"), sentByA);  // the same machine, not restarted
  EXPECT_EQ(r.state(1), "BACKUP");                // B restarted at its new priority
  EXPECT_FALSE(r.holds("192.168.1.1"));
  EXPECT_THROW(r.driver.reconfigure(parse(instance("A", "eth9", 50, 255, "10.0.0.1")), lan.now),
               std::invalid_argument);
  EXPECT_EQ(r.driver.instances().size(), 2u);  // nothing changed
}

TEST(FailoverDriver, WithoutInstancesEveryVipIsHeld) {
  Router r("virtual_server 10.0.0.1 80 {\n  real_server 192.168.1.20 80\n}\n", 2);
  EXPECT_TRUE(r.holds("10.0.0.1"));
  EXPECT_FALSE(vrrpJson(r.driver)["running"].get<bool>());
}

}  // namespace
}  // namespace sluice::failover
