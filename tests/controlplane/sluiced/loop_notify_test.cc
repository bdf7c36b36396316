// The control loop's systemd notifications (Type=notify), on the fake data
// plane, with $NOTIFY_SOCKET a datagram socket the test binds: READY=1 once,
// only when the API socket answers, the first tables are published and the
// workers run; RELOADING=1 and READY=1 around a SIGHUP reload; STOPPING=1
// at the stop. A start that fails (the API socket cannot be bound) sends
// nothing. The loop's signalfd is a pipe the test writes signalfd_siginfo
// records to.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/controlplane/sluiced/loop_fixture.h"

namespace sluice::sluiced::testing::loop_notify {

const char* kServices = R"(
virtual_server 10.0.0.10 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.20 80
}
)";

int boundDatagram(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

std::optional<std::string> nextDatagram(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) return std::nullopt;
  char buf[256];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  return n < 0 ? std::nullopt : std::optional<std::string>(std::string(buf, n));
}

bool connects(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

void sendSignal(int fd, int signo) {
  signalfd_siginfo si{};
  si.ssi_signo = static_cast<uint32_t>(signo);
  ASSERT_EQ(::write(fd, &si, sizeof si), static_cast<ssize_t>(sizeof si));
}

class LoopNotifyTest : public LoopTest {
 protected:
  LoopNotifyTest() {
    notifyPath_ = (dir() / "notify").string();
    notifyFd_ = boundDatagram(notifyPath_);
    ::setenv("NOTIFY_SOCKET", notifyPath_.c_str(), 1);
    EXPECT_EQ(::pipe(signals_), 0);
  }
  ~LoopNotifyTest() override {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(notifyFd_);
    ::close(signals_[0]);
    ::close(signals_[1]);
  }

  std::unique_ptr<ControlLoop> makeLoop(const std::string& apiSocket) {
    writeConfig(kServices);
    const config::Config config = sluice::testing::acceptedConfig(kDataplane + std::string(kServices));
    kernel = std::make_unique<KernelAddresses>(*config.dataplane, "", common::stderrLog());
    api::ListenOptions listen;
    listen.socketPath = apiSocket;
    return std::make_unique<ControlLoop>(dataplane, config, configPath(), (dir() / "stats.json").string(), listen,
                                         *kernel);
  }

  std::string notifyPath_;
  int notifyFd_ = -1;
  int signals_[2] = {-1, -1};
};

TEST_F(LoopNotifyTest, ReadyOnceTheDataPlaneIsUp) {
  const std::string api = (dir() / "api.sock").string();
  auto l = makeLoop(api);
  int status = -1;
  std::thread t([&] { status = l->run(signals_[0]); });

  ASSERT_EQ(nextDatagram(notifyFd_, 5000), "READY=1");
  // What READY=1 promises, true when it arrives.
  EXPECT_TRUE(connects(api));
  EXPECT_TRUE(dataplane.running);
  EXPECT_FALSE(dataplane.tables.empty());
  EXPECT_EQ(nextDatagram(notifyFd_, 100), std::nullopt) << "READY=1 once";

  sendSignal(signals_[1], SIGHUP);
  const auto reloading = nextDatagram(notifyFd_, 5000);
  ASSERT_TRUE(reloading);
  EXPECT_TRUE(reloading->starts_with("RELOADING=1\nMONOTONIC_USEC=")) << *reloading;
  EXPECT_EQ(nextDatagram(notifyFd_, 5000), "READY=1");

  sendSignal(signals_[1], SIGTERM);
  EXPECT_EQ(nextDatagram(notifyFd_, 5000), "STOPPING=1");
  t.join();
  EXPECT_EQ(status, 0);
  EXPECT_FALSE(dataplane.running);
  EXPECT_EQ(nextDatagram(notifyFd_, 50), std::nullopt);
}

TEST_F(LoopNotifyTest, NothingWhenTheStartFails) {
  // The API socket's directory is a file: listen() throws.
  std::ofstream(dir() / "file") << "not a directory\n";
  auto l = makeLoop((dir() / "file" / "api.sock").string());
  EXPECT_THROW(l->run(signals_[0]), std::runtime_error);
  EXPECT_FALSE(dataplane.running);
  EXPECT_EQ(nextDatagram(notifyFd_, 100), std::nullopt);
}

}  // namespace sluice::sluiced::testing::loop_notify
