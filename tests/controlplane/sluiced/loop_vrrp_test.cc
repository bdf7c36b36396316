// VRRP on a fake data plane: a backup that hears a master's adverts leaves
// the VIP alone; when they stop it becomes MASTER, the published table owns
// the VIP and gratuitous ARPs leave through the data plane.
#include <gtest/gtest.h>

#include "controlplane/failover/driver.h"
#include "tests/controlplane/failover/failover_test_support.h"
#include "tests/controlplane/sluiced/loop_fixture.h"

namespace sluice::sluiced::testing {
namespace {

std::string config(int priority) {
  return R"(
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority )" + std::to_string(priority) + R"(
    advert_int 1
    virtual_ipaddress {
        10.0.0.10
    }
}
)";
}

const char* kService = R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    real_server 192.168.1.1 80
}
)";

// Gratuitous ARPs for `vip` from `mac` sent on `port` (read from the bytes:
// ARP ethertype, sender and target address both the VIP).
std::size_t gratuitousArps(const FakeDataplane& dataplane, uint16_t port, const dp::MacAddr& mac,
                           const std::string& vip) {
  const dp::IpAddr ip = sluice::testing::ip(vip);
  std::size_t n = 0;
  for (const auto& [p, f] : dataplane.sent) {
    if (p != port || f.size() < 42 || f[12] != 0x08 || f[13] != 0x06) continue;
    if (!std::equal(mac.b.begin(), mac.b.end(), f.begin() + 6)) continue;
    if (std::equal(ip.b, ip.b + 4, f.begin() + 28) && std::equal(ip.b, ip.b + 4, f.begin() + 38)) ++n;
  }
  return n;
}

std::string state(ControlLoop& loop) { return loop.api().vrrp()["instances"][0]["state"].get<std::string>(); }

// catches: a VRRP transition that does not reach the published table (the
// VIP left unowned and its service on standby), or no gratuitous ARP sent
// through the data plane; also adverts from the exception path not reaching
// the driver (the backup would take over while the master lives).
TEST_F(LoopTest, BackupToMasterOwnsTheVipsAndSendsGratuitousArps) {
  startWith(config(100) + kService);
  failover::testing::Router peer(config(150), 3);  // 10.0.0.3 on the same eth0 segment
  peer.driver.start(vrrp::Millis(now));
  bool peerAlive = true;
  auto step = [&](uint64_t span) {
    for (const uint64_t end = now + span; now < end;) {
      now += 10;
      peer.driver.tick(vrrp::Millis(now));
      for (auto& [port, frame] : std::exchange(peer.sent, {})) {
        if (peerAlive) dataplane.feedException(port, frame);
      }
      loop->poll(now);
    }
  };
  step(10'000);  // the peer is master after 3.4 s, its adverts keep us back
  ASSERT_EQ(peer.state(), "MASTER");
  EXPECT_EQ(state(*loop), "BACKUP");
  EXPECT_FALSE(ownsVip(published(), "10.0.0.10"));
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80", "standby"}}}));
  const dp::MacAddr eth0{{2, 0, 0, 0, 0, 1}};
  EXPECT_EQ(gratuitousArps(dataplane, 0, eth0, "10.0.0.10"), 0u);

  peerAlive = false;  // silent: no priority 0, we wait Master_Down (3.6 s)
  step(5'000);
  EXPECT_EQ(state(*loop), "MASTER");
  EXPECT_TRUE(ownsVip(published(), "10.0.0.10"));
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80"}}}));
  EXPECT_GE(gratuitousArps(dataplane, 0, eth0, "10.0.0.10"), 1u);
}

}  // namespace
}  // namespace sluice::sluiced::testing
