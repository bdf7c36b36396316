// DNS_CHECK and SMTP_CHECK blocks: keepalived 2.2.7's keywords and
// defaults, SMTP_CHECK's legacy host { } blocks, errors, the JSON round trip.
#include <gtest/gtest.h>

#include "controlplane/config/json.h"
#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using std::chrono::seconds;
using testing::errorsOf;
using testing::warningsOf;
using CheckLines = std::vector<std::string>;

// One real server 192.168.1.20 of a TCP service on `port` with `checks`.
ParseResult parseChecks(const std::string& checks, uint16_t port = 53) {
  return parseString("virtual_server 10.0.0.1 " + std::to_string(port) +
                         " {\n protocol TCP\n real_server 192.168.1.20 {\n" + checks + " }\n}\n",
                     "c.conf");
}

std::vector<HealthCheck> checksOfServer(const ParseResult& r) {
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  if (!r.config) return {};
  return r.config->virtualServers.at(0).realServers.at(0).checks;
}

TEST(DnsCheck, KeepalivedDefaults) {
  const auto r = parseChecks("DNS_CHECK {\n}\n");
  EXPECT_EQ(warningsOf(r), CheckLines{});
  const auto checks = checksOfServer(r);
  ASSERT_EQ(checks.size(), 1u);
  const HealthCheck& c = checks[0];
  EXPECT_EQ(c.type, CheckType::kDns);
  EXPECT_EQ(c.dnsType, "SOA");
  EXPECT_EQ(c.dnsName, ".");
  EXPECT_EQ(c.retry, 3u);  // DNS_CHECK's own default
  EXPECT_EQ(c.fall, 4u);
  EXPECT_EQ(c.delayLoop, seconds{60});
  EXPECT_EQ(c.delayBeforeRetry, seconds{60});  // defaults to delay_loop
  EXPECT_EQ(c.connectTimeout, seconds{5});
  EXPECT_FALSE(c.connectPort);  // the real server's port
}

TEST(DnsCheck, KeywordsAndInheritedTiming) {
  const auto checks = checksOfServer(parseChecks(R"(  delay_loop 4
  DNS_CHECK {
    type aaaa
    name www.example.com.
    connect_ip 192.168.1.53
    connect_port 5353
    bindto 10.0.0.2
    bind_port 2053
    connect_timeout 2
    retry 1
    warmup 0
  }
  DNS_CHECK {
    type MX
    name example.com
    delay_before_retry 0.5
  }
)"));
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].dnsType, "AAAA");  // case-insensitive, as in keepalived
  EXPECT_EQ(checks[0].dnsName, "www.example.com.");
  EXPECT_EQ(toString(*checks[0].connectIp), "192.168.1.53");
  EXPECT_EQ(checks[0].connectPort, 5353);
  EXPECT_EQ(toString(*checks[0].bindTo), "10.0.0.2");
  EXPECT_EQ(checks[0].bindPort, 2053);
  EXPECT_EQ(checks[0].connectTimeout, seconds{2});
  EXPECT_EQ(checks[0].retry, 1u);
  EXPECT_EQ(checks[0].delayLoop, seconds{4});
  EXPECT_EQ(checks[0].delayBeforeRetry, seconds{4});  // the inherited delay_loop
  EXPECT_EQ(checks[0].warmup, seconds{0});
  EXPECT_EQ(checks[1].dnsType, "MX");
  EXPECT_EQ(checks[1].retry, 3u);
  EXPECT_EQ(checks[1].delayBeforeRetry, std::chrono::milliseconds{500});
}

TEST(DnsCheck, BadTypesAndNames) {
  const auto r = parseChecks(R"(  DNS_CHECK {
    type PTR
    name a..b
  }
  DNS_CHECK {
    name .example.com
  }
  DNS_CHECK {
    name one.example
    name two.example
  }
  DNS_CHECK {
    name aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example
  }
)");
  EXPECT_EQ(errorsOf(r),
            (CheckLines{"c.conf:5: unknown DNS_CHECK type 'PTR' (A, NS, CNAME, SOA, MX, TXT, AAAA, RRSIG or DNSKEY)",
                        "c.conf:6: DNS_CHECK name 'a..b' has an empty label",
                        "c.conf:9: DNS_CHECK name '.example.com' has an empty label",
                        "c.conf:13: DNS_CHECK name already given ('one.example')",
                        "c.conf:16: DNS_CHECK name "
                        "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example' has a label "
                        "longer than 63 bytes"}));
}

TEST(SmtpCheck, KeepalivedDefaultsAndKeywords) {
  const auto r = parseChecks(R"(  SMTP_CHECK {
  }
  SMTP_CHECK {
    helo_name "mx.example.com"
    connect_ip 192.168.1.25
    connect_port 587
    bindto 10.0.0.2
    connect_timeout 3
    retry 2
    delay_before_retry 5
  }
  SMTP_CHECK {
    helo_name first second
  }
)",
                             25);
  EXPECT_EQ(warningsOf(r), CheckLines{"c.conf:16: helo_name takes one name; 'second' is ignored, as keepalived does"});
  const auto checks = checksOfServer(r);
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].type, CheckType::kSmtp);
  EXPECT_EQ(checks[0].heloName, "smtpchecker.keepalived.org");
  EXPECT_EQ(checks[0].retry, 1u);
  EXPECT_EQ(checks[0].delayBeforeRetry, seconds{1});
  EXPECT_FALSE(checks[0].connectPort);  // the real server's port
  EXPECT_EQ(checks[1].heloName, "mx.example.com");
  EXPECT_EQ(toString(*checks[1].connectIp), "192.168.1.25");
  EXPECT_EQ(checks[1].connectPort, 587);
  EXPECT_EQ(checks[1].connectTimeout, seconds{3});
  EXPECT_EQ(checks[1].retry, 2u);
  EXPECT_EQ(checks[1].delayBeforeRetry, seconds{5});
  EXPECT_EQ(checks[2].heloName, "first");
}

// keepalived makes each host { } a checker of its own; the block's own
// connection is one more only when some part of it is written.
TEST(SmtpCheck, HostBlocksBecomeChecksOfTheirOwn) {
  const auto r = parseChecks(R"(  SMTP_CHECK {
    helo_name foo.bar.com
    host {
      connect_ip 192.168.1.20
      retry 4
    }
    host {
      connect_ip 192.168.155.10
      connect_port 587
      bindto 10.0.0.2
      connect_timeout 2
    }
  }
  SMTP_CHECK {
    connect_timeout 10
    host {
      connect_ip 192.168.155.11
    }
  }
)",
                             25);
  const std::string deprecated =
      "the SMTP_CHECK host block is deprecated (keepalived: define additional checkers); each host is checked as an "
      "SMTP_CHECK of its own and the real server is down while any of them is";
  EXPECT_EQ(warningsOf(r), (CheckLines{"c.conf:4: " + deprecated, "c.conf:17: " + deprecated}));
  const auto checks = checksOfServer(r);
  ASSERT_EQ(checks.size(), 4u);
  for (const HealthCheck& c : checks) EXPECT_TRUE(c.smtpHosts.empty());
  // The first block: its hosts only, each with the block's helo_name and
  // the retry a host wrote (keepalived's timing is the checker's).
  EXPECT_EQ(toString(*checks[0].connectIp), "192.168.1.20");
  EXPECT_FALSE(checks[0].connectPort);
  EXPECT_EQ(checks[0].heloName, "foo.bar.com");
  EXPECT_EQ(checks[0].retry, 4u);
  EXPECT_EQ(checks[0].connectTimeout, seconds{5});
  EXPECT_EQ(toString(*checks[1].connectIp), "192.168.155.10");
  EXPECT_EQ(checks[1].connectPort, 587);
  EXPECT_EQ(toString(*checks[1].bindTo), "10.0.0.2");
  EXPECT_EQ(checks[1].connectTimeout, seconds{2});
  EXPECT_EQ(checks[1].heloName, "foo.bar.com");
  EXPECT_EQ(checks[1].retry, 4u);
  // The second: connect_timeout makes its own connection a checker (the
  // real server's address), then its host, which keeps the default timeout.
  EXPECT_FALSE(checks[2].connectIp);
  EXPECT_EQ(checks[2].connectTimeout, seconds{10});
  EXPECT_EQ(toString(*checks[3].connectIp), "192.168.155.11");
  EXPECT_EQ(checks[3].connectTimeout, seconds{5});
}

TEST(SmtpCheck, Errors) {
  const auto r = parseChecks(R"(  SMTP_CHECK {
    helo_name
    host {
      connect_port 0
    }
    host 1 {
    }
  }
)",
                             25);
  EXPECT_EQ(errorsOf(r), (CheckLines{"c.conf:5: 'helo_name' needs a value",
                                     "c.conf:7: connect_port 0 is out of range 1-65535",
                                     "c.conf:9: unexpected '1' after 'host' (it takes no value)"}));
}

TEST(DnsSmtpCheck, JsonRoundTrip) {
  const auto r = parseChecks(R"(  DNS_CHECK {
    type TXT
    name example.com
  }
  SMTP_CHECK {
    helo_name mx.example.com
    host {
      connect_ip 192.168.1.21
    }
  }
)");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const nlohmann::json j = toJson(*r.config);
  const auto& checks = j.at("virtual_servers").at(0).at("real_servers").at(0).at("checks");
  EXPECT_EQ(checks.at(0).at("type"), "DNS_CHECK");
  EXPECT_EQ(checks.at(0).at("dns_type"), "TXT");
  EXPECT_EQ(checks.at(0).at("dns_name"), "example.com");
  EXPECT_EQ(checks.at(1).at("type"), "SMTP_CHECK");
  EXPECT_EQ(checks.at(1).at("helo_name"), "mx.example.com");
  EXPECT_EQ(checks.at(1).at("connect_ip"), "192.168.1.21");
  EXPECT_EQ(configFromJson(nlohmann::json::parse(j.dump())), *r.config);
}

}  // namespace
}  // namespace sluice::config
