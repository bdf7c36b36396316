// use_vmac: the adverts, gratuitous ARPs and unsolicited NAs of an
// instance come from its virtual MAC (the ARP sender and the NA's target
// link-layer address too); vmac_xmit_base sends the adverts from the port's
// own MAC while the announcements keep the virtual one.
#include <gtest/gtest.h>

#include "controlplane/failover/driver.h"
#include "controlplane/failover/status_json.h"
#include "tests/controlplane/failover/failover_test_support.h"

namespace sluice::failover {
namespace {

using namespace testing;

const dp::MacAddr kVmac4{{0x00, 0x00, 0x5e, 0x00, 0x01, 51}};
const dp::MacAddr kVmac6{{0x00, 0x00, 0x5e, 0x00, 0x02, 52}};
const dp::MacAddr kEth0{{0x02, 0, 0, 0, 2, 1}};  // router 2's eth0 (failover_test_support.h)
const dp::MacAddr kEth1{{0x02, 0, 0, 0, 2, 2}};

std::string ownerWithVmac(const std::string& vmacLines) {
  return "global_defs {\n  vrrp_garp_master_delay 0\n  vrrp_garp_master_repeat 1\n}\n"
         "vrrp_instance V4 {\n  interface eth0\n  virtual_router_id 51\n  priority 255\n" + vmacLines +
         "  virtual_ipaddress {\n    10.0.0.1\n    192.168.1.9 dev eth1\n  }\n"
         "  virtual_ipaddress_excluded {\n    fd00::9\n  }\n}\n"
         "vrrp_instance V6 {\n  interface eth0\n  virtual_router_id 52\n  priority 255\n  version 3\n" + vmacLines +
         "  virtual_ipaddress {\n    fd00::1\n  }\n}\n";
}

dp::MacAddr macAt(const Frame& f, std::size_t at) {
  dp::MacAddr m;
  std::copy(f.begin() + static_cast<std::ptrdiff_t>(at), f.begin() + static_cast<std::ptrdiff_t>(at + 6), m.b.begin());
  return m;
}

bool isArp(const Frame& f) { return f[12] == 0x08 && f[13] == 0x06; }
bool isNa(const Frame& f) { return f[12] == 0x86 && f[13] == 0xdd && f[20] == 58 && f[54] == 136; }

// The announcement of `address` (ARP target / NA target), or nullptr.
const Frame* announcementOf(const Router& r, const wire::IpAddress& address) {
  for (const auto& [port, f] : r.log) {
    if (isArp(f) && address.isV4() && std::equal(address.bytes.begin(), address.bytes.begin() + 4, f.begin() + 38)) {
      return &f;
    }
    if (isNa(f) && !address.isV4() && std::equal(address.bytes.begin(), address.bytes.end(), f.begin() + 62)) {
      return &f;
    }
  }
  return nullptr;
}

TEST(Vmac, AdvertsAndAnnouncementsComeFromTheVirtualMac) {
  Router a(ownerWithVmac("  use_vmac\n"), 2);
  Segment lan({&a});
  lan.start();
  ASSERT_EQ(a.state(0), "MASTER");
  const auto adverts = a.adverts();
  ASSERT_EQ(adverts.size(), 2u);
  EXPECT_EQ(macAt(adverts[0].second, 6), kVmac4);
  EXPECT_EQ(macAt(adverts[1].second, 6), kVmac6);
  // The advert's IP source stays the port's address (or link-local address).
  EXPECT_EQ(config::toString(parseAdvertFrame(adverts[0].second)->ip.source), "10.0.0.2");
  EXPECT_EQ(config::toString(parseAdvertFrame(adverts[1].second)->ip.source), "fe80::ff:fe00:201");

  const Frame* garp = announcementOf(a, addr("10.0.0.1"));
  ASSERT_NE(garp, nullptr);
  EXPECT_EQ(macAt(*garp, 6), kVmac4);   // Ethernet source
  EXPECT_EQ(macAt(*garp, 22), kVmac4);  // ARP sender hardware address
  const Frame* na = announcementOf(a, addr("fd00::1"));
  ASSERT_NE(na, nullptr);
  EXPECT_EQ(macAt(*na, 6), kVmac6);
  EXPECT_EQ(macAt(*na, 14 + 40 + 26), kVmac6);  // target link-layer address option
  EXPECT_EQ(vrrpJson(a.driver)["instances"][0]["virtual_mac"], "00:00:5e:00:01:33");
  EXPECT_EQ(vrrpJson(a.driver)["instances"][1]["virtual_mac"], "00:00:5e:00:02:34");
}

TEST(Vmac, AddressesOffTheVirtualMacKeepThePortsMac) {
  Router a(ownerWithVmac("  use_vmac\n"), 2);
  Segment lan({&a});
  lan.start();
  const Frame* otherPort = announcementOf(a, addr("192.168.1.9"));  // dev eth1
  ASSERT_NE(otherPort, nullptr);
  EXPECT_EQ(macAt(*otherPort, 22), kEth1);
  const Frame* otherFamily = announcementOf(a, addr("fd00::9"));  // an IPv6 eVIP of an IPv4 instance
  ASSERT_NE(otherFamily, nullptr);
  EXPECT_EQ(macAt(*otherFamily, 6), kEth0);
}

TEST(Vmac, XmitBaseSendsAdvertsFromThePortButAnnouncesTheVirtualMac) {
  Router a(ownerWithVmac("  use_vmac vrrp.51\n  vmac_xmit_base\n"), 2);
  Segment lan({&a});
  lan.start();
  const auto adverts = a.adverts();
  ASSERT_EQ(adverts.size(), 2u);
  EXPECT_EQ(macAt(adverts[0].second, 6), kEth0);
  EXPECT_EQ(macAt(adverts[1].second, 6), kEth0);
  const Frame* garp = announcementOf(a, addr("10.0.0.1"));
  ASSERT_NE(garp, nullptr);
  EXPECT_EQ(macAt(*garp, 22), kVmac4);
}

TEST(Vmac, WithoutUseVmacEverythingComesFromThePort) {
  Router a(ownerWithVmac(""), 2);
  Segment lan({&a});
  lan.start();
  EXPECT_EQ(macAt(a.adverts().at(0).second, 6), kEth0);
  const Frame* garp = announcementOf(a, addr("10.0.0.1"));
  ASSERT_NE(garp, nullptr);
  EXPECT_EQ(macAt(*garp, 22), kEth0);
  EXPECT_TRUE(vrrpJson(a.driver)["instances"][0]["virtual_mac"].is_null());
}

TEST(Vmac, TwoRoutersWithVmacElectOneMasterAndTheBackupTakesOverTheSameMac) {
  const std::string conf =
      "vrrp_instance VI {\n  interface eth0\n  virtual_router_id 51\n  priority PRIO\n  advert_int 1\n  use_vmac\n"
      "  virtual_ipaddress {\n    10.0.0.1\n  }\n}\n";
  auto withPriority = [&](const std::string& p) { return std::string(conf).replace(conf.find("PRIO"), 4, p); };
  Router a(withPriority("150"), 2);
  Router b(withPriority("100"), 3);
  Segment lan({&a, &b});
  lan.start();
  lan.runFor(4s);
  ASSERT_EQ(a.state(), "MASTER");
  ASSERT_EQ(b.state(), "BACKUP");  // a's adverts, from the shared MAC, are heard
  a.driver.stop(lan.now);
  lan.deliver();
  lan.runFor(1s);
  ASSERT_EQ(b.state(), "MASTER");
  const Frame* garp = announcementOf(b, addr("10.0.0.1"));
  ASSERT_NE(garp, nullptr);
  EXPECT_EQ(macAt(*garp, 22), kVmac4);
}

}  // namespace
}  // namespace sluice::failover
