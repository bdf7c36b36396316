// The monitor's checks of a configuration: what a check of a TUN real
// server connects to (the server's own address and port, not the tunnel);
// UDP_CHECK and PING_CHECK blocks become their probes.
#include "controlplane/health/monitor.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/accepted_config.h"

namespace sluice::health {
namespace {

using namespace std::chrono_literals;

// A loopback TCP port: listening (connects complete in the kernel) or
// closed (bound for its number, then released).
struct LoopbackPort {
  int fd = -1;
  uint16_t port = 0;
  explicit LoopbackPort(bool listening) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    if (listening) ::listen(fd, 64);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    if (!listening) {
      ::close(fd);
      fd = -1;
    }
  }
  ~LoopbackPort() {
    if (fd >= 0) ::close(fd);
  }
};

// Polls the monitor until `done(statuses)` or 5 s.
template <class Done>
bool waitFor(const HealthMonitor& m, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done(m.snapshot())) return true;
    std::this_thread::sleep_for(5ms);
  }
  return done(m.snapshot());
}

// catches: a TCP_CHECK of a TUN real server sent to the tunnel's GUE port,
// or anywhere but the real server's address and port (keepalived checks
// the server directly; only the service's packets are tunnelled).
TEST(HealthMonitor, ATunRealServersTcpCheckConnectsToItsOwnAddressAndPort) {
  const LoopbackPort up(true);
  const LoopbackPort down(false);
  const LoopbackPort gue(false);  // nothing listens on the tunnel's port
  const std::string check = " {\n    TCP_CHECK {\n      connect_timeout 1\n      delay_loop 0.05\n      retry 0\n"
                            "      warmup 0\n    }\n  }\n";
  const config::Config cfg = sluice::testing::acceptedConfig(
      "virtual_server 10.0.0.1 80 {\n  protocol TCP\n  alpha\n  lvs_method TUN type gue port " +
      std::to_string(gue.port) + "\n  real_server 127.0.0.1 " + std::to_string(up.port) + check + "}\n" +
      "virtual_server 10.0.0.2 80 {\n  protocol TCP\n  real_server 127.0.0.1 " + std::to_string(down.port) +
      " {\n    lvs_method TUN type gre csum\n    TCP_CHECK {\n      connect_timeout 1\n      delay_loop 0.05\n"
      "      retry 0\n      warmup 0\n    }\n  }\n}\n");
  ASSERT_EQ(cfg.virtualServers.size(), 2u);
  ASSERT_EQ(config::forwardingOf(cfg.virtualServers[0], cfg.virtualServers[0].realServers.at(0)).method,
            config::ForwardingMethod::kTun);

  const std::vector<CheckKey> keys = checksOf(cfg);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].address, cfg.virtualServers[0].realServers[0].address);
  EXPECT_EQ(keys[0].server, "127.0.0.1-" + std::to_string(up.port));

  const HealthMonitor monitor(cfg);
  ASSERT_EQ(monitor.size(), 2u);
  // The first starts down (alpha) and comes up only by reaching its port;
  // the second starts up and goes down because its port is closed.
  EXPECT_TRUE(waitFor(monitor, [](const std::vector<CheckerStatus>& s) {
    return s.size() == 2 && s[0].up && s[0].probes > 0 && !s[1].up;
  })) << "the checks did not reach the real servers' own ports";
  const std::vector<CheckerStatus> s = monitor.snapshot();
  EXPECT_EQ(s[0].lastError, "");
  EXPECT_NE(s[1].lastError, "");
}

// catches: UDP_CHECK or PING_CHECK left without a probe, or a UDP_CHECK
// sent anywhere but its connect_port.
TEST(HealthMonitor, UdpAndPingChecksRunTheirProbes) {
  const LoopbackPort closed(false);  // a TCP number, free for UDP as well
  const std::string timing = "      connect_timeout 1\n      delay_loop 0.05\n      retry 0\n      warmup 0\n";
  const config::Config cfg = sluice::testing::acceptedConfig(
      "virtual_server 10.0.0.1 53 {\n  protocol UDP\n  alpha\n  real_server 127.0.0.1 53 {\n"
      "    UDP_CHECK {\n      connect_port " + std::to_string(closed.port) + "\n" + timing +
      "    }\n  }\n  real_server 127.0.0.2 53 {\n    PING_CHECK {\n" + timing + "    }\n  }\n}\n");
  const HealthMonitor monitor(cfg);
  ASSERT_EQ(monitor.size(), 2u);
  // Both start down (alpha): the ping comes up, the closed UDP port stays down.
  EXPECT_TRUE(waitFor(monitor, [](const std::vector<CheckerStatus>& s) {
    return s.size() == 2 && s[0].probes > 0 && !s[0].up && (s[1].up || s[1].lastError.rfind("socket:", 0) == 0);
  })) << "UDP_CHECK reached no closed port, or PING_CHECK no loopback";
  const std::vector<CheckerStatus> s = monitor.snapshot();
  EXPECT_EQ(s[0].type, "UDP_CHECK");
  EXPECT_NE(s[0].lastError.find("Connection refused"), std::string::npos) << s[0].lastError;
  EXPECT_EQ(s[1].type, "PING_CHECK");
}

}  // namespace
}  // namespace sluice::health
