#include "vrrp/step.h"

namespace sluice::vrrp {

std::string_view stateName(State state) {
  switch (state) {
    case State::kInit: return "INIT";
    case State::kBackup: return "BACKUP";
    case State::kMaster: return "MASTER";
    case State::kFault: return "FAULT";
  }
  return "?";
}

std::string_view actionName(Action action) {
  switch (action) {
    case Action::kSendAdvert: return "send_advert";
    case Action::kSendPriorityZero: return "send_priority_zero";
    case Action::kTakeOver: return "take_over";
    case Action::kRelease: return "release";
  }
  return "?";
}

std::string_view noteName(Note note) {
  switch (note) {
    case Note::kNone: return "none";
    case Note::kIgnoredNotRunning: return "ignored_not_running";
    case Note::kLowerPriorityDiscarded: return "lower_priority_discarded";
    case Note::kLowerPriorityMaster: return "lower_priority_master";
    case Note::kPreemptDelayStarted: return "preempt_delay_started";
    case Note::kSameAddress: return "same_address";
    case Note::kOwnerConflict: return "owner_conflict";
  }
  return "?";
}

}  // namespace sluice::vrrp
