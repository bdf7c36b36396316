// The health checks' smtp_alert mails: keepalived 2.2.7's subjects and
// bodies, and its precedence of smtp_alert (the block's own, then
// smtp_alert_checker, then smtp_alert, then yes for a real server and no
// for a virtual server).
#include "controlplane/sluiced/checker_alerts.h"

#include <gtest/gtest.h>

#include "tests/accepted_config.h"

namespace sluice::sluiced {
namespace {

config::Config alertConfig(const std::string& globals, const std::string& vsAlert, const std::string& rsAlert) {
  return sluice::testing::acceptedConfig("global_defs {\n router_id LB1\n" + globals + "}\n" +
                                         "virtual_server 10.0.0.10 80 {\n protocol TCP\n quorum 3\n hysteresis 1\n" +
                                         vsAlert + "\n real_server 192.168.1.1 80 {\n" + rsAlert +
                                         "\n  TCP_CHECK {\n  }\n  HTTP_GET {\n   url {\n    path /\n   }\n  }\n"
                                         "  MISC_CHECK {\n   misc_path /bin/true\n  }\n }\n}\n");
}

// catches: a real server or virtual server mailed against the precedence
// keepalived gives smtp_alert (e.g. smtp_alert_checker ignored, or the
// real server's default of yes taken for the virtual server).
TEST(CheckerAlerts, SmtpAlertPrecedence) {
  struct Case {
    std::string globals, vs, rs;
    bool rsMails, vsMails;
  };
  const Case cases[] = {
      {"", "", "", true, false},
      {" smtp_alert off\n", "", "", false, false},
      {" smtp_alert\n", "", "", true, true},
      {" smtp_alert off\n smtp_alert_checker\n", "", "", true, true},
      {" smtp_alert\n smtp_alert_checker off\n", "", "", false, false},
      {" smtp_alert_checker off\n", " smtp_alert", " smtp_alert", true, true},
      {" smtp_alert_checker\n", " smtp_alert off", " smtp_alert off", false, false},
      {" smtp_alert_vrrp off\n", "", "", true, false},  // VRRP's own default is not the checkers'
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.globals + "|" + c.vs + "|" + c.rs);
    const config::Config cfg = alertConfig(c.globals, c.vs, c.rs);
    const config::VirtualServer& vs = cfg.virtualServers.at(0);
    EXPECT_EQ(mailsCheckerChanges(cfg.globalDefs, vs.realServers.at(0)), c.rsMails);
    EXPECT_EQ(mailsQuorumChanges(cfg.globalDefs, vs), c.vsMails);
  }
}

// catches: subjects or bodies that differ from keepalived's (operators
// filter their mail on them).
TEST(CheckerAlerts, KeepalivedsWords) {
  const config::Config cfg = alertConfig("", "", "");
  const config::VirtualServer& vs = cfg.virtualServers.at(0);
  const config::RealServer& rs = vs.realServers.at(0);
  const common::ScriptResult failed{common::ScriptResult::End::kExited, 1, "exit status 1"};
  const common::ScriptResult timedOut{common::ScriptResult::End::kTimedOut, 0, "timed out"};

  failover::Alert a = checkerAlert(cfg.globalDefs, vs, rs, rs.checks.at(0), false, false, failed);
  EXPECT_EQ(a.subject, "[LB1] Realserver [192.168.1.1]:tcp:80 of virtual server [10.0.0.10]:tcp:80 - DOWN");
  EXPECT_EQ(a.body, "=> TCP CHECK failed on service <=");
  a = checkerAlert(cfg.globalDefs, vs, rs, rs.checks.at(0), true, true, failed);
  EXPECT_EQ(a.subject, "[LB1] Realserver [192.168.1.1]:tcp:80 of virtual server [10.0.0.10]:tcp:80 - UP");
  EXPECT_EQ(a.body, "=> TCP CHECK succeed on service <=");
  // A check up again while another keeps the server down: the subject says DOWN.
  a = checkerAlert(cfg.globalDefs, vs, rs, rs.checks.at(1), true, false, failed);
  EXPECT_EQ(a.subject, "[LB1] Realserver [192.168.1.1]:tcp:80 of virtual server [10.0.0.10]:tcp:80 - DOWN");
  EXPECT_EQ(a.body, "=> CHECK succeed on service <=");
  EXPECT_EQ(checkerAlert(cfg.globalDefs, vs, rs, rs.checks.at(1), false, false, failed).body,
            "=> CHECK failed on service : HTTP request failed <=");
  EXPECT_EQ(checkerAlert(cfg.globalDefs, vs, rs, rs.checks.at(2), false, false, failed).body,
            "=> MISC CHECK failed on service <=");
  EXPECT_EQ(checkerAlert(cfg.globalDefs, vs, rs, rs.checks.at(2), false, false, timedOut).body,
            "=> MISC CHECK timed out on service <=");
  EXPECT_EQ(checkerAlert(cfg.globalDefs, vs, rs, rs.checks.at(2), true, true, failed).body,
            "=> MISC CHECK succeeded on service <=");

  a = quorumAlert(cfg.globalDefs, vs, false, 1);
  EXPECT_EQ(a.subject, "[LB1] Virtualserver [10.0.0.10]:tcp:80 - DOWN");
  EXPECT_EQ(a.body, "=> Lost quorum 3+1=2 <= 1 <=");
  a = quorumAlert(cfg.globalDefs, vs, true, 4);
  EXPECT_EQ(a.subject, "[LB1] Virtualserver [10.0.0.10]:tcp:80 - UP");
  EXPECT_EQ(a.body, "=> Gained quorum 3+1=4 <= 4 <=");
}

}  // namespace
}  // namespace sluice::sluiced
