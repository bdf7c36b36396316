#include "controlplane/health/checker.h"

#include <gtest/gtest.h>

#include <deque>

#include "controlplane/config/parser.h"
#include "controlplane/health/server_health.h"
#include "loop_support.h"

namespace sluice::health {
namespace {

using namespace std::chrono_literals;

// A probe that answers from a script of results, after a short delay.
class ScriptedProbe : public Probe {
 public:
  explicit ScriptedProbe(std::deque<bool>& script) : script_(script) {}
  ~ScriptedProbe() override {
    if (loop_ != nullptr && timer_ != 0) loop_->cancel(timer_);
  }
  void start(common::EventLoop& loop, Done done) override {
    loop_ = &loop;
    const bool ok = script_.empty() ? true : script_.front();
    if (!script_.empty()) script_.pop_front();
    timer_ = loop.after(1ms, [this, ok, done = std::move(done)] {
      timer_ = 0;
      done(ProbeResult{ok, ok ? "" : "scripted failure", std::nullopt});
    });
  }

 private:
  std::deque<bool>& script_;
  common::EventLoop* loop_ = nullptr;
  common::EventLoop::TimerId timer_ = 0;
};

struct CheckerRun {
  common::EventLoop loop;
  std::deque<bool> script;
  std::vector<std::pair<bool, common::Clock::time_point>> changes;
  std::unique_ptr<Checker> checker;

  explicit CheckerRun(CheckerSpec spec) {
    spec.makeProbe = [this] { return std::make_unique<ScriptedProbe>(script); };
    checker = std::make_unique<Checker>(
        loop, std::move(spec),
        [this](const CheckerStatus& s, bool changed) {
          if (changed) changes.emplace_back(s.up, common::Clock::now());
        },
        1);
  }
  uint64_t probes() const { return checker->status().probes; }
};

CheckerSpec fastSpec() {
  CheckerSpec s;
  s.service = "tcp-10.0.0.1-80";
  s.server = "192.168.1.20-80";
  s.type = "TCP_CHECK";
  s.delayLoop = 100ms;
  s.delayBeforeRetry = 10ms;
  s.warmup = 0ms;
  s.rise = 1;
  s.fall = 3;  // retry 2
  return s;
}

TEST(Checker, DownAfterFallConsecutiveFailuresSpacedByDelayBeforeRetry) {
  CheckerRun run(fastSpec());
  run.script = {true, false, false, false};
  run.checker->start();
  const auto begin = common::Clock::now();
  ASSERT_TRUE(testing::runUntil(run.loop, [&] { return !run.changes.empty(); }, 5s));
  EXPECT_FALSE(run.changes[0].first);
  EXPECT_EQ(run.probes(), 4u);
  // One delay_loop after the success, then two quick retries.
  const auto took = run.changes[0].second - begin;
  EXPECT_GE(took, 100ms + 20ms);
  EXPECT_LT(took, 100ms + 400ms);
  EXPECT_EQ(run.checker->status().lastError, "scripted failure");
}

TEST(Checker, AFailureBetweenSuccessesIsForgiven) {
  CheckerRun run(fastSpec());
  run.script = {false, false, true, false, false, true, true};
  run.checker->start();
  testing::runUntil(run.loop, [&] { return run.probes() >= 7; }, 5s);
  EXPECT_TRUE(run.changes.empty());
  EXPECT_TRUE(run.checker->status().up);
}

TEST(Checker, RiseSuccessesBringItBackAndAlphaStartsDown) {
  CheckerSpec spec = fastSpec();
  spec.rise = 2;
  spec.startUp = false;  // alpha
  CheckerRun run(spec);
  run.script = {true, false, true, true};
  run.checker->start();
  ASSERT_TRUE(testing::runUntil(run.loop, [&] { return !run.changes.empty(); }, 5s));
  EXPECT_TRUE(run.changes[0].first);
  EXPECT_EQ(run.probes(), 4u);  // the lone success before the failure did not count
}

TEST(ServerHealth, AServerIsUpWhenEveryCheckIs) {
  std::vector<CheckerStatus> all(3);
  all[0] = {"s", "a", "TCP_CHECK", true};
  all[1] = {"s", "a", "HTTP_GET", false};
  all[2] = {"s", "b", "MISC_CHECK", true, "", 7u};
  const HealthView v = aggregate(all);
  EXPECT_FALSE(v.at({"s", "a"}).up);
  EXPECT_TRUE(v.at({"s", "b"}).up);
  EXPECT_EQ(v.at({"s", "b"}).weight, 7u);
}

TEST(ServerHealth, QuorumLostWhenLiveWeightFalls) {
  const auto r = config::parseString(R"(
virtual_server 10.0.0.1 80 {
  protocol TCP
  quorum 3
  sorry_server 192.168.1.99 80
  real_server 192.168.1.20 80 { weight 2 }
  real_server 192.168.1.21 80 { weight 2 }
}
)",
                                     "q.conf");
  ASSERT_TRUE(r.ok());
  HealthView v;
  EXPECT_TRUE(quorumLost(*r.config, v, {}).empty());  // 4 >= 3
  v[{"tcp-10.0.0.1-80", "192.168.1.21-80"}].up = false;
  EXPECT_EQ(quorumLost(*r.config, v, {}), std::set<std::string>{"tcp-10.0.0.1-80"});  // 2 < 3
}

TEST(ServerHealth, QuorumWithHysteresis) {
  // quorum 3, hysteresis 1: down below 2, back up at 4.
  EXPECT_TRUE(quorumUp(true, 2, 3, 1));
  EXPECT_FALSE(quorumUp(true, 1, 3, 1));
  EXPECT_FALSE(quorumUp(false, 3, 3, 1));
  EXPECT_TRUE(quorumUp(false, 4, 3, 1));
  EXPECT_FALSE(quorumUp(true, 0, 1, 0));
  EXPECT_TRUE(quorumUp(false, 1, 1, 0));
}

}  // namespace
}  // namespace sluice::health
