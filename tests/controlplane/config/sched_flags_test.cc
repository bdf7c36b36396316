// IPVS's scheduler flags and one-packet scheduling: keepalived's keywords
// (checked against keepalived 2.2.7's parser and `keepalived -t`), the
// flag names and the JSON form.
#include "controlplane/config/sched_flags.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "controlplane/config/json.h"
#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using testing::errorsOf;
using testing::warningsOf;
using Lines = std::vector<std::string>;

ParseResult parseVs(const std::string& body, const std::string& head = "virtual_server 10.0.0.1 53") {
  return parseString(head + " {\n" + body + " real_server 10.0.1.1 53\n}\n", "f.conf");
}

TEST(SchedFlags, NamesAreIpvsadms) {
  EXPECT_EQ(schedFlagBit("sh-fallback"), kSchedFlag1);
  EXPECT_EQ(schedFlagBit("mh-port"), kSchedFlag2);
  EXPECT_EQ(schedFlagBit("flag-3"), kSchedFlag3);
  EXPECT_EQ(schedFlagBit("sh_port"), 0);
  EXPECT_TRUE(schedFlagFits("sh-port", "sh"));
  EXPECT_FALSE(schedFlagFits("sh-port", "mh"));
  EXPECT_FALSE(schedFlagFits("mh-fallback", "rr"));
  EXPECT_TRUE(schedFlagFits("flag-2", "rr"));
  EXPECT_TRUE(schedFlagFits("flag-1", "sh"));
  EXPECT_EQ(schedFlagNames(7, "sh"), (Lines{"sh-fallback", "sh-port", "flag-3"}));
  EXPECT_EQ(schedFlagNames(3, "mh"), (Lines{"mh-fallback", "mh-port"}));
  EXPECT_EQ(schedFlagNames(6, "wrr"), (Lines{"flag-2", "flag-3"}));
  EXPECT_EQ(schedFlagNames(0, "sh"), Lines{});
}

TEST(SchedFlags, KeywordsSetTheBitsOfTheirScheduler) {
  const auto sh = parseVs(" protocol UDP\n lvs_sched sh\n sh-port\n sh-fallback\n");
  ASSERT_TRUE(sh.ok()) << ::testing::PrintToString(errorsOf(sh));
  EXPECT_EQ(sh.config->virtualServers.at(0).schedFlags, kSchedFlag1 | kSchedFlag2);
  EXPECT_EQ(warningsOf(sh), Lines{});
  const auto mh = parseVs(" protocol UDP\n lvs_sched mh\n mh-port\n");
  ASSERT_TRUE(mh.ok());
  EXPECT_EQ(mh.config->virtualServers.at(0).schedFlags, kSchedFlag2);
  // flag-N whatever the scheduler, as keepalived does.
  const auto rr = parseVs(" protocol UDP\n lvs_sched rr\n flag-1\n flag-3\n");
  ASSERT_TRUE(rr.ok());
  EXPECT_EQ(rr.config->virtualServers.at(0).schedFlags, kSchedFlag1 | kSchedFlag3);
  EXPECT_EQ(warningsOf(rr), Lines{});
}

TEST(SchedFlags, AFlagOfAnotherSchedulerIsIgnoredWithAWarning) {
  const auto r = parseVs(" protocol UDP\n lvs_sched rr\n sh-port\n lvs_sched sh\n mh-fallback\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->virtualServers.at(0).schedFlags, 0);
  EXPECT_EQ(warningsOf(r), (Lines{"f.conf:4: sh-port only applies to lvs_sched sh, not rr; ignored",
                                  "f.conf:6: mh-fallback only applies to lvs_sched mh, not sh; ignored"}));
  // keepalived reads the flag against the lvs_sched above it.
  const auto early = parseVs(" protocol UDP\n sh-fallback\n lvs_sched sh\n");
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early.config->virtualServers.at(0).schedFlags, 0);
  ASSERT_EQ(warningsOf(early).size(), 1u);
  EXPECT_NE(warningsOf(early)[0].find("f.conf:3: sh-fallback only applies to lvs_sched sh, and no lvs_sched"),
            std::string::npos)
      << warningsOf(early)[0];
}

TEST(SchedFlags, AValueIsIgnoredWithAWarningAsKeepalivedIgnoresIt) {
  const auto r = parseVs(" protocol UDP\n lvs_sched sh\n sh-port yes\n ops no\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  EXPECT_EQ(r.config->virtualServers.at(0).schedFlags, kSchedFlag2);
  EXPECT_TRUE(r.config->virtualServers.at(0).ops);  // keepalived turns it on too
  EXPECT_EQ(warningsOf(r),
            (Lines{"f.conf:4: sh-port takes no value: 'yes' is ignored and sh-port applies, as in keepalived",
                   "f.conf:5: ops takes no value: 'no' is ignored and ops applies, as in keepalived"}));
}

TEST(Ops, KeptForUdpAndFwmarkDroppedForTcpWithAWarning) {
  const auto udp = parseVs(" protocol UDP\n ops\n");
  ASSERT_TRUE(udp.ok());
  EXPECT_TRUE(udp.config->virtualServers.at(0).ops);
  EXPECT_EQ(warningsOf(udp), Lines{});
  // No protocol: UDP, as keepalived defaults it, so ops stays.
  const auto none = parseVs(" ops\n");
  EXPECT_TRUE(none.config->virtualServers.at(0).ops);
  const auto tcp = parseVs(" protocol TCP\n ops\n");
  ASSERT_TRUE(tcp.ok());
  EXPECT_FALSE(tcp.config->virtualServers.at(0).ops);
  EXPECT_EQ(warningsOf(tcp),
            Lines{"f.conf:1: ops (one-packet scheduling) requires protocol UDP; ignored, as keepalived does"});
  const auto mark = parseVs(" ops\n", "virtual_server fwmark 5");
  ASSERT_TRUE(mark.ok());
  EXPECT_TRUE(mark.config->virtualServers.at(0).ops);
}

TEST(Ops, AGroupWithAddressesNeedsUdp) {
  const auto r = parseString(R"(virtual_server_group A {
  10.0.0.1 53
}
virtual_server_group M {
  fwmark 7
}
virtual_server group A {
  protocol TCP
  ops
  real_server 10.0.1.1 53
}
virtual_server group M {
  protocol TCP
  ops
  real_server 10.0.1.1 53
}
)",
                             "g.conf");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  EXPECT_FALSE(r.config->virtualServers.at(0).ops);
  EXPECT_TRUE(r.config->virtualServers.at(1).ops);  // marks only: kept, as keepalived keeps it
  const Lines warnings = warningsOf(r);
  EXPECT_EQ(std::count_if(warnings.begin(), warnings.end(),
                          [](const std::string& w) { return w.find("g.conf:7: ops (one-packet") == 0; }),
            1)
      << ::testing::PrintToString(warnings);
}

TEST(SchedFlagsJson, NamedForTheSchedulerAndRoundTripped) {
  const auto r = parseVs(" protocol UDP\n lvs_sched sh\n sh-port\n flag-3\n ops\n");
  ASSERT_TRUE(r.ok());
  const VirtualServer& vs = r.config->virtualServers.at(0);
  const nlohmann::json j = vs;
  EXPECT_EQ(j.at("sched_flags"), nlohmann::json::parse(R"(["sh-port", "flag-3"])"));
  EXPECT_EQ(j.at("ops"), true);
  EXPECT_EQ(j.get<VirtualServer>(), vs);
  VirtualServer rr = vs;
  rr.scheduler = "rr";
  EXPECT_EQ(nlohmann::json(rr).at("sched_flags"), nlohmann::json::parse(R"(["flag-2", "flag-3"])"));
  EXPECT_EQ(nlohmann::json(VirtualServer{}).at("sched_flags"), nlohmann::json::array());
  EXPECT_EQ(nlohmann::json(VirtualServer{}).at("ops"), false);
}

TEST(SchedFlagsJson, AnyFittingNameIsReadAndOthersRefused) {
  auto read = [](const char* text) { return virtualServerFromJsonStrict(nlohmann::json::parse(text)); };
  EXPECT_EQ(read(R"({"lvs_sched": "mh", "sched_flags": ["flag-1", "mh-port"]})").schedFlags,
            kSchedFlag1 | kSchedFlag2);
  auto message = [&](const char* text) -> std::string {
    try {
      read(text);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "accepted";
  };
  EXPECT_EQ(message(R"({"lvs_sched": "rr", "sched_flags": ["sh-port"]})"),
            "json: 'sched_flags': incompatible scheduler flag 'sh-port' for lvs_sched rr");
  EXPECT_EQ(message(R"({"lvs_sched": "sh", "sched_flags": ["mh-port"]})"),
            "json: 'sched_flags': incompatible scheduler flag 'mh-port' for lvs_sched sh");
  EXPECT_EQ(message(R"({"sched_flags": ["sh-port"]})"),  // the default scheduler, wlc
            "json: 'sched_flags': incompatible scheduler flag 'sh-port' for lvs_sched wlc");
  EXPECT_NE(message(R"({"lvs_sched": "sh", "sched_flags": ["port"]})").find("unknown scheduler flag 'port'"),
            std::string::npos);
  EXPECT_NE(message(R"({"sched_flags": "flag-1"})").find("expected an array"), std::string::npos);
  EXPECT_NE(message(R"({"ops": 1})").find("'ops'"), std::string::npos);
}

}  // namespace
}  // namespace sluice::config
