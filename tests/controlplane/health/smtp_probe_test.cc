// SMTP_CHECK's probe against an SMTP server on a loopback port in a thread
// of the test: keepalived's dialogue (greeting 220, HELO, 250, QUIT),
// multi-line and split replies, and each failure in keepalived's words.
#include "controlplane/health/smtp_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "controlplane/config/address.h"
#include "loop_support.h"

namespace sluice::health {
namespace {

using namespace std::chrono_literals;
using testing::runProbe;

struct SmtpScript {
  std::string greeting = "220 mx.test ESMTP\r\n";
  std::string heloReply = "250 mx.test\r\n";
  std::string quitReply = "221 bye\r\n";
  bool split = false;   // each reply in two writes, 20 ms apart
  bool silent = false;  // accept and say nothing
};

// An SMTP server that plays `script` to each connection, one at a time.
class SmtpResponder {
 public:
  explicit SmtpResponder(SmtpScript script) : script_(std::move(script)) {
    listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(listen_, 4);
    thread_ = std::thread([this] { serve(); });
  }
  ~SmtpResponder() {
    stop_ = true;
    thread_.join();
    ::close(listen_);
  }
  uint16_t port() const { return port_; }
  // What clients sent, line by line.
  std::vector<std::string> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{listen_, POLLIN, 0};
      if (::poll(&p, 1, 20) != 1) continue;
      const int conn = ::accept(listen_, nullptr, nullptr);
      if (conn < 0) continue;
      const timeval wait{2, 0};  // bounded: a client that stalls is dropped
      ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
      talk(conn);
      ::close(conn);
    }
  }

  void say(int conn, const std::string& reply) {
    if (!script_.split) {
      ::send(conn, reply.data(), reply.size(), MSG_NOSIGNAL);
      return;
    }
    const std::size_t half = reply.size() / 2;
    ::send(conn, reply.data(), half, MSG_NOSIGNAL);
    std::this_thread::sleep_for(20ms);
    ::send(conn, reply.data() + half, reply.size() - half, MSG_NOSIGNAL);
  }

  // One line from the client; empty when it closed or stalled.
  std::string hear(int conn) {
    std::string line;
    char c = 0;
    while (line.size() < 1024 && ::recv(conn, &c, 1, 0) == 1) {
      line += c;
      if (c == '\n') break;
    }
    if (!line.empty()) {
      std::lock_guard lock(mutex_);
      received_.push_back(line);
    }
    return line;
  }

  void talk(int conn) {
    if (script_.silent) {
      hear(conn);  // until the client gives up
      return;
    }
    say(conn, script_.greeting);
    if (hear(conn).rfind("HELO ", 0) != 0) return;
    say(conn, script_.heloReply);
    if (hear(conn) != "QUIT\r\n") return;
    say(conn, script_.quitReply);
  }

  SmtpScript script_;
  int listen_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::string> received_;
  std::thread thread_;
};

SmtpSpec smtpTo(uint16_t port) {
  SmtpSpec s;
  s.address = *config::parseAddress("127.0.0.1");
  s.port = port;
  s.timeout = 2s;
  s.heloName = "checker.test";
  s.realServer = s.address;
  s.realServerPort = port;
  return s;
}

std::optional<ProbeResult> smtpProbeOnce(const SmtpSpec& spec) {
  common::EventLoop loop;
  SmtpProbe probe(spec);
  return runProbe(loop, probe);
}

std::string smtpServerName(uint16_t port) { return "[127.0.0.1]:" + std::to_string(port); }

TEST(SmtpProbe, RepliesAreReadToTheirLastLine) {
  std::size_t length = 0;
  EXPECT_EQ(smtpReply("220 mx ESMTP\r\n", &length), 220);
  EXPECT_EQ(length, 14u);
  EXPECT_EQ(smtpReply("250\r\nextra", &length), 250);
  EXPECT_EQ(length, 5u);
  EXPECT_EQ(smtpReply("220-mx\r\n220 ready\n", &length), 220);
  EXPECT_EQ(length, 18u);
  EXPECT_EQ(smtpReply("220-mx\r\n", &length), std::nullopt);
  EXPECT_EQ(smtpReply("220 mx", &length), std::nullopt);
  EXPECT_EQ(smtpReply("hello\r\n", &length), -1);
  EXPECT_EQ(smtpReply("22\r\n", &length), -1);
  EXPECT_EQ(smtpReply("220_mx\r\n", &length), -1);
  EXPECT_EQ(smtpReply("220-mx\r\nbad\r\n", &length), -1);
}

TEST(SmtpProbe, KeepalivedsDialogueIsUp) {
  SmtpResponder server({});
  const auto r = smtpProbeOnce(smtpTo(server.port()));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->error;
  EXPECT_EQ(server.received(), (std::vector<std::string>{"HELO checker.test\r\n", "QUIT\r\n"}));
}

TEST(SmtpProbe, MultiLineAndSplitRepliesAreUp) {
  SmtpScript script;
  script.greeting = "220-mx.test ESMTP\r\n220-no UCE\r\n220 ready\r\n";
  script.heloReply = "250-mx.test\r\n250 PIPELINING\r\n";
  script.split = true;
  SmtpResponder server(script);
  const auto r = smtpProbeOnce(smtpTo(server.port()));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->error;
  EXPECT_EQ(server.received().size(), 2u);
}

TEST(SmtpProbe, A5xxGreetingIsDownAndNothingIsSent) {
  SmtpScript script;
  script.greeting = "554 mx.test no service\r\n";
  SmtpResponder server(script);
  const auto r = smtpProbeOnce(smtpTo(server.port()));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "Bad greeting banner from server " + smtpServerName(server.port()));
  EXPECT_EQ(server.received(), std::vector<std::string>{});
}

TEST(SmtpProbe, AGreetingThatIsNotSmtpIsDown) {
  SmtpScript script;
  script.greeting = "SSH-2.0-OpenSSH_9.2\r\n";
  SmtpResponder server(script);
  const auto r = smtpProbeOnce(smtpTo(server.port()));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "Bad greeting banner from server " + smtpServerName(server.port()));
}

TEST(SmtpProbe, ARefusedHeloIsDown) {
  SmtpScript script;
  script.heloReply = "550 go away\r\n";
  SmtpResponder server(script);
  const auto r = smtpProbeOnce(smtpTo(server.port()));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "Bad HELO response from server " + smtpServerName(server.port()));
}

TEST(SmtpProbe, ASilentServerTimesOut) {
  SmtpScript script;
  script.silent = true;
  SmtpResponder server(script);
  SmtpSpec spec = smtpTo(server.port());
  spec.timeout = 300ms;
  const auto began = common::Clock::now();
  const auto r = smtpProbeOnce(spec);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "Read timeout from server " + smtpServerName(server.port()));
  EXPECT_GE(common::Clock::now() - began, 300ms);
  EXPECT_LT(common::Clock::now() - began, 2s);
}

TEST(SmtpProbe, AClosedPortCannotBeConnected) {
  uint16_t port = 0;
  {
    SmtpResponder gone({});
    port = gone.port();
  }
  const auto r = smtpProbeOnce(smtpTo(port));
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "Could not connect to server " + smtpServerName(port));
}

}  // namespace
}  // namespace sluice::health
