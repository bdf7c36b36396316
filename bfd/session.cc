#include "bfd/session.h"

#include <algorithm>

namespace sluice::bfd {

using std::chrono::duration_cast;

Session::Session(SessionConfig config, uint32_t localDiscriminator, uint64_t seed, Clock::time_point now)
    : config_(config), random_(seed), localDiscr_(localDiscriminator) {
  // The first packet goes out soon, spread so many sessions do not start in one burst.
  nextTx_ = now + jittered(std::min(config_.idleTx, microseconds{100'000}));
}

microseconds Session::detectTime() const {
  return std::max(config_.minRx, remoteDesiredTx_) * remoteMult_;
}

microseconds Session::txInterval() const { return std::max(desiredTx(), remoteMinRx_); }

// RFC 5880 6.8.7: 0-25% shorter, or 10-25% shorter with a multiplier of 1,
// so that the peer's detection never races our packets.
microseconds Session::jittered(microseconds interval) {
  const double low = 0.75, high = config_.multiplier == 1 ? 0.90 : 1.0;
  const double factor = std::uniform_real_distribution<double>(low, high)(random_);
  return std::max(microseconds{1}, microseconds{static_cast<int64_t>(static_cast<double>(interval.count()) * factor)});
}

bool Session::mayTransmit() const {
  // A passive end waits for the peer's first packet; a peer requiring no
  // packets at all (its min rx 0) gets none (RFC 5880 6.8.7).
  if (config_.passive && remoteDiscr_ == 0) return false;
  return remoteMinRx_.count() != 0;
}

void Session::enter(State to, Diag diag, Clock::time_point now, bool expired) {
  Transition t;
  t.from = state_;
  t.to = to;
  t.localDiag = diag;
  t.remoteDiag = remoteDiag_;
  t.expired = expired;
  if (expired && lastRx_) {
    t.silentFor = duration_cast<microseconds>(now - *lastRx_);
    t.detectTime = detectTime();
  }
  const microseconds before = txInterval();
  state_ = to;
  localDiag_ = diag;
  if (to == State::kUp && config_.minTx != config_.idleTx) {
    // The desired tx changes: announce it by a Poll Sequence (RFC 5880
    // 6.8.3). A lower rate may apply at once, a higher one after the Final.
    pollActive_ = true;
  }
  if (to != State::kUp) pollActive_ = false;
  if (txInterval() < before) nextTx_ = std::min(nextTx_, now + jittered(txInterval()));
  sendNow_ = true;
  transitions_.push_back(t);
}

Ignored Session::receive(const Packet& p, Clock::time_point now) {
  if (p.yourDiscriminator != 0 && p.yourDiscriminator != localDiscr_) return Ignored::kWrongDiscriminator;
  if (state_ == State::kAdminDown) return Ignored::kAdminDown;
  remoteDiscr_ = p.myDiscriminator;
  remoteState_ = p.state;
  remoteDiag_ = p.diag;
  remoteMult_ = p.detectMult;
  remoteDesiredTx_ = microseconds{p.desiredMinTxUs};
  const microseconds oldTx = txInterval();
  remoteMinRx_ = microseconds{p.requiredMinRxUs};
  if (p.final) pollActive_ = false;
  lastRx_ = now;
  if (txInterval() < oldTx) nextTx_ = std::min(nextTx_, now + jittered(txInterval()));

  // RFC 5880 6.8.6's state table.
  if (p.state == State::kAdminDown) {
    if (state_ != State::kDown) enter(State::kDown, Diag::kNeighborDown, now);
  } else if (state_ == State::kDown) {
    if (p.state == State::kDown) {
      enter(State::kInit, Diag::kNone, now);
    } else if (p.state == State::kInit) {
      enter(State::kUp, Diag::kNone, now);
    }
  } else if (state_ == State::kInit) {
    if (p.state == State::kInit || p.state == State::kUp) enter(State::kUp, Diag::kNone, now);
  } else if (state_ == State::kUp && p.state == State::kDown) {
    enter(State::kDown, Diag::kNeighborDown, now);
  }
  if (p.poll) {
    finalDue_ = true;
    sendNow_ = true;
  }
  return Ignored::kNone;
}

void Session::advance(Clock::time_point now) {
  if (!lastRx_ || remoteMult_ == 0) return;
  if (state_ != State::kInit && state_ != State::kUp) return;
  if (now < *lastRx_ + detectTime()) return;
  enter(State::kDown, Diag::kExpired, now, true);
  // RFC 5880 6.8.1: the peer's discriminator is forgotten after a silent detection time.
  remoteDiscr_ = 0;
  remoteMult_ = 0;
  remoteMinRx_ = microseconds{1};
  lastRx_.reset();
}

std::optional<Packet> Session::transmit(Clock::time_point now) {
  if (!mayTransmit()) {
    sendNow_ = finalDue_ = false;
    return std::nullopt;
  }
  if (!sendNow_ && now < nextTx_) return std::nullopt;
  Packet p;
  p.state = state_;
  p.diag = localDiag_;
  p.detectMult = config_.multiplier;
  p.myDiscriminator = localDiscr_;
  p.yourDiscriminator = remoteDiscr_;
  p.desiredMinTxUs = static_cast<uint32_t>(desiredTx().count());
  p.requiredMinRxUs = static_cast<uint32_t>(config_.minRx.count());
  p.requiredMinEchoRxUs = 0;  // no Echo function
  // A Final answers a Poll; P and F never share a packet.
  p.final = finalDue_;
  p.poll = pollActive_ && !finalDue_;
  const bool periodic = !sendNow_;
  sendNow_ = finalDue_ = false;
  if (periodic || nextTx_ <= now) nextTx_ = now + jittered(txInterval());
  return p;
}

Clock::time_point Session::wakeAt() const {
  if (sendNow_ && mayTransmit()) return Clock::time_point::min();
  Clock::time_point at = mayTransmit() ? nextTx_ : Clock::time_point::max();
  if (lastRx_ && remoteMult_ != 0 && (state_ == State::kInit || state_ == State::kUp)) {
    at = std::min(at, *lastRx_ + detectTime());
  }
  return at;
}

void Session::setAdminDown(bool down, Clock::time_point now) {
  if (down == (state_ == State::kAdminDown)) return;
  enter(down ? State::kAdminDown : State::kDown, down ? Diag::kAdminDown : Diag::kNone, now);
  if (down) {
    remoteDiscr_ = 0;
    lastRx_.reset();
  }
}

std::vector<Transition> Session::takeTransitions() {
  std::vector<Transition> out;
  out.swap(transitions_);
  return out;
}

}  // namespace sluice::bfd
