// One configured check of one real server, run on the EventLoop with
// keepalived's timing: a random first run within `warmup`, then one probe
// every delay_loop; after a failure, up to `retry` more probes spaced by
// delay_before_retry before the server is marked down (fall = retry + 1);
// once down, `rise` consecutive successes bring it back (HAProxy's rise,
// 1 by default as in keepalived). Starts up, or down with `alpha`.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "controlplane/common/event_loop.h"
#include "controlplane/health/probe.h"

namespace sluice::health {

struct CheckerSpec {
  std::string service;  // API names of the virtual server and real server
  std::string server;
  std::string type;     // TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK, UDP_CHECK, PING_CHECK
  std::chrono::milliseconds delayLoop{60000};
  std::chrono::milliseconds delayBeforeRetry{1000};
  std::chrono::milliseconds warmup{0};
  uint32_t rise = 1;
  uint32_t fall = 2;
  bool startUp = true;  // false with alpha
  std::function<std::unique_ptr<Probe>()> makeProbe;
};

struct CheckerStatus {
  std::string service, server, type;
  bool up = true;
  std::string lastError;                // of the last failed probe; empty when none failed yet
  std::optional<uint32_t> weight;       // MISC_CHECK misc_dynamic
  uint64_t probes = 0, failures = 0, transitions = 0;
  std::chrono::system_clock::time_point lastChange{};
  common::ScriptResult lastScriptEnd;  // MISC_CHECK: how the last failed probe's script ended
};

class Checker {
 public:
  // onResult runs on the loop's thread after every probe, with whether the
  // state changed (up/down, or a new dynamic weight).
  using OnResult = std::function<void(const CheckerStatus&, bool changed)>;
  Checker(common::EventLoop& loop, CheckerSpec spec, OnResult onResult, uint64_t seed);
  ~Checker();
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  void start();
  const CheckerStatus& status() const { return status_; }

 private:
  void schedule(std::chrono::milliseconds delay);
  void runProbe();
  void onResult(const ProbeResult& r);

  common::EventLoop& loop_;
  CheckerSpec spec_;
  OnResult onResult_;
  std::mt19937_64 random_;
  std::unique_ptr<Probe> probe_;
  common::EventLoop::TimerId timer_ = 0;
  uint32_t consecutiveFailures_ = 0;
  uint32_t consecutiveSuccesses_ = 0;
  CheckerStatus status_;
};

}  // namespace sluice::health
