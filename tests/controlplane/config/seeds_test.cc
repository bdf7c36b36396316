// The keepalived.conf examples of the seed documents load unchanged.
#include <gtest/gtest.h>

#include <filesystem>

#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using testing::errorsOf;
using testing::seedsDir;
using testing::warningsOf;

Config load(const std::string& name) {
  const auto result = parseFile(seedsDir() + "/" + name);
  EXPECT_TRUE(result.ok()) << ::testing::PrintToString(errorsOf(result));
  EXPECT_TRUE(warningsOf(result).empty()) << ::testing::PrintToString(warningsOf(result));
  return result.config.value_or(Config{});
}

void expectGlobalDefs(const GlobalDefs& g, const std::string& from) {
  EXPECT_EQ(g.notificationEmail, std::vector<std::string>{"admin@example.com"});
  EXPECT_EQ(g.notificationEmailFrom, from);
  ASSERT_TRUE(g.smtpServer);
  EXPECT_EQ(g.smtpServer->host, "127.0.0.1");
  EXPECT_EQ(g.smtpServer->port, 25);
  EXPECT_EQ(g.smtpConnectTimeout, std::chrono::seconds{60});
}

void expectNatInstances(const Config& c, VrrpState state, int priority) {
  ASSERT_EQ(c.vrrpSyncGroups.size(), 1u);
  EXPECT_EQ(c.vrrpSyncGroups[0].name, "VG1");
  EXPECT_EQ(c.vrrpSyncGroups[0].instances, (std::vector<std::string>{"RH_EXT", "RH_INT"}));

  ASSERT_EQ(c.vrrpInstances.size(), 2u);
  const VrrpInstance& ext = c.vrrpInstances[0];
  EXPECT_EQ(ext.name, "RH_EXT");
  EXPECT_EQ(ext.state, state);
  EXPECT_EQ(ext.interface, "eth0");
  EXPECT_EQ(ext.virtualRouterId, 50);
  EXPECT_EQ(ext.priority, priority);
  EXPECT_EQ(ext.advertIntCs, 100);
  EXPECT_EQ(ext.version, 2);
  ASSERT_TRUE(ext.authentication);
  EXPECT_EQ(ext.authentication->type, AuthType::kPass);
  EXPECT_EQ(ext.authentication->password, "passw123");
  ASSERT_EQ(ext.virtualIpAddresses.size(), 1u);
  EXPECT_EQ(ext.virtualIpAddresses[0].address.toString(), "10.0.0.1/32");

  const VrrpInstance& in = c.vrrpInstances[1];
  EXPECT_EQ(in.name, "RH_INT");
  EXPECT_EQ(in.interface, "eth1");
  EXPECT_EQ(in.virtualRouterId, 2);
  EXPECT_EQ(in.priority, priority);
  ASSERT_EQ(in.virtualIpAddresses.size(), 1u);
  EXPECT_EQ(config::toString(in.virtualIpAddresses[0].address.address), "192.168.1.1");
}

void expectNatVirtualServer(const Config& c) {
  ASSERT_EQ(c.virtualServers.size(), 1u);
  const VirtualServer& vs = c.virtualServers[0];
  EXPECT_EQ(vs.kind, VirtualServerKind::kAddress);
  EXPECT_EQ(config::toString(vs.address), "10.0.0.1");
  EXPECT_EQ(vs.port, 80);
  EXPECT_EQ(vs.scheduler, "rr");
  EXPECT_EQ(vs.method, ForwardingMethod::kNat);
  EXPECT_EQ(vs.protocol, Protocol::kTcp);
  EXPECT_FALSE(vs.persistenceTimeout);
  ASSERT_EQ(vs.realServers.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    const RealServer& rs = vs.realServers[static_cast<std::size_t>(i)];
    EXPECT_EQ(config::toString(rs.address), "192.168.1." + std::to_string(20 + i));
    EXPECT_EQ(rs.port, 80);
    EXPECT_EQ(rs.weight, 1u);
    ASSERT_EQ(rs.checks.size(), 1u);
    const HealthCheck& check = rs.checks[0];
    EXPECT_EQ(check.type, CheckType::kTcp);
    EXPECT_EQ(check.connectTimeout, std::chrono::seconds{10});
    // delay_loop 6 comes from the virtual server; retry keeps keepalived's default.
    EXPECT_EQ(check.delayLoop, std::chrono::seconds{6});
    EXPECT_EQ(check.retry, 1u);
    EXPECT_EQ(check.fall, 2u);
    EXPECT_EQ(check.delayBeforeRetry, std::chrono::seconds{1});
  }
}

TEST(Seeds, Lb1NatMaster) {
  const Config c = load("lb1_nat.conf");
  expectGlobalDefs(c.globalDefs, "noreply@example.com");
  expectNatInstances(c, VrrpState::kMaster, 100);
  expectNatVirtualServer(c);
  EXPECT_FALSE(c.dataplane);
}

TEST(Seeds, Lb2NatBackup) {
  const Config c = load("lb2_nat.conf");
  expectGlobalDefs(c.globalDefs, "noreply@example.com");
  expectNatInstances(c, VrrpState::kBackup, 99);
  expectNatVirtualServer(c);
}

void expectDr(const Config& c, VrrpState state, int priority) {
  expectGlobalDefs(c.globalDefs, "noreply_admin@example.com");
  ASSERT_EQ(c.vrrpInstances.size(), 1u);
  const VrrpInstance& v = c.vrrpInstances[0];
  EXPECT_EQ(v.name, "RH_1");
  EXPECT_EQ(v.state, state);
  EXPECT_EQ(v.virtualRouterId, 50);
  EXPECT_EQ(v.priority, priority);
  EXPECT_EQ(v.authentication->password, "passw123");
  EXPECT_EQ(config::toString(v.virtualIpAddresses.at(0).address.address), "172.31.0.1");

  ASSERT_EQ(c.virtualServers.size(), 1u);
  const VirtualServer& vs = c.virtualServers[0];
  EXPECT_EQ(config::toString(vs.address), "172.31.0.1");
  EXPECT_EQ(vs.method, ForwardingMethod::kDr);
  EXPECT_EQ(vs.scheduler, "rr");
  EXPECT_EQ(vs.persistenceTimeout, std::chrono::seconds{9600});
  ASSERT_EQ(vs.realServers.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const RealServer& rs = vs.realServers[static_cast<std::size_t>(i)];
    EXPECT_EQ(config::toString(rs.address), "192.168.0." + std::to_string(1 + i));
    EXPECT_EQ(rs.weight, 1u);
    ASSERT_EQ(rs.checks.size(), 1u);
    EXPECT_EQ(rs.checks[0].connectPort, 80);
    EXPECT_EQ(rs.checks[0].connectTimeout, std::chrono::seconds{10});
    EXPECT_EQ(rs.checks[0].delayLoop, std::chrono::seconds{10});
  }
}

TEST(Seeds, DirectRoutingMaster) { expectDr(load("dr_master.conf"), VrrpState::kMaster, 100); }

TEST(Seeds, DirectRoutingBackup) { expectDr(load("dr_backup.conf"), VrrpState::kBackup, 99); }

TEST(Seeds, HaproxyTrackScript) {
  const Config c = load("haproxy_keepalived.conf");
  ASSERT_EQ(c.vrrpScripts.size(), 1u);
  const VrrpScript& s = c.vrrpScripts[0];
  EXPECT_EQ(s.name, "chk_haproxy");
  EXPECT_EQ(s.script, "killall -0 haproxy");
  EXPECT_EQ(s.interval, std::chrono::seconds{2});
  EXPECT_EQ(s.weight, 2);

  ASSERT_EQ(c.vrrpInstances.size(), 1u);
  const VrrpInstance& v = c.vrrpInstances[0];
  EXPECT_EQ(v.name, "VI_1");
  EXPECT_EQ(v.interface, "eth0");
  EXPECT_EQ(v.state, VrrpState::kMaster);
  EXPECT_EQ(v.virtualRouterId, 51);
  EXPECT_EQ(v.priority, 101);
  EXPECT_EQ(v.advertIntCs, 100);  // keepalived's default 1 s
  EXPECT_FALSE(v.authentication);
  EXPECT_EQ(config::toString(v.virtualIpAddresses.at(0).address.address), "192.168.0.100");
  ASSERT_EQ(v.trackScripts.size(), 1u);
  EXPECT_EQ(v.trackScripts[0].name, "chk_haproxy");
  EXPECT_FALSE(v.trackScripts[0].weight);
  EXPECT_TRUE(c.virtualServers.empty());
}

// keepalived's own samples, where Debian installs them, load without
// errors (warnings are fine: keywords sluice does not have), but for
// conditional_conf, whose `@name` lines need a config id.
TEST(Seeds, KeepalivedSamplesLoad) {
  const std::filesystem::path dir = "/usr/share/doc/keepalived/samples";
  if (!std::filesystem::is_directory(dir)) {
    GTEST_SKIP() << dir << " is not installed";
  }
  int loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("keepalived.conf", 0) != 0 || name == "keepalived.conf.conditional_conf") {
      continue;
    }
    SCOPED_TRACE(name);
    const auto result = parseFile(entry.path().string());
    EXPECT_TRUE(result.ok()) << ::testing::PrintToString(errorsOf(result));
    ++loaded;
  }
  EXPECT_GT(loaded, 0);
}

}  // namespace
}  // namespace sluice::config
