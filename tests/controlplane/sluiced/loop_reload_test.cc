// Reloads on a fake data plane: what a reload publishes, and that a refused
// one publishes nothing.
#include <gtest/gtest.h>

#include "controlplane/api/api_error.h"
#include "tests/controlplane/sluiced/loop_fixture.h"

namespace sluice::sluiced::testing {
namespace {

const char* kBefore = R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    lb_algo rr
    real_server 192.168.1.1 80
    real_server 192.168.1.2 80
}
virtual_server 10.0.0.11 80 {
    protocol TCP
    real_server 192.168.1.3 80
}
)";

// 10.0.0.10:80 changes (.2 leaves, .4 joins), 10.0.0.11:80 goes, 10.0.0.12:443 comes.
const char* kAfter = R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    lb_algo rr
    real_server 192.168.1.1 80
    real_server 192.168.1.4 80
}
virtual_server 10.0.0.12 443 {
    protocol TCP
    real_server 192.168.1.5 443
}
)";

// catches: a reload that does not publish, publishes the old services, or
// publishes more than one table for one reload.
TEST_F(LoopTest, AReloadPublishesExactlyTheNewTables) {
  startWith(kBefore);
  ASSERT_EQ(dataplane.tables.size(), 1u);
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80", "192.168.1.2:80"}},
                                               {"10.0.0.11:80", {"192.168.1.3:80"}}}));
  runFor(50);
  ASSERT_EQ(dataplane.tables.size(), 1u);  // nothing changed, nothing published

  writeConfig(kAfter);
  const nlohmann::json r = loop->api().reload();
  EXPECT_EQ(r["added"].size(), 1u);
  EXPECT_EQ(r["removed"].size(), 1u);
  EXPECT_EQ(r["changed"].size(), 1u);
  ASSERT_EQ(dataplane.tables.size(), 2u);
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80", "192.168.1.4:80"}},
                                               {"10.0.0.12:443", {"192.168.1.5:443"}}}));
  EXPECT_EQ(published().version, dataplane.tables[0]->version + 1);
  runFor(50);
  EXPECT_EQ(dataplane.tables.size(), 2u);
}

// catches: a reload of a file that does not parse publishing anything (or
// changing the running configuration).
TEST_F(LoopTest, ARefusedReloadPublishesNothing) {
  startWith(kBefore);
  runFor(50);
  const std::size_t tables = dataplane.tables.size(), neighbours = dataplane.neighbourSets.size();
  writeConfig(std::string(kAfter) + "virtual_server 10.0.0.13 {\n");  // unbalanced brace, no port
  try {
    loop->api().reload();
    ADD_FAILURE() << "the reload was accepted";
  } catch (const api::ApiError& e) {
    EXPECT_EQ(e.status(), 422);
  }
  runFor(50);
  EXPECT_EQ(dataplane.tables.size(), tables);
  EXPECT_EQ(dataplane.neighbourSets.size(), neighbours);
  EXPECT_EQ(loop->api().config().virtualServers.size(), 2u);
  EXPECT_EQ(servicesOf(published()).count("10.0.0.11:80"), 1u);
}

// What /v1/status says of reloads: config_version and reloads.
nlohmann::json reloadCounters(ControlLoop& loop) {
  const std::optional<api::Response> r = loop.api().answer(api::Request{"GET", "/v1/status", {}, ""});
  if (!r) return nullptr;
  const nlohmann::json status = nlohmann::json::parse(r->body);
  return {status["config_version"], status["reloads"]["applied"], status["reloads"]["refused"]};
}

// catches: a refused reload counted as applied or moving the configuration
// version, an applied one not moving it, or an API request that changes a
// weight not moving it (automation that reloads in a loop counts on these).
TEST_F(LoopTest, TheConfigVersionCountsAppliedChangesAndTheReloadsTheirResults) {
  startWith(kBefore);
  EXPECT_EQ(reloadCounters(*loop), nlohmann::json({1, 0, 0}));
  const api::Request reload{"POST", "/v1/config/reload", {}, ""};
  writeConfig(kAfter);
  ASSERT_TRUE(loop->api().answer(reload));
  EXPECT_EQ(reloadCounters(*loop), nlohmann::json({2, 1, 0}));
  ASSERT_TRUE(loop->api().answer(reload));  // nothing changed: applied, the same version
  EXPECT_EQ(reloadCounters(*loop), nlohmann::json({2, 2, 0}));
  writeConfig(std::string(kAfter) + "virtual_server 10.0.0.13 {\n");
  const std::optional<api::Response> refused = loop->api().answer(reload);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 422);
  EXPECT_EQ(reloadCounters(*loop), nlohmann::json({2, 2, 1}));
  loop->api().reloadOnSignal();  // SIGHUP: the same counters
  EXPECT_EQ(reloadCounters(*loop), nlohmann::json({2, 2, 2}));
  writeConfig(kBefore);
  loop->api().reloadOnSignal();
  EXPECT_EQ(reloadCounters(*loop), nlohmann::json({3, 3, 2}));
  const std::optional<api::Response> patched = loop->api().answer(
      api::Request{"PATCH", "/v1/services/tcp-10.0.0.10-80/servers/192.168.1.1-80", {}, R"({"weight": 4})"});
  ASSERT_TRUE(patched);
  EXPECT_EQ(patched->status, 200) << patched->body;
  EXPECT_EQ(reloadCounters(*loop), nlohmann::json({4, 3, 2}));
}

const char* kTunnelled = R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    lb_algo rr
    lvs_method TUN type gue port 6080
    real_server 192.168.1.1 80
    real_server 192.168.1.2 80 {
        lvs_method TUN type gre csum
    }
}
)";

const dp::RealServer& serverAt(const dp::ForwardingTable& t, const std::string& addr) {
  for (const dp::RealServer& rs : t.servers) {
    if (sluice::testing::str(rs.addr) == addr) return rs;
  }
  throw std::runtime_error("no server " + addr);
}

// catches: a reload that changes only tunnels (or a port's MTU) not
// reaching the tables, or refused as if the ports had changed; a tunnel
// change resetting the scheduler (it depends on the servers and weights
// only, as with a method change).
TEST_F(LoopTest, AReloadChangesTunnelsAndPortMtus) {
  startWith(kTunnelled);
  ASSERT_EQ(dataplane.tables.size(), 1u);
  EXPECT_EQ(serverAt(published(), "192.168.1.1").method, dp::FwdMethod::kTun);
  EXPECT_EQ(serverAt(published(), "192.168.1.1").tunnel.type, dp::TunnelType::kGue);
  EXPECT_EQ(serverAt(published(), "192.168.1.1").tunnel.port, 6080);
  EXPECT_EQ(serverAt(published(), "192.168.1.2").tunnel.type, dp::TunnelType::kGre);
  EXPECT_TRUE(serverAt(published(), "192.168.1.2").tunnel.csum);
  EXPECT_EQ(published().ports.at(1).mtu, 1500);
  const std::vector<uint64_t> keys = published().schedulerKeys;

  std::string dataplane9000 = kDataplane;
  const std::string eth1 = "device net_null1\n";
  dataplane9000.replace(dataplane9000.find(eth1), eth1.size(), eth1 + "        mtu 9000\n");
  std::string after = kTunnelled;
  const std::string gue = "port 6080";
  after.replace(after.find(gue), gue.size(), "port 6081 csum");
  std::ofstream(configPath()) << dataplane9000 << after;
  const nlohmann::json r = loop->api().reload();
  EXPECT_EQ(r["changed"], nlohmann::json::array({"tcp-10.0.0.10-80"}));
  ASSERT_EQ(dataplane.tables.size(), 2u);
  EXPECT_EQ(serverAt(published(), "192.168.1.1").tunnel.port, 6081);
  EXPECT_TRUE(serverAt(published(), "192.168.1.1").tunnel.csum);
  EXPECT_EQ(serverAt(published(), "192.168.1.2").tunnel.type, dp::TunnelType::kGre);  // its own, unchanged
  EXPECT_EQ(published().ports.at(1).mtu, 9000);
  EXPECT_EQ(published().ports.at(0).mtu, 1500);
  EXPECT_EQ(published().schedulerKeys, keys);
}

}  // namespace
}  // namespace sluice::sluiced::testing
