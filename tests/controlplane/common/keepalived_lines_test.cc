// keepalived 2.2.7's wording of the lines operators match (check_tcp.c,
// check_http.c, check_misc.c, ipwrapper.c, vrrp.c, vrrp_scheduler.c,
// vrrp_sync.c), the names it gives servers, and the process each line
// belongs to.
#include "controlplane/common/keepalived_lines.h"

#include <gtest/gtest.h>

#include "controlplane/config/address.h"

namespace sluice::common::keepalived {
namespace {

wire::IpAddress ip(const char* text) { return *config::parseAddress(text); }

config::VirtualServer vs(const char* vip, uint16_t port, config::Protocol protocol = config::Protocol::kTcp) {
  config::VirtualServer v;
  v.address = ip(vip);
  v.port = port;
  v.protocol = protocol;
  return v;
}

config::RealServer rs(const char* address, uint16_t port) {
  config::RealServer r;
  r.address = ip(address);
  r.port = port;
  return r;
}

config::HealthCheck check(config::CheckType type, uint32_t retry) {
  config::HealthCheck c;
  c.type = type;
  c.fall = retry + 1;
  return c;
}

TEST(KeepalivedLines, NamesServersAsKeepalivedDoes) {
  EXPECT_EQ(serviceName(vs("10.0.0.1", 80)), "[10.0.0.1]:tcp:80");
  EXPECT_EQ(serviceName(vs("10.0.0.1", 53, config::Protocol::kUdp)), "[10.0.0.1]:udp:53");
  EXPECT_EQ(serviceName(vs("2001:db8::1", 443, config::Protocol::kSctp)), "[2001:db8::1]:sctp:443");
  EXPECT_EQ(serverName(vs("10.0.0.1", 80), ip("192.168.1.20"), 8080), "[192.168.1.20]:tcp:8080");

  config::VirtualServer mark;
  mark.kind = config::VirtualServerKind::kFwmark;
  mark.fwmark = 1;
  EXPECT_EQ(serviceName(mark), "FWM 1");
  EXPECT_EQ(serverName(mark, ip("192.168.1.20"), 80), "[192.168.1.20]:none:80");  // a fwmark has no protocol

  config::VirtualServer group;
  group.kind = config::VirtualServerKind::kGroup;
  group.group = "web";
  EXPECT_EQ(serviceName(group), "[web]:0");
}

TEST(KeepalivedLines, VrrpTransitionsGoToKeepalivedVrrp) {
  EXPECT_EQ(enteringState("VI_1", "MASTER", false), (LogLine{LogSource::kVrrp, LOG_INFO, "(VI_1) Entering MASTER STATE"}));
  EXPECT_EQ(enteringState("VI_1", "BACKUP", false).text, "(VI_1) Entering BACKUP STATE");
  EXPECT_EQ(enteringState("VI_1", "FAULT", false).text, "(VI_1) Entering FAULT STATE");
  EXPECT_EQ(enteringState("VI_1", "BACKUP", true).text, "(VI_1) Entering BACKUP STATE (init)");
  EXPECT_EQ(syncingGroup("VG1", "MASTER").text, "VRRP_Group(VG1) Syncing instances to MASTER state");
  EXPECT_EQ(aboutInstance("VI_1", "refused an advert", LOG_WARNING),
            (LogLine{LogSource::kVrrp, LOG_WARNING, "(VI_1) refused an advert"}));
}

TEST(KeepalivedLines, VrrpScriptResults) {
  EXPECT_EQ(vrrpScriptResult("chk", true, {.end = ScriptResult::End::kExited}).text, "VRRP_Script(chk) succeeded");
  EXPECT_EQ(vrrpScriptResult("chk", false, {.end = ScriptResult::End::kExited, .code = 3}).text,
            "VRRP_Script(chk) failed (exited with status 3)");
  EXPECT_EQ(vrrpScriptResult("chk", false, {.end = ScriptResult::End::kSignalled, .code = 9}).text,
            "VRRP_Script(chk) failed (due to signal 9)");
  EXPECT_EQ(vrrpScriptResult("chk", false, {.end = ScriptResult::End::kTimedOut}).text, "VRRP_Script(chk) timed_out");
  EXPECT_EQ(vrrpScriptResult("chk", true, {}).source, LogSource::kVrrp);
}

TEST(KeepalivedLines, TcpCheck) {
  const config::VirtualServer v = vs("10.0.0.1", 80);
  const config::RealServer r = rs("192.168.1.20", 80);
  EXPECT_EQ(checkUp(v, r, check(config::CheckType::kTcp, 1)),
            (LogLine{LogSource::kChecker, LOG_INFO, "TCP connection to [192.168.1.20]:tcp:80 success."}));
  EXPECT_EQ(checkDown(v, r, check(config::CheckType::kTcp, 0), {}).text,
            "TCP_CHECK on service [192.168.1.20]:tcp:80 failed.");
  EXPECT_EQ(checkDown(v, r, check(config::CheckType::kTcp, 1), {}).text,
            "TCP_CHECK on service [192.168.1.20]:tcp:80 failed after 1 retries.");  // sic
}

TEST(KeepalivedLines, BfdCheckNamesItsInstance) {
  const config::VirtualServer v = vs("10.0.0.1", 80);
  const config::RealServer r = rs("192.168.1.20", 80);
  config::HealthCheck c = check(config::CheckType::kBfd, 0);
  c.bfdName = "rs1";
  EXPECT_EQ(checkUp(v, r, c), (LogLine{LogSource::kChecker, LOG_INFO, "BFD check of [rs1] RS([192.168.1.20]:tcp:80) is UP"}));
  EXPECT_EQ(checkDown(v, r, c, {}).text, "BFD check of [rs1] RS([192.168.1.20]:tcp:80) is DOWN");
}

TEST(KeepalivedLines, HttpAndSslChecksShareTheirWords) {
  const config::VirtualServer v = vs("2001:db8::1", 443);
  const config::RealServer r = rs("2001:db8:1::20", 443);
  for (const auto type : {config::CheckType::kHttp, config::CheckType::kSsl}) {
    EXPECT_EQ(checkUp(v, r, check(type, 3)).text, "Remote Web server [2001:db8:1::20]:tcp:443 succeed on service.");
    EXPECT_EQ(checkDown(v, r, check(type, 3), {}).text,
              "HTTP_CHECK on service [2001:db8:1::20]:tcp:443 failed after 3 retries.");
    EXPECT_EQ(checkDown(v, r, check(type, 0), {}).text, "HTTP_CHECK on service [2001:db8:1::20]:tcp:443 failed.");
  }
}

TEST(KeepalivedLines, UdpCheck) {
  const config::VirtualServer v = vs("10.0.0.1", 53, config::Protocol::kUdp);
  const config::RealServer r = rs("192.168.1.20", 53);
  EXPECT_EQ(checkUp(v, r, check(config::CheckType::kUdp, 1)),
            (LogLine{LogSource::kChecker, LOG_INFO, "UDP connection to [192.168.1.20]:udp:53 success."}));
  EXPECT_EQ(checkDown(v, r, check(config::CheckType::kUdp, 0), {}).text,
            "UDP_CHECK on service [192.168.1.20]:udp:53 failed.");
  EXPECT_EQ(checkDown(v, r, check(config::CheckType::kUdp, 3), {}).text,
            "UDP_CHECK on service [192.168.1.20]:udp:53 failed after 3 retries.");
}

TEST(KeepalivedLines, PingCheckNamesItsVirtualServerWhenRetrying) {
  const config::VirtualServer v = vs("10.0.0.1", 80);
  const config::RealServer r = rs("192.168.1.20", 80);
  EXPECT_EQ(checkUp(v, r, check(config::CheckType::kPing, 1)).text, "ICMP connection to [192.168.1.20]:tcp:80 success.");
  EXPECT_EQ(checkDown(v, r, check(config::CheckType::kPing, 0), {}).text,
            "ICMP CHECK on service [192.168.1.20]:tcp:80 failed.");
  EXPECT_EQ(checkDown(v, r, check(config::CheckType::kPing, 4), {}).text,
            "ICMP CHECK on service [192.168.1.20]:tcp:80 of [10.0.0.1]:tcp:80 failed after 4 retries.");
}

TEST(KeepalivedLines, MiscCheckNamesItsScriptAndHowItEnded) {
  const config::VirtualServer v = vs("10.0.0.1", 80);
  const config::RealServer r = rs("192.168.1.20", 80);
  config::HealthCheck c = check(config::CheckType::kMisc, 1);
  c.miscPath = "/etc/keepalived/check.sh 192.168.1.20 80";
  const std::string head = "Misc check for [[192.168.1.20]:tcp:80 VS [10.0.0.1]:tcp:80] by [/etc/keepalived/check.sh] ";
  EXPECT_EQ(checkUp(v, r, c).text, head + "succeeded.");
  EXPECT_EQ(checkDown(v, r, c, {.end = ScriptResult::End::kExited, .code = 1}).text,
            head + "failed after 1 retry (exited with status 1).");
  EXPECT_EQ(checkDown(v, r, c, {.end = ScriptResult::End::kSignalled, .code = 11}).text,
            head + "failed after 1 retry (due to signal 11).");
  EXPECT_EQ(checkDown(v, r, c, {.end = ScriptResult::End::kTimedOut}).text, head + "timed out after 1 retry.");
  c.fall = 3;
  EXPECT_EQ(checkDown(v, r, c, {.end = ScriptResult::End::kExited, .code = 2}).text,
            head + "failed after 2 retries (exited with status 2).");
  c.fall = 1;
  EXPECT_EQ(checkDown(v, r, c, {.end = ScriptResult::End::kExited, .code = 1}).text,
            head + "failed with retry disabled (exited with status 1).");
}

TEST(KeepalivedLines, RealServersJoinAndLeave) {
  config::VirtualServer v = vs("10.0.0.1", 80);
  config::RealServer r = rs("192.168.1.20", 80);
  EXPECT_EQ(serverDown(v, r),
            (LogLine{LogSource::kChecker, LOG_INFO, "Removing service [192.168.1.20]:tcp:80 from VS [10.0.0.1]:tcp:80"}));
  EXPECT_EQ(serverUp(v, r).text, "Adding service [192.168.1.20]:tcp:80 to VS [10.0.0.1]:tcp:80");
  v.inhibitOnFailure = true;  // kept with weight 0
  EXPECT_EQ(serverDown(v, r).text, "Disabling service [192.168.1.20]:tcp:80 of VS [10.0.0.1]:tcp:80");
  EXPECT_EQ(serverUp(v, r).text, "Enabling service [192.168.1.20]:tcp:80 of VS [10.0.0.1]:tcp:80");
  r.inhibitOnFailure = false;  // the real server's own setting wins
  EXPECT_EQ(serverDown(v, r).text, "Removing service [192.168.1.20]:tcp:80 from VS [10.0.0.1]:tcp:80");
}

TEST(KeepalivedLines, QuorumAndSorryServer) {
  config::VirtualServer v = vs("10.0.0.1", 80);
  v.quorum = 3;
  v.hysteresis = 1;
  v.sorryServer = config::SorryServer{.address = ip("192.168.1.99"), .port = 8080};
  EXPECT_EQ(quorumLost(v, 1), (LogLine{LogSource::kChecker, LOG_INFO, "Lost quorum 3-1=2 > 1 for VS [10.0.0.1]:tcp:80"}));
  EXPECT_EQ(quorumGained(v, 4).text, "Gained quorum 3+1=4 <= 4 for VS [10.0.0.1]:tcp:80");
  EXPECT_EQ(sorryServerIn(v).text, "Adding sorry server [192.168.1.99]:tcp:8080 to VS [10.0.0.1]:tcp:80");
  EXPECT_EQ(sorryServerOut(v).text, "Removing sorry server [192.168.1.99]:tcp:8080 from VS [10.0.0.1]:tcp:80");
  EXPECT_EQ(alivePool(v, false).text, "Removing alive servers from the pool for VS [10.0.0.1]:tcp:80");
  EXPECT_EQ(alivePool(v, true).text, "Adding alive servers to the pool for VS [10.0.0.1]:tcp:80");
  v.sorryServer->inhibit = true;
  EXPECT_EQ(sorryServerIn(v).text, "Enabling sorry server [192.168.1.99]:tcp:8080 to VS [10.0.0.1]:tcp:80");
  EXPECT_EQ(sorryServerOut(v).text, "Disabling sorry server [192.168.1.99]:tcp:8080 from VS [10.0.0.1]:tcp:80");
  v.hysteresis = 5;  // keepalived's threshold is signed
  EXPECT_EQ(quorumLost(v, 0).text, "Lost quorum 3-5=-2 > 0 for VS [10.0.0.1]:tcp:80");
}

}  // namespace
}  // namespace sluice::common::keepalived
