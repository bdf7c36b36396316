// Syslog datagrams written by hand: the bytes (glibc's syslog(3) format),
// sent to a Unix datagram socket the test binds in place of /dev/log; a
// socket that is missing, replaced or full; and the Logger's idents.
#include "controlplane/common/syslog_writer.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>

#include "controlplane/common/logger.h"

namespace sluice::common {
namespace {

constexpr int kDaemonInfo = LOG_DAEMON | LOG_INFO;  // <30>

// A receiving socket bound at a path in a fresh directory: the test's /dev/log.
class Receiver {
 public:
  explicit Receiver(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
    ::unlink(path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
    timeval wait{.tv_sec = 2, .tv_usec = 0};  // a missing datagram fails the test, it does not hang it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  }
  ~Receiver() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  std::optional<std::string> next() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
  }

 private:
  std::string path_;
  int fd_ = -1;
};

class SyslogWriterTest : public ::testing::Test {
 protected:
  SyslogWriterTest() {
    char tmpl[] = "/tmp/sluice-syslog-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/log";
  }
  ~SyslogWriterTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string dir_, path_;
};

// Runs `body` with the local time zone set to `tz`.
template <typename F>
void inZone(const char* tz, F body) {
  const char* old = std::getenv("TZ");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  ::setenv("TZ", tz, 1);
  ::tzset();
  body();
  if (saved) ::setenv("TZ", saved->c_str(), 1);
  else ::unsetenv("TZ");
  ::tzset();
}

TEST(SyslogDatagram, IsWhatSyslog3Writes) {
  inZone("UTC", [] {
    // The day is padded with a space, the month English, the time local.
    EXPECT_EQ(syslogDatagram(kDaemonInfo, 0, "Keepalived_vrrp", 42, "(VI_1) Entering MASTER STATE"),
              "<30>Jan  1 00:00:00 Keepalived_vrrp[42]: (VI_1) Entering MASTER STATE");
    EXPECT_EQ(syslogDatagram(LOG_DAEMON | LOG_ERR, 1700000000, "sluiced", 7, "stopped"),
              "<27>Nov 14 22:13:20 sluiced[7]: stopped");
  });
  inZone("CET-1", [] { EXPECT_EQ(syslogDatagram(kDaemonInfo, 0, "x", 1, "m"), "<30>Jan  1 01:00:00 x[1]: m"); });
}

TEST_F(SyslogWriterTest, SendsOneDatagramPerLine) {
  Receiver log(path_);
  SyslogWriter writer(path_);
  ASSERT_TRUE(writer.send(kDaemonInfo, "Keepalived_healthcheckers", "TCP connection to [192.168.1.20]:tcp:80 success."));
  ASSERT_TRUE(writer.send(LOG_DAEMON | LOG_WARNING, "Keepalived", "second"));
  const std::optional<std::string> first = log.next();
  ASSERT_TRUE(first);
  const std::regex shape("<30>[A-Z][a-z]{2} [ 123][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} Keepalived_healthcheckers\\[" +
                         std::to_string(::getpid()) + "\\]: TCP connection to \\[192\\.168\\.1\\.20\\]:tcp:80 success\\.");
  EXPECT_TRUE(std::regex_match(*first, shape)) << *first;
  const std::optional<std::string> second = log.next();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->substr(0, 4), "<28>");
  EXPECT_TRUE(second->ends_with(" Keepalived[" + std::to_string(::getpid()) + "]: second")) << *second;
  EXPECT_EQ(writer.sent(), 2u);
  EXPECT_EQ(writer.dropped(), 0u);
}

TEST_F(SyslogWriterTest, WithoutASocketALineIsDroppedAndTheNextOneConnects) {
  SyslogWriter writer(path_);
  EXPECT_FALSE(writer.send(kDaemonInfo, "sluiced", "nobody listens"));
  EXPECT_EQ(writer.dropped(), 1u);
  EXPECT_NE(writer.lastError().find("connect " + path_), std::string::npos) << writer.lastError();
  Receiver log(path_);  // syslog starts after sluiced
  EXPECT_TRUE(writer.send(kDaemonInfo, "sluiced", "now it does"));
  const std::optional<std::string> got = log.next();
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->ends_with("]: now it does"));
}

TEST_F(SyslogWriterTest, ASocketReplacedBySyslogsRestartIsConnectedAgain) {
  SyslogWriter writer(path_);
  {
    Receiver before(path_);
    ASSERT_TRUE(writer.send(kDaemonInfo, "sluiced", "one"));
    EXPECT_TRUE(before.next());
  }  // syslog stops: its socket goes
  Receiver after(path_);
  EXPECT_TRUE(writer.send(kDaemonInfo, "sluiced", "two"));
  const std::optional<std::string> got = after.next();
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->ends_with("]: two"));
  EXPECT_EQ(writer.dropped(), 0u);
}

TEST_F(SyslogWriterTest, AFullSocketDropsAndCountsWithoutBlocking) {
  Receiver log(path_);  // never read until the end
  SyslogWriter writer(path_);
  const std::string line(200, 'x');
  int sent = 0;
  // The kernel queues a bounded number of datagrams (net.unix.max_dgram_qlen,
  // and the receive buffer); a blocking send would hang here.
  while (sent < 100000 && writer.send(kDaemonInfo, "sluiced", line)) ++sent;
  EXPECT_LT(sent, 100000);
  EXPECT_EQ(writer.dropped(), 1u);
  EXPECT_EQ(writer.lastError(), "the syslog socket is full");
  EXPECT_FALSE(writer.send(kDaemonInfo, "sluiced", line));
  EXPECT_EQ(writer.dropped(), 2u);
  EXPECT_EQ(writer.sent(), static_cast<uint64_t>(sent));
  ASSERT_TRUE(log.next());  // syslog reads again: the next line goes through
  EXPECT_TRUE(writer.send(kDaemonInfo, "sluiced", "room again"));
}

TEST(LogIdents, KeepalivedsPerProcessOrSluicedsOwn) {
  EXPECT_EQ(identOf(LogSource::kVrrp, LogIdents::kKeepalived), "Keepalived_vrrp");
  EXPECT_EQ(identOf(LogSource::kChecker, LogIdents::kKeepalived), "Keepalived_healthcheckers");
  EXPECT_EQ(identOf(LogSource::kBfd, LogIdents::kKeepalived), "Keepalived_bfd");
  EXPECT_EQ(identOf(LogSource::kDaemon, LogIdents::kKeepalived), "Keepalived");
  for (const auto source : {LogSource::kVrrp, LogSource::kChecker, LogSource::kDaemon}) {
    EXPECT_EQ(identOf(source, LogIdents::kSluiced), "sluiced");
  }
}

TEST_F(SyslogWriterTest, TheLoggerGivesEachLineItsIdentAndSeverity) {
  Receiver log(path_);
  const std::string pid = std::to_string(::getpid());
  Logger keepalived(true, LogIdents::kKeepalived, path_);
  keepalived.write({LogSource::kVrrp, LOG_INFO, "(VI_1) Entering MASTER STATE"});
  keepalived.write({LogSource::kChecker, LOG_INFO, "Lost quorum 2-0=2 > 1 for VS [10.0.0.1]:tcp:80"});
  keepalived.toSyslog({LogSource::kDaemon, LOG_ERR, "f.conf:3: unknown keyword"});
  Logger sluiced(true, LogIdents::kSluiced, path_);
  sluiced.write({LogSource::kVrrp, LOG_INFO, "(VI_1) Entering BACKUP STATE"});
  EXPECT_TRUE(log.next().value_or("").ends_with(" Keepalived_vrrp[" + pid + "]: (VI_1) Entering MASTER STATE"));
  EXPECT_TRUE(log.next().value_or("").ends_with(" Keepalived_healthcheckers[" + pid +
                                                "]: Lost quorum 2-0=2 > 1 for VS [10.0.0.1]:tcp:80"));
  const std::string daemon = log.next().value_or("");
  EXPECT_EQ(daemon.substr(0, 4), "<27>");
  EXPECT_TRUE(daemon.ends_with(" Keepalived[" + pid + "]: f.conf:3: unknown keyword"));
  EXPECT_TRUE(log.next().value_or("").ends_with(" sluiced[" + pid + "]: (VI_1) Entering BACKUP STATE"));
  EXPECT_EQ(keepalived.dropped(), 0u);

  Logger off(false, LogIdents::kKeepalived, path_);  // without -l: stderr only
  off.write({LogSource::kVrrp, LOG_INFO, "not sent"});
  keepalived.write({LogSource::kVrrp, LOG_INFO, "sent"});
  EXPECT_TRUE(log.next().value_or("").ends_with("]: sent"));
}

}  // namespace
}  // namespace sluice::common
