// The event loop on its own: timers in order, cancel, post() from another
// thread, fd readiness and stop().
#include "controlplane/common/event_loop.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

namespace sluice::common {
namespace {

using namespace std::chrono_literals;

// Runs rounds until `done()` or two seconds have passed.
template <class Done>
bool runUntil(EventLoop& loop, Done done) {
  const auto deadline = Clock::now() + 2s;
  while (!done() && Clock::now() < deadline) loop.runOnce(10ms);
  return done();
}

TEST(EventLoop, TimersFireInTimeOrderAndCancelledOnesNever) {
  EventLoop loop;
  std::vector<int> fired;
  loop.after(30ms, [&] { fired.push_back(3); });
  loop.after(10ms, [&] { fired.push_back(1); });
  const auto cancelled = loop.after(20ms, [&] { fired.push_back(2); });
  loop.cancel(cancelled);
  ASSERT_TRUE(runUntil(loop, [&] { return fired.size() == 2; }));
  EXPECT_EQ(fired, (std::vector<int>{1, 3}));
}

TEST(EventLoop, PostFromAnotherThreadRunsOnTheLoop) {
  EventLoop loop;
  std::thread::id ranOn;
  std::thread poster([&] { loop.post([&] { ranOn = std::this_thread::get_id(); }); });
  poster.join();
  ASSERT_TRUE(runUntil(loop, [&] { return ranOn != std::thread::id(); }));
  EXPECT_EQ(ranOn, std::this_thread::get_id());
}

TEST(EventLoop, WatchedFdCallsBackUntilUnwatched) {
  EventLoop loop;
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  ASSERT_GE(fd, 0);
  int calls = 0;
  loop.watch(fd, EPOLLIN, [&](uint32_t events) {
    EXPECT_NE(events & EPOLLIN, 0u);
    ++calls;
    loop.unwatch(fd);  // a callback may unwatch its own fd
  });
  const uint64_t one = 1;
  ASSERT_EQ(::write(fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));
  ASSERT_TRUE(runUntil(loop, [&] { return calls > 0; }));
  for (int i = 0; i < 3; ++i) loop.runOnce(10ms);  // still readable, but no longer watched
  EXPECT_EQ(calls, 1);
  ::close(fd);
}

TEST(EventLoop, StopFromAnotherThreadEndsRun) {
  EventLoop loop;
  std::thread runner([&] { loop.run(); });
  loop.stop();
  runner.join();
  EXPECT_FALSE(loop.runOnce(0ms));
}

}  // namespace
}  // namespace sluice::common
