// UDP_CHECK and PING_CHECK blocks, and keepalived's hex strings they use.
#include <gtest/gtest.h>

#include "controlplane/config/hex_octets.h"
#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using Octets = std::vector<std::uint8_t>;

// The one real server's checks of `checks` under a UDP service.
ParseResult parseUdpPingChecks(const std::string& checks) {
  return parseString("virtual_server 10.0.0.1 53 {\n protocol UDP\n real_server 192.168.1.2 53 {\n" + checks +
                         " }\n}\n",
                     "u.conf");
}

TEST(HexOctets, KeepalivedsSpelling) {
  EXPECT_EQ(parseHexOctets("0a1B2c", false), (HexOctets{Octets{0x0a, 0x1b, 0x2c}, {}}));
  // Blanks between octets; a lone digit before a blank is an octet of its own.
  EXPECT_EQ(parseHexOctets(" 1 23\t4 ", false), (HexOctets{Octets{0x01, 0x23, 0x04}, {}}));
  EXPECT_EQ(parseHexOctets("abc", false), (HexOctets{Octets{0xab, 0x0c}, {}}));
  EXPECT_FALSE(parseHexOctets("", false));
  EXPECT_FALSE(parseHexOctets("  ", false));
  EXPECT_FALSE(parseHexOctets("0g", false));
  EXPECT_FALSE(parseHexOctets("0x10", false));  // no C prefix: x is no digit
}

TEST(HexOctets, WildcardNibblesInReplies) {
  const auto r = parseHexOctets("x1 2X xx", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data, (Octets{0x01, 0x20, 0x00}));
  EXPECT_EQ(r->wildcard, (Octets{0xf0, 0x0f, 0xff}));
  EXPECT_EQ(toHexText(*r), "x12xxx");
  EXPECT_EQ(parseHexOctets(toHexText(*r), true), r);
  EXPECT_EQ(toHexText(*parseHexOctets("1 ab", false)), "01ab");
}

TEST(UdpCheck, KeywordsAndKeepalivedDefaults) {
  const auto r = parseUdpPingChecks(
      "  UDP_CHECK {\n   connect_timeout 2\n  }\n"
      "  UDP_CHECK {\n   connect_ip 192.168.1.3\n   connect_port 5353\n   bindto 192.168.1.1\n   bind_port 999\n"
      "   delay_loop 2\n   retry 3\n   delay_before_retry 4\n   warmup 0\n"
      "   payload 12 34 5\n   require_reply ab x\n   min_reply_length 2\n   max_reply_length 1500\n  }\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(testing::errorsOf(r));
  EXPECT_TRUE(testing::warningsOf(r).empty()) << ::testing::PrintToString(testing::warningsOf(r));
  const auto& checks = r.config->virtualServers.at(0).realServers.at(0).checks;
  ASSERT_EQ(checks.size(), 2u);
  const HealthCheck& plain = checks[0];
  EXPECT_EQ(plain.type, CheckType::kUdp);
  EXPECT_EQ(plain.udp, UdpCheck{});  // keepalived's payload, no reply needed, lengths 0-255
  EXPECT_EQ(plain.udp.maxReplyLength, 255);
  EXPECT_EQ(plain.connectTimeout, std::chrono::seconds(2));
  EXPECT_EQ(plain.retry, 1u);
  EXPECT_EQ(plain.delayBeforeRetry, std::chrono::seconds(1));
  EXPECT_EQ(plain.delayLoop, std::chrono::seconds(60));
  const HealthCheck& full = checks[1];
  EXPECT_EQ(full.udp.payload, "123405");
  EXPECT_TRUE(full.udp.requireReply);
  EXPECT_EQ(full.udp.reply, "ab0x");
  EXPECT_EQ(full.udp.minReplyLength, 2);
  EXPECT_EQ(full.udp.maxReplyLength, 1500);
  EXPECT_EQ(full.connectPort, 5353);
  EXPECT_EQ(toString(*full.connectIp), "192.168.1.3");
  EXPECT_EQ(toString(*full.bindTo), "192.168.1.1");
  EXPECT_EQ(full.bindPort, 999);
  EXPECT_EQ(full.retry, 3u);
  EXPECT_EQ(full.fall, 4u);
  EXPECT_EQ(full.delayBeforeRetry, std::chrono::seconds(4));
}

TEST(UdpCheck, RequireReplyAloneWantsAnyReply) {
  const auto r = parseUdpPingChecks("  UDP_CHECK {\n   require_reply\n  }\n");
  ASSERT_TRUE(r.ok());
  const UdpCheck& udp = r.config->virtualServers.at(0).realServers.at(0).checks.at(0).udp;
  EXPECT_TRUE(udp.requireReply);
  EXPECT_EQ(udp.reply, "");
}

TEST(UdpCheck, BadValuesAreErrors) {
  const auto r = parseUdpPingChecks(
      "  UDP_CHECK {\n   payload\n  }\n"
      "  UDP_CHECK {\n   payload 12 zz\n  }\n"
      "  UDP_CHECK {\n   payload 1x\n  }\n"
      "  UDP_CHECK {\n   require_reply 0q\n  }\n"
      "  UDP_CHECK {\n   max_reply_length 65536\n  }\n"
      "  UDP_CHECK {\n   min_reply_length -1\n  }\n");
  EXPECT_EQ(testing::errorsOf(r),
            (std::vector<std::string>{"u.conf:5: UDP_CHECK payload requires a payload",
                                      "u.conf:8: Invalid hex string for UDP_CHECK payload '12 zz'",
                                      "u.conf:11: Invalid hex string for UDP_CHECK payload '1x'",
                                      "u.conf:14: Invalid hex string for UDP_CHECK reply '0q'",
                                      "u.conf:17: max_reply_length 65536 is out of range 0-65535",
                                      "u.conf:20: min_reply_length '-1' is not a whole number"}));
}

TEST(UdpCheck, MinAboveMaxWarns) {
  const auto r = parseUdpPingChecks("  UDP_CHECK {\n   require_reply 01\n   min_reply_length 10\n   max_reply_length 4\n  }\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(testing::warningsOf(r),
            std::vector<std::string>{"u.conf:4: UDP_CHECK min_reply_length 10 > max_reply_length 4: a reply checked "
                                     "against a require_reply pattern always fails"});
}

TEST(PingCheck, CommonKeywordsOnly) {
  const auto r = parseUdpPingChecks("  PING_CHECK {\n   retry 4\n   connect_timeout 2\n   connect_ip 192.168.1.9\n  }\n");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(testing::errorsOf(r));
  EXPECT_TRUE(testing::warningsOf(r).empty());
  const HealthCheck& c = r.config->virtualServers.at(0).realServers.at(0).checks.at(0);
  EXPECT_EQ(c.type, CheckType::kPing);
  EXPECT_EQ(c.retry, 4u);
  EXPECT_EQ(c.connectTimeout, std::chrono::seconds(2));
  EXPECT_EQ(toString(*c.connectIp), "192.168.1.9");
  // UDP_CHECK's keywords are unknown here: warned about and skipped, as keepalived does.
  const auto other = parseUdpPingChecks("  PING_CHECK {\n   payload 01\n  }\n");
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(testing::warningsOf(other).size(), 1u);
  EXPECT_NE(testing::warningsOf(other)[0].find("payload"), std::string::npos) << testing::warningsOf(other)[0];
}

// The "no port" warnings of `r`.
std::size_t noPortWarnings(const ParseResult& r) {
  std::size_t n = 0;
  for (const std::string& w : testing::warningsOf(r)) n += w.find("has no port to connect to") != std::string::npos;
  return n;
}

TEST(PingCheck, NeedsNoPortUnlikeUdp) {
  // Under a fwmark the real server has port 0: a ping needs none.
  const std::string head = "virtual_server fwmark 7 {\n real_server 192.168.1.2 {\n";
  const auto ping = parseString(head + "  PING_CHECK {\n  }\n }\n}\n", "f.conf");
  ASSERT_TRUE(ping.ok());
  EXPECT_EQ(noPortWarnings(ping), 0u);
  const auto udp = parseString(head + "  UDP_CHECK {\n  }\n }\n}\n", "f.conf");
  ASSERT_TRUE(udp.ok());
  EXPECT_EQ(noPortWarnings(udp), 1u);
}

}  // namespace
}  // namespace sluice::config
