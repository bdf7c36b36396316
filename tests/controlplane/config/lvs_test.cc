// virtual_server_group, virtual_server, real_server and checks.
#include <gtest/gtest.h>

#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::errorsOf;
using testing::warningsOf;
using Lines = std::vector<std::string>;

Config parseOk(const std::string& text) {
  const auto r = parseString(text, "l.conf");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  return r.config.value_or(Config{});
}

TEST(Lvs, KeepalivedDefaults) {
  const Config c = parseOk(
      "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 192.168.1.20 {\n  TCP_CHECK {\n  }\n "
      "}\n}\n");
  const VirtualServer& vs = c.virtualServers.at(0);
  EXPECT_EQ(vs.scheduler, "wlc");
  EXPECT_EQ(vs.method, ForwardingMethod::kNat);
  EXPECT_EQ(vs.quorum, 1u);
  EXPECT_EQ(vs.hysteresis, 0u);
  const RealServer& rs = vs.realServers.at(0);
  EXPECT_EQ(rs.weight, 1u);
  EXPECT_EQ(rs.port, 80);  // no port given: the virtual server's
  const HealthCheck& check = rs.checks.at(0);
  EXPECT_EQ(check.delayLoop, seconds{60});
  EXPECT_EQ(check.connectTimeout, seconds{5});
  EXPECT_EQ(check.retry, 1u);
  EXPECT_EQ(check.fall, 2u);
  EXPECT_EQ(check.rise, 1u);
  EXPECT_EQ(check.delayBeforeRetry, seconds{1});
  EXPECT_EQ(check.warmup, seconds{60});
}

TEST(Lvs, CheckTimingIsInheritedCheckOverRealServerOverVirtualServer) {
  const Config c = parseOk(R"(
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 192.168.1.20 80 {
    connect_timeout 4
    TCP_CHECK {
      retry 3
    }
    HTTP_GET {
      url {
        path /health
      }
      connect_timeout 2
    }
    MISC_CHECK {
      misc_path "/bin/check.sh 1"
    }
  }
  delay_loop 10
  connect_timeout 7
  delay_before_retry 2
})");
  const auto& checks = c.virtualServers.at(0).realServers.at(0).checks;
  ASSERT_EQ(checks.size(), 3u);
  // Settings written after the real server still apply: keepalived resolves at the end.
  EXPECT_EQ(checks[0].delayLoop, seconds{10});
  EXPECT_EQ(checks[0].connectTimeout, seconds{4});
  EXPECT_EQ(checks[0].retry, 3u);
  EXPECT_EQ(checks[0].fall, 4u);
  EXPECT_EQ(checks[0].delayBeforeRetry, seconds{2});
  EXPECT_EQ(checks[0].warmup, seconds{10});
  EXPECT_EQ(checks[1].type, CheckType::kHttp);
  EXPECT_EQ(checks[1].connectTimeout, seconds{2});
  EXPECT_EQ(checks[1].urls.at(0).path, "/health");
  EXPECT_EQ(checks[1].urls.at(0).statusCodes, (std::vector<StatusRange>{{200, 299}}));
  EXPECT_EQ(checks[2].type, CheckType::kMisc);
  EXPECT_EQ(checks[2].miscPath, "/bin/check.sh 1");
  EXPECT_EQ(checks[2].retry, 0u);  // MISC_CHECK's own default
  EXPECT_EQ(checks[0].configured.retry, 3u);
  EXPECT_FALSE(checks[0].configured.delayLoop);
}

TEST(Lvs, HttpDefaultsToThreeSecondsBeforeRetry) {
  const Config c = parseOk(
      "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 1.1.1.1 80 {\n"
      "  SSL_GET {\n   url {\n    path /\n   }\n  }\n }\n}\n");
  EXPECT_EQ(c.virtualServers.at(0).realServers.at(0).checks.at(0).delayBeforeRetry, seconds{3});
}

TEST(Lvs, HaproxyStyleInterRiseFall) {
  const Config c = parseOk(R"(
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 1.1.1.1 80 {
    TCP_CHECK { inter 2s
                rise 2
                fall 3 }
    TCP_CHECK {
      inter 500
      fall 1
      retry 0
    }
  }
})");
  const auto& checks = c.virtualServers.at(0).realServers.at(0).checks;
  EXPECT_EQ(checks.at(0).delayLoop, seconds{2});
  EXPECT_EQ(checks.at(0).rise, 2u);
  EXPECT_EQ(checks.at(0).fall, 3u);
  EXPECT_EQ(checks.at(0).retry, 2u);
  EXPECT_EQ(checks.at(1).delayLoop, milliseconds{500});  // HAProxy: no unit means ms
  EXPECT_EQ(checks.at(1).fall, 1u);
}

TEST(Lvs, FallAndRetryMustAgree) {
  const auto r = parseString(
      "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 1.1.1.1 80 {\n"
      "  TCP_CHECK {\n   retry 1\n   fall 5\n  }\n }\n}\n",
      "l.conf");
  EXPECT_EQ(errorsOf(r),
            Lines{"l.conf:6: fall 5 contradicts an earlier retry/fall of this check (fall = retry + 1)"});
}

TEST(Lvs, HttpGetUrlsAndCheckOptions) {
  const Config c = parseOk(R"(
virtual_server 10.0.0.1 443 {
  protocol TCP
  lvs_sched wrr
  lvs_method DR
  virtualhost www.example.com
  real_server 1.1.1.1 443 {
    weight 5
    uthreshold 1000
    lthreshold 100
    inhibit_on_failure
    notify_up "/bin/up.sh 1.1.1.1"
    notify_down /bin/down.sh
    HTTP_GET {
      url {
        path /a
        digest 9B3A0C85A887A256D6939DA88AABD8CD
        status_code 200 301-302
      }
      url {
        path /b
        virtualhost b.example.com
      }
      connect_ip 1.1.1.2
      connect_port 8443
      bindto 10.0.0.2
      nb_get_retry 2
      delay_before_retry 0.5
      warmup 0
    }
  }
})");
  const VirtualServer& vs = c.virtualServers.at(0);
  EXPECT_EQ(vs.scheduler, "wrr");
  EXPECT_EQ(vs.method, ForwardingMethod::kDr);
  EXPECT_EQ(vs.virtualhost, "www.example.com");
  const RealServer& rs = vs.realServers.at(0);
  EXPECT_EQ(rs.weight, 5u);
  EXPECT_EQ(rs.upperThreshold, 1000u);
  EXPECT_EQ(rs.lowerThreshold, 100u);
  EXPECT_EQ(rs.inhibitOnFailure, true);
  EXPECT_EQ(rs.notifyUp->command, "/bin/up.sh 1.1.1.1");
  EXPECT_EQ(rs.notifyDown->command, "/bin/down.sh");
  const HealthCheck& h = rs.checks.at(0);
  ASSERT_EQ(h.urls.size(), 2u);
  EXPECT_EQ(h.urls[0].digest, "9b3a0c85a887a256d6939da88aabd8cd");
  EXPECT_EQ(h.urls[0].statusCodes, (std::vector<StatusRange>{{200, 200}, {301, 302}}));
  EXPECT_EQ(h.urls[1].virtualhost, "b.example.com");
  EXPECT_EQ(config::toString(*h.connectIp), "1.1.1.2");
  EXPECT_EQ(h.connectPort, 8443);
  EXPECT_EQ(config::toString(*h.bindTo), "10.0.0.2");
  EXPECT_EQ(h.retry, 2u);
  EXPECT_EQ(h.delayBeforeRetry, milliseconds{500});
  EXPECT_EQ(h.warmup, seconds{0});
}

TEST(Lvs, BadCheckValues) {
  const auto r = parseString(R"(virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 1.1.1.1 80 {
    weight -1
    HTTP_GET {
      url {
        digest xyz
        status_code 99
      }
      connect_port 70000
    }
    MISC_CHECK {
    }
  }
})",
                             "l.conf");
  EXPECT_EQ(errorsOf(r),
            (Lines{"l.conf:4: weight '-1' is not a whole number",
                   "l.conf:7: digest 'xyz' is not an MD5 sum (32 hex digits)",
                   "l.conf:8: status_code '99' is not an HTTP status (100-599) or range of them",
                   "l.conf:6: url { } needs a path", "l.conf:10: connect_port 70000 is out of range 1-65535",
                   "l.conf:5: HTTP_GET needs at least one url { path ... }",
                   "l.conf:12: MISC_CHECK needs a misc_path"}));
}

TEST(Lvs, PersistenceAndSorryServer) {
  const Config c = parseOk(R"(
virtual_server 10.0.0.1 80 {
  protocol TCP
  persistence_timeout
  persistence_granularity 255.255.255.0
  sorry_server 192.168.1.99 8080
  sorry_server_inhibit
  quorum 2
  hysteresis 1
  quorum_up "/bin/up.sh"
  alpha
  omega
  ha_suspend
  inhibit_on_failure
  real_server 1.1.1.1 80
  real_server 1.1.1.2 80
}
virtual_server fd00::1 443 {
  protocol TCP
  persistence_timeout 600
  persistence_granularity 64
  real_server fd00::10 443
})");
  const VirtualServer& vs = c.virtualServers.at(0);
  EXPECT_EQ(vs.persistenceTimeout, seconds{360});  // keepalived: 6 minutes when no value
  EXPECT_EQ(vs.persistenceGranularity, 24);
  ASSERT_TRUE(vs.sorryServer);
  EXPECT_EQ(config::toString(vs.sorryServer->address), "192.168.1.99");
  EXPECT_EQ(vs.sorryServer->port, 8080);
  EXPECT_TRUE(vs.sorryServer->inhibit);
  EXPECT_EQ(vs.quorum, 2u);
  EXPECT_EQ(vs.hysteresis, 1u);
  EXPECT_EQ(vs.quorumUp->command, "/bin/up.sh");
  EXPECT_TRUE(vs.alpha && vs.omega && vs.haSuspend && vs.inhibitOnFailure);
  EXPECT_FALSE(vs.realServers.at(0).inhibitOnFailure);  // unset: inherits the virtual server's
  const VirtualServer& v6 = c.virtualServers.at(1);
  EXPECT_EQ(v6.persistenceTimeout, seconds{600});
  EXPECT_EQ(v6.persistenceGranularity, 64);
}

TEST(Lvs, GranularityMustBeAContiguousMask) {
  const auto r = parseString(
      "virtual_server 10.0.0.1 80 {\n protocol TCP\n persistence_granularity 255.0.255.0\n real_server "
      "1.1.1.1 80\n}\n",
      "l.conf");
  EXPECT_EQ(
      errorsOf(r),
      Lines{"l.conf:3: persistence_granularity '255.0.255.0' is not an IPv4 netmask like 255.255.255.0"});
}

TEST(Lvs, MissingProtocolFollowsKeepalivedWithAWarning) {
  const auto r = parseString("virtual_server 10.0.0.1 53 {\n real_server 1.1.1.1 53\n}\n", "l.conf");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->virtualServers.at(0).protocol, Protocol::kUdp);
  EXPECT_EQ(warningsOf(r),
            Lines{"l.conf:1: virtual_server 10.0.0.1 53 has no protocol; using UDP as keepalived does"});
}

TEST(Lvs, RealServerOfAnotherFamilyIsAnErrorUnlessTunnelled) {
  const auto r = parseString(
      "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server fd00::1 80\n real_server 10.0.1.1 80\n}\n"
      "virtual_server fwmark 3 {\n lb_kind TUN\n real_server fd00::1 80\n real_server 10.0.1.1 80\n}\n",
      "l.conf");
  EXPECT_EQ(errorsOf(r),
            Lines{"l.conf:1: real_server fd00::1 is not of the virtual server's address family"});
  // (A TUN server of another family than the virtual server's address is
  // refused by sluice: tunnel_test.cc.)
}

TEST(Lvs, VirtualServerGroupsAndFwmarks) {
  const auto r = parseString(R"(
virtual_server_group WEB {
  10.0.0.1 80
  10.0.0.10-20 443
  10.0.1.0/30 8080
  10.0.2.1-10.0.2.3 80
  fd00::1-ff 80
  fwmark 7
}
virtual_server group WEB {
  protocol TCP
  real_server 192.168.1.20 80
}
virtual_server fwmark 80 {
  real_server 192.168.1.20
})",
                             "g.conf");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const VirtualServerGroup& g = r.config->virtualServerGroups.at(0);
  ASSERT_EQ(g.ranges.size(), 5u);
  EXPECT_EQ(g.ranges[0].first, g.ranges[0].last);
  EXPECT_EQ(g.ranges[0].port, 80);
  EXPECT_EQ(config::toString(g.ranges[1].first), "10.0.0.10");
  EXPECT_EQ(config::toString(g.ranges[1].last), "10.0.0.20");
  EXPECT_EQ(config::toString(g.ranges[2].first), "10.0.1.0");
  EXPECT_EQ(config::toString(g.ranges[2].last), "10.0.1.3");
  EXPECT_EQ(config::toString(g.ranges[3].last), "10.0.2.3");
  EXPECT_EQ(config::toString(g.ranges[4].last), "fd00::ff");
  EXPECT_EQ(g.fwmarks, std::vector<std::uint32_t>{7});
  const VirtualServer& byGroup = r.config->virtualServers.at(0);
  EXPECT_EQ(byGroup.kind, VirtualServerKind::kGroup);
  EXPECT_EQ(byGroup.group, "WEB");
  const VirtualServer& byMark = r.config->virtualServers.at(1);
  EXPECT_EQ(byMark.kind, VirtualServerKind::kFwmark);
  EXPECT_EQ(byMark.fwmark, 80u);
  EXPECT_EQ(byMark.realServers.at(0).port, 0);  // fwmark: the port the client used
  // Without a dataplane fwmark rule nothing sets these marks.
  EXPECT_EQ(warningsOf(r),
            (Lines{"g.conf:8: no fwmark 7 rule in the dataplane block: no packet will carry this mark",
                   "g.conf:14: no fwmark 80 rule in the dataplane block: no packet will carry this mark"}));
}

// keepalived reads an explicit port 0 as no port, on every address line.
TEST(Lvs, PortZeroIsNoPort) {
  const auto r = parseString(R"(virtual_server fwmark 80 {
  lb_kind NAT
  persistence_timeout 60
  real_server 192.168.1.20 0 {
    TCP_CHECK {
      connect_port 8080
    }
  }
  real_server 192.168.1.21 {
    TCP_CHECK {
    }
  }
  real_server 192.168.1.22 443 {
    lvs_method DR
  }
  real_server 192.168.1.23 443
  sorry_server 192.168.1.30 8080
  sorry_server_lvs_method TUN
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 192.168.1.20 0
  sorry_server 192.168.1.30 0
}
virtual_server_group G {
  10.0.0.2 0
}
virtual_server 10.0.0.3 0 {
  protocol TCP
  persistence_timeout 60
  real_server 192.168.1.20 0
})",
                             "z.conf");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const VirtualServer& byMark = r.config->virtualServers.at(0);
  EXPECT_EQ(byMark.realServers.at(0).port, 0);
  EXPECT_EQ(byMark.realServers.at(1).port, 0);
  EXPECT_EQ(byMark.realServers.at(2).port, 0);    // DR cannot change ports: cleared
  EXPECT_EQ(byMark.realServers.at(3).port, 443);  // NAT can
  EXPECT_EQ(byMark.sorryServer->port, 0);
  const VirtualServer& byAddress = r.config->virtualServers.at(1);
  EXPECT_EQ(byAddress.realServers.at(0).port, 80);  // the service's port
  EXPECT_EQ(byAddress.sorryServer->port, 0);
  EXPECT_EQ(r.config->virtualServerGroups.at(0).ranges.at(0).port, 0);
  const VirtualServer& portless = r.config->virtualServers.at(2);
  EXPECT_EQ(portless.port, 0);
  EXPECT_EQ(portless.realServers.at(0).port, 0);
  EXPECT_EQ(warningsOf(r),
            (Lines{"z.conf:1: TCP_CHECK of real_server 192.168.1.21 has no port to connect to (the real server has "
                   "port 0): give the check a connect_port, or it fails and the server stays down",
                   "z.conf:1: virtual_server fwmark 80: real_server 192.168.1.22 port 443 is ignored with DR "
                   "(only NAT changes ports); cleared, as keepalived does",
                   "z.conf:1: virtual_server fwmark 80: sorry_server port 8080 is ignored with TUN (only NAT "
                   "changes ports); cleared, as keepalived does",
                   "z.conf:1: no fwmark 80 rule in the dataplane block: no packet will carry this mark"}));

  // The same server with and without its 0 is one server.
  const auto dup = parseString(
      "virtual_server fwmark 1 {\n real_server 192.168.1.20\n real_server 192.168.1.20 0\n}\n", "d.conf");
  EXPECT_EQ(errorsOf(dup), Lines{"d.conf:3: duplicate real_server 192.168.1.20 0 in this virtual_server"});
  EXPECT_FALSE(parseString("virtual_server fwmark 1 {\n real_server 192.168.1.20 65536\n}\n", "p.conf").ok());
  const auto cleared = parseString(
      "virtual_server fwmark 1 {\n lb_kind DR\n real_server 192.168.1.20 80\n real_server 192.168.1.20 443\n}\n",
      "c.conf");
  EXPECT_EQ(errorsOf(cleared), Lines{"c.conf:1: duplicate real_server 192.168.1.20 0 in this virtual_server once the "
                                     "ports of its DR and TUN servers are cleared"});
}

TEST(Lvs, BadGroupEntries) {
  const auto r = parseString("virtual_server_group G {\n 10.0.0.20-10 80\n 10.0.0.1 http\n}\n", "g.conf");
  EXPECT_EQ(
      errorsOf(r),
      (Lines{"g.conf:2: '10.0.0.20-10' is not an address range (e.g. 10.0.0.1-10 or 10.0.0.1-10.0.0.10)",
             "g.conf:3: virtual_server_group entry 'http' is not a whole number",
             "g.conf:1: virtual_server_group 'G' has no entries"}));
}

}  // namespace
}  // namespace sluice::config
