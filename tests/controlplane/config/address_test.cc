#include "controlplane/config/address.h"

#include <gtest/gtest.h>

namespace sluice::config {
namespace {

TEST(AddressText, ParsesAndFormatsBothFamilies) {
  const auto v4 = parseAddress("192.168.1.20");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->isV4());
  EXPECT_EQ(v4->v4(), 0xc0a80114u);
  EXPECT_EQ(toString(*v4), "192.168.1.20");

  const auto v6 = parseAddress("2001:DB8::1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->family, wire::IpFamily::kV6);
  EXPECT_EQ(toString(*v6), "2001:db8::1");
  EXPECT_NE(*v4, *v6);
}

TEST(AddressText, RejectsMalformedText) {
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "a.b.c.d", "1.2.3.4/24", "::g", " 1.2.3.4"}) {
    EXPECT_FALSE(parseAddress(bad)) << bad;
  }
}

// The ordering sorts IPv4 before IPv6 and each family as numbers; VRRP's
// priority tie and the config's address ranges rely on it.
TEST(AddressText, OrdersByFamilyThenNumerically) {
  EXPECT_LT(*parseAddress("10.0.0.2"), *parseAddress("10.0.0.10"));
  EXPECT_LT(*parseAddress("9.255.255.255"), *parseAddress("10.0.0.0"));
  EXPECT_LT(*parseAddress("255.255.255.255"), *parseAddress("::"));
  EXPECT_LT(*parseAddress("2001:db8::9"), *parseAddress("2001:db8::a"));
  EXPECT_EQ(*parseAddress("10.0.0.1"), wire::IpAddress::v4(10, 0, 0, 1));
  EXPECT_EQ(parseAddress("::ffff:10.0.0.1")->size(), 16u);
}

TEST(IpPrefix, ParsesWithAndWithoutLength) {
  const auto host = IpPrefix::parse("10.0.0.1");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->length, 32);
  const auto net = IpPrefix::parse("10.0.0.2/24");
  ASSERT_TRUE(net);
  EXPECT_EQ(net->length, 24);
  EXPECT_EQ(net->toString(), "10.0.0.2/24");
  const auto v6 = IpPrefix::parse("fd00::/8");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->length, 8);
  EXPECT_FALSE(IpPrefix::parse("10.0.0.0/33"));
  EXPECT_FALSE(IpPrefix::parse("10.0.0.0/"));
  EXPECT_FALSE(IpPrefix::parse("10.0.0.0/2x"));
  EXPECT_FALSE(IpPrefix::parse("fd00::/129"));
}

TEST(IpPrefix, ContainsChecksFamilyAndBits) {
  const auto net = *IpPrefix::parse("10.0.0.2/23");
  EXPECT_TRUE(net.contains(*parseAddress("10.0.1.254")));
  EXPECT_FALSE(net.contains(*parseAddress("10.0.2.1")));
  EXPECT_FALSE(net.contains(*parseAddress("::a00:1")));
  EXPECT_TRUE(IpPrefix::parse("0.0.0.0/0")->contains(*parseAddress("8.8.8.8")));
}

TEST(MacAddress, ParsesColonAndDashForms) {
  const auto mac = MacAddress::parse("02:00:00:00:00:2A");
  ASSERT_TRUE(mac);
  EXPECT_EQ(mac->toString(), "02:00:00:00:00:2a");
  EXPECT_EQ(MacAddress::parse("02-00-00-00-00-2a"), mac);
  EXPECT_FALSE(MacAddress::parse("02:00:00:00:00"));
  EXPECT_FALSE(MacAddress::parse("02:00-00:00:00:2a"));
  EXPECT_FALSE(MacAddress::parse("0g:00:00:00:00:2a"));
}

TEST(Netmask, ContiguousMasksOnly) {
  EXPECT_EQ(netmaskToPrefixLength("255.255.255.0"), 24);
  EXPECT_EQ(netmaskToPrefixLength("255.255.255.255"), 32);
  EXPECT_EQ(netmaskToPrefixLength("0.0.0.0"), 0);
  EXPECT_FALSE(netmaskToPrefixLength("255.0.255.0"));
  EXPECT_FALSE(netmaskToPrefixLength("24"));
}

}  // namespace
}  // namespace sluice::config
