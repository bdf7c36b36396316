// UDP_CHECK against UDP sockets of the test on loopback: a responder on
// the probe's own loop (echoing, or answering a fixed reply, or silent),
// and a closed port the kernel answers with ICMP port unreachable.
#include "controlplane/health/udp_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "controlplane/config/address.h"
#include "loop_support.h"

namespace sluice::health {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

wire::IpAddress udpHost(const char* text = "127.0.0.1") { return *config::parseAddress(text); }

// A UDP socket on a loopback port, watched on `loop`: it keeps what it
// receives and answers with `reply` (the datagram itself when unset; no
// answer when `silent`).
class UdpResponder {
 public:
  UdpResponder(common::EventLoop& loop, std::optional<Bytes> reply, bool silent = false, bool v6 = false)
      : loop_(loop), reply_(std::move(reply)), silent_(silent) {
    fd_ = common::UniqueFd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0));
    sockaddr_storage a{};
    socklen_t len = common::toSockaddr(udpHost(v6 ? "::1" : "127.0.0.1"), 0, a);
    ok_ = ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), len) == 0;
    len = sizeof a;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6&>(a).sin6_port : reinterpret_cast<sockaddr_in&>(a).sin_port);
    loop_.watch(fd_.get(), EPOLLIN, [this](uint32_t) { answer(); });
  }
  ~UdpResponder() { loop_.unwatch(fd_.get()); }

  bool ok() const { return ok_; }
  uint16_t port() const { return port_; }
  const std::vector<Bytes>& received() const { return received_; }

 private:
  void answer() {
    Bytes buf(65536);
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    const ssize_t n = ::recvfrom(fd_.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return;
    buf.resize(static_cast<std::size_t>(n));
    received_.push_back(buf);
    if (silent_) return;
    const Bytes& out = reply_ ? *reply_ : buf;
    ::sendto(fd_.get(), out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }

  common::EventLoop& loop_;
  std::optional<Bytes> reply_;
  bool silent_;
  common::UniqueFd fd_;
  bool ok_ = false;
  uint16_t port_ = 0;
  std::vector<Bytes> received_;
};

// A loopback UDP port nothing is bound to.
uint16_t unboundUdpPort() {
  const common::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

UdpSpec udpSpec(uint16_t port, std::chrono::milliseconds timeout = 300ms) {
  UdpSpec s;
  s.address = udpHost();
  s.port = port;
  s.timeout = timeout;
  return s;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

TEST(UdpProbe, AnsweringServerIsUpAndGetsKeepalivedsPayload) {
  common::EventLoop loop;
  UdpResponder echo(loop, std::nullopt);
  ASSERT_TRUE(echo.ok());
  UdpSpec s = udpSpec(echo.port());
  s.requireReply = true;
  UdpProbe probe(s);
  const auto start = common::Clock::now();
  const auto r = testing::runProbe(loop, probe);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->error;
  EXPECT_LT(common::Clock::now() - start, 250ms);  // the reply ends it, not the timeout
  ASSERT_EQ(echo.received().size(), 1u);
  EXPECT_EQ(echo.received()[0], text("keepalived check - keepalived ch"));
}

TEST(UdpProbe, ConfiguredPayloadIsSent) {
  common::EventLoop loop;
  UdpResponder echo(loop, std::nullopt);
  UdpSpec s = udpSpec(echo.port());
  s.payload = {0x00, 0x01, 0xfe};
  UdpProbe probe(s);
  ASSERT_TRUE(testing::runProbe(loop, probe));
  ASSERT_EQ(echo.received().size(), 1u);
  EXPECT_EQ(echo.received()[0], (Bytes{0x00, 0x01, 0xfe}));
}

TEST(UdpProbe, ClosedPortIsDownAtOnce) {
  common::EventLoop loop;
  for (const bool requireReply : {false, true}) {
    UdpSpec s = udpSpec(unboundUdpPort(), 2000ms);
    s.requireReply = requireReply;
    UdpProbe probe(s);
    const auto start = common::Clock::now();
    const auto r = testing::runProbe(loop, probe);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->ok);
    EXPECT_NE(r->error.find("Connection refused"), std::string::npos) << r->error;
    EXPECT_LT(common::Clock::now() - start, 1000ms);  // the ICMP error, not the timeout
  }
}

TEST(UdpProbe, SilenceIsUpUnlessAReplyIsRequired) {
  common::EventLoop loop;
  UdpResponder mute(loop, std::nullopt, true);
  UdpProbe lenient(udpSpec(mute.port(), 200ms));
  auto r = testing::runProbe(loop, lenient);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->error;
  UdpSpec s = udpSpec(mute.port(), 200ms);
  s.requireReply = true;
  UdpProbe strict(s);
  r = testing::runProbe(loop, strict);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "no reply within 200 ms");
  EXPECT_EQ(mute.received().size(), 2u);
}

TEST(UdpProbe, ReplyMustMatchThePattern) {
  common::EventLoop loop;
  UdpResponder server(loop, text("PONG v2"));
  UdpSpec s = udpSpec(server.port());
  s.requireReply = true;
  s.reply = text("PONG");
  UdpProbe right(s);
  auto r = testing::runProbe(loop, right);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->error;

  s.reply = text("PING");
  UdpProbe wrong(s);
  r = testing::runProbe(loop, wrong);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "reply data mismatch at octet 1");

  s.reply = text("PxNG");  // x: the octet's bits all open
  s.wildcard = {0, 0xff, 0, 0};
  UdpProbe open(s);
  r = testing::runProbe(loop, open);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->error;

  s.reply = text("PONG");
  s.wildcard.clear();
  s.maxReplyLength = 5;  // the reply has 7 octets
  UdpProbe tooLong(s);
  r = testing::runProbe(loop, tooLong);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "reply of 7 octets, outside 0-5");
}

TEST(UdpProbe, Ipv6Loopback) {
  common::EventLoop loop;
  UdpResponder echo(loop, std::nullopt, false, true);
  if (!echo.ok()) GTEST_SKIP() << "no IPv6 loopback here";
  UdpSpec s = udpSpec(echo.port());
  s.address = udpHost("::1");
  s.requireReply = true;
  UdpProbe probe(s);
  const auto r = testing::runProbe(loop, probe);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->error;
}

// keepalived's rule, octet by octet.
TEST(UdpReplyMismatch, KeepalivedsComparison) {
  UdpSpec s;
  EXPECT_EQ(udpReplyMismatch(s, {}, 0), "");  // no pattern: any reply, even empty
  s.reply = {0xab, 0xcd};
  EXPECT_EQ(udpReplyMismatch(s, {0xab, 0xcd, 0xef}, 3), "");
  // Only the octets both have are compared: a shorter reply can pass.
  EXPECT_EQ(udpReplyMismatch(s, {0xab}, 1), "");
  EXPECT_NE(udpReplyMismatch(s, {0xab, 0xce}, 2), "");
  s.wildcard = {0x00, 0x0f};  // "abcx"
  EXPECT_EQ(udpReplyMismatch(s, {0xab, 0xc7}, 2), "");
  EXPECT_NE(udpReplyMismatch(s, {0xab, 0xd7}, 2), "");
  s.minReplyLength = 2;
  EXPECT_NE(udpReplyMismatch(s, {0xab}, 1), "");
  s.maxReplyLength = 2;
  EXPECT_NE(udpReplyMismatch(s, {0xab, 0xcd}, 3), "");  // the length counts, not what was kept of it
}

}  // namespace
}  // namespace sluice::health
