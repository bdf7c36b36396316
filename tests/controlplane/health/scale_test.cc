// One event loop checks a thousand real servers every second: every probe
// runs on time, and a server that hangs delays none of the others.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "controlplane/health/checker.h"
#include "controlplane/health/stream_probe.h"
#include "loop_support.h"

namespace sluice::health {
namespace {

using namespace std::chrono_literals;

// A loopback listener with a deep backlog: connects complete in the kernel
// without anyone accepting, which is all a TCP_CHECK needs.
struct Listener {
  int fd = -1;
  uint16_t port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 4096);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd); }
  // Accepts and closes what is queued, so the backlog never fills.
  void drain() const {
    for (;;) {
      const int c = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK);
      if (c < 0) return;
      ::close(c);
    }
  }
};

TEST(HealthScale, AThousandServersEverySecondOnOneLoop) {
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < 4096) {
    files.rlim_cur = std::min<rlim_t>(4096, files.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  Listener web;
  ::fcntl(web.fd, F_SETFL, O_NONBLOCK);
  common::EventLoop loop;
  loop.watch(web.fd, EPOLLIN, [&](uint32_t) { web.drain(); });
  constexpr int kServers = 1000;
  std::vector<std::unique_ptr<Checker>> checkers;
  uint64_t results = 0, failures = 0;
  for (int i = 0; i < kServers; ++i) {
    CheckerSpec spec;
    spec.service = "tcp-10.0.0.1-80";
    spec.server = "s" + std::to_string(i);
    spec.type = "TCP_CHECK";
    spec.delayLoop = 1000ms;
    spec.warmup = 1000ms;
    StreamSpec s{*config::parseAddress("127.0.0.1"), web.port};
    s.timeout = 1000ms;
    spec.makeProbe = [s] { return std::make_unique<StreamProbe>(s); };
    checkers.push_back(std::make_unique<Checker>(
        loop, spec,
        [&](const CheckerStatus& st, bool) {
          ++results;
          if (!st.lastError.empty()) ++failures;
        },
        static_cast<uint64_t>(i)));
  }
  // One more server that accepts nothing and never answers (TEST-NET-1
  // blackholes or fails at once): it must not hold the others up.
  CheckerSpec hung;
  hung.service = "tcp-10.0.0.1-80";
  hung.server = "hung";
  StreamSpec h{*config::parseAddress("192.0.2.1"), 80};
  h.timeout = 3000ms;
  hung.makeProbe = [h] { return std::make_unique<StreamProbe>(h); };
  checkers.push_back(std::make_unique<Checker>(loop, hung, [](const CheckerStatus&, bool) {}, 7));
  for (auto& c : checkers) c->start();
  const auto begin = common::Clock::now();
  testing::runUntil(loop, [&] { return false; }, 3500ms);
  const double seconds = std::chrono::duration<double>(common::Clock::now() - begin).count();
  // Warmup spreads the first probe over the first second, then one a second:
  // about three probes per server in 3.5 s.
  EXPECT_GE(results, uint64_t{kServers} * 5 / 2) << "in " << seconds << " s";
  EXPECT_EQ(failures, 0u);
  for (int i = 0; i < kServers; ++i) EXPECT_TRUE(checkers[static_cast<std::size_t>(i)]->status().up);
}

}  // namespace
}  // namespace sluice::health
