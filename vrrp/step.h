// What one event did to a VRRP instance: the state before and after, the
// actions the driver must carry out (in order), and a note on anything an
// operator would want logged. Plain data.
#pragma once

#include <array>
#include <cassert>
#include <cstdint>
#include <string_view>

namespace sluice::vrrp {

// INIT: not started, or shut down. FAULT: keepalived's state for an
// instance whose interface or tracked scripts are down - it neither sends
// nor listens.
enum class State : uint8_t { kInit, kBackup, kMaster, kFault };

// keepalived's spelling, as in its logs and notify scripts. Thread-safe.
std::string_view stateName(State state);

enum class Action : uint8_t {
  kSendAdvert,        // send an advert at the instance's current priority
  kSendPriorityZero,  // send an advert at priority 0: this master resigns
  kTakeOver,          // add the virtual addresses, send gratuitous ARPs / unsolicited NAs
  kRelease,           // remove the virtual addresses: stop serving them
};

// The action's label, for logs and tests. Thread-safe.
std::string_view actionName(Action action);

enum class Note : uint8_t {
  kNone,
  kIgnoredNotRunning,      // an advert in INIT or FAULT
  kLowerPriorityDiscarded, // BACKUP (preempting): the master's advert is below us; its timer runs on
  kLowerPriorityMaster,    // MASTER: a lower-priority master advertises; answered unless
                           // lower_prio_no_advert (AH: AhSequence::syncFromLowerPriority)
  kPreemptDelayStarted,    // BACKUP: first lower-priority advert; preemption waits preempt_delay
  kSameAddress,            // MASTER: equal priority from our own address (misconfiguration)
  kOwnerConflict,          // MASTER: another address owner (255); ours lowered to 254, as keepalived
};

// The note's label, for logs and tests. Thread-safe.
std::string_view noteName(Note note);

// The actions of one step, in the order they must be done (at most three).
class ActionList {
 public:
  void push(Action a) {
    assert(size_ < items_.size());
    items_[size_++] = a;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Action* begin() const { return items_.data(); }
  const Action* end() const { return items_.data() + size_; }
  Action operator[](std::size_t i) const { return items_[i]; }

 private:
  std::array<Action, 3> items_{};
  std::size_t size_ = 0;
};

struct Step {
  State from = State::kInit;
  State to = State::kInit;
  ActionList actions;
  Note note = Note::kNone;

  bool changed() const { return from != to; }
};

}  // namespace sluice::vrrp
