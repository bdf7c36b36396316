#include "controlplane/health/probe_run.h"

#include <utility>

namespace sluice::health {

void ProbeRun::begin(common::EventLoop& loop, Probe::Done done) {
  close();
  loop_ = &loop;
  done_ = std::move(done);
  finished_ = false;
}

void ProbeRun::failSoon(std::string why) {
  deadline(std::chrono::milliseconds(0), [this, why = std::move(why)] { finish(false, why); });
}

void ProbeRun::finish(bool ok, std::string error) {
  if (finished_) return;
  finished_ = true;
  close();
  ProbeResult result;
  result.ok = ok;
  result.error = std::move(error);
  // Last: the owner may destroy the probe, and this run, from inside done.
  Probe::Done done = std::move(done_);
  done(std::move(result));
}

void ProbeRun::watch(uint32_t events, common::EventLoop::FdCallback onEvents) {
  loop_->watch(fd_.get(), events, std::move(onEvents));
}

void ProbeRun::deadline(std::chrono::milliseconds timeout, std::function<void()> onTimeout) {
  timer_ = loop_->after(timeout, [this, onTimeout = std::move(onTimeout)] {
    timer_ = 0;
    onTimeout();
  });
}

void ProbeRun::close() {
  if (loop_ != nullptr && timer_ != 0) loop_->cancel(timer_);
  timer_ = 0;
  if (fd_ && loop_ != nullptr) loop_->unwatch(fd_.get());
  fd_.reset();
}

}  // namespace sluice::health
