#include "controlplane/api/command_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sluice::api {
namespace {

using namespace std::chrono_literals;

TEST(CommandQueue, CommandsRunOnTheLoopThreadOneAtATime) {
  CommandQueue q;
  std::atomic<bool> stop{false};
  int shared = 0;  // touched only by commands: no lock needed if they are serialized
  std::thread::id loopThread;
  std::thread loop([&] {
    loopThread = std::this_thread::get_id();
    while (!stop) {
      q.runPending();
      std::this_thread::sleep_for(100us);
    }
  });
  std::vector<std::thread> callers;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    callers.emplace_back([&] {
      for (int k = 0; k < 50; ++k) {
        auto r = q.call(
            [&] {
              EXPECT_EQ(std::this_thread::get_id(), loopThread);
              return Response{200, std::to_string(++shared)};
            },
            5s);
        if (r && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : callers) t.join();
  stop = true;
  loop.join();
  EXPECT_EQ(ok, 800);
  EXPECT_EQ(shared, 800);
}

TEST(CommandQueue, ACommandNotStartedInTimeIsWithdrawnAndNeverRuns) {
  CommandQueue q;
  bool ran = false;
  const auto r = q.call([&] {
    ran = true;
    return Response{};
  },
                        20ms);
  EXPECT_FALSE(r);
  EXPECT_EQ(q.runPending(), 0u);  // the loop comes late: nothing runs
  EXPECT_FALSE(ran);
}

TEST(CommandQueue, AStartedCommandIsWaitedForPastTheTimeout) {
  CommandQueue q;
  std::thread loop([&] {
    for (int i = 0; i < 50000 && q.runPending() == 0; ++i) std::this_thread::sleep_for(100us);
  });
  const auto r = q.call([] {
    std::this_thread::sleep_for(500ms);  // far longer than the caller's bound
    return Response{201, "done"};
  },
                        100ms);
  loop.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
}

TEST(CommandQueue, ClosedQueueRefuses) {
  CommandQueue q;
  q.close();
  EXPECT_FALSE(q.call([] { return Response{}; }, 1s));
}

}  // namespace
}  // namespace sluice::api
