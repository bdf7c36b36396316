// The API's names for virtual_server blocks and real servers.
#include "controlplane/config/keys.h"

#include <gtest/gtest.h>

#include "controlplane/config/parser.h"

namespace sluice::config {
namespace {

TEST(Keys, NameVirtualServersAsTheApiDoes) {
  const auto r = parseString(R"(
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
}

TEST(Keys, NameRealServersByAddressAndPort) {
  EXPECT_EQ(serverKey(*parseAddress("192.168.1.20"), 8080), "192.168.1.20-8080");
  EXPECT_EQ(serverKey(*parseAddress("2001:db8::20"), 80), "2001:db8::20-80");
}

TEST(Keys, ServiceNamesFromTheirParts) {
  EXPECT_EQ(serviceKey("SCTP", *parseAddress("10.0.0.1"), 9), "sctp-10.0.0.1-9");
  EXPECT_EQ(fwmarkServiceKey(80), "fwmark-80");
}

}  // namespace
}  // namespace sluice::config
