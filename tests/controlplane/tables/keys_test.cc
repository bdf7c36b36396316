// The snapshot's names, which follow the API's (config/keys.h).
#include "controlplane/tables/keys.h"

#include <gtest/gtest.h>

#include "controlplane/config/parser.h"
#include "controlplane/tables/table_builder.h"

namespace sluice::tables {
namespace {

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
  EXPECT_EQ(protocolText(47), "47");
}

TEST(Keys, SnapshotAddressesAsText) {
  EXPECT_EQ(addressText(dp::IpAddr::fromV4(0x0a000001), false), "10.0.0.1");
  const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20};
  EXPECT_EQ(addressText(dp::IpAddr::fromBytes(v6, true), true), "2001:db8::20");
}

}  // namespace
}  // namespace sluice::tables
