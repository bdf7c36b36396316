#include "controlplane/tables/keys.h"

#include <gtest/gtest.h>

#include "controlplane/config/parser.h"
#include "controlplane/tables/table_builder.h"

namespace sluice::tables {
namespace {

TEST(Keys, NameVirtualServersAsTheApiDoes) {
  const auto r = config::parseString(R"(
virtual_server_group web { 10.0.0.5 80 }
virtual_server 10.0.0.1 80 { protocol TCP }
virtual_server 2001:db8::1 53 { protocol UDP }
virtual_server fwmark 7 { persistence_timeout 60 }
virtual_server group web { protocol TCP }
)",
                                     "k.conf");
  ASSERT_TRUE(r.ok());
  const auto& vs = r.config->virtualServers;
  EXPECT_EQ(serviceKey(vs[0]), "tcp-10.0.0.1-80");
  EXPECT_EQ(serviceKey(vs[1]), "udp-2001:db8::1-53");
  EXPECT_EQ(serviceKey(vs[2]), "fwmark-7");
  EXPECT_EQ(serviceKey(vs[3]), "group-web");
  EXPECT_EQ(serverKey(*config::IpAddress::parse("2001:db8::20"), 80), "2001:db8::20-80");
}

TEST(Keys, SnapshotServicesCarryTheirOrigin) {
  const auto r = config::parseString(R"(
virtual_server_group web { 10.0.0.5 80
  10.0.0.6 80 }
virtual_server group web { protocol TCP
  real_server 192.168.1.20 80 { } }
dataplane { lcores 0-1
  port eth0 { device net_null0
    address 10.0.0.2/24 } }
)",
                                     "k.conf");
  ASSERT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics[0].toString());
  IdRegistry ids(16, 16);
  const std::vector<dp::MacAddr> macs(1);
  const auto table = buildTable(*r.config, macs, ids);
  ASSERT_EQ(table->services.size(), 2u);
  EXPECT_EQ(serviceKey(table->services[0]), "tcp-10.0.0.5-80");
  EXPECT_EQ(serviceKey(table->services[1]), "tcp-10.0.0.6-80");
  EXPECT_EQ(table->services[1].origin, "group-web");
  EXPECT_EQ(serverKey(table->servers[0]), "192.168.1.20-80");
  EXPECT_EQ(protocolText(132), "SCTP");
}

}  // namespace
}  // namespace sluice::tables
