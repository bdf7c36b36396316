#include "controlplane/health/stream_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "loop_support.h"

namespace sluice::health {
namespace {

using namespace std::chrono_literals;
using testing::runProbe;

wire::IpAddress loopback() { return *config::parseAddress("127.0.0.1"); }

// An HTTP server on a loopback port in a thread of the test.
class WebServer {
 public:
  WebServer() {
    server_.Get("/", [](const httplib::Request&, httplib::Response& r) { r.set_content("rs1\n", "text/plain"); });
    server_.Get("/broken", [](const httplib::Request&, httplib::Response& r) {
      r.status = 503;
      r.set_content("down\n", "text/plain");
    });
    server_.Get("/slow", [](const httplib::Request&, httplib::Response& r) {
      std::this_thread::sleep_for(1500ms);
      r.set_content("late\n", "text/plain");
    });
    port_ = static_cast<uint16_t>(server_.bind_to_any_port("127.0.0.1"));
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(1ms);
  }
  ~WebServer() {
    server_.stop();
    thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  httplib::Server server_;
  uint16_t port_ = 0;
  std::thread thread_;
};

// A loopback port nothing listens on.
uint16_t closedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

StreamSpec http(uint16_t port, const std::string& path) {
  StreamSpec s{loopback(), port};
  UrlSpec u;
  u.path = path;
  u.host = "127.0.0.1";
  s.urls.push_back(u);
  return s;
}

TEST(StreamProbe, TcpCheckIsAConnect) {
  WebServer web;
  common::EventLoop loop;
  StreamProbe up(StreamSpec{loopback(), web.port()});
  auto r = runProbe(loop, up);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->error;
  StreamProbe down(StreamSpec{loopback(), closedPort()});
  r = runProbe(loop, down);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "connect: Connection refused");
}

TEST(StreamProbe, ConnectTimesOutWithinItsBound) {
  common::EventLoop loop;
  // TEST-NET-1 is never routed: the SYN goes nowhere (or the route fails at once).
  StreamSpec s{*config::parseAddress("192.0.2.1"), 80};
  s.timeout = 300ms;
  StreamProbe p(s);
  const auto begin = common::Clock::now();
  const auto r = runProbe(loop, p);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->ok);
  EXPECT_LT(common::Clock::now() - begin, 2s);
}

TEST(StreamProbe, HttpGetChecksStatusAndDigest) {
  WebServer web;
  common::EventLoop loop;
  StreamProbe ok(http(web.port(), "/"));
  auto r = runProbe(loop, ok);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok) << r->error;

  StreamProbe broken(http(web.port(), "/broken"));
  r = runProbe(loop, broken);
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "/broken: status 503");

  StreamSpec accept503 = http(web.port(), "/broken");
  accept503.urls[0].status = {{200, 299}, {503, 503}};
  StreamProbe accepted(accept503);
  EXPECT_TRUE(runProbe(loop, accepted)->ok);

  StreamSpec digest = http(web.port(), "/");
  digest.urls[0].digest = StreamProbe::md5Hex("rs1\n");
  StreamProbe good(digest);
  r = runProbe(loop, good);
  EXPECT_TRUE(r->ok) << r->error;
  digest.urls[0].digest = StreamProbe::md5Hex("rs2\n");
  StreamProbe bad(digest);
  r = runProbe(loop, bad);
  EXPECT_FALSE(r->ok);
  EXPECT_NE(r->error.find("digest"), std::string::npos) << r->error;
}

TEST(StreamProbe, EveryUrlMustPass) {
  WebServer web;
  common::EventLoop loop;
  StreamSpec both = http(web.port(), "/");
  both.urls.push_back(both.urls[0]);
  both.urls[1].path = "/broken";
  StreamProbe p(both);
  const auto r = runProbe(loop, p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error, "/broken: status 503");
}

TEST(StreamProbe, ASlowServerTimesOutWithoutBlockingTheLoop) {
  WebServer web;
  common::EventLoop loop;
  StreamSpec slow = http(web.port(), "/slow");
  slow.timeout = 300ms;
  StreamProbe p(slow);
  // Another probe on the same loop completes while the slow one waits.
  StreamProbe quick(StreamSpec{loopback(), web.port()});
  std::optional<ProbeResult> quickResult, slowResult;
  p.start(loop, [&](ProbeResult r) { slowResult = r; });
  quick.start(loop, [&](ProbeResult r) { quickResult = r; });
  testing::runUntil(loop, [&] { return quickResult.has_value(); }, 5s);
  EXPECT_TRUE(quickResult && quickResult->ok);
  EXPECT_FALSE(slowResult.has_value());
  testing::runUntil(loop, [&] { return slowResult.has_value(); }, 5s);
  ASSERT_TRUE(slowResult);
  EXPECT_EQ(slowResult->error, "response timed out after 300 ms");
}

TEST(StreamProbe, Md5IsGenhashs) {
  EXPECT_EQ(StreamProbe::md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(StreamProbe::md5Hex("rs1\n"), StreamProbe::md5Hex(std::string("rs1\n")));
}

}  // namespace
}  // namespace sluice::health
