// E-mail alerts against an SMTP sink on the loopback: the dialogue, the
// mail as keepalived words it, dot-stuffing, and the errors of a refused
// connection and of a server that refuses a recipient.
#include "controlplane/failover/smtp_alert.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace sluice::failover {
namespace {

// Accepts one connection on 127.0.0.1 and answers like a mail server;
// `refuseRcpt` makes it refuse every recipient. Keeps what the client said.
class Sink {
 public:
  explicit Sink(bool refuseRcpt = false) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 1);
    thread_ = std::thread([this, refuseRcpt] { serve(refuseRcpt); });
  }
  ~Sink() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  std::string transcript() {
    thread_.join();
    thread_ = std::thread([] {});
    return heard_;
  }

 private:
  void serve(bool refuseRcpt) {
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    timeval tv{3, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    auto say = [&](const std::string& s) { ::send(c, s.data(), s.size(), MSG_NOSIGNAL); };
    say("220 sink ESMTP\r\n");
    std::string pending;
    bool inData = false;
    char buf[1024];
    for (;;) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      pending.append(buf, static_cast<std::size_t>(n));
      std::size_t eol;
      while ((eol = pending.find("\r\n")) != std::string::npos) {
        const std::string line = pending.substr(0, eol);
        pending.erase(0, eol + 2);
        heard_ += line + "\n";
        if (inData) {
          if (line == ".") {
            inData = false;
            say("250 queued\r\n");
          }
        } else if (line.starts_with("HELO")) {
          say("250-sink\r\n250 ok\r\n");  // multi-line, as servers may answer
        } else if (line.starts_with("RCPT")) {
          say(refuseRcpt ? "550 no such user\r\n" : "250 ok\r\n");
        } else if (line == "DATA") {
          inData = true;
          say("354 go ahead\r\n");
        } else if (line == "QUIT") {
          say("221 bye\r\n");
          ::close(c);
          return;
        } else {
          say("250 ok\r\n");
        }
      }
    }
    ::close(c);
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::string heard_;
  std::thread thread_;
};

config::GlobalDefs globals(uint16_t port) {
  config::GlobalDefs g;
  g.routerId = "LVS_1";
  g.notificationEmail = {"ops@example.com", "oncall@example.com"};
  g.notificationEmailFrom = "lb@example.com";
  g.smtpServer = config::SmtpServer{"127.0.0.1", port};
  g.smtpConnectTimeout = std::chrono::milliseconds{2000};
  return g;
}

TEST(SmtpAlert, KeepalivedsWordsForTransitions) {
  const config::GlobalDefs g = globals(25);
  const Alert m = transitionAlert(g, false, "RH_EXT", "MASTER");
  EXPECT_EQ(m.subject, "[LVS_1] VRRP Instance RH_EXT - Entering MASTER state");
  EXPECT_EQ(m.body, "=> VRRP Instance is now owning VRRP VIPs <=");
  EXPECT_EQ(transitionAlert(g, false, "RH_EXT", "BACKUP").body, "=> VRRP Instance is no longer owning VRRP VIPs <=");
  EXPECT_EQ(transitionAlert(g, true, "VG1", "FAULT").subject, "[LVS_1] VRRP Group VG1 - Entering FAULT state");
}

TEST(SmtpAlert, TheMailReachesTheServerWithEveryRecipient) {
  Sink sink;
  const auto error = deliver(globals(sink.port()), {"[LVS_1] VRRP Instance RH_EXT - Entering MASTER state",
                                                    "=> owning <=\n.a line with a dot"});
  EXPECT_FALSE(error) << *error;
  const std::string t = sink.transcript();
  EXPECT_NE(t.find("HELO LVS_1\n"), std::string::npos) << t;
  EXPECT_NE(t.find("MAIL FROM:<lb@example.com>\n"), std::string::npos);
  EXPECT_NE(t.find("RCPT TO:<ops@example.com>\nRCPT TO:<oncall@example.com>\n"), std::string::npos);
  EXPECT_NE(t.find("Subject: [LVS_1] VRRP Instance RH_EXT - Entering MASTER state\n"), std::string::npos);
  EXPECT_NE(t.find("\n..a line with a dot\n.\nQUIT\n"), std::string::npos) << t;  // dot-stuffed
}

TEST(SmtpAlert, RefusalsAreReported) {
  Sink sink(/*refuseRcpt=*/true);
  const auto refused = deliver(globals(sink.port()), {"s", "b"});
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, "RCPT: reply 550");
  sink.transcript();

  uint16_t closed;
  {
    Sink gone;
    closed = gone.port();
  }
  const auto error = deliver(globals(closed), {"s", "b"});
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("connect"), std::string::npos) << *error;
}

TEST(SmtpAlert, OnlyWithAServerRecipientsAndSmtpAlert) {
  config::GlobalDefs g = globals(25);
  SmtpAlerter on(g);
  EXPECT_FALSE(on.enabled(std::nullopt));  // smtp_alert defaults to off
  EXPECT_TRUE(on.enabled(true));
  g.smtpAlert = true;
  EXPECT_FALSE(SmtpAlerter(g).enabled(false));  // the instance's own word wins
  g.notificationEmail.clear();
  EXPECT_FALSE(SmtpAlerter(g).enabled(true));
}

}  // namespace
}  // namespace sluice::failover
