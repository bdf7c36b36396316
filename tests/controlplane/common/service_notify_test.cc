// The sd_notify(3) writer: datagrams to a socket the test binds, as a
// path and as an abstract name ('@'), and nothing without $NOTIFY_SOCKET.
#include "controlplane/common/service_notify.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

namespace sluice::common {
namespace {

// A datagram socket bound to `name` (a path, or '@' for an abstract name).
class Listener {
 public:
  explicit Listener(const std::string& name) : name_(name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, name.data(), name.size());
    if (name[0] == '@') a.sun_path[0] = '\0';
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), len), 0) << std::strerror(errno);
  }
  ~Listener() {
    ::close(fd_);
    if (name_[0] == '/') ::unlink(name_.c_str());
  }
  // The next datagram within `ms`, if any.
  std::optional<std::string> next(int ms = 1000) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return std::nullopt;
    char buf[512];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? std::nullopt : std::optional<std::string>(std::string(buf, n));
  }

 private:
  std::string name_;
  int fd_;
};

std::string tempName() { return "/tmp/sluice-notify-" + std::to_string(::getpid()) + ".sock"; }

TEST(ServiceNotify, SendsToAPathSocket) {
  const Listener l(tempName());
  EXPECT_TRUE(notifyService("READY=1", tempName()));
  EXPECT_EQ(l.next(), "READY=1");
  EXPECT_EQ(l.next(50), std::nullopt);
}

TEST(ServiceNotify, SendsToAnAbstractSocket) {
  const std::string name = "@sluice-notify-test-" + std::to_string(::getpid());
  const Listener l(name);
  EXPECT_TRUE(notifyService("STOPPING=1", name));
  EXPECT_EQ(l.next(), "STOPPING=1");
}

TEST(ServiceNotify, ReadsNotifySocketFromTheEnvironment) {
  const Listener l(tempName());
  ::setenv("NOTIFY_SOCKET", tempName().c_str(), 1);
  EXPECT_TRUE(notifyService("RELOADING=1\n" + monotonicUsecField()));
  ::unsetenv("NOTIFY_SOCKET");
  const auto got = l.next();
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->starts_with("RELOADING=1\nMONOTONIC_USEC=")) << *got;
}

TEST(ServiceNotify, NothingWithoutNotifySocket) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_FALSE(notifyService("READY=1"));
  ::setenv("NOTIFY_SOCKET", "", 1);
  EXPECT_FALSE(notifyService("READY=1"));
  ::unsetenv("NOTIFY_SOCKET");
}

TEST(ServiceNotify, RefusesNamesThatAreNotSockets) {
  EXPECT_FALSE(notifyService("READY=1", "relative/path"));
  EXPECT_FALSE(notifyService("READY=1", "/tmp/sluice-notify-nobody-listens"));
  EXPECT_FALSE(notifyService("READY=1", "/" + std::string(200, 'x')));
}

}  // namespace
}  // namespace sluice::common
