// E-mail alerts against an SMTP sink on the loopback: the dialogue, the
// mail as keepalived words it, dot-stuffing, and the errors of a refused
// connection and of a server that refuses a recipient.
#include "controlplane/failover/smtp_alert.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/controlplane/failover/smtp_sink.h"

namespace sluice::failover {
namespace {

using testing::Sink;

config::GlobalDefs globals(uint16_t port) {
  config::GlobalDefs g;
  g.routerId = "LVS_1";
  g.notificationEmail = {"ops@example.com", "oncall@example.com"};
  g.notificationEmailFrom = "lb@example.com";
  g.smtpServer = config::SmtpServer{"127.0.0.1", port};
  g.smtpConnectTimeout = std::chrono::milliseconds{2000};
  return g;
}

TEST(SmtpAlert, KeepalivedsWordsForTransitions) {
  const config::GlobalDefs g = globals(25);
  const Alert m = transitionAlert(g, false, "RH_EXT", "MASTER");
  EXPECT_EQ(m.subject, "[LVS_1] VRRP Instance RH_EXT - Entering MASTER state");
  EXPECT_EQ(m.body, "=> VRRP Instance is now owning VRRP VIPs <=");
  EXPECT_EQ(transitionAlert(g, false, "RH_EXT", "BACKUP").body, "=> VRRP Instance is no longer owning VRRP VIPs <=");
  EXPECT_EQ(transitionAlert(g, true, "VG1", "FAULT").subject, "[LVS_1] VRRP Group VG1 - Entering FAULT state");
}

TEST(SmtpAlert, TheMailReachesTheServerWithEveryRecipient) {
  Sink sink;
  const auto error = deliver(globals(sink.port()), {"[LVS_1] VRRP Instance RH_EXT - Entering MASTER state",
                                                    "=> owning <=\n.a line with a dot"});
  EXPECT_FALSE(error) << *error;
  const std::string t = sink.transcript();
  EXPECT_NE(t.find("HELO LVS_1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("MAIL FROM:<lb@example.com>\n"), std::string::npos);
  EXPECT_NE(t.find("RCPT TO:<ops@example.com>\nRCPT TO:<oncall@example.com>\n"), std::string::npos);
  EXPECT_NE(t.find("Subject: [LVS_1] VRRP Instance RH_EXT - Entering MASTER state\n"), std::string::npos);
  EXPECT_NE(t.find("\n..a line with a dot\n.\nQUIT\n"), std::string::npos) << t;  // dot-stuffed
}

TEST(SmtpAlert, RefusalsAreReported) {
  Sink sink(/*refuseRcpt=*/true);
  const auto refused = deliver(globals(sink.port()), {"s", "b"});
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, "RCPT: reply 550");
  sink.transcript();

  uint16_t closed;
  {
    Sink gone;
    closed = gone.port();
  }
  const auto error = deliver(globals(closed), {"s", "b"});
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("connect"), std::string::npos) << *error;
}

TEST(SmtpAlert, OnlyWithAServerRecipientsAndSmtpAlert) {
  config::GlobalDefs g = globals(25);
  SmtpAlerter on(g);
  EXPECT_FALSE(on.enabled(std::nullopt));  // smtp_alert defaults to off
  EXPECT_TRUE(on.enabled(true));
  g.smtpAlert = true;
  EXPECT_FALSE(SmtpAlerter(g).enabled(false));  // the instance's own word wins
  g.notificationEmail.clear();
  EXPECT_FALSE(SmtpAlerter(g).enabled(true));
}

}  // namespace
}  // namespace sluice::failover
