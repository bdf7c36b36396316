// vrrp_script, vrrp_sync_group and vrrp_instance keywords and defaults.
#include <gtest/gtest.h>

#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using testing::errorsOf;
using testing::warningsOf;
using Lines = std::vector<std::string>;

Config parseVrrpOk(const std::string& text) {
  const auto r = parseString(text, "v.conf");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  return r.config.value_or(Config{});
}

TEST(Vrrp, KeepalivedDefaults) {
  const Config c = parseVrrpOk(
      "vrrp_instance A {\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n");
  const VrrpInstance& v = c.vrrpInstances.at(0);
  EXPECT_EQ(v.state, VrrpState::kBackup);
  EXPECT_EQ(v.priority, 100);
  EXPECT_EQ(v.advertIntCs, 100);
  EXPECT_EQ(v.version, 2);
  EXPECT_FALSE(v.nopreempt);
  EXPECT_TRUE(v.accept);
  EXPECT_EQ(config::toString(c.globalDefs.vrrpMcastGroup4), "224.0.0.18");
  EXPECT_EQ(config::toString(c.globalDefs.vrrpMcastGroup6), "ff02::12");
  EXPECT_EQ(c.globalDefs.vrrpGarpMasterDelay, std::chrono::seconds{5});
  EXPECT_EQ(c.globalDefs.vrrpGarpMasterRepeat, 5u);
}

TEST(Vrrp, VersionComesFromGlobalDefsEvenWhenWrittenLater) {
  const Config c = parseVrrpOk(
      "vrrp_instance A {\n interface eth0\n virtual_router_id 7\n advert_int 0.25\n"
      " virtual_ipaddress {\n 10.0.0.1\n }\n}\n"
      "global_defs {\n vrrp_version 3\n}\n");
  EXPECT_EQ(c.vrrpInstances.at(0).version, 3);
  EXPECT_EQ(c.vrrpInstances.at(0).advertIntCs, 25);
}

TEST(Vrrp, Ipv6InstancesUseVersion3) {
  const Config c = parseVrrpOk(
      "vrrp_instance A {\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {\n fd00::1/64\n }\n}\n");
  EXPECT_EQ(c.vrrpInstances.at(0).version, 3);
  EXPECT_EQ(c.vrrpInstances.at(0).virtualIpAddresses.at(0).address.toString(), "fd00::1/64");
}

TEST(Vrrp, FractionalAdvertIntWithVersion2IsRoundedWithAWarning) {
  const auto r = parseString(
      "vrrp_instance A {\n interface eth0\n virtual_router_id 7\n advert_int 1.5\n virtual_ipaddress {\n "
      "10.0.0.1\n }\n}\n",
      "v.conf");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->vrrpInstances.at(0).advertIntCs, 200);
  EXPECT_EQ(warningsOf(r),
            Lines{"v.conf:4: VRRP version 2 counts advert_int in whole seconds; 1.5 rounded to 2"});
}

TEST(Vrrp, AdvertIntAboveVersion3LimitIsAnError) {
  const auto r = parseString(
      "vrrp_instance A {\n interface eth0\n version 3\n virtual_router_id 7\n advert_int 41\n"
      " virtual_ipaddress {\n 10.0.0.1\n }\n}\n",
      "v.conf");
  EXPECT_EQ(errorsOf(r), Lines{"v.conf:5: advert_int is at most 40.95 seconds with VRRP version 3"});
}

TEST(Vrrp, FullInstance) {
  const Config c = parseVrrpOk(R"(
vrrp_script chk {
    script "/usr/bin/check web"
    interval 1.5
    timeout 3
    weight -20 reverse
    rise 2
    fall 3
    user nobody nogroup
    init_fail
}
vrrp_script chk_other {
    script "/bin/true"
}
vrrp_instance VI {
    state BACKUP
    interface eth0
    virtual_router_id 10
    priority 150
    advert_int 2
    nopreempt
    preempt_delay 4.5
    garp_master_delay 3
    garp_master_repeat 2
    garp_master_refresh 60
    unicast_src_ip 10.0.0.2
    unicast_peer {
        10.0.0.3
        10.0.0.4
    }
    authentication {
        auth_type AH
        auth_pass secret
    }
    virtual_ipaddress {
        10.0.0.100/24 dev eth0 label eth0:1
        10.0.0.101 brd 10.0.0.255 scope global no_track
    }
    virtual_ipaddress_excluded {
        fd00::100/64 dev eth1
    }
    track_script {
        chk weight 10
        chk_other noreverse
    }
    track_interface {
        eth1 weight -5
        eth2
    }
    notify_master "/etc/keepalived/master.sh arg" root wheel
    notify_backup /etc/keepalived/backup.sh
    notify "/etc/keepalived/any.sh"
    smtp_alert
    no_accept
}
)");
  const VrrpScript& s = c.vrrpScripts.at(0);
  EXPECT_EQ(s.script, "/usr/bin/check web");
  EXPECT_EQ(s.interval, std::chrono::milliseconds{1500});
  EXPECT_EQ(s.timeout, std::chrono::seconds{3});
  EXPECT_EQ(s.weight, -20);
  EXPECT_TRUE(s.weightReverse);
  EXPECT_EQ(s.rise, 2u);
  EXPECT_EQ(s.fall, 3u);
  EXPECT_EQ(s.user, "nobody");
  EXPECT_EQ(s.group, "nogroup");
  EXPECT_TRUE(s.initFail);

  const VrrpInstance& v = c.vrrpInstances.at(0);
  EXPECT_EQ(v.priority, 150);
  EXPECT_EQ(v.advertIntCs, 200);
  EXPECT_TRUE(v.nopreempt);
  EXPECT_EQ(v.preemptDelay, std::chrono::milliseconds{4500});
  EXPECT_EQ(v.garpMasterDelay, std::chrono::seconds{3});
  EXPECT_EQ(v.garpMasterRepeat, 2u);
  EXPECT_EQ(v.garpMasterRefresh, std::chrono::seconds{60});
  EXPECT_EQ(config::toString(*v.unicastSrcIp), "10.0.0.2");
  ASSERT_EQ(v.unicastPeers.size(), 2u);
  EXPECT_EQ(config::toString(v.unicastPeers[1]), "10.0.0.4");
  EXPECT_EQ(v.authentication->type, AuthType::kAh);
  ASSERT_EQ(v.virtualIpAddresses.size(), 2u);
  EXPECT_EQ(v.virtualIpAddresses[0].address.toString(), "10.0.0.100/24");
  EXPECT_EQ(v.virtualIpAddresses[0].dev, "eth0");
  EXPECT_EQ(v.virtualIpAddresses[0].label, "eth0:1");
  EXPECT_EQ(config::toString(*v.virtualIpAddresses[1].broadcast), "10.0.0.255");
  EXPECT_EQ(v.virtualIpAddresses[1].scope, "global");
  EXPECT_TRUE(v.virtualIpAddresses[1].noTrack);
  EXPECT_EQ(v.virtualIpAddressesExcluded.at(0).dev, "eth1");
  ASSERT_EQ(v.trackScripts.size(), 2u);
  EXPECT_EQ(v.trackScripts[0].weight, 10);
  EXPECT_FALSE(v.trackScripts[1].weight);
  ASSERT_EQ(v.trackInterfaces.size(), 2u);
  EXPECT_EQ(v.trackInterfaces[0].weight, -5);
  EXPECT_EQ(v.trackInterfaces[1].weight, 0);
  ASSERT_TRUE(v.notify.master);
  EXPECT_EQ(v.notify.master->command, "/etc/keepalived/master.sh arg");
  EXPECT_EQ(v.notify.master->user, "root");
  EXPECT_EQ(v.notify.master->group, "wheel");
  EXPECT_EQ(v.notify.backup->command, "/etc/keepalived/backup.sh");
  EXPECT_EQ(v.notify.any->command, "/etc/keepalived/any.sh");
  EXPECT_EQ(v.smtpAlert, true);
  EXPECT_FALSE(v.accept);
}

TEST(Vrrp, TrackWeightsAreLimitedTo253) {
  const auto r = parseString("vrrp_script s {\n script true\n weight 254\n}\n", "v.conf");
  EXPECT_EQ(errorsOf(r), Lines{"v.conf:3: weight 254 is out of range -253-253"});
}

TEST(Vrrp, MixedFamiliesInVirtualIpaddressIsAnError) {
  const auto r = parseString(
      "vrrp_instance A {\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {\n 10.0.0.1\n fd00::1\n "
      "}\n}\n",
      "v.conf");
  EXPECT_EQ(errorsOf(r), Lines{"v.conf:1: virtual_ipaddress of vrrp_instance 'A' mixes IPv4 and IPv6 (use "
                               "virtual_ipaddress_excluded for the other family)"});
}

TEST(Vrrp, SyncGroupWithNotifyAndTracking) {
  const Config c = parseVrrpOk(R"(
vrrp_script chk {
  script "true"
}
vrrp_sync_group G {
  group {
    A B
  }
  notify_master /bin/m.sh
  notify_fault "/bin/f.sh x"
  track_script {
    chk
  }
  smtp_alert off
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress {
    10.0.0.1
  }
}
vrrp_instance B {
  interface eth1
  virtual_router_id 1
  virtual_ipaddress {
    10.1.0.1
  }
}
)");
  const VrrpSyncGroup& g = c.vrrpSyncGroups.at(0);
  EXPECT_EQ(g.instances, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(g.notify.master->command, "/bin/m.sh");
  EXPECT_EQ(g.notify.fault->command, "/bin/f.sh x");
  EXPECT_EQ(g.trackScripts.at(0).name, "chk");
  EXPECT_EQ(g.smtpAlert, false);
}

TEST(Vrrp, GlobalDefs) {
  const Config c = parseVrrpOk(R"(
global_defs {
  router_id lb-1
  notification_email {
    a@example.com "Ops <ops@example.com>"
    b@example.com
  }
  smtp_server mail.example.com 587
  smtp_connect_timeout 30
  vrrp_version 3
  script_user keepalived_script scripts
  enable_script_security
  lvs_timeouts tcp 900 udp 300 tcpfin 120
  vrrp_garp_master_delay 10
  vrrp_garp_master_repeat 1
  vrrp_garp_master_refresh 60
  vrrp_mcast_group4 224.0.0.19
  vrrp_mcast_group6 ff02::13
  vrrp_strict
  some_future_option 1
}
)");
  const GlobalDefs& g = c.globalDefs;
  EXPECT_EQ(g.routerId, "lb-1");
  EXPECT_EQ(g.notificationEmail,
            (std::vector<std::string>{"a@example.com", "Ops <ops@example.com>", "b@example.com"}));
  EXPECT_EQ(g.smtpServer->host, "mail.example.com");
  EXPECT_EQ(g.smtpServer->port, 587);
  EXPECT_EQ(g.vrrpVersion, 3);
  EXPECT_EQ(g.scriptUser, "keepalived_script");
  EXPECT_EQ(g.scriptGroup, "scripts");
  EXPECT_TRUE(g.enableScriptSecurity);
  ASSERT_TRUE(g.lvsTimeouts);
  EXPECT_EQ(g.lvsTimeouts->tcp, std::chrono::seconds{900});
  EXPECT_EQ(g.lvsTimeouts->tcpFin, std::chrono::seconds{120});
  EXPECT_EQ(g.lvsTimeouts->udp, std::chrono::seconds{300});
  EXPECT_EQ(g.vrrpGarpMasterDelay, std::chrono::seconds{10});
  EXPECT_EQ(g.vrrpGarpMasterRepeat, 1u);
  EXPECT_EQ(g.vrrpGarpMasterRefresh, std::chrono::seconds{60});
  EXPECT_EQ(config::toString(g.vrrpMcastGroup4), "224.0.0.19");
  EXPECT_EQ(config::toString(g.vrrpMcastGroup6), "ff02::13");
  EXPECT_TRUE(g.vrrpStrict);
}

TEST(Vrrp, BadGlobalValues) {
  const auto r = parseString(
      "global_defs {\n vrrp_version 4\n lvs_timeouts tcp\n vrrp_mcast_group4 10.0.0.1\n smtp_server 1.2.3.4 "
      "0\n}\n",
      "g.conf");
  EXPECT_EQ(errorsOf(r), (Lines{"g.conf:2: vrrp_version 4 is out of range 2-3",
                                "g.conf:3: 'lvs_timeouts' takes pairs: [tcp SECS] [tcpfin SECS] [udp SECS]",
                                "g.conf:4: vrrp_mcast_group4 '10.0.0.1' is not an IPv4 multicast address",
                                "g.conf:5: smtp_server 0 is out of range 1-65535"}));
}

}  // namespace
}  // namespace sluice::config

namespace sluice::config {
namespace {

TEST(Vrrp, SyncGroupLookups) {
  const Config c = parseVrrpOk(
      "vrrp_sync_group G {\n group {\n A\n }\n}\n"
      "vrrp_instance A {\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n"
      "vrrp_instance B {\n interface eth0\n virtual_router_id 8\n virtual_ipaddress {\n 10.0.0.2\n }\n}\n");
  ASSERT_NE(c.syncGroupOf("A"), nullptr);
  EXPECT_EQ(c.syncGroupOf("A")->name, "G");
  EXPECT_EQ(c.syncGroupOf("B"), nullptr);
  EXPECT_EQ(c.findVrrpSyncGroup("G"), c.syncGroupOf("A"));
  EXPECT_EQ(c.findVrrpSyncGroup("H"), nullptr);
}

std::string vmacInstance(const std::string& lines, const std::string& vip = "10.0.0.1") {
  return "vrrp_instance A {\n interface eth0\n virtual_router_id 51\n" + lines + " virtual_ipaddress {\n " + vip +
         "\n }\n}\n";
}

TEST(Vrrp, UseVmacGivesRfc5798sVirtualMacPerFamily) {
  const Config plain = parseVrrpOk(vmacInstance(""));
  EXPECT_FALSE(plain.vrrpInstances.at(0).useVmac);
  EXPECT_EQ(virtualMacOf(plain.vrrpInstances.at(0)), std::nullopt);

  const auto r = parseString(vmacInstance(" use_vmac\n"), "v.conf");
  EXPECT_TRUE(warningsOf(r).empty());
  const VrrpInstance& v4 = r.config->vrrpInstances.at(0);
  EXPECT_TRUE(v4.useVmac);
  EXPECT_FALSE(v4.vmacXmitBase);
  EXPECT_EQ(virtualMacOf(v4)->toString(), "00:00:5e:00:01:33");  // VRID 51

  const Config v6 = parseVrrpOk(vmacInstance(" use_vmac vrrp6.51\n", "fd00::1"));
  EXPECT_EQ(virtualMacOf(v6.vrrpInstances.at(0))->toString(), "00:00:5e:00:02:33");
  EXPECT_EQ(v6.vrrpInstances.at(0).vmacInterface, "vrrp6.51");  // kept, though sluice makes no interface
}

TEST(Vrrp, UseVmacTakesANameAndAMacInEitherOrder) {
  const VrrpInstance a = parseVrrpOk(vmacInstance(" use_vmac vrrp.51 02:11:22:33:44:55\n")).vrrpInstances.at(0);
  EXPECT_EQ(a.vmacInterface, "vrrp.51");
  EXPECT_EQ(virtualMacOf(a)->toString(), "02:11:22:33:44:55");
  // Five octets: keepalived completes them with the VRID (written after).
  const VrrpInstance b = parseVrrpOk(
      "vrrp_instance A {\n use_vmac 02:11:22:33:44 vm\n interface eth0\n virtual_router_id 200\n"
      " virtual_ipaddress {\n 10.0.0.1\n }\n}\n").vrrpInstances.at(0);
  EXPECT_EQ(b.vmacInterface, "vm");
  EXPECT_EQ(virtualMacOf(b)->toString(), "02:11:22:33:44:c8");
}

TEST(Vrrp, UseVmacWarnsAsKeepalivedDoes) {
  const auto r = parseString(vmacInstance(" use_vmac a 03:11:22:33:44 b\n"), "v.conf");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(warningsOf(r), (Lines{"v.conf:4: VMAC MAC address 03:11:22:33:44 is multicast; ignored",
                                  "v.conf:4: VMAC interface name already specified; 'b' ignored"}));
  EXPECT_EQ(virtualMacOf(r.config->vrrpInstances.at(0))->toString(), "00:00:5e:00:01:33");
}

TEST(Vrrp, VmacXmitBaseNeedsUseVmacAndUnicastImpliesIt) {
  const auto alone = parseString(vmacInstance(" vmac_xmit_base\n"), "v.conf");
  EXPECT_EQ(warningsOf(alone), Lines{"v.conf:1: vrrp_instance 'A': vmac_xmit_base is only valid with use_vmac; ignored"});
  EXPECT_FALSE(alone.config->vrrpInstances.at(0).vmacXmitBase);

  const auto both = parseString(vmacInstance(" use_vmac\n vmac_xmit_base\n"), "v.conf");
  EXPECT_TRUE(warningsOf(both).empty());
  EXPECT_TRUE(both.config->vrrpInstances.at(0).vmacXmitBase);

  const auto unicast = parseString(vmacInstance(" use_vmac\n unicast_peer {\n 10.0.0.3\n }\n"), "v.conf");
  EXPECT_EQ(warningsOf(unicast),
            Lines{"v.conf:1: vrrp_instance 'A': unicast with use_vmac requires vmac_xmit_base; set"});
  EXPECT_TRUE(unicast.config->vrrpInstances.at(0).vmacXmitBase);
}

TEST(Vrrp, OnlyTheInstancesOwnFamilyOnItsInterfaceLivesOnTheVirtualMac) {
  const VrrpInstance v = parseVrrpOk(vmacInstance(" use_vmac\n virtual_ipaddress_excluded {\n 10.0.0.7\n"
                                              " 10.0.1.7 dev eth1\n 10.0.2.7 dev eth0\n fd00::7\n }\n"))
                             .vrrpInstances.at(0);
  ASSERT_EQ(v.virtualIpAddressesExcluded.size(), 4u);
  EXPECT_TRUE(onVirtualMac(v, v.virtualIpAddresses.at(0)));
  EXPECT_TRUE(onVirtualMac(v, v.virtualIpAddressesExcluded[0]));
  EXPECT_FALSE(onVirtualMac(v, v.virtualIpAddressesExcluded[1]));  // another interface
  EXPECT_TRUE(onVirtualMac(v, v.virtualIpAddressesExcluded[2]));   // its own, named
  EXPECT_FALSE(onVirtualMac(v, v.virtualIpAddressesExcluded[3]));  // the other family
}

}  // namespace
}  // namespace sluice::config
