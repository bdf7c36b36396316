#include "vrrp/state_machine.h"

#include <algorithm>

namespace sluice::vrrp {

StateMachine::StateMachine(const MachineConfig& config)
    : config_(config),
      basePriority_(config.priority),
      priority_(config.priority),
      masterAdverIntervalCs_(config.advertIntervalCs) {
  // keepalived: "preempt_delay is incompatible with nopreempt mode - resetting".
  if (config_.nopreempt) config_.preemptDelay = Millis{0};
}

// ---------------------------------------------------------------- events

Step StateMachine::start(Millis now) {
  Step step = begin();
  if (state_ != State::kInit) return finish(step);
  masterAdverIntervalCs_ = config_.advertIntervalCs;
  if (faulted_) {
    state_ = State::kFault;
  } else if (startsAsMaster()) {
    becomeMaster(step, now);
  } else {
    enterBackup(now);
  }
  return finish(step);
}

Step StateMachine::shutdown(Millis) {
  Step step = begin();
  if (state_ == State::kMaster) {
    // RFC: cancel the Adver_Timer, send an advert with priority 0.
    emit(step, Action::kSendPriorityZero);
    emit(step, Action::kRelease);
  }
  state_ = State::kInit;
  deadline_.reset();
  preemptAt_.reset();
  return finish(step);
}

Step StateMachine::onAdvert(const ReceivedAdvert& advert, Millis now) {
  Step step = begin();
  if (state_ != State::kBackup && state_ != State::kMaster) {
    step.note = Note::kIgnoredNotRunning;
    return finish(step);
  }
  counters_.add(Counter::kAdvertRcvd);
  if (advert.priority == kPriorityResign) counters_.add(Counter::kPriZeroRcvd);
  if (state_ == State::kBackup) {
    backupReceive(step, advert, now);
  } else {
    masterReceive(step, advert, now);
  }
  return finish(step);
}

Step StateMachine::onTimer(Millis now) {
  Step step = begin();
  if (!deadline_ || now < *deadline_) return finish(step);
  if (state_ == State::kBackup) {
    becomeMaster(step, now);  // Master_Down_Timer fired
  } else if (state_ == State::kMaster) {
    emit(step, Action::kSendAdvert);  // Adver_Timer fired
    deadline_ = now + centiseconds(config_.advertIntervalCs);
  }
  return finish(step);
}

Step StateMachine::setFault(Millis) {
  Step step = begin();
  faulted_ = true;
  if (state_ == State::kMaster) leaveMaster(step, /*resign=*/true);
  if (state_ != State::kInit) state_ = State::kFault;
  deadline_.reset();
  preemptAt_.reset();
  return finish(step);
}

Step StateMachine::clearFault(Millis now) {
  Step step = begin();
  faulted_ = false;
  if (state_ != State::kFault) return finish(step);
  masterAdverIntervalCs_ = config_.advertIntervalCs;
  if (startsAsMaster()) {
    becomeMaster(step, now);
  } else {
    enterBackup(now);
  }
  return finish(step);
}

Step StateMachine::syncMaster(Millis now) {
  Step step = begin();
  if (state_ == State::kBackup) becomeMaster(step, now);
  return finish(step);
}

Step StateMachine::syncBackup(Millis now) {
  Step step = begin();
  if (state_ == State::kMaster) {
    leaveMaster(step, /*resign=*/false);
    enterBackup(now);
  }
  return finish(step);
}

Step StateMachine::setPriority(int effectivePriority, Millis) {
  Step step = begin();
  if (basePriority_ == kPriorityOwner) return finish(step);  // the owner's never changes
  const auto clamped = static_cast<uint8_t>(std::clamp(effectivePriority, 1, kPriorityOwner - 1));
  if (clamped == priority_) return finish(step);
  const Millis oldDown = masterDownInterval();
  const bool rising = clamped > priority_;
  priority_ = clamped;
  // A higher priority has a shorter skew: bring the running timer forward
  // by the difference (keepalived's vrrp_set_effective_priority).
  if (state_ == State::kBackup && rising && deadline_) *deadline_ -= oldDown - masterDownInterval();
  return finish(step);
}

// ---------------------------------------------------------------- helpers

bool StateMachine::startsAsMaster() const {
  return basePriority_ == kPriorityOwner && (config_.initialMaster || !config_.nopreempt);
}

Millis StateMachine::masterDownInterval() const {
  return vrrp::masterDownInterval(config_.version, priority_, masterAdverIntervalCs_, config_.downTimerAdverts);
}

Step StateMachine::begin() const {
  Step step;
  step.from = state_;
  return step;
}

Step& StateMachine::finish(Step& step) const {
  step.to = state_;
  return step;
}

void StateMachine::emit(Step& step, Action action) {
  step.actions.push(action);
  if (action == Action::kSendAdvert || action == Action::kSendPriorityZero) counters_.add(Counter::kAdvertSent);
  if (action == Action::kSendPriorityZero) counters_.add(Counter::kPriZeroSent);
}

// RFC: send an advert, broadcast gratuitous ARP / NA, start the Adver_Timer.
// The advert goes first so the old master releases before our ARPs
// (keepalived's vrrp_state_master_tx).
void StateMachine::becomeMaster(Step& step, Millis now) {
  emit(step, Action::kSendAdvert);
  emit(step, Action::kTakeOver);
  counters_.add(Counter::kBecomeMaster);
  state_ = State::kMaster;
  masterAdverIntervalCs_ = config_.advertIntervalCs;
  masterAddress_ = config_.primaryAddress;
  preemptAt_.reset();
  deadline_ = now + centiseconds(config_.advertIntervalCs);
}

void StateMachine::enterBackup(Millis now) {
  state_ = State::kBackup;
  deadline_ = now + masterDownInterval();
}

// Leaving MASTER for BACKUP or FAULT (keepalived's vrrp_state_leave_master,
// which counts release_master; a shutdown does not).
void StateMachine::leaveMaster(Step& step, bool resign) {
  counters_.add(Counter::kReleaseMaster);
  if (resign) emit(step, Action::kSendPriorityZero);
  emit(step, Action::kRelease);
}

// ---------------------------------------------------------------- BACKUP

void StateMachine::backupReceive(Step& step, const ReceivedAdvert& advert, Millis now) {
  if (advert.priority == kPriorityResign) {
    // The master resigned: take over after Skew_Time only.
    deadline_ = now + skewTime(config_.version, priority_, masterAdverIntervalCs_);
    return;
  }
  if (config_.nopreempt || preemptHold_ || advert.priority >= priority_ || preemptHeldBack(now)) {
    acceptMaster(step, advert, now);
    return;
  }
  // Preempting a lower-priority master: ignore it; the Master_Down_Timer
  // keeps running from its last accepted advert.
  step.note = Note::kLowerPriorityDiscarded;
  masterAddress_ = advert.source;
}

// A lower-priority master is still accepted while preempt_delay runs (or
// before it has started).
bool StateMachine::preemptHeldBack(Millis now) const {
  return config_.preemptDelay > Millis{0} && (!preemptAt_ || *preemptAt_ > now);
}

void StateMachine::acceptMaster(Step& step, const ReceivedAdvert& advert, Millis now) {
  learnInterval(advert);
  deadline_ = now + masterDownInterval();
  masterAddress_ = advert.source;
  if (config_.preemptDelay <= Millis{0}) return;
  if (advert.priority >= priority_) {
    preemptAt_.reset();
  } else if (!preemptAt_) {
    preemptAt_ = now + config_.preemptDelay;
    step.note = Note::kPreemptDelayStarted;
  }
}

// VRRPv3: Master_Adver_Interval is the master's (RFC 5798 6.4.2). A zero
// interval would make the down timer skew-only; it is not learnt.
void StateMachine::learnInterval(const ReceivedAdvert& advert) {
  if (config_.version == Version::kV3 && advert.advertIntervalCs != 0) {
    masterAdverIntervalCs_ = advert.advertIntervalCs;
  }
}

// ---------------------------------------------------------------- MASTER

void StateMachine::masterReceive(Step& step, const ReceivedAdvert& advert, Millis now) {
  const auto order = advert.source <=> config_.primaryAddress;
  if (advert.priority == kPriorityResign) {
    // Another master resigned: advertise at once so backups hear us.
    emit(step, Action::kSendAdvert);
    deadline_ = now + centiseconds(config_.advertIntervalCs);
    return;
  }
  if (advert.priority == priority_ && order == 0) {
    step.note = Note::kSameAddress;
    return;
  }
  if (advert.priority == priority_ && priority_ == kPriorityOwner) {
    step.note = Note::kOwnerConflict;
    basePriority_ = priority_ = kPriorityOwner - 1;
  }
  const bool theyWin = advert.priority > priority_ || (advert.priority == priority_ && order > 0);
  if (theyWin) {
    stepDown(step, advert, now);
    return;
  }
  if (step.note == Note::kNone) step.note = Note::kLowerPriorityMaster;
  if (!config_.lowerPrioNoAdvert) {
    emit(step, Action::kSendAdvert);
    deadline_ = now + centiseconds(config_.advertIntervalCs);
  }
}

// RFC: cancel the Adver_Timer, learn Master_Adver_Interval, set the
// Master_Down_Timer, go BACKUP. keepalived sends no priority 0 here.
void StateMachine::stepDown(Step& step, const ReceivedAdvert& advert, Millis now) {
  if (config_.higherPrioSendAdvert) emit(step, Action::kSendAdvert);
  leaveMaster(step, /*resign=*/false);
  learnInterval(advert);
  masterAddress_ = advert.source;
  enterBackup(now);
}

}  // namespace sluice::vrrp
