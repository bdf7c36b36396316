// TUN forwarding: `lvs_method TUN [type ipip|gue port N|gre]
// [nocsum|csum|remcsum]` on virtual, real and sorry servers, with
// keepalived's defaults, rules and messages, and what sluice refuses.
#include <gtest/gtest.h>

#include "controlplane/config/json.h"
#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using testing::errorsOf;
using testing::warningsOf;
using Lines = std::vector<std::string>;

TunnelSpec tunnel(TunnelType type, std::uint16_t port = 0, bool checksum = false) {
  TunnelSpec t;
  t.type = type;
  t.port = port;
  t.checksum = checksum;
  return t;
}

// A virtual server with `line` on line 3 and one real server.
ParseResult withMethod(const std::string& line) {
  return parseString("virtual_server 10.0.0.1 80 {\n protocol TCP\n " + line +
                         "\n real_server 192.168.1.20 80\n}\n",
                     "t.conf");
}

// The virtual server's tunnel after `line`, which must be accepted.
std::optional<TunnelSpec> tunnelOf(const std::string& line) {
  const auto r = withMethod(line);
  EXPECT_TRUE(r.ok()) << line << ": " << ::testing::PrintToString(errorsOf(r));
  if (!r.ok()) return std::nullopt;
  return r.config->virtualServers.at(0).tunnel;
}

// The errors of `line`.
Lines errorsOfLine(const std::string& line) { return errorsOf(withMethod(line)); }

TEST(Tunnel, TunAloneIsIpipWithoutChecksumAndTheRealServersInheritIt) {
  const auto r = withMethod("lb_kind TUN");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const VirtualServer& vs = r.config->virtualServers.at(0);
  EXPECT_EQ(vs.method, ForwardingMethod::kTun);
  ASSERT_TRUE(vs.tunnel);
  EXPECT_EQ(*vs.tunnel, tunnel(TunnelType::kIpip));
  const RealServer& rs = vs.realServers.at(0);
  EXPECT_FALSE(rs.method);
  EXPECT_FALSE(rs.tunnel);
  EXPECT_EQ(forwardingOf(vs, rs), (Forwarding{ForwardingMethod::kTun, tunnel(TunnelType::kIpip)}));
  EXPECT_TRUE(warningsOf(r).empty());
}

TEST(Tunnel, EveryFormInAnyOrderTheLastOfEachKindWinning) {
  EXPECT_EQ(tunnelOf("lvs_method TUN type ipip"), tunnel(TunnelType::kIpip));
  EXPECT_EQ(tunnelOf("lvs_method TUN type ipip nocsum"), tunnel(TunnelType::kIpip));
  EXPECT_EQ(tunnelOf("lvs_method TUN type gue port 6080"), tunnel(TunnelType::kGue, 6080));
  EXPECT_EQ(tunnelOf("lvs_method TUN type gue port 6080 nocsum"), tunnel(TunnelType::kGue, 6080));
  EXPECT_EQ(tunnelOf("lvs_method TUN type gue port 6080 csum"), tunnel(TunnelType::kGue, 6080, true));
  EXPECT_EQ(tunnelOf("lvs_method TUN csum port 1 type gue"), tunnel(TunnelType::kGue, 1, true));
  EXPECT_EQ(tunnelOf("lvs_method TUN type gue port 65535"), tunnel(TunnelType::kGue, 65535));
  EXPECT_EQ(tunnelOf("lvs_method TUN type gre"), tunnel(TunnelType::kGre));
  EXPECT_EQ(tunnelOf("lvs_method TUN type gre csum"), tunnel(TunnelType::kGre, 0, true));
  EXPECT_EQ(tunnelOf("lb_kind TUN type gre nocsum"), tunnel(TunnelType::kGre));
  EXPECT_EQ(tunnelOf("lvs_method TUN type gue port 6080 csum nocsum"), tunnel(TunnelType::kGue, 6080));
  EXPECT_EQ(tunnelOf("lvs_method TUN type gue type gre csum"), tunnel(TunnelType::kGre, 0, true));
  // keepalived spells them in lower case (and NAT/DR/TUN in upper); sluice
  // reads either.
  EXPECT_EQ(tunnelOf("lvs_method tun TYPE Gue PORT 6080 CSUM"), tunnel(TunnelType::kGue, 6080, true));
}

TEST(Tunnel, ARealServersOwnMethodReplacesTheVirtualServersWithItsOwnOptions) {
  const auto r = parseString(R"(
virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_method TUN type gue port 6080 csum
  sorry_server 192.168.1.99 80
  real_server 192.168.1.20 80
  real_server 192.168.1.21 80 {
    lvs_method TUN
  }
  real_server 192.168.1.22 80 {
    lvs_method TUN type gre csum
  }
  real_server 192.168.1.23 80 {
    lvs_method DR
  }
}
virtual_server 10.0.0.2 80 {
  protocol TCP
  sorry_server 192.168.1.99 80
  sorry_server_lvs_method TUN type gre
  real_server 192.168.1.20 80
  real_server 192.168.1.21 80 {
    lvs_method TUN type gue port 7000
  }
}
)",
                             "t.conf");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const VirtualServer& tun = r.config->virtualServers.at(0);
  const Forwarding gue{ForwardingMethod::kTun, tunnel(TunnelType::kGue, 6080, true)};
  EXPECT_EQ(forwardingOf(tun, tun.realServers.at(0)), gue);  // inherited
  // `lvs_method TUN` alone is ipip, not the virtual server's gue: keepalived
  // takes the whole line.
  EXPECT_EQ(forwardingOf(tun, tun.realServers.at(1)), (Forwarding{ForwardingMethod::kTun, tunnel(TunnelType::kIpip)}));
  EXPECT_EQ(forwardingOf(tun, tun.realServers.at(2)),
            (Forwarding{ForwardingMethod::kTun, tunnel(TunnelType::kGre, 0, true)}));
  EXPECT_EQ(forwardingOf(tun, tun.realServers.at(3)).method, ForwardingMethod::kDr);
  EXPECT_FALSE(tun.realServers.at(3).tunnel);
  EXPECT_EQ(forwardingOf(tun, *tun.sorryServer), gue);

  const VirtualServer& nat = r.config->virtualServers.at(1);
  EXPECT_FALSE(nat.tunnel);
  EXPECT_EQ(forwardingOf(nat, nat.realServers.at(0)).method, ForwardingMethod::kNat);
  EXPECT_EQ(forwardingOf(nat, nat.realServers.at(1)),
            (Forwarding{ForwardingMethod::kTun, tunnel(TunnelType::kGue, 7000)}));
  EXPECT_EQ(forwardingOf(nat, *nat.sorryServer), (Forwarding{ForwardingMethod::kTun, tunnel(TunnelType::kGre)}));
}

TEST(Tunnel, KeepalivedsRulesAreErrorsAtTheLine) {
  EXPECT_EQ(errorsOfLine("lvs_method TUN type gue"),
            Lines{"t.conf:3: a gue tunnel needs 'port N', the real server's GUE UDP port"});
  EXPECT_EQ(errorsOfLine("lvs_method TUN type gre port 6080"),
            Lines{"t.conf:3: 'port' goes with type gue only, not with gre"});
  EXPECT_EQ(errorsOfLine("lvs_method TUN port 6080"), Lines{"t.conf:3: 'port' goes with type gue only, not with ipip"});
  EXPECT_EQ(errorsOfLine("lvs_method TUN csum"),
            Lines{"t.conf:3: ipip tunnels carry no checksum: csum goes with type gue or gre"});
  EXPECT_EQ(errorsOfLine("lvs_method TUN type ipip remcsum"),
            Lines{"t.conf:3: ipip tunnels carry no checksum: remcsum goes with type gue"});
  EXPECT_EQ(errorsOfLine("lvs_method TUN type gre remcsum"),
            Lines{"t.conf:3: gre tunnels have no remote checksum offload: remcsum goes with type gue"});
  // keepalived checks the options after NAT and DR too.
  EXPECT_EQ(errorsOfLine("lvs_method NAT csum"),
            Lines{"t.conf:3: ipip tunnels carry no checksum: csum goes with type gue or gre"});
}

TEST(Tunnel, MalformedOptionsAreErrors) {
  EXPECT_EQ(errorsOfLine("lvs_method TUN type vxlan"),
            Lines{"t.conf:3: unknown tunnel type 'vxlan' (ipip, gue or gre)"});
  EXPECT_EQ(errorsOfLine("lvs_method TUN type"), Lines{"t.conf:3: 'type' needs a tunnel type: ipip, gue or gre"});
  EXPECT_EQ(errorsOfLine("lvs_method TUN type gue port"),
            Lines{"t.conf:3: 'port' needs the real server's GUE UDP port"});
  for (const char* port : {"0", "65536", "123456", "-1", "x"}) {
    EXPECT_EQ(errorsOfLine(std::string("lvs_method TUN type gue port ") + port),
              Lines{"t.conf:3: gue tunnel port '" + std::string(port) + "' is not a UDP port 1-65535"});
  }
  EXPECT_EQ(errorsOfLine("lvs_method TUN bogus"),
            Lines{"t.conf:3: unknown tunnel option 'bogus' (type ipip|gue|gre, port N, nocsum, csum, remcsum)"});
  EXPECT_EQ(errorsOfLine("lvs_method IPIP"), Lines{"t.conf:3: lvs_method 'IPIP' is not one of NAT, DR, TUN"});
  EXPECT_EQ(errorsOfLine("lvs_method"), Lines{"t.conf:3: 'lvs_method' needs a value"});
}

// catches: remcsum accepted and forwarded without the remote checksum
// offload the real server then expects.
TEST(Tunnel, RemcsumIsRefusedBecauseSluiceDoesNotImplementIt) {
  EXPECT_EQ(errorsOfLine("lvs_method TUN type gue port 6080 remcsum"),
            Lines{"t.conf:3: remcsum (GUE remote checksum offload) is not implemented by sluice; use csum or nocsum"});
  const auto r = parseString(
      "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 192.168.1.20 80 {\n"
      "  lvs_method TUN type gue port 6080 remcsum\n }\n}\n",
      "t.conf");
  EXPECT_EQ(errorsOf(r), Lines{"t.conf:4: remcsum (GUE remote checksum offload) is not implemented by sluice; use "
                               "csum or nocsum"});
}

TEST(Tunnel, OptionsAfterNatOrDrAreIgnoredWithAWarning) {
  const auto r = withMethod("lvs_method NAT type gue port 6080 remcsum");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  EXPECT_EQ(r.config->virtualServers.at(0).method, ForwardingMethod::kNat);
  EXPECT_FALSE(r.config->virtualServers.at(0).tunnel);
  EXPECT_EQ(warningsOf(r), Lines{"t.conf:3: tunnel options after lvs_method NAT are ignored (they apply to TUN only)"});
}

TEST(Tunnel, TheErrorIsAtTheRefusedLine) {
  const auto r = parseString(
      "virtual_server 10.0.0.1 80 {\n protocol TCP\n lvs_method TUN type gre\n lvs_method TUN type gue\n"
      " real_server 192.168.1.20 80\n}\n",
      "t.conf");
  EXPECT_EQ(errorsOf(r), Lines{"t.conf:4: a gue tunnel needs 'port N', the real server's GUE UDP port"});
}

// sluice's tunnels carry IPv4 in IPv4 and IPv6 in IPv6 (IPVS also crosses
// families, and keepalived accepts it).
TEST(Tunnel, ATunServerOfAnotherFamilyIsRefused) {
  const auto r = parseString(R"(
virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_method TUN
  real_server fd00::20 80
}
virtual_server fd00::1 80 {
  protocol TCP
  sorry_server 192.168.1.99 80
  sorry_server_lvs_method TUN type gre
  real_server fd00::20 80 {
    lvs_method TUN type gue port 6080
  }
}
)",
                             "t.conf");
  EXPECT_EQ(errorsOf(r),
            (Lines{"t.conf:2: real_server fd00::20: TUN from an IPv4 virtual server to an IPv6 server is not "
                   "supported by sluice (its tunnels carry IPv4 in IPv4 and IPv6 in IPv6 only)",
                   "t.conf:7: sorry_server 192.168.1.99: TUN from an IPv6 virtual server to an IPv4 server is not "
                   "supported by sluice (its tunnels carry IPv4 in IPv4 and IPv6 in IPv6 only)"}));
  // Of the same family, and on a fwmark service (whose families its rules
  // give: the table builder checks those), tunnels are fine.
  const auto ok = parseString(R"(
virtual_server fd00::1 80 {
  protocol TCP
  lvs_method TUN type gre csum
  real_server fd00::20 80
}
virtual_server fwmark 7 {
  lvs_method TUN
  real_server 192.168.1.20 80
  real_server fd00::20 80
}
)",
                              "t.conf");
  EXPECT_TRUE(errorsOf(ok).empty()) << ::testing::PrintToString(errorsOf(ok));
}

TEST(Tunnel, TheTunnelRoundTripsThroughJson) {
  const auto r = parseString(R"(
virtual_server 10.0.0.1 80 {
  protocol TCP
  lvs_method TUN type gue port 6080 csum
  sorry_server 192.168.1.99 80
  sorry_server_lvs_method TUN type gre csum
  real_server 192.168.1.20 80
  real_server 192.168.1.21 80 {
    lvs_method TUN
  }
  real_server 192.168.1.22 80 {
    lvs_method NAT
  }
}
)",
                             "t.conf");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const nlohmann::json j = toJson(*r.config);
  const nlohmann::json& vs = j.at("virtual_servers").at(0);
  EXPECT_EQ(vs.at("lvs_method"), "TUN");
  EXPECT_EQ(vs.at("tunnel"), nlohmann::json::parse(R"({"type": "gue", "port": 6080, "csum": true})"));
  EXPECT_EQ(vs.at("sorry_server").at("tunnel"), nlohmann::json::parse(R"({"type": "gre", "port": 0, "csum": true})"));
  EXPECT_FALSE(vs.at("real_servers").at(0).contains("tunnel"));  // inherited: not its own
  EXPECT_EQ(vs.at("real_servers").at(1).at("tunnel"),
            nlohmann::json::parse(R"({"type": "ipip", "port": 0, "csum": false})"));
  EXPECT_FALSE(vs.at("real_servers").at(2).contains("tunnel"));
  EXPECT_EQ(configFromJson(j), *r.config);
  EXPECT_EQ(configFromJson(nlohmann::json::parse(j.dump())), *r.config);
}

TEST(Tunnel, JsonTunnelsAreCheckedAsValuesAndKeys) {
  const auto read = [](const char* text) { return realServerFromJsonStrict(nlohmann::json::parse(text)); };
  const RealServer rs =
      read(R"({"address": "192.168.1.20", "lvs_method": "TUN", "tunnel": {"type": "gre", "csum": true}})");
  EXPECT_EQ(rs.tunnel, tunnel(TunnelType::kGre, 0, true));
  EXPECT_THROW(read(R"({"address": "192.168.1.20", "lvs_method": "TUN", "tunnel": {"type": "vxlan"}})"),
               std::invalid_argument);
  EXPECT_THROW(read(R"({"address": "192.168.1.20", "lvs_method": "TUN", "tunnel": {"type": "gue", "port": 70000}})"),
               std::invalid_argument);
  EXPECT_THROW(read(R"({"address": "192.168.1.20", "lvs_method": "TUN", "tunnel": {"remcsum": true}})"),
               std::invalid_argument);
}

TEST(Tunnel, TunnelProblemStatesKeepalivedsRules) {
  EXPECT_EQ(tunnelProblem(tunnel(TunnelType::kIpip)), "");
  EXPECT_EQ(tunnelProblem(tunnel(TunnelType::kGue, 6080, true)), "");
  EXPECT_EQ(tunnelProblem(tunnel(TunnelType::kGre, 0, true)), "");
  EXPECT_EQ(tunnelProblem(tunnel(TunnelType::kGue)), "a gue tunnel needs 'port N', the real server's GUE UDP port");
  EXPECT_EQ(tunnelProblem(tunnel(TunnelType::kGre, 1)), "'port' goes with type gue only, not with gre");
  EXPECT_EQ(tunnelProblem(tunnel(TunnelType::kIpip, 0, true)),
            "ipip tunnels carry no checksum: csum goes with type gue or gre");
}

}  // namespace
}  // namespace sluice::config
