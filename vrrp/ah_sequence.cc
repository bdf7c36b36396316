#include "vrrp/ah_sequence.h"

namespace sluice::vrrp {

uint32_t AhSequence::nextToSend() {
  if (last_ >= kLastCounted) {
    cycled_ = true;
  } else {
    ++last_;
  }
  return last_;
}

bool AhSequence::accept(uint32_t received) {
  if (received <= last_) return false;
  last_ = received;
  return true;
}

void AhSequence::syncFromLowerPriority(uint32_t received) {
  last_ = received + 1;  // wraps like keepalived's uint32_t
  cycled_ = false;
}

void AhSequence::onBecomeMaster() {
  if (!cycled_) return;
  cycled_ = false;
  last_ = 0;
}

}  // namespace sluice::vrrp
