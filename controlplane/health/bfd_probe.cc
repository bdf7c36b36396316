#include "controlplane/health/bfd_probe.h"

namespace sluice::health {

BfdProbe::BfdProbe(BfdSessions* sessions, std::string instance, std::shared_ptr<Reported> reported)
    : sessions_(sessions), instance_(std::move(instance)), reported_(std::move(reported)) {}

BfdProbe::~BfdProbe() {
  if (timer_ != 0) loop_->cancel(timer_);
  if (subscription_ != 0) sessions_->unsubscribe(subscription_);
}

void BfdProbe::start(common::EventLoop& loop, Done done) {
  loop_ = &loop;
  done_ = std::move(done);
  const bool known = sessions_ != nullptr && sessions_->has(instance_);
  const bool up = known && sessions_->up(instance_);
  // Never from inside start(): a timer, cancelled if the probe goes first.
  auto later = [this](std::chrono::milliseconds delay) {
    timer_ = loop_->after(delay, [this] {
      timer_ = 0;
      report(sessions_ != nullptr && sessions_->up(instance_));
    });
  };
  if (reported_->up ? *reported_->up != up : (up || !known)) {
    later(std::chrono::milliseconds{0});
    return;
  }
  if (!known) return;  // down, and stays so
  if (!reported_->up) later(sessions_->startupGrace(instance_));
  subscription_ = sessions_->subscribe(instance_, [this, later](bool) {
    if (timer_ != 0) loop_->cancel(timer_);
    later(std::chrono::milliseconds{0});
  });
}

void BfdProbe::report(bool up) {
  if (subscription_ != 0) sessions_->unsubscribe(subscription_);
  subscription_ = 0;
  reported_->up = up;
  ProbeResult r;
  r.ok = up;
  if (!up) r.error = "BFD instance " + instance_ + " is not Up";
  Done done = std::move(done_);
  done(std::move(r));  // last: the checker may free this probe
}

}  // namespace sluice::health
