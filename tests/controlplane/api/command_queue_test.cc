#include "controlplane/api/command_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
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

// Runs the queue on this thread for `span`, or until `done`.
template <typename Done>
void driveFor(CommandQueue& q, std::chrono::milliseconds span, Done done) {
  const auto end = std::chrono::steady_clock::now() + span;
  while (std::chrono::steady_clock::now() < end && !done()) {
    q.runPending();
    std::this_thread::sleep_for(1ms);
  }
}

// catches: a command that puts itself off being lost or answered with
// nothing instead of run again at a later pass.
TEST(CommandQueue, ACommandPutOffRunsAgainAndItsCallerGetsTheLaterAnswer) {
  CommandQueue q;
  std::atomic<int> tries{0};
  std::optional<Response> r;
  std::atomic<bool> answered{false};
  std::thread caller([&] {
    r = q.call(
        [&]() -> std::optional<Response> {
          if (++tries < 3) return std::nullopt;
          return Response{200, "third time"};
        },
        5s);
    answered = true;
  });
  driveFor(q, 5s, [&] { return answered.load(); });
  caller.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "third time");
  EXPECT_EQ(tries, 3);
}

// catches: a command put off past its caller's bound still running later
// (its caller was told it did not run).
TEST(CommandQueue, ACommandPutOffPastTheTimeoutIsWithdrawn) {
  CommandQueue q;
  std::atomic<int> tries{0};
  std::optional<Response> r;
  std::atomic<bool> answered{false};
  std::thread caller([&] {
    r = q.call([&]() -> std::optional<Response> { ++tries; return std::nullopt; }, 50ms);
    answered = true;
  });
  driveFor(q, 5s, [&] { return answered.load(); });
  caller.join();
  EXPECT_FALSE(r);
  EXPECT_GE(tries, 1);
  const int before = tries;
  EXPECT_EQ(q.runPending(), 0u);
  EXPECT_EQ(tries, before);
}

TEST(CommandQueue, ClosedQueueRefuses) {
  CommandQueue q;
  q.close();
  EXPECT_FALSE(q.call([] { return Response{}; }, 1s));
}

}  // namespace
}  // namespace sluice::api
