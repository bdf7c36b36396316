// bfd_instance { } and BFD_CHECK { }: keepalived 2.2.7's keywords, ranges
// and defaults, the refusals, and the JSON round trip.
#include <gtest/gtest.h>

#include "controlplane/config/json.h"
#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using testing::errorsOf;
using testing::warningsOf;

const char* kBfdService = R"(
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 192.168.1.20 80 {
    BFD_CHECK {
      name rs1
    }
  }
  real_server 192.168.1.21 80 {
    BFD_CHECK {
      name rs2
      alpha
    }
    TCP_CHECK {
    }
  }
}
)";

ParseResult parseBfd(const std::string& instances, const std::string& service = kBfdService) {
  return parseString(instances + service, "b.conf");
}

TEST(BfdInstance, KeywordsAndKeepalivedDefaults) {
  const auto r = parseBfd(R"(
bfd_instance rs1 {
  neighbor_ip 192.168.1.20
}
bfd_instance rs2 {
  neighbour_ip 192.168.1.21
  source_ip 192.168.1.1
  min_rx 50
  min_tx 20.5
  idle_tx 2000
  multiplier 3
  passive
  ttl 64
  max_hops 2
  weight -20 reverse
  checker
}
bfd_instance six {
  neighbor_ip fd00::20
}
)");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  EXPECT_TRUE(warningsOf(r).empty()) << ::testing::PrintToString(warningsOf(r));
  const Config& c = *r.config;
  ASSERT_EQ(c.bfdInstances.size(), 3u);
  const BfdInstance& d = *c.findBfdInstance("rs1");
  EXPECT_EQ(toString(d.neighbor), "192.168.1.20");
  EXPECT_FALSE(d.source);
  EXPECT_EQ(d.minRxUs, 10'000u);
  EXPECT_EQ(d.minTxUs, 10'000u);
  EXPECT_EQ(d.idleTxUs, 1'000'000u);
  EXPECT_EQ(d.multiplier, 5);
  EXPECT_FALSE(d.passive);
  EXPECT_EQ(d.ttl, 255);
  EXPECT_EQ(d.maxHops, 0);
  const BfdInstance& e = *c.findBfdInstance("rs2");
  EXPECT_EQ(toString(*e.source), "192.168.1.1");
  EXPECT_EQ(e.minRxUs, 50'000u);
  EXPECT_EQ(e.minTxUs, 20'500u);
  EXPECT_EQ(e.idleTxUs, 2'000'000u);
  EXPECT_EQ(e.multiplier, 3);
  EXPECT_TRUE(e.passive);
  EXPECT_EQ(e.ttl, 64);
  EXPECT_EQ(e.maxHops, 2);
  EXPECT_EQ(e.weight, -20);
  EXPECT_TRUE(e.weightReverse);
  EXPECT_EQ(c.findBfdInstance("six")->ttl, 64);  // IPv6: hop limit 64
  const auto& servers = c.virtualServers.at(0).realServers;
  EXPECT_EQ(servers.at(0).checks.at(0).type, CheckType::kBfd);
  EXPECT_EQ(servers.at(0).checks.at(0).bfdName, "rs1");
  EXPECT_FALSE(servers.at(0).checks.at(0).bfdAlpha);
  EXPECT_TRUE(servers.at(1).checks.at(0).bfdAlpha);
}

TEST(BfdInstance, RefusesWhatKeepalivedRefuses) {
  const std::string rs2 = "bfd_instance rs2 {\n neighbor_ip 192.168.1.21\n}\n";
  for (const char* bad : {
           "bfd_instance rs1 {\n}\n",                                                    // no neighbour
           "bfd_instance rs1 {\n neighbor_ip 192.168.1.20\n min_rx 0.5\n}\n",            // below 1 ms
           "bfd_instance rs1 {\n neighbor_ip 192.168.1.20\n min_tx 1.2345\n}\n",         // 4 decimals
           "bfd_instance rs1 {\n neighbor_ip 192.168.1.20\n idle_tx 999\n}\n",           // below 1 s
           "bfd_instance rs1 {\n neighbor_ip 192.168.1.20\n multiplier 0\n}\n",
           "bfd_instance rs1 {\n neighbor_ip 192.168.1.20\n ttl 256\n}\n",
           "bfd_instance rs1 {\n neighbor_ip 192.168.1.20\n max_hops -2\n}\n",
           "bfd_instance rs1 {\n neighbor_ip 192.168.1.20\n weight 254\n}\n",
           "bfd_instance rs1 {\n neighbor_ip 192.168.1.20\n source_ip fd00::1\n}\n",    // families differ
           "bfd_instance rs1 {\n neighbor_ip 192.168.1.21\n}\n",                         // rs2's neighbour
           "bfd_instance abcdefghijabcdefghijabcdefghijabc {\n neighbor_ip 192.168.1.20\n}\n",  // name too long
       }) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(parseBfd(bad + rs2).ok());
  }
  const std::string both = "bfd_instance rs1 {\n neighbor_ip 192.168.1.20\n}\n" + rs2;
  for (const char* check : {"BFD_CHECK {\n}\n", "BFD_CHECK {\n name nosuch\n}\n", "BFD_CHECK {\n name rs1 rs2\n}\n",
                            "BFD_CHECK {\n name rs1\n name rs2\n}\n", "BFD_CHECK {\n name rs1\n}\nBFD_CHECK {\n name rs1\n}\n"}) {
    SCOPED_TRACE(check);
    const auto r = parseBfd(both, std::string("virtual_server 10.0.0.1 80 {\n real_server 192.168.1.20 80 {\n") + check +
                                      "}\n}\n");
    EXPECT_FALSE(r.ok());
  }
}

TEST(BfdInstance, MaxHopsAboveTtlIsLowered) {
  const auto r = parseBfd("bfd_instance rs1 {\n neighbor_ip 192.168.1.20\n ttl 10\n max_hops 20\n}\n"
                          "bfd_instance rs2 {\n neighbor_ip 192.168.1.21\n max_hops -1\n}\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  EXPECT_EQ(r.config->findBfdInstance("rs1")->maxHops, 10);
  EXPECT_EQ(r.config->findBfdInstance("rs2")->maxHops, 255);  // -1: any TTL
  ASSERT_EQ(warningsOf(r).size(), 1u);
  EXPECT_NE(warningsOf(r)[0].find("max_hops exceeds ttl"), std::string::npos);
}

const char* kTrackBfd = R"(
bfd_instance b {
  neighbor_ip 192.168.1.20
  weight -20 reverse
}
bfd_instance c {
  neighbor_ip 192.168.1.21
}
vrrp_sync_group G {
  group {
    V
  }
  sync_group_tracking_weight
  track_bfd {
    c weight 253 noreverse
  }
}
vrrp_instance V {
  state BACKUP
  interface eth0
  virtual_router_id 5
  priority 100
  virtual_ipaddress {
    10.0.0.200
  }
  track_bfd {
    b
    c weight -10 reverse
  }
}
)";

TEST(BfdInstance, TrackBfdInInstancesAndSyncGroups) {
  const auto r = parseString(kTrackBfd, "t.conf");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  EXPECT_TRUE(warningsOf(r).empty()) << ::testing::PrintToString(warningsOf(r));
  const VrrpInstance& v = r.config->vrrpInstances.at(0);
  EXPECT_EQ(v.trackBfds, (std::vector<TrackRef>{{"b", std::nullopt, std::nullopt}, {"c", -10, true}}));
  EXPECT_EQ(r.config->vrrpSyncGroups.at(0).trackBfds, (std::vector<TrackRef>{{"c", 253, false}}));
  // The instance's own weight is the default a line without one takes.
  EXPECT_EQ(r.config->findBfdInstance("b")->weight, -20);
  EXPECT_TRUE(r.config->findBfdInstance("b")->weightReverse);
  const auto back = configFromJson(toJson(*r.config));
  EXPECT_EQ(back.vrrpInstances, r.config->vrrpInstances);
  EXPECT_EQ(back.vrrpSyncGroups, r.config->vrrpSyncGroups);
}

TEST(BfdInstance, TrackBfdRefusals) {
  auto with = [](const std::string& line) {
    std::string text = kTrackBfd;
    text.replace(text.find("    b\n"), 6, "    " + line + "\n");
    return errorsOf(parseString(text, "t.conf"));
  };
  EXPECT_EQ(with("nobfd"), std::vector<std::string>{"t.conf:27: track_bfd 'nobfd' is not a defined bfd_instance"});
  EXPECT_EQ(with("b weight 254").size(), 1u);  // keepalived's range: -253..253
  EXPECT_EQ(with("b weight -254").size(), 1u);
  EXPECT_TRUE(with("b weight -253").empty());
  EXPECT_EQ(with("b weight 5 sideways").size(), 1u);
  EXPECT_EQ(with("b reverse").size(), 1u);
}

TEST(BfdInstance, RoundTripsThroughJson) {
  const auto r = parseBfd(R"(
bfd_instance rs1 {
  neighbor_ip 192.168.1.20
  source_ip 192.168.1.1
  min_rx 0100.250
  passive
  max_hops -1
}
bfd_instance rs2 {
  neighbor_ip 192.168.1.21
  weight 7
}
)");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const nlohmann::json j = toJson(*r.config);
  EXPECT_EQ(j.at("bfd_instances").at(0).at("min_rx_us"), 100'250);
  EXPECT_EQ(j.at("virtual_servers").at(0).at("real_servers").at(0).at("checks").at(0).at("type"), "BFD_CHECK");
  EXPECT_EQ(j.at("virtual_servers").at(0).at("real_servers").at(0).at("checks").at(0).at("bfd_name"), "rs1");
  EXPECT_EQ(configFromJson(nlohmann::json::parse(j.dump())), *r.config);
}

}  // namespace
}  // namespace sluice::config
