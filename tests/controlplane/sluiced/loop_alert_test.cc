// The health checks' smtp_alert through the control loop: a MISC_CHECK
// going down mails keepalived's alert to smtp_server (a sink on the
// loopback).
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/controlplane/failover/smtp_sink.h"
#include "tests/controlplane/sluiced/loop_fixture.h"

namespace sluice::sluiced::testing {
namespace {

// catches: a real server's check changing state without the mail that
// keepalived sends by default (smtp_alert parsed but never used).
TEST_F(LoopTest, ACheckGoingDownIsMailed) {
  failover::testing::Sink sink;
  const std::string script = (dir() / "fails.sh").string();
  std::ofstream(script) << "#!/bin/sh\nexit 1\n";
  ::chmod(script.c_str(), 0755);
  startWith(R"(
global_defs {
    router_id LB1
    notification_email {
        ops@example.com
    }
    notification_email_from lb@example.com
    smtp_server 127.0.0.1 )" + std::to_string(sink.port()) + R"(
    smtp_connect_timeout 2
}
virtual_server 10.0.0.10 80 {
    protocol TCP
    real_server 192.168.1.1 80 {
        MISC_CHECK {
            misc_path ")" + script + R"("
            delay_loop 0.05
        }
    }
    real_server 192.168.1.2 80
}
)");
  const Services one{{"10.0.0.10:80", {"192.168.1.2:80"}}};
  ASSERT_TRUE(pollUntil([&] { return servicesOf(published()) == one; })) << "the check never failed";
  const std::string heard = sink.transcript();
  EXPECT_NE(heard.find("Subject: [LB1] Realserver [192.168.1.1]:tcp:80 of virtual server [10.0.0.10]:tcp:80 - DOWN\n"),
            std::string::npos)
      << heard;
  EXPECT_NE(heard.find("\n=> MISC CHECK failed on service <=\n"), std::string::npos) << heard;
}

}  // namespace
}  // namespace sluice::sluiced::testing
