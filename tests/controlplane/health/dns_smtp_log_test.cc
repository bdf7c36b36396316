// The log lines of DNS_CHECK and SMTP_CHECK going down and up, in
// keepalived 2.2.7's words: both say why they failed; DNS_CHECK counts its
// retries and says nothing when it comes back (only the server's line).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controlplane/health/health_log.h"
#include "controlplane/health/monitor.h"
#include "controlplane/health/server_health.h"
#include "tests/accepted_config.h"

namespace sluice::health {
namespace {

const char* kDnsSmtpConfig = R"(
virtual_server 10.0.0.1 53 {
    protocol UDP
    real_server 192.168.1.20 53 {
        DNS_CHECK {
        }
    }
    real_server 192.168.1.21 53 {
        DNS_CHECK {
            retry 0
        }
    }
}
virtual_server 10.0.0.1 25 {
    protocol TCP
    real_server 192.168.1.25 25 {
        SMTP_CHECK {
            retry 2
        }
    }
}
)";

// The lines of check `index` of kDnsSmtpConfig going from up to `up`, its
// last error `error`.
std::vector<std::string> dnsSmtpLines(std::size_t index, bool up, const std::string& error) {
  const config::Config config = sluice::testing::acceptedConfig(kDnsSmtpConfig);
  std::vector<CheckerStatus> allUp;
  for (const CheckKey& k : checksOf(config)) {
    allUp.push_back({.service = k.service, .server = k.server, .type = std::string(config::toString(k.check.type))});
  }
  std::vector<CheckerStatus> oneDown = allUp;
  oneDown[index].up = false;
  oneDown[index].lastError = error;
  const std::vector<CheckerStatus>& before = up ? oneDown : allUp;
  const std::vector<CheckerStatus>& now = up ? allUp : oneDown;
  tables::HealthState stateBefore, stateNow;
  stateBefore.servers = aggregate(before);
  stateNow.servers = aggregate(now);
  std::vector<std::string> out;
  for (const common::LogLine& l : healthLog(config, before, now, stateBefore, stateNow)) {
    EXPECT_EQ(l.source, common::LogSource::kChecker);
    out.push_back(l.text);
  }
  return out;
}

using LogLines = std::vector<std::string>;

TEST(DnsSmtpLog, DnsCheckSaysWhyAndCountsItsRetries) {
  EXPECT_EQ(dnsSmtpLines(0, false, "read error occurred. (rcode = 3)"),
            (LogLines{"DNS_CHECK ([192.168.1.20]:udp:53) read error occurred. (rcode = 3) after 3 retries",
                      "Removing service [192.168.1.20]:udp:53 from VS [10.0.0.1]:udp:53"}));
  EXPECT_EQ(dnsSmtpLines(1, false, "read timeout from socket"),
            (LogLines{"DNS_CHECK ([192.168.1.21]:udp:53) read timeout from socket",
                      "Removing service [192.168.1.21]:udp:53 from VS [10.0.0.1]:udp:53"}));
  // Back up: keepalived has no line of the check, only the server's.
  EXPECT_EQ(dnsSmtpLines(0, true, ""), LogLines{"Adding service [192.168.1.20]:udp:53 to VS [10.0.0.1]:udp:53"});
}

TEST(DnsSmtpLog, SmtpCheckSaysWhy) {
  EXPECT_EQ(dnsSmtpLines(2, false, "Bad greeting banner from server [192.168.1.25]:25"),
            (LogLines{"SMTP_CHECK Bad greeting banner from server [192.168.1.25]:25",
                      "Removing service [192.168.1.25]:tcp:25 from VS [10.0.0.1]:tcp:25"}));
  EXPECT_EQ(dnsSmtpLines(2, true, ""), (LogLines{"Remote SMTP server [192.168.1.25]:tcp:25 succeed on service.",
                                                 "Adding service [192.168.1.25]:tcp:25 to VS [10.0.0.1]:tcp:25"}));
}

}  // namespace
}  // namespace sluice::health
