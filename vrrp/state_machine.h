// The VRRP state machine of one virtual router (RFC 3768 6.4 / RFC 5798
// 6.4, with keepalived's FAULT state and its choices where the RFCs leave
// room), as pure code: events in, a Step (new state, actions) out, time
// from the caller's monotonic millisecond clock. No sockets, no timers of
// its own: the driver asks nextDeadline() and calls onTimer(now) then.
//
// keepalived behaviours followed (keepalived 2.x, vrrp.c / vrrp_scheduler.c):
// * Start: an address owner (priority 255) with `state MASTER`, or without
//   nopreempt (keepalived then acts as if `state MASTER` were given), becomes
//   MASTER at once. Anything else starts in BACKUP and waits
//   Master_Down_Interval - including `state MASTER` below 255: keepalived
//   >= 2.0 holds an election rather than taking over on start (strict mode
//   refuses the combination; older versions started as master).
// * BACKUP accepts an advert when nopreempt, or its priority >= ours, or a
//   preempt_delay is running; the first lower-priority advert starts
//   preempt_delay, after which lower adverts are discarded and the
//   Master_Down_Timer (never reset by them) makes us master.
// * MASTER answers a lower-priority advert (or an equal one from a lower
//   address) with an advert at once, "forcing a new election"
//   (lower_prio_no_advert turns that off: the RFC just discards it), and
//   steps down to BACKUP, without a priority-0 advert, on a higher one.
// * Two address owners: the master lowers its own priority to 254.
// * FAULT: a master sends priority 0 and releases its addresses; adverts are
//   ignored; when the fault clears, BACKUP (or MASTER for an owner).
// * VRRPv3 backups learn Master_Adver_Interval from the master's adverts;
//   a new master uses its own interval again.
// * The effective priority (base plus tracking weights, computed by the
//   driver) stays within 1..254 and never changes for an address owner; a
//   rise in BACKUP shortens the running Master_Down_Timer by the skew change.
//
// Not thread-safe: one instance per virtual router, owned by its driver.
#pragma once

#include <cstdint>
#include <optional>

#include "vrrp/address.h"
#include "vrrp/counters.h"
#include "vrrp/packet.h"
#include "vrrp/step.h"
#include "vrrp/timing.h"

namespace sluice::vrrp {

inline constexpr uint8_t kPriorityOwner = 255;
inline constexpr uint8_t kPriorityResign = 0;

struct MachineConfig {
  Version version = Version::kV2;
  uint8_t priority = 100;           // 1..255; 255: the address owner
  uint16_t advertIntervalCs = 100;  // Advertisement_Interval
  bool initialMaster = false;       // `state MASTER`
  bool nopreempt = false;
  Millis preemptDelay{0};           // keepalived ignores it with nopreempt
  uint32_t downTimerAdverts = 3;    // adverts missed before Master_Down
  bool lowerPrioNoAdvert = false;   // MASTER: do not answer lower-priority adverts
  bool higherPrioSendAdvert = false;// MASTER: send one advert before stepping down
  wire::IpAddress primaryAddress;         // the source of our adverts (priority ties)
};

// An advert that passed decoding and the instance checks.
struct ReceivedAdvert {
  uint8_t priority = 0;
  wire::IpAddress source;               // the IP header's source address
  uint16_t advertIntervalCs = 0;  // what the advert carries

  static ReceivedAdvert from(const Advert& advert, const wire::IpAddress& source) {
    return {advert.priority, source, advert.advertIntervalCs};
  }
};

class StateMachine {
 public:
  explicit StateMachine(const MachineConfig& config);

  // Startup event: INIT -> MASTER, BACKUP or FAULT. Nothing in other states.
  Step start(Millis now);
  // Shutdown event: -> INIT; a master sends priority 0 and releases.
  Step shutdown(Millis now);
  Step onAdvert(const ReceivedAdvert& advert, Millis now);
  // The deadline came: BACKUP's Master_Down_Timer or MASTER's Adver_Timer.
  // Nothing when called before nextDeadline().
  Step onTimer(Millis now);
  // The interface or a tracked object went down / came back (keepalived's
  // FAULT). A fault set in INIT makes start() go to FAULT.
  Step setFault(Millis now);
  Step clearFault(Millis now);
  // vrrp_sync_group: another member became MASTER (BACKUP -> MASTER, as if
  // the Master_Down_Timer fired) or left MASTER for BACKUP (MASTER ->
  // BACKUP, releasing without a priority-0 advert). Nothing in other states.
  Step syncMaster(Millis now);
  Step syncBackup(Millis now);
  // The driver's new effective priority (base plus tracking weights).
  Step setPriority(int effectivePriority, Millis now);
  // While held, BACKUP accepts a lower-priority master as with nopreempt
  // (the router is not ready to take over: connection sync has not brought
  // it the master's connections yet). Released, preemption works again:
  // the Master_Down_Timer of the last accepted advert runs on.
  void holdPreemption(bool hold) { preemptHold_ = hold; }
  bool preemptionHeld() const { return preemptHold_; }

  State state() const { return state_; }
  uint8_t priority() const { return priority_; }  // effective, as advertised
  uint16_t masterAdverIntervalCs() const { return masterAdverIntervalCs_; }
  std::optional<Millis> nextDeadline() const { return deadline_; }
  std::optional<Millis> preemptAt() const { return preemptAt_; }
  // The master as last heard in BACKUP (ourselves in MASTER).
  std::optional<wire::IpAddress> masterAddress() const { return masterAddress_; }
  const Counters& counters() const { return counters_; }
  const MachineConfig& config() const { return config_; }

 private:
  bool startsAsMaster() const;
  Millis masterDownInterval() const;
  Step begin() const;
  Step& finish(Step& step) const;
  void emit(Step& step, Action action);

  void becomeMaster(Step& step, Millis now);
  void enterBackup(Millis now);
  void leaveMaster(Step& step, bool resign);
  void backupReceive(Step& step, const ReceivedAdvert& advert, Millis now);
  void acceptMaster(Step& step, const ReceivedAdvert& advert, Millis now);
  void masterReceive(Step& step, const ReceivedAdvert& advert, Millis now);
  void stepDown(Step& step, const ReceivedAdvert& advert, Millis now);
  void learnInterval(const ReceivedAdvert& advert);
  bool preemptHeldBack(Millis now) const;

  MachineConfig config_;
  State state_ = State::kInit;
  uint8_t basePriority_;
  uint8_t priority_;
  uint16_t masterAdverIntervalCs_;
  bool faulted_ = false;
  std::optional<Millis> deadline_;
  std::optional<Millis> preemptAt_;
  std::optional<wire::IpAddress> masterAddress_;
  bool preemptHold_ = false;
  Counters counters_;
};

}  // namespace sluice::vrrp
