// Connection sync: global_defs lvs_sync_daemon, the deprecated
// vrrp_instance lvs_sync_daemon_interface, and the sync settings of the
// dataplane block.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "controlplane/config/json.h"
#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using std::chrono::seconds;
using testing::errorsOf;
using testing::warningsOf;
using Lines = std::vector<std::string>;

// Two instances on two interfaces; `global` goes into global_defs.
std::string withInstances(const std::string& global, const std::string& extra = "") {
  return "global_defs {\n" + global +
         "\n}\n"
         "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n"
         "vrrp_instance VI_2 {\n interface eth1\n virtual_router_id 52\n virtual_ipaddress {\n 10.0.1.1\n }\n}\n" +
         extra;
}

const char* kDataplane =
    "dataplane {\n lcores 0-1\n port eth0 { device net_null0 }\n port eth1 { device net_null1 }\n}\n";

ParseResult parse(const std::string& text) { return parseString(text, "s.conf"); }

SyncDaemon syncOf(const std::string& text) {
  const auto r = parse(text);
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  EXPECT_TRUE(warningsOf(r).empty()) << ::testing::PrintToString(warningsOf(r));
  if (!r.config || !r.config->globalDefs.lvsSyncDaemon) {
    ADD_FAILURE() << "no lvs_sync_daemon";
    return {};
  }
  return *r.config->globalDefs.lvsSyncDaemon;
}

TEST(SyncDaemon, UnsetWithoutTheKeyword) {
  const auto r = parse(withInstances("router_id lb1", kDataplane));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.config->globalDefs.lvsSyncDaemon);
}

TEST(SyncDaemon, KernelDefaultsAndTheInstancesRouterIdAsSyncId) {
  const SyncDaemon s = syncOf(withInstances("lvs_sync_daemon eth1 VI_2", kDataplane));
  EXPECT_EQ(s.interface, "eth1");
  EXPECT_EQ(s.instance, "VI_2");
  EXPECT_EQ(s.syncId, 52);  // VI_2's virtual_router_id
  EXPECT_EQ(s.maxLen, 1472);
  EXPECT_EQ(s.port, 8848);
  EXPECT_EQ(s.ttl, 1);
  EXPECT_EQ(config::toString(s.group), "224.0.0.81");
}

TEST(SyncDaemon, EveryOption) {
  const SyncDaemon s = syncOf(
      withInstances("lvs_sync_daemon eth0 inst VI_1 id 7 maxlen 1400 port 9000 ttl 3 group 239.1.1.1", kDataplane));
  EXPECT_EQ(s.interface, "eth0");
  EXPECT_EQ(s.instance, "VI_1");
  EXPECT_EQ(s.syncId, 7);
  EXPECT_EQ(s.maxLen, 1400);
  EXPECT_EQ(s.port, 9000);
  EXPECT_EQ(s.ttl, 3);
  EXPECT_EQ(config::toString(s.group), "239.1.1.1");
  // The instance as the second word, options in any order, range ends.
  const SyncDaemon t = syncOf(withInstances("lvs_sync_daemon eth0 VI_1 ttl 255 id 0 maxlen 65507 port 1"));
  EXPECT_EQ(t.instance, "VI_1");
  EXPECT_EQ(t.syncId, 0);
  EXPECT_EQ(t.maxLen, 65507);
  EXPECT_EQ(t.port, 1);
  EXPECT_EQ(t.ttl, 255);
}

TEST(SyncDaemon, Ipv6GroupAndItsDefaultMaxlen) {
  const SyncDaemon s = syncOf(withInstances("lvs_sync_daemon eth0 VI_1 group ff02::81"));
  EXPECT_EQ(config::toString(s.group), "ff02::81");
  EXPECT_EQ(s.maxLen, 1452);  // 1500 less the IPv6 and UDP headers
  EXPECT_EQ(syncOf(withInstances("lvs_sync_daemon eth0 VI_1 maxlen 1200 group ff05::1")).maxLen, 1200);
}

TEST(SyncDaemon, WithoutAnInstanceTheSyncIdIsZero) {
  const SyncDaemon s = syncOf(withInstances("lvs_sync_daemon eth0", kDataplane));
  EXPECT_EQ(s.interface, "eth0");
  EXPECT_FALSE(s.instance);
  EXPECT_EQ(s.syncId, 0);
  const SyncDaemon t = syncOf(withInstances("lvs_sync_daemon eth0 id 9 port 9100"));
  EXPECT_FALSE(t.instance);
  EXPECT_EQ(t.syncId, 9);
  EXPECT_EQ(t.port, 9100);
}

TEST(SyncDaemon, TheInstanceMayBeDefinedLater) {
  const SyncDaemon s = syncOf(
      "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n"
      "global_defs {\n lvs_sync_daemon eth0 VI_9\n}\n"
      "vrrp_instance VI_9 {\n interface eth0\n virtual_router_id 99\n virtual_ipaddress {\n 10.0.0.9\n }\n}\n");
  EXPECT_EQ(s.instance, "VI_9");
  EXPECT_EQ(s.syncId, 99);
}

TEST(SyncDaemon, SyncIdWithoutItsKeywordIsTakenWithAWarning) {
  const auto r = parse(withInstances("lvs_sync_daemon eth0 VI_1 7"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  EXPECT_EQ(r.config->globalDefs.lvsSyncDaemon->syncId, 7);
  EXPECT_EQ(warningsOf(r), Lines{"s.conf:2: write the sync id as 'id 7' (keepalived asks for the keyword 'id' "
                                 "before it)"});
}

TEST(SyncDaemon, AnOptionGivenTwiceKeepsTheLastWithAWarning) {
  const auto r = parse(withInstances("lvs_sync_daemon eth0 VI_1 id 3 ttl 2 id 4"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  EXPECT_EQ(r.config->globalDefs.lvsSyncDaemon->syncId, 4);
  EXPECT_EQ(r.config->globalDefs.lvsSyncDaemon->ttl, 2);
  EXPECT_EQ(warningsOf(r), Lines{"s.conf:2: lvs_sync_daemon gives 'id' twice; the last one (4) is used, as in "
                                 "keepalived"});
}

TEST(SyncDaemon, GroupWithAPrefixLengthDropsItWithAWarning) {
  // keepalived reads the address before a '/' or '-' and ignores the rest.
  const auto r = parse(withInstances("lvs_sync_daemon eth0 VI_1 group 239.1.1.1/24"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  EXPECT_EQ(config::toString(r.config->globalDefs.lvsSyncDaemon->group), "239.1.1.1");
  EXPECT_EQ(warningsOf(r), Lines{"s.conf:2: lvs_sync_daemon group 239.1.1.1/24: '/24' is ignored, as keepalived "
                                 "does; the group is 239.1.1.1"});
  EXPECT_EQ(errorsOf(parse(withInstances("lvs_sync_daemon eth0 VI_1 group 10.0.0.1/8"))),
            Lines{"s.conf:2: lvs_sync_daemon group 10.0.0.1/8 is not a multicast address"});
}

TEST(SyncDaemon, WithoutADataplaneBlockAnyInterfaceName) {
  EXPECT_EQ(syncOf(withInstances("lvs_sync_daemon bond0 VI_1")).interface, "bond0");
}

TEST(SyncDaemon, Errors) {
  auto errors = [](const std::string& global, const std::string& extra = kDataplane) {
    return errorsOf(parse(withInstances(global, extra)));
  };
  EXPECT_EQ(errors("lvs_sync_daemon eth7 VI_1"),
            Lines{"s.conf:2: lvs_sync_daemon interface 'eth7' is not a port of the dataplane block"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_9"),
            Lines{"s.conf:2: lvs_sync_daemon names vrrp_instance 'VI_9', which is not defined"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 inst VI_9 id 4", ""),
            Lines{"s.conf:2: lvs_sync_daemon names vrrp_instance 'VI_9', which is not defined"});
  EXPECT_EQ(errors("lvs_sync_daemon"),
            Lines{"s.conf:2: lvs_sync_daemon needs an interface: lvs_sync_daemon INTERFACE [[inst] VRRP_INSTANCE] "
                  "[id SYNCID] [maxlen LEN] [port PORT] [ttl TTL] [group ADDR]"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 ttl 0"), Lines{"s.conf:2: lvs_sync_daemon ttl 0 is out of range 1-255"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 ttl 256"),
            Lines{"s.conf:2: lvs_sync_daemon ttl 256 is out of range 1-255"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 maxlen 0"),
            Lines{"s.conf:2: lvs_sync_daemon maxlen 0 is out of range 1-65507"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 maxlen 65508"),
            Lines{"s.conf:2: lvs_sync_daemon maxlen 65508 is out of range 1-65507"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 port 0"),
            Lines{"s.conf:2: lvs_sync_daemon port 0 is out of range 1-65535"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 id 256"),
            Lines{"s.conf:2: lvs_sync_daemon id 256 is out of range 0-255"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 256"),
            Lines{"s.conf:2: lvs_sync_daemon sync id 256 is out of range 0-255"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 id x"), Lines{"s.conf:2: lvs_sync_daemon id 'x' is not a whole number"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 id"), Lines{"s.conf:2: lvs_sync_daemon id needs a value"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 inst"), Lines{"s.conf:2: lvs_sync_daemon inst needs a value"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 group 10.0.0.1"),
            Lines{"s.conf:2: lvs_sync_daemon group 10.0.0.1 is not a multicast address"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 group 2001:db8::1"),
            Lines{"s.conf:2: lvs_sync_daemon group 2001:db8::1 is not a multicast address"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 group foo"),
            Lines{"s.conf:2: lvs_sync_daemon group 'foo' is not an IP address"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 id 3 foo"),
            Lines{"s.conf:2: unknown lvs_sync_daemon option 'foo' (expected inst, id, maxlen, port, ttl or group)"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0 VI_1 inst VI_2"),
            Lines{"s.conf:2: lvs_sync_daemon names a vrrp_instance twice ('VI_1' and 'VI_2')"});
  EXPECT_EQ(errors("lvs_sync_daemon eth0123456789abc VI_1"),
            Lines{"s.conf:2: lvs_sync_daemon interface name 'eth0123456789abc' is too long (at most 15 characters, "
                  "as for IPVS)"});
}

TEST(SyncDaemon, GivenTwiceIsAnError) {
  // keepalived keeps the first and ignores the second with an error.
  const auto r = parse(withInstances("lvs_sync_daemon eth0 VI_1\n lvs_sync_daemon eth1 VI_2", kDataplane));
  EXPECT_EQ(errorsOf(r), Lines{"s.conf:3: lvs_sync_daemon is given twice (first at s.conf:2)"});
  // Also across two global_defs blocks.
  const auto two = parse(withInstances("lvs_sync_daemon eth0 VI_1", "global_defs {\n lvs_sync_daemon eth1\n}\n"));
  EXPECT_EQ(errorsOf(two), Lines{"s.conf:19: lvs_sync_daemon is given twice (first at s.conf:2)"});
}

// ---------------------------------------------------------------- deprecated

const char* kDeprecated = R"(vrrp_instance VI_1 {
    interface eth0
    lvs_sync_daemon_interface eth1
    virtual_router_id 51
    virtual_ipaddress {
        10.0.0.1
    }
}
)";

TEST(SyncDaemonInterface, MeansLvsSyncDaemonWithItsInstanceAndWarns) {
  const auto r = parse(kDeprecated + std::string(kDataplane));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  EXPECT_EQ(warningsOf(r), Lines{"s.conf:3: lvs_sync_daemon_interface in a vrrp_instance is deprecated, as in "
                                 "keepalived; write 'lvs_sync_daemon eth1 VI_1' in global_defs instead"});
  ASSERT_TRUE(r.config->globalDefs.lvsSyncDaemon);
  SyncDaemon expected;
  expected.interface = "eth1";
  expected.instance = "VI_1";
  expected.syncId = 51;
  EXPECT_EQ(*r.config->globalDefs.lvsSyncDaemon, expected);
}

TEST(SyncDaemonInterface, GlobalLvsSyncDaemonTakesPrecedenceWhereverItIs) {
  // keepalived reads global_defs first, so its lvs_sync_daemon wins.
  for (const bool globalFirst : {true, false}) {
    SCOPED_TRACE(globalFirst);
    const std::string global = "global_defs {\n lvs_sync_daemon eth0 VI_1 id 4\n}\n";
    const auto r = parse(globalFirst ? global + kDeprecated : kDeprecated + global);
    ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
    const int line = globalFirst ? 6 : 3;
    EXPECT_EQ(warningsOf(r).at(1), "s.conf:" + std::to_string(line) +
                                       ": lvs_sync_daemon_interface of vrrp_instance 'VI_1' is ignored: global_defs "
                                       "lvs_sync_daemon takes precedence, as in keepalived");
    const SyncDaemon& s = *r.config->globalDefs.lvsSyncDaemon;
    EXPECT_EQ(s.interface, "eth0");
    EXPECT_EQ(s.syncId, 4);
  }
}

TEST(SyncDaemonInterface, Errors) {
  // Not a port.
  EXPECT_EQ(errorsOf(parse(kDeprecated + std::string("dataplane {\n lcores 0-1\n port eth0 { device d }\n}\n"))),
            Lines{"s.conf:3: lvs_sync_daemon_interface 'eth1' is not a port of the dataplane block"});
  // In two instances: keepalived keeps the first and reports the second.
  const auto twice = parse(std::string(kDeprecated) +
                           "vrrp_instance VI_2 {\n interface eth0\n lvs_sync_daemon_interface eth0\n"
                           " virtual_router_id 52\n virtual_ipaddress {\n 10.0.0.2\n }\n}\n");
  EXPECT_EQ(errorsOf(twice), Lines{"s.conf:11: lvs_sync_daemon_interface is given twice (first at s.conf:3)"});
  EXPECT_EQ(errorsOf(parse("vrrp_instance VI_1 {\n interface eth0\n lvs_sync_daemon_interface\n"
                           " virtual_router_id 5\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n")),
            Lines{"s.conf:3: 'lvs_sync_daemon_interface' needs a value"});
}

// ---------------------------------------------------------------- dataplane

Dataplane dataplaneOf(const std::string& lines) {
  const auto r = parse("dataplane {\n lcores 0-1\n port eth0 { device d }\n" + lines + "}\n");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  return r.config ? r.config->dataplane.value_or(Dataplane{}) : Dataplane{};
}

std::vector<std::string> dataplaneErrors(const std::string& lines) {
  return errorsOf(parse("dataplane {\n lcores 0-1\n port eth0 { device d }\n" + lines + "}\n"));
}

TEST(DataplaneSync, KernelDefaults) {
  const Dataplane dp = dataplaneOf("");
  EXPECT_EQ(dp.syncThreshold, 3u);
  EXPECT_EQ(dp.syncPeriod, 50u);
  EXPECT_EQ(dp.syncRefreshPeriod, seconds{0});
  EXPECT_EQ(dp.syncRetries, 0);
  EXPECT_EQ(dp.syncTakeoverWait, seconds{10});
  EXPECT_EQ(dp.syncBulkPort, 8849);
}

TEST(DataplaneSync, EveryKeyword) {
  const Dataplane dp = dataplaneOf(
      " sync_threshold 5 100\n sync_refresh_period 30\n sync_retries 3\n sync_takeover_wait 2.5\n"
      " sync_bulk_port 9000\n");
  EXPECT_EQ(dp.syncThreshold, 5u);
  EXPECT_EQ(dp.syncPeriod, 100u);
  EXPECT_EQ(dp.syncRefreshPeriod, seconds{30});
  EXPECT_EQ(dp.syncRetries, 3);
  EXPECT_EQ(dp.syncTakeoverWait, std::chrono::milliseconds{2500});
  EXPECT_EQ(dp.syncBulkPort, 9000);
}

TEST(DataplaneSync, ThresholdRules) {
  // Period 0: one sync at the threshold, which may then be any value.
  const Dataplane once = dataplaneOf(" sync_threshold 1000 0\n");
  EXPECT_EQ(once.syncThreshold, 1000u);
  EXPECT_EQ(once.syncPeriod, 0u);
  // One value, as written to the sysctl, keeps the period.
  const Dataplane one = dataplaneOf(" sync_threshold 49\n");
  EXPECT_EQ(one.syncThreshold, 49u);
  EXPECT_EQ(one.syncPeriod, 50u);
  EXPECT_EQ(dataplaneOf(" sync_threshold 0 1\n").syncThreshold, 0u);
  EXPECT_EQ(dataplaneErrors(" sync_threshold 50\n"),
            Lines{"s.conf:4: sync_threshold 50 must be below the sync period 50 (or the period 0: one sync at the "
                  "threshold)"});
  EXPECT_EQ(dataplaneErrors(" sync_threshold 10 5\n"),
            Lines{"s.conf:4: sync_threshold 10 must be below the sync period 5 (or the period 0: one sync at the "
                  "threshold)"});
  EXPECT_EQ(dataplaneErrors(" sync_threshold -1 5\n"), Lines{"s.conf:4: sync_threshold '-1' is not a whole number"});
  EXPECT_EQ(dataplaneErrors(" sync_threshold 1 2147483648\n"),
            Lines{"s.conf:4: sync_threshold 2147483648 is out of range 0-2147483647"});
  EXPECT_EQ(dataplaneErrors(" sync_threshold 1 2 3\n"), Lines{"s.conf:4: unexpected '3' after 'sync_threshold'"});
}

TEST(DataplaneSync, RangeErrors) {
  EXPECT_EQ(dataplaneErrors(" sync_retries 4\n"), Lines{"s.conf:4: sync_retries 4 is out of range 0-3"});
  EXPECT_EQ(dataplaneErrors(" sync_refresh_period 1.5\n"),
            Lines{"s.conf:4: sync_refresh_period '1.5' is not a whole number"});
  EXPECT_EQ(dataplaneErrors(" sync_refresh_period 2147484\n"),
            Lines{"s.conf:4: sync_refresh_period 2147484 is out of range 0-2147483"});
  EXPECT_EQ(dataplaneErrors(" sync_takeover_wait 3601\n"),
            Lines{"s.conf:4: sync_takeover_wait 3601 is out of range 0-3600 seconds"});
  EXPECT_EQ(dataplaneOf(" sync_takeover_wait 0\n").syncTakeoverWait, seconds{0});
  EXPECT_EQ(dataplaneErrors(" sync_bulk_port 0\n"), Lines{"s.conf:4: sync_bulk_port 0 is out of range 1-65535"});
  EXPECT_EQ(dataplaneErrors(" sync_bulk_port 65536\n"),
            Lines{"s.conf:4: sync_bulk_port 65536 is out of range 1-65535"});
}

// ---------------------------------------------------------------- JSON

TEST(SyncJson, ShapeAndRoundTrip) {
  const auto r = parse(withInstances("lvs_sync_daemon eth1 VI_2 maxlen 1400 group ff02::81",
                                     "dataplane {\n lcores 0-1\n port eth0 { device a }\n port eth1 { device b }\n"
                                     " sync_threshold 2 10\n sync_refresh_period 20\n sync_takeover_wait 1.5\n}\n"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const nlohmann::json j = toJson(*r.config);
  EXPECT_EQ(j.at("global_defs").at("lvs_sync_daemon"),
            nlohmann::json::parse(R"({"interface": "eth1", "instance": "VI_2", "id": 52, "maxlen": 1400,
                                      "port": 8848, "ttl": 1, "group": "ff02::81",
                                      "master": true, "backup": true})"));
  const auto& dp = j.at("dataplane");
  EXPECT_EQ(dp.at("sync_threshold"), 2);
  EXPECT_EQ(dp.at("sync_period"), 10);
  EXPECT_EQ(dp.at("sync_refresh_period"), 20000);  // milliseconds, as every duration
  EXPECT_EQ(dp.at("sync_retries"), 0);
  EXPECT_EQ(dp.at("sync_takeover_wait"), 1500);
  EXPECT_EQ(dp.at("sync_bulk_port"), 8849);
  EXPECT_EQ(configFromJson(j), *r.config);
  // Without an instance, "instance" is left out.
  const auto bare = parse(withInstances("lvs_sync_daemon eth0"));
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(toJson(*bare.config).at("global_defs").at("lvs_sync_daemon").contains("instance"));
  EXPECT_FALSE(toJson(Config{}).at("global_defs").contains("lvs_sync_daemon"));
}

// ---------------------------------------------------------------- keepalived's sample

// keepalived's own sample of the deprecated form, where Debian installs it.
// Its vrrp_sync_group lists the instances without `group { }` (keepalived
// 1.x): as keepalived, sluice warns of the names as unknown keywords and
// drops the empty group.
TEST(SyncSample, KeepalivedsLvsSyncdSample) {
  const std::string sample = "/usr/share/doc/keepalived/samples/keepalived.conf.vrrp.lvs_syncd";
  if (!std::filesystem::exists(sample)) {
    GTEST_SKIP() << sample << " is not installed";
  }
  const auto r = parseFile(sample);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  EXPECT_EQ(warningsOf(r),
            (Lines{sample + ":4: unknown keyword 'VI_2'", sample + ":5: unknown keyword 'VI_3'",
                   sample + ":3: vrrp_sync_group 'VG1' has no group { } of instances; it is removed, as keepalived does",
                   sample + ":11: lvs_sync_daemon_interface in a vrrp_instance is deprecated, as in "
                            "keepalived; write 'lvs_sync_daemon eth1 VI_1' in global_defs instead"}));
  EXPECT_TRUE(r.config->vrrpSyncGroups.empty());
  SyncDaemon expected;
  expected.interface = "eth1";
  expected.instance = "VI_1";
  expected.syncId = 51;
  EXPECT_EQ(r.config->globalDefs.lvsSyncDaemon, expected);
}

}  // namespace
}  // namespace sluice::config
