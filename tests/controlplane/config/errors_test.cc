// Refusals and warnings, each with its exact file:line.
#include <gtest/gtest.h>

#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using testing::errorsOf;
using testing::TempDir;
using testing::warningsOf;
using Lines = std::vector<std::string>;

// A valid instance to build failing variants from.
std::string instance(const std::string& extra) {
  return "vrrp_instance VI_1 {\n"      // 1
         "    state MASTER\n"          // 2
         "    interface eth0\n"        // 3
         "    virtual_router_id 51\n"  // 4
         "    virtual_ipaddress {\n"   // 5
         "        10.0.0.1\n"          // 6
         "    }\n" +                   // 7
         extra +                       // 8...
         "}\n";
}

TEST(Errors, PriorityOutOfRangeNamesItsLineAndRefusesTheWholeConfig) {
  const auto r = parseString(instance("    priority 300\n"), "k.conf");
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.config);
  EXPECT_EQ(errorsOf(r), Lines{"k.conf:8: priority 300 is out of range 1-255"});
}

TEST(Errors, BadNumbersAreNeverReplacedByDefaults) {
  EXPECT_EQ(errorsOf(parseString(instance("    priority 0\n"), "k.conf")),
            Lines{"k.conf:8: priority 0 is out of range 1-255"});
  EXPECT_EQ(errorsOf(parseString(instance("    priority high\n"), "k.conf")),
            Lines{"k.conf:8: priority 'high' is not a whole number"});
  EXPECT_EQ(errorsOf(parseString(instance("    advert_int 1s\n"), "k.conf")),
            Lines{"k.conf:8: advert_int '1s' is not a time in seconds"});
  EXPECT_EQ(errorsOf(parseString(instance("    priority\n"), "k.conf")),
            Lines{"k.conf:8: 'priority' needs a value"});
  EXPECT_EQ(errorsOf(parseString(instance("    priority 100 200\n"), "k.conf")),
            Lines{"k.conf:8: unexpected '200' after 'priority'"});
  EXPECT_EQ(errorsOf(parseString(instance("    state SLAVE\n"), "k.conf")),
            Lines{"k.conf:8: state 'SLAVE' is not one of MASTER, BACKUP"});
}

TEST(Errors, UnknownLbAlgo) {
  const auto r = parseString(
      "virtual_server 10.0.0.1 80 {\n"
      "    protocol TCP\n"
      "    lb_algo fastest\n"
      "    real_server 192.168.1.20 80\n"
      "}\n",
      "lvs.conf");
  EXPECT_EQ(
      errorsOf(r),
      Lines{
          "lvs.conf:3: unknown lb_algo 'fastest' (known: rr wrr lc wlc lblc lblcr dh sh sed nq mh fo ovf)"});
}

TEST(Errors, MissingBrace) {
  const auto r = parseString(
      "global_defs {\n"
      "   router_id lb1\n"
      "}\n"
      "\n"
      "vrrp_instance RH_EXT {\n"
      "    state MASTER\n"
      "    authentication {\n"
      "        auth_type PASS\n"
      "        auth_pass passw123\n"
      "}\n",
      "brace.conf");
  EXPECT_EQ(errorsOf(r), Lines{"brace.conf:5: block of 'vrrp_instance' is never closed (missing '}')"});
}

TEST(Errors, SyncGroupNamingAnUnknownInstance) {
  const auto r = parseString(
      "vrrp_sync_group VG1 {\n"
      "   group {\n"
      "      VI_1\n"
      "      RH_INT\n"
      "   }\n"
      "}\n" +
          instance(""),
      "sync.conf");
  EXPECT_EQ(errorsOf(r), Lines{"sync.conf:4: vrrp_sync_group names unknown vrrp_instance 'RH_INT'"});
}

TEST(Errors, InstanceInTwoSyncGroups) {
  const auto r = parseString(
      "vrrp_sync_group A {\n group {\n  VI_1\n }\n}\n"
      "vrrp_sync_group B {\n group {\n  VI_1\n }\n}\n" +
          instance(""),
      "sync.conf");
  EXPECT_EQ(
      errorsOf(r),
      Lines{"sync.conf:8: vrrp_instance 'VI_1' is already in a vrrp_sync_group (first at sync.conf:3)"});
}

TEST(Errors, TrackScriptNamingAnUnknownScript) {
  const auto r = parseString(instance("    track_script {\n        chk_nginx\n    }\n"), "t.conf");
  EXPECT_EQ(errorsOf(r), Lines{"t.conf:9: track_script 'chk_nginx' is not a defined vrrp_script"});
}

TEST(Errors, ErrorInAnIncludedFileNamesThatFileAndLine) {
  TempDir dir;
  const auto main =
      dir.write("keepalived.conf", "global_defs {\n  router_id lb1\n}\ninclude conf.d/*.conf\n");
  dir.write("conf.d/vrrp.conf", instance("    virtual_router_id 256\n"));
  const auto r = parseFile(main);
  EXPECT_EQ(errorsOf(r),
            Lines{dir.path() + "/conf.d/vrrp.conf:8: virtual_router_id 256 is out of range 1-255"});
}

TEST(Errors, UnknownKeywordIsOnlyAWarning) {
  const auto r =
      parseString(instance("    frobnicate vrrp51\n    frobnicate_block {\n      x\n    }\n"), "w.conf");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(errorsOf(r).empty());
  EXPECT_EQ(warningsOf(r), (Lines{"w.conf:8: unknown keyword 'frobnicate'",
                                  "w.conf:9: unknown keyword 'frobnicate_block' (its block is skipped)"}));
  // keepalived -t counts them as errors; sluiced -t refuses them as it does.
  for (const Diagnostic& d : r.warnings()) EXPECT_TRUE(d.keepalivedError) << d.message;
  EXPECT_EQ(r.config->vrrpInstances.at(0).virtualRouterId, 51);
}

TEST(Errors, KeepalivedsHostTablesAreSkippedWithAWarning) {
  const auto r = parseString("static_ipaddress {\n  1.2.3.4 dev eth0\n}\n", "w.conf");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(warningsOf(r), Lines{"w.conf:1: static_ipaddress is not supported by sluice: sluice does not change "
                                 "the host's addresses, routes or rules; skipped"});
  // A keyword keepalived knows: not one keepalived -t refuses.
  EXPECT_FALSE(r.warnings().at(0).keepalivedError);
}

// The keywords docs/config.md's table marks skipped warn with its note.
TEST(Errors, SkippedKeepalivedKeywordsSayWhy) {
  const auto r = parseString(instance("    garp_extra_if {\n      x\n    }\n"), "w.conf");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(warningsOf(r), Lines{"w.conf:8: garp_extra_if is not supported by sluice: kernel routing / "
                                 "interfaces: the data plane owns its ports (its block is skipped)"});
  EXPECT_FALSE(r.warnings().at(0).keepalivedError);
}

TEST(Errors, EveryErrorIsReportedNotJustTheFirst) {
  const auto r = parseString(instance("    priority 300\n    advert_int -1\n    nopreempt yes\n"), "m.conf");
  EXPECT_EQ(errorsOf(r), (Lines{"m.conf:8: priority 300 is out of range 1-255",
                                "m.conf:9: advert_int '-1' is not a time in seconds",
                                "m.conf:10: unexpected 'yes' after 'nopreempt' (it takes no value)"}));
}

TEST(Errors, DuplicateNames) {
  const auto twice = instance("") + instance("");
  EXPECT_EQ(errorsOf(parseString(twice, "d.conf")),
            Lines{"d.conf:9: duplicate vrrp_instance 'VI_1' (first at d.conf:1)"});

  const auto r = parseString(
      "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 1.1.1.1 80\n}\n"
      "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 1.1.1.2 80\n}\n",
      "d.conf");
  EXPECT_EQ(errorsOf(r), Lines{"d.conf:5: duplicate virtual_server '10.0.0.1 80 TCP' (first at d.conf:1)"});

  const auto rs = parseString(
      "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 1.1.1.1 80\n real_server 1.1.1.1 80\n}\n",
      "d.conf");
  EXPECT_EQ(errorsOf(rs), Lines{"d.conf:4: duplicate real_server 1.1.1.1 80 in this virtual_server"});
}

TEST(Errors, SameVirtualRouterIdTwiceOnOneInterface) {
  std::string other = instance("");
  other.replace(other.find("VI_1"), 4, "VI_2");
  const auto r = parseString(instance("") + other, "v.conf");
  EXPECT_EQ(errorsOf(r),
            Lines{"v.conf:9: duplicate virtual_router_id '51 on eth0 (IPv4)' (first at v.conf:1)"});
}

TEST(Errors, MissingRequiredItems) {
  const auto r = parseString(
      "vrrp_instance A {\n  interface eth0\n}\n"
      "vrrp_script s {\n  interval 2\n}\n"
      "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 1.1.1.1 80 {\n  HTTP_GET {\n  }\n }\n}\n",
      "r.conf");
  EXPECT_EQ(errorsOf(r), (Lines{"r.conf:1: vrrp_instance 'A' has no virtual_router_id",
                                "r.conf:4: vrrp_script 's' has no script",
                                "r.conf:10: HTTP_GET needs at least one url { path ... }"}));
}

TEST(Errors, VirtualServerGroupMustExist) {
  const auto r =
      parseString("virtual_server group WEB {\n protocol TCP\n real_server 1.1.1.1 80\n}\n", "g.conf");
  EXPECT_EQ(errorsOf(r), Lines{"g.conf:1: virtual_server group 'WEB' is not a defined virtual_server_group"});
}

TEST(Errors, BlockKeywordWithoutBlockAndValueKeywordWithBlock) {
  const auto r = parseString(instance("    authentication\n    priority 100 {\n    }\n"), "b.conf");
  EXPECT_EQ(errorsOf(r), (Lines{"b.conf:8: 'authentication' needs a { } block",
                                "b.conf:9: 'priority' does not take a { } block"}));
}

}  // namespace
}  // namespace sluice::config
