// sluice's per-client limit keywords in a virtual_server and the
// dataplane block.
#include <gtest/gtest.h>

#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using testing::errorsOf;
using LimitLines = std::vector<std::string>;

const char* kLimitsConf = R"(dataplane {
    lcores 0-1
    client_max_connections 100
    client_prefix_v6 64
    port eth0 {
        device net_null0
        address 10.0.0.2/24
    }
}
virtual_server 10.0.0.1 80 {
    protocol TCP
    client_max_connections 8
    client_max_rate 20
    client_prefix_v4 24
    real_server 192.168.1.20 80
}
virtual_server 10.0.0.1 53 {
    protocol UDP
    real_server 192.168.1.20 53
}
)";

// catches: a limit keyword unknown, or its value lost or put elsewhere.
TEST(ClientLimitsConfig, KeywordsOfTheVirtualServerAndTheDataplaneBlock) {
  const auto r = parseString(kLimitsConf, "c.conf");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const ClientLimits& all = r.config->dataplane->clientLimits;
  EXPECT_EQ(all.maxConnections, 100u);
  EXPECT_EQ(all.maxRate, std::nullopt);
  EXPECT_EQ(all.prefixV4, std::nullopt);
  EXPECT_EQ(all.prefixV6, 64);
  const ClientLimits& web = r.config->virtualServers.at(0).clientLimits;
  EXPECT_EQ(web.maxConnections, 8u);
  EXPECT_EQ(web.maxRate, 20u);
  EXPECT_EQ(web.prefixV4, 24);
  EXPECT_EQ(web.prefixV6, std::nullopt);
  EXPECT_EQ(r.config->virtualServers.at(1).clientLimits, ClientLimits{});
}

// catches: a bad value accepted, or refused without its file and line.
TEST(ClientLimitsConfig, BadValuesAreErrorsAtTheirLine) {
  const auto r = parseString(
      "virtual_server 10.0.0.1 80 {\n"
      "  client_max_connections many\n"
      "  client_max_rate -1\n"
      "  client_prefix_v4 33\n"
      "  client_prefix_v6 8\n"
      "  client_max_connections 1 2\n"
      "  client_max_rate\n"
      "  real_server 192.168.1.20 80\n"
      "}\n",
      "bad.conf");
  EXPECT_EQ(errorsOf(r), (LimitLines{
                             "bad.conf:2: client_max_connections 'many' is not a whole number",
                             "bad.conf:3: client_max_rate '-1' is not a whole number",
                             "bad.conf:4: client_prefix_v4 33 is out of range 8-32",
                             "bad.conf:5: client_prefix_v6 8 is out of range 32-128",
                             "bad.conf:6: unexpected '2' after 'client_max_connections'",
                             "bad.conf:7: 'client_max_rate' needs a value",
                         }));
}

// catches: the dataplane block's keywords checked less strictly.
TEST(ClientLimitsConfig, TheDataplaneBlockChecksItsValuesToo) {
  const auto r = parseString(
      "dataplane {\n  lcores 0-1\n  client_max_rate 100000001\n"
      "  port eth0 {\n    device net_null0\n  }\n}\n",
      "d.conf");
  EXPECT_EQ(errorsOf(r), LimitLines{"d.conf:3: client_max_rate 100000001 is out of range 0-100000000"});
}

}  // namespace
}  // namespace sluice::config
