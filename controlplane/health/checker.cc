#include "controlplane/health/checker.h"

namespace sluice::health {

Checker::Checker(common::EventLoop& loop, CheckerSpec spec, OnResult onResult, uint64_t seed)
    : loop_(loop), spec_(std::move(spec)), onResult_(std::move(onResult)), random_(seed) {
  status_.service = spec_.service;
  status_.server = spec_.server;
  status_.type = spec_.type;
  status_.up = spec_.startUp;
  status_.lastChange = std::chrono::system_clock::now();
}

Checker::~Checker() {
  if (timer_ != 0) loop_.cancel(timer_);
}

void Checker::start() {
  // Spread the first probes so a thousand servers are not hit in one instant.
  const auto warmup = spec_.warmup.count();
  schedule(std::chrono::milliseconds(warmup > 0 ? std::uniform_int_distribution<int64_t>(0, warmup)(random_) : 0));
}

void Checker::schedule(std::chrono::milliseconds delay) {
  timer_ = loop_.after(delay, [this] {
    timer_ = 0;
    runProbe();
  });
}

void Checker::runProbe() {
  probe_ = spec_.makeProbe();
  ++status_.probes;
  probe_->start(loop_, [this](ProbeResult r) { onResult(r); });
}

void Checker::onResult(const ProbeResult& r) {
  // The probe reports last thing before it returns: free it from the loop.
  std::shared_ptr<Probe> finished(std::move(probe_));
  loop_.post([finished] {});
  bool changed = false;
  if (r.ok) {
    consecutiveFailures_ = 0;
    ++consecutiveSuccesses_;
    if (!status_.up && consecutiveSuccesses_ >= spec_.rise) {
      status_.up = true;
      changed = true;
    }
    if (r.weight != status_.weight) {
      status_.weight = r.weight;
      changed = true;
    }
  } else {
    ++status_.failures;
    status_.lastError = r.error;
    status_.lastScriptEnd = r.scriptEnd;
    consecutiveSuccesses_ = 0;
    ++consecutiveFailures_;
    if (status_.up && consecutiveFailures_ >= spec_.fall) {
      status_.up = false;
      changed = true;
    }
  }
  if (changed) {
    ++status_.transitions;
    status_.lastChange = std::chrono::system_clock::now();
  }
  // Retries come quicker than the loop, while the server is still up.
  const bool retrying = !r.ok && status_.up;
  schedule(retrying ? spec_.delayBeforeRetry : spec_.delayLoop);
  onResult_(status_, changed);
}

}  // namespace sluice::health
