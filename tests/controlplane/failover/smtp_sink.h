// A mail server on the loopback for the alert tests: accepts one
// connection on 127.0.0.1, answers like a mail server and keeps what the
// client said.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <thread>

namespace sluice::failover::testing {

// `refuseRcpt` makes it refuse every recipient.
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

}  // namespace sluice::failover::testing
