// One RFC 5880 asynchronous-mode session, as pure code: the state machine
// (AdminDown/Down/Init/Up), discriminators, the negotiated transmit
// interval with RFC 5880 6.8.7's jitter, the detection time (the remote
// multiplier x the agreed interval) and the Poll Sequence that announces
// the change from the idle rate to the configured one. No sockets, no
// clock of its own: the driver feeds it decoded packets and the time, asks
// wakeAt() when to call again, and sends what transmit() gives.
// Not thread-safe (one driver thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "bfd/packet.h"

namespace sluice::bfd {

using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;

// keepalived's bfd_instance timers (its defaults).
struct SessionConfig {
  microseconds minTx{10'000};     // desired transmit interval once Up
  microseconds minRx{10'000};     // required receive interval
  microseconds idleTx{1'000'000}; // transmit interval while not Up (RFC 5880 6.8.3: >= 1 s)
  uint8_t multiplier = 5;
  bool passive = false;           // sends nothing until the peer has spoken
};

// A change of the local state, with what caused it.
struct Transition {
  State from = State::kDown, to = State::kDown;
  Diag localDiag = Diag::kNone;   // the diagnostic sent from now on
  Diag remoteDiag = Diag::kNone;  // the peer's last one
  bool expired = false;           // the detection time passed in silence
  microseconds silentFor{0};      // with `expired`: since the last packet
  microseconds detectTime{0};     // with `expired`: what was allowed
};

// Why a decoded packet did not reach the state machine.
enum class Ignored : uint8_t { kNone, kWrongDiscriminator, kAdminDown };

class Session {
 public:
  Session(SessionConfig config, uint32_t localDiscriminator, uint64_t seed, Clock::time_point now);

  // A packet from the peer, already decoded (and TTL-checked by the driver).
  Ignored receive(const Packet& p, Clock::time_point now);
  // Runs the detection timer; call at wakeAt() (or whenever).
  void advance(Clock::time_point now);
  // The packet due now, if any (periodic, a Final answering a Poll, or one
  // announcing a new state); schedules the next one.
  std::optional<Packet> transmit(Clock::time_point now);
  // When advance()/transmit() next have something to do.
  Clock::time_point wakeAt() const;

  // Operator's AdminDown (true) and back to Down (false).
  void setAdminDown(bool down, Clock::time_point now);

  // The transitions since the last call, oldest first.
  std::vector<Transition> takeTransitions();

  State state() const { return state_; }
  State remoteState() const { return remoteState_; }
  uint32_t localDiscriminator() const { return localDiscr_; }
  uint32_t remoteDiscriminator() const { return remoteDiscr_; }
  bool pollActive() const { return pollActive_; }
  // Detection time: the peer's multiplier x max(our min_rx, its desired tx).
  microseconds detectTime() const;
  // Interval between our periodic packets before jitter: max(desired tx, the peer's required rx).
  microseconds txInterval() const;

 private:
  void enter(State to, Diag diag, Clock::time_point now, bool expired = false);
  microseconds desiredTx() const { return state_ == State::kUp ? config_.minTx : config_.idleTx; }
  microseconds jittered(microseconds interval);
  bool mayTransmit() const;

  SessionConfig config_;
  std::mt19937_64 random_;
  State state_ = State::kDown;
  State remoteState_ = State::kDown;
  Diag localDiag_ = Diag::kNone;
  Diag remoteDiag_ = Diag::kNone;
  uint32_t localDiscr_;
  uint32_t remoteDiscr_ = 0;
  uint8_t remoteMult_ = 0;
  microseconds remoteDesiredTx_{0};
  microseconds remoteMinRx_{1};  // until heard: assume the peer takes any rate
  // The tx interval the peer agreed to (by a Final) or that we may use now.
  microseconds advertisedTx_{0};  // desired tx in the packets we send
  bool pollActive_ = false;
  bool sendNow_ = false;    // a Final, or a new state to announce
  bool finalDue_ = false;
  std::optional<Clock::time_point> lastRx_;
  Clock::time_point nextTx_;
  std::vector<Transition> transitions_;
};

}  // namespace sluice::bfd
