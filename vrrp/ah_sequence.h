// The AH sequence number the way keepalived keeps it: one counter per
// instance for both directions, holding the last number sent or accepted.
// A backup that accepts the master's N and later takes over sends N+1, so
// the routers of a VRID share one rising sequence and a restarted router
// (counter 0) catches up from the first advert it accepts.
//
// Receiving (vrrp_in_chk_ipsecah): a number is accepted only when it is
// strictly above the counter, which then takes it; anything else is a
// replay (auth_failure). Sending: counter + 1, except that at 0xFFFFFFFE
// keepalived stops counting, repeats that number and marks the counter
// cycled; a cycled counter restarts from 0 when the instance next becomes
// master. A master hearing a lower-priority advert moves its counter to the
// peer's number + 1 so its answer is accepted.
//
// Not thread-safe: one per instance, used by its VRRP driver.
#pragma once

#include <cstdint>

namespace sluice::vrrp {

class AhSequence {
 public:
  // The number to put in the next advert sent (counts it as sent).
  uint32_t nextToSend();

  // Whether a received, authenticated number is new; if so it becomes the
  // counter.
  bool accept(uint32_t received);

  // MASTER received a lower-priority advert numbered `received`.
  void syncFromLowerPriority(uint32_t received);

  // The instance becomes MASTER: a cycled counter restarts from 0.
  void onBecomeMaster();

  // A master's advert was accepted (in BACKUP, or from a higher-priority
  // router in MASTER): someone else is sending, so the counter is no longer
  // considered cycled.
  void clearCycle() { cycled_ = false; }

  uint32_t last() const { return last_; }
  bool cycled() const { return cycled_; }

 private:
  static constexpr uint32_t kLastCounted = 0xfffffffe;

  uint32_t last_ = 0;
  bool cycled_ = false;
};

}  // namespace sluice::vrrp
