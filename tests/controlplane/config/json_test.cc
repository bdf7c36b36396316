// model -> JSON -> model is lossless, and JSON input is checked.
#include "controlplane/config/json.h"

#include <gtest/gtest.h>

#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using testing::errorsOf;
using testing::seedsDir;

// Exercises every part of the model, including optional fields both set and unset.
const char* kEverything = R"(
global_defs {
  router_id lb1
  notification_email {
    admin@example.com
  }
  notification_email_from noreply@example.com
  smtp_server 127.0.0.1 2525
  smtp_helo_name lb1.example.com
  vrrp_version 2
  script_user ka
  enable_script_security
  lvs_timeouts tcp 900
  lvs_sync_daemon eth1 A id 3 maxlen 1400 port 9000 ttl 2 group 239.0.0.81
}
vrrp_script chk {
  script "/bin/check it"
  interval 0.5
  weight -3 reverse
}
vrrp_sync_group G {
  group {
    A
  }
  sync_group_tracking_weight
  notify "/bin/n.sh" root
  track_script {
    chk weight 2
  }
}
vrrp_instance A {
  state MASTER
  interface eth0
  virtual_router_id 9
  priority 200
  advert_int 3
  authentication {
    auth_type PASS
    auth_pass abc
  }
  virtual_ipaddress {
    10.0.0.1/24 dev eth0 label eth0:vip brd 10.0.0.255 scope global
  }
  virtual_ipaddress_excluded {
    fd00::1 dev eth0 no_track
  }
  track_interface {
    eth1 weight 7 reverse
  }
  unicast_src_ip 10.0.0.2
  unicast_peer {
    10.0.0.3
  }
  garp_master_delay 1.5
  notify_stop /bin/stop.sh
  use_vmac vrrp9 02:00:5e:11:22
  vmac_xmit_base
}
virtual_server_group VG {
  10.0.0.5-7 80
  fwmark 12
}
virtual_server group VG {
  protocol TCP
  lvs_sched sh
  sh-port
  flag-3
  real_server 192.168.1.2 80 {
    lvs_method TUN type gue port 6080 csum
    weight 0
    inhibit_on_failure off
    MISC_CHECK {
      misc_path /bin/m.sh
      misc_timeout 4
      misc_dynamic
      user nobody
    }
    UDP_CHECK {
      connect_port 53
      payload 0a 1b2c
      require_reply 0a xx1b
      min_reply_length 3
      max_reply_length 512
    }
    PING_CHECK {
      connect_ip 192.168.1.3
      retry 4
    }
  }
}
virtual_server 10.0.0.1 443 {
  protocol SCTP
  lb_kind DR
  persistence_timeout 100
  persistence_granularity 255.255.0.0
  client_max_connections 20
  client_prefix_v4 24
  sorry_server 192.168.1.9 443
  sorry_server_lvs_method DR
  quorum_down "/bin/qd.sh"
  delay_loop 3
  real_server 192.168.1.3 443 {
    retry 4
    SSL_GET {
      url {
        path /x
        status_code 200-204
      }
      enable_sni
      bind_port 1000
    }
  }
}
virtual_server fwmark 12 {
  lb_kind TUN type gre csum
  ops
  sorry_server 192.168.1.8 53
  sorry_server_lvs_method TUN
  real_server 192.168.1.4
}
dataplane {
  lcores 2,4,6
  memory 512
  expire_nodest_conn
  ftp_helper off
  ftp_ports 21 2121
  sync_threshold 2 10
  sync_refresh_period 30
  sync_retries 1
  sync_takeover_wait 2.5
  sync_bulk_port 9849
  client_max_rate 50
  client_prefix_v6 64
  port eth0 {
    device net_tap0,iface=t0
    address 10.0.0.2/24
    gateway 10.0.0.254
    mtu 9000
  }
  port eth1 {
    device net_null0
    exception_tap sl-eth1
    address fd01::1/64
  }
  route 172.16.0.0/12 via 10.0.0.200 dev eth0
  neighbor fd01::9 lladdr 02:aa:bb:cc:dd:ee dev eth1
  fwmark 12 {
    match 10.0.0.0/24 udp 53,5353-5360
  }
}
)";

void expectRoundTrip(const Config& original) {
  const nlohmann::json j = toJson(original);
  const Config back = configFromJson(j);
  EXPECT_EQ(back, original);
  // And through text, as the API would carry it.
  EXPECT_EQ(configFromJson(nlohmann::json::parse(j.dump())), original);
  // The nlohmann hooks agree with the named functions.
  const nlohmann::json viaHook = original;
  EXPECT_EQ(viaHook, j);
  EXPECT_EQ(viaHook.get<Config>(), original);
}

TEST(Json, SeedsRoundTrip) {
  for (const char* name :
       {"lb1_nat.conf", "lb2_nat.conf", "dr_master.conf", "dr_backup.conf", "haproxy_keepalived.conf"}) {
    SCOPED_TRACE(name);
    const auto r = parseFile(seedsDir() + "/" + name);
    ASSERT_TRUE(r.ok());
    expectRoundTrip(*r.config);
  }
}

TEST(Json, EverythingRoundTrips) {
  const auto r = parseString(kEverything, "all.conf");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  expectRoundTrip(*r.config);
}

TEST(Json, ShapeUsesKeepalivedNames) {
  const auto r = parseFile(seedsDir() + "/dr_master.conf");
  ASSERT_TRUE(r.ok());
  const auto j = toJson(*r.config);
  const auto& vs = j.at("virtual_servers").at(0);
  EXPECT_EQ(vs.at("address"), "172.31.0.1");
  EXPECT_EQ(vs.at("port"), 80);
  EXPECT_EQ(vs.at("lvs_sched"), "rr");
  EXPECT_EQ(vs.at("lvs_method"), "DR");
  EXPECT_EQ(vs.at("persistence_timeout"), 9600000);  // milliseconds
  EXPECT_EQ(vs.at("real_servers").at(0).at("checks").at(0).at("type"), "TCP_CHECK");
  const auto& vrrp = j.at("vrrp_instances").at(0);
  EXPECT_EQ(vrrp.at("state"), "MASTER");
  EXPECT_EQ(vrrp.at("authentication").at("auth_pass"), "passw123");
  EXPECT_FALSE(j.contains("dataplane"));  // unset optionals are left out
  EXPECT_FALSE(vs.contains("tunnel"));      // DR: no tunnel
}

TEST(Json, TunnelsAndMtuHaveTheirShape) {
  const auto r = parseString(kEverything, "all.conf");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const auto j = toJson(*r.config);
  const auto& group = j.at("virtual_servers").at(0);
  EXPECT_EQ(group.at("real_servers").at(0).at("lvs_method"), "TUN");
  EXPECT_EQ(group.at("real_servers").at(0).at("tunnel"),
            nlohmann::json::parse(R"({"type": "gue", "port": 6080, "csum": true})"));
  const auto& fwmark = j.at("virtual_servers").at(2);
  EXPECT_EQ(fwmark.at("tunnel"), nlohmann::json::parse(R"({"type": "gre", "port": 0, "csum": true})"));
  EXPECT_EQ(fwmark.at("sorry_server").at("tunnel"),
            nlohmann::json::parse(R"({"type": "ipip", "port": 0, "csum": false})"));
  EXPECT_EQ(j.at("dataplane").at("ports").at(0).at("mtu"), 9000);
  EXPECT_EQ(j.at("dataplane").at("ports").at(1).at("mtu"), 1500);
  // A file without them (an older sluice's) reads as the defaults.
  const Config old = configFromJson(nlohmann::json::parse(
      R"({"virtual_servers": [{"address": "10.0.0.1", "port": 80, "lvs_method": "TUN"}],
          "dataplane": {"ports": [{"name": "eth0"}]}})"));
  EXPECT_FALSE(old.virtualServers.at(0).tunnel);
  EXPECT_EQ(forwardingOf(old.virtualServers.at(0), RealServer{}).tunnel, TunnelSpec{});
  EXPECT_EQ(old.dataplane->ports.at(0).mtu, 1500);
}

TEST(Json, MissingKeysTakeModelDefaults) {
  const Config c = configFromJson(nlohmann::json::parse(
      R"({"vrrp_instances": [{"name": "A", "virtual_router_id": 3}],
          "virtual_servers": [{"address": "10.0.0.1", "port": 80}]})"));
  ASSERT_EQ(c.vrrpInstances.size(), 1u);
  EXPECT_EQ(c.vrrpInstances[0].priority, 100);
  EXPECT_EQ(c.vrrpInstances[0].virtualRouterId, 3);
  EXPECT_EQ(c.virtualServers.at(0).scheduler, "wlc");
  EXPECT_EQ(config::toString(c.globalDefs.vrrpMcastGroup4), "224.0.0.18");
}

TEST(Json, BadValuesAreRefusedNotWrapped) {
  auto load = [](const char* text) { return configFromJson(nlohmann::json::parse(text)); };
  EXPECT_THROW(load(R"({"vrrp_instances": [{"priority": 300}]})"), std::invalid_argument);
  EXPECT_THROW(load(R"({"vrrp_instances": [{"priority": -1}]})"), std::invalid_argument);
  EXPECT_THROW(load(R"({"vrrp_instances": [{"state": "LEADER"}]})"), std::invalid_argument);
  EXPECT_THROW(load(R"({"virtual_servers": [{"address": "10.0.0.300"}]})"), std::invalid_argument);
  EXPECT_THROW(load(R"({"virtual_servers": "none"})"), std::invalid_argument);
  EXPECT_THROW(load(R"({"global_defs": {"vrrp_strict": 1}})"), std::invalid_argument);
  try {
    load(R"({"vrrp_instances": [{"priority": 300}]})");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("priority"), std::string::npos) << e.what();
  }
}

TEST(Json, PartsConvertOnTheirOwn) {
  const auto r = parseString(kEverything, "all.conf");
  ASSERT_TRUE(r.ok());
  const VirtualServer& vs = r.config->virtualServers.at(1);
  const nlohmann::json j = vs;
  EXPECT_EQ(j.get<VirtualServer>(), vs);
  const nlohmann::json d = *r.config->dataplane;
  EXPECT_EQ(d.get<Dataplane>(), *r.config->dataplane);
}

}  // namespace
}  // namespace sluice::config

namespace sluice::config {
namespace {

TEST(Json, StrictReadersRefuseUnknownKeysAtAnyDepth) {
  EXPECT_NO_THROW(virtualServerFromJsonStrict(nlohmann::json::parse(R"({"address": "10.0.0.1", "port": 80})")));
  auto message = [](auto read, const char* text) -> std::string {
    try {
      read(nlohmann::json::parse(text));
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(message(virtualServerFromJsonStrict, R"({"address": "10.0.0.1", "lb_algo": "rr"})"),
            "json: 'lb_algo': unknown field");
  EXPECT_EQ(message(virtualServerFromJsonStrict, R"({"real_servers": [{"address": "10.0.0.2", "wieght": 2}]})"),
            "json: 'wieght': unknown field");
  EXPECT_EQ(message(realServerFromJsonStrict, R"({"address": "10.0.0.2", "weight": 2, "x": 1})"),
            "json: 'x': unknown field");
  // The lenient reader still ignores them (files from a newer sluice).
  EXPECT_NO_THROW(nlohmann::json::parse(R"({"address": "10.0.0.1", "lb_algo": "rr"})").get<VirtualServer>());
}

TEST(Json, ApiBlockRoundTrips) {
  const auto r = parseString(
      "api {\n socket /run/x.sock\n listen 9180\n token 0123456789abcdef\n tls_certificate /etc/sluice/api.crt\n"
      " tls_key /etc/sluice/api.key\n tls_client_ca /etc/sluice/clients.crt\n auth_failure_limit 5\n}\n",
      "a.conf");
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.config->api);
  EXPECT_EQ(config::toString(*r.config->api->listenAddress), "127.0.0.1");
  EXPECT_EQ(*r.config->api->listenPort, 9180);
  EXPECT_EQ(*r.config->api->tlsKey, "/etc/sluice/api.key");
  EXPECT_EQ(*r.config->api->authFailureLimit, 5u);
  EXPECT_FALSE(r.config->api->allowPlainTcp);
  EXPECT_EQ(configFromJson(toJson(*r.config)), *r.config);
}

TEST(ApiBlock, ListenWithoutTokenAndShortTokensAreErrors) {
  EXPECT_FALSE(parseString("api {\n listen 9180\n}\n", "a.conf").ok());
  EXPECT_FALSE(parseString("api {\n listen 9180\n token short\n}\n", "a.conf").ok());
  EXPECT_FALSE(parseString("api {\n socket relative.sock\n}\n", "a.conf").ok());
  EXPECT_FALSE(parseString("api {\n token 0123456789abcdef\n token_file /x\n listen 1\n}\n", "a.conf").ok());
  const auto r = parseString("api {\n listen ::1 9180\n token_file /etc/sluice/token\n allow_plain_tcp\n}\n",
                             "a.conf");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(config::toString(*r.config->api->listenAddress), "::1");
  EXPECT_TRUE(r.config->api->allowPlainTcp);
  EXPECT_EQ(r.warnings().size(), 1u);  // the clear-text token is said
}

TEST(ApiBlock, TcpIsTlsUnlessPlainIsAllowed) {
  const std::string token = " token 0123456789abcdef\n";
  const auto plain = parseString("api {\n listen 9180\n" + token + "}\n", "a.conf");
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.errors().front().toString().find("tls_certificate"), std::string::npos);
  EXPECT_FALSE(parseString("api {\n listen 9180\n" + token + " tls_certificate /c\n}\n", "a.conf").ok());
  EXPECT_FALSE(parseString("api {\n listen 9180\n" + token + " tls_key /k\n}\n", "a.conf").ok());
  EXPECT_FALSE(parseString("api {\n tls_client_ca /ca\n}\n", "a.conf").ok());
  EXPECT_TRUE(parseString("api {\n listen 9180\n" + token + " tls_certificate /c\n tls_key /k\n}\n", "a.conf").ok());
}

}  // namespace
}  // namespace sluice::config
