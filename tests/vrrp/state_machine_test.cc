// The state machine, row by row: every row of RFC 5798 6.4 (Initialize,
// Backup, Master), keepalived's FAULT, the address owner, priority 0,
// preempt / nopreempt / preempt_delay, VRRPv3 interval learning and
// fractional intervals. Then two machines talking through the codec.
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "tests/vrrp/test_support.h"
#include "vrrp/packet.h"
#include "vrrp/state_machine.h"

namespace sluice::vrrp {
namespace {

using namespace std::chrono_literals;
using test::ip;

const wire::IpAddress kOurs = ip("10.0.0.2");
const wire::IpAddress kLowerPeer = ip("10.0.0.1");
const wire::IpAddress kHigherPeer = ip("10.0.0.3");

struct Event {
  enum Kind { kStart, kAdvert, kTimer, kShutdown, kFault, kClear, kPriority, kSyncMaster, kSyncBackup } kind;
  Millis at;
  int priority = 0;  // the advert's, or the new effective one
  wire::IpAddress source = kLowerPeer;
  uint16_t intervalCs = 100;
};

Event start(Millis at) { return {Event::kStart, at}; }
Event timer(Millis at) { return {Event::kTimer, at}; }
Event shutdown(Millis at) { return {Event::kShutdown, at}; }
Event fault(Millis at) { return {Event::kFault, at}; }
Event clear(Millis at) { return {Event::kClear, at}; }
Event priority(Millis at, int p) { return {Event::kPriority, at, p}; }
Event syncMaster(Millis at) { return {Event::kSyncMaster, at}; }
Event syncBackup(Millis at) { return {Event::kSyncBackup, at}; }
Event advert(Millis at, int p, wire::IpAddress from = kLowerPeer, uint16_t intervalCs = 100) {
  return {Event::kAdvert, at, p, from, intervalCs};
}

Step apply(StateMachine& m, const Event& e) {
  switch (e.kind) {
    case Event::kStart: return m.start(e.at);
    case Event::kAdvert:
      return m.onAdvert({static_cast<uint8_t>(e.priority), e.source, e.intervalCs}, e.at);
    case Event::kTimer: return m.onTimer(e.at);
    case Event::kShutdown: return m.shutdown(e.at);
    case Event::kFault: return m.setFault(e.at);
    case Event::kClear: return m.clearFault(e.at);
    case Event::kPriority: return m.setPriority(e.priority, e.at);
    case Event::kSyncMaster: return m.syncMaster(e.at);
    case Event::kSyncBackup: return m.syncBackup(e.at);
  }
  return {};
}

MachineConfig v2(uint8_t prio = 100) { return {.priority = prio, .primaryAddress = kOurs}; }
MachineConfig v3(uint8_t prio = 100, uint16_t intervalCs = 100) {
  return {.version = Version::kV3, .priority = prio, .advertIntervalCs = intervalCs, .primaryAddress = kOurs};
}
template <typename F>
MachineConfig with(MachineConfig c, F change) {
  change(c);
  return c;
}

using A = Action;
using S = State;

struct Row {
  const char* name;
  MachineConfig config;
  std::vector<Event> events;
  State state;                     // after the last event
  std::vector<Action> actions;     // of the last event
  std::optional<Millis> deadline;  // after the last event
  Note note = Note::kNone;         // of the last event
  std::optional<int> priority = std::nullopt;  // effective, after the last event
};

// A v2 priority-100 router made master: BACKUP at 0, Master_Down at 3609.
std::vector<Event> toMaster(std::vector<Event> then) {
  std::vector<Event> e = {start(0ms), timer(3609ms)};
  e.insert(e.end(), then.begin(), then.end());
  return e;
}

std::string describe(const std::vector<Action>& actions) {
  std::string s;
  for (Action a : actions) s += std::string(actionName(a)) + " ";
  return s;
}

std::string describe(const ActionList& actions) {
  return describe(std::vector<Action>(actions.begin(), actions.end()));
}

std::vector<Row> rows() {
  return {
      // ------------------------------------------------ Initialize (RFC 6.4.1)
      {"init: startup below 255 -> BACKUP, Master_Down_Timer = Master_Down_Interval",
       v2(), {start(0ms)}, S::kBackup, {}, 3609ms},
      {"init: startup as address owner -> MASTER, advert + ARP, Adver_Timer",
       v2(255), {start(0ms)}, S::kMaster, {A::kSendAdvert, A::kTakeOver}, 1000ms},
      {"init: `state MASTER` below 255 still starts in BACKUP (keepalived >= 2.0)",
       with(v2(), [](auto& c) { c.initialMaster = true; }), {start(0ms)}, S::kBackup, {}, 3609ms},
      {"init: owner with nopreempt and state BACKUP waits like a backup",
       with(v2(255), [](auto& c) { c.nopreempt = true; }), {start(0ms)}, S::kBackup, {}, 3003ms},
      {"init: owner with nopreempt and state MASTER -> MASTER",
       with(v2(255), [](auto& c) { c.nopreempt = true; c.initialMaster = true; }), {start(0ms)}, S::kMaster,
       {A::kSendAdvert, A::kTakeOver}, 1000ms},
      {"init: startup with a fault -> FAULT, no timer", v2(), {fault(0ms), start(0ms)}, S::kFault, {}, std::nullopt},
      {"init: adverts are ignored", v2(), {advert(0ms, 200)}, S::kInit, {}, std::nullopt,
       Note::kIgnoredNotRunning},
      {"init: a second start does nothing", v2(), {start(0ms), start(500ms)}, S::kBackup, {}, 3609ms},
      {"init: start again after shutdown", v2(), {start(0ms), shutdown(100ms), start(200ms)}, S::kBackup, {},
       3809ms},
      {"init: v3 0.5 s interval: Master_Down = 1.5 s + skew", v3(100, 50), {start(0ms)}, S::kBackup, {}, 1804ms},

      // ------------------------------------------------ Backup (RFC 6.4.2)
      {"backup: shutdown -> INIT, Master_Down_Timer cancelled", v2(), {start(0ms), shutdown(5ms)}, S::kInit, {},
       std::nullopt},
      {"backup: Master_Down_Timer fires -> MASTER, advert then ARP",
       v2(), {start(0ms), timer(3609ms)}, S::kMaster, {A::kSendAdvert, A::kTakeOver}, 4609ms},
      {"backup: a timer call before the deadline does nothing", v2(), {start(0ms), timer(3608ms)}, S::kBackup, {},
       3609ms},
      {"backup: priority 0 -> Master_Down_Timer = Skew_Time", v2(), {start(0ms), advert(1000ms, 0)}, S::kBackup,
       {}, 1609ms},
      {"backup: priority 0 then Skew_Time -> MASTER", v2(), {start(0ms), advert(1000ms, 0), timer(1609ms)},
       S::kMaster, {A::kSendAdvert, A::kTakeOver}, 2609ms},
      {"backup: higher priority -> reset Master_Down_Timer", v2(), {start(0ms), advert(1000ms, 150)}, S::kBackup,
       {}, 4609ms},
      {"backup: equal priority (any address) -> reset", v2(),
       {start(0ms), advert(1000ms, 100, kHigherPeer), advert(2000ms, 100, kLowerPeer)}, S::kBackup, {}, 5609ms},
      {"backup: preempt, lower priority -> discarded, timer runs on", v2(), {start(0ms), advert(1000ms, 50)},
       S::kBackup, {}, 3609ms, Note::kLowerPriorityDiscarded},
      {"backup: preempt, lower master keeps advertising -> we take over", v2(),
       {start(0ms), advert(1000ms, 50), advert(2000ms, 50), advert(3000ms, 50), timer(3609ms)}, S::kMaster,
       {A::kSendAdvert, A::kTakeOver}, 4609ms},
      {"backup: nopreempt, lower priority -> accepted", with(v2(), [](auto& c) { c.nopreempt = true; }),
       {start(0ms), advert(1000ms, 50)}, S::kBackup, {}, 4609ms},
      {"backup: nopreempt, `state MASTER` too: still accepted",
       with(v2(), [](auto& c) { c.nopreempt = true; c.initialMaster = true; }),
       {start(0ms), advert(1000ms, 1)}, S::kBackup, {}, 4609ms},
      {"backup: preempt_delay: first lower advert accepted, delay starts",
       with(v2(), [](auto& c) { c.preemptDelay = 5000ms; }), {start(0ms), advert(1000ms, 50)}, S::kBackup, {},
       4609ms, Note::kPreemptDelayStarted},
      {"backup: preempt_delay: lower adverts accepted while it runs",
       with(v2(), [](auto& c) { c.preemptDelay = 5000ms; }),
       {start(0ms), advert(1000ms, 50), advert(3000ms, 50), advert(5999ms, 50)}, S::kBackup, {}, 9608ms},
      {"backup: preempt_delay over: lower adverts discarded",
       with(v2(), [](auto& c) { c.preemptDelay = 5000ms; }),
       {start(0ms), advert(1000ms, 50), advert(5000ms, 50), advert(6000ms, 50)}, S::kBackup, {}, 8609ms,
       Note::kLowerPriorityDiscarded},
      {"backup: preempt_delay over -> MASTER at Master_Down",
       with(v2(), [](auto& c) { c.preemptDelay = 5000ms; }),
       {start(0ms), advert(1000ms, 50), advert(5000ms, 50), advert(6000ms, 50), advert(7000ms, 50),
        timer(8609ms)},
       S::kMaster, {A::kSendAdvert, A::kTakeOver}, 9609ms},
      {"backup: preempt_delay restarts after a higher master",
       with(v2(), [](auto& c) { c.preemptDelay = 5000ms; }),
       {start(0ms), advert(1000ms, 50), advert(2000ms, 150), advert(3000ms, 50)}, S::kBackup, {}, 6609ms,
       Note::kPreemptDelayStarted},
      {"backup: preempt_delay is ignored with nopreempt",
       with(v2(), [](auto& c) { c.nopreempt = true; c.preemptDelay = 5000ms; }),
       {start(0ms), advert(1000ms, 50)}, S::kBackup, {}, 4609ms},
      {"backup v3: learns the master's 0.5 s interval", v3(),
       {start(0ms), advert(1000ms, 150, kLowerPeer, 50)}, S::kBackup, {}, 2804ms},
      {"backup v3: priority 0 skew from the learnt interval", v3(),
       {start(0ms), advert(1000ms, 150, kLowerPeer, 50), advert(1500ms, 0, kLowerPeer, 50)}, S::kBackup, {},
       1804ms},
      {"backup v3: a discarded lower advert teaches nothing", v3(),
       {start(0ms), advert(1000ms, 50, kLowerPeer, 50)}, S::kBackup, {}, 3609ms, Note::kLowerPriorityDiscarded},
      {"backup v3: interval 0 is not learnt", v3(), {start(0ms), advert(1000ms, 150, kLowerPeer, 0)}, S::kBackup,
       {}, 4609ms},
      {"backup v2: the interval is the configured one", v2(), {start(0ms), advert(1000ms, 150, kLowerPeer, 200)},
       S::kBackup, {}, 4609ms},
      {"backup: fault -> FAULT, no timer", v2(), {start(0ms), fault(100ms)}, S::kFault, {}, std::nullopt},
      {"backup: priority rise brings Master_Down forward by the skew change", v2(),
       {start(0ms), priority(10ms, 200)}, S::kBackup, {}, 3218ms, Note::kNone, 200},
      {"backup: priority fall leaves the running timer", v2(), {start(0ms), priority(10ms, 50)}, S::kBackup, {},
       3609ms, Note::kNone, 50},
      {"backup: after a rise the accepted master is still above us", v2(),
       {start(0ms), priority(10ms, 140), advert(1000ms, 150)}, S::kBackup, {}, 1000ms + 3000ms + 453ms,
       Note::kNone, 140},
      {"backup: a rise above the master -> its adverts are discarded", v2(),
       {start(0ms), advert(1000ms, 150), priority(1500ms, 160), advert(2000ms, 150)}, S::kBackup, {},
       4609ms - (609ms - 375ms),
       Note::kLowerPriorityDiscarded, 160},

      // ------------------------------------------------ Master (RFC 6.4.3)
      {"master: Adver_Timer fires -> advert, timer reset", v2(), toMaster({timer(4609ms)}), S::kMaster,
       {A::kSendAdvert}, 5609ms},
      {"master: a timer call before the deadline does nothing", v2(), toMaster({timer(4000ms)}), S::kMaster, {},
       4609ms},
      {"master: shutdown -> priority 0 advert, release, INIT", v2(), toMaster({shutdown(4000ms)}), S::kInit,
       {A::kSendPriorityZero, A::kRelease}, std::nullopt},
      {"master: priority 0 received -> advert at once, Adver_Timer reset", v2(), toMaster({advert(4000ms, 0)}),
       S::kMaster, {A::kSendAdvert}, 5000ms},
      {"master: higher priority -> BACKUP, release, no priority 0", v2(), toMaster({advert(4000ms, 150)}),
       S::kBackup, {A::kRelease}, 7609ms},
      {"master: equal priority, higher address -> BACKUP", v2(), toMaster({advert(4000ms, 100, kHigherPeer)}),
       S::kBackup, {A::kRelease}, 7609ms},
      {"master: equal priority, lower address -> answered", v2(), toMaster({advert(4000ms, 100, kLowerPeer)}),
       S::kMaster, {A::kSendAdvert}, 5000ms, Note::kLowerPriorityMaster},
      {"master: lower priority -> answered at once (keepalived)", v2(),
       toMaster({advert(4000ms, 50, kHigherPeer)}), S::kMaster, {A::kSendAdvert}, 5000ms,
       Note::kLowerPriorityMaster},
      {"master: lower priority, lower_prio_no_advert -> discarded (RFC)",
       with(v2(), [](auto& c) { c.lowerPrioNoAdvert = true; }), toMaster({advert(4000ms, 50)}), S::kMaster, {},
       4609ms, Note::kLowerPriorityMaster},
      {"master: higher_prio_send_advert -> one advert, then BACKUP",
       with(v2(), [](auto& c) { c.higherPrioSendAdvert = true; }), toMaster({advert(4000ms, 150)}), S::kBackup,
       {A::kSendAdvert, A::kRelease}, 7609ms},
      {"master: equal priority from our own address -> noted, nothing else", v2(),
       toMaster({advert(4000ms, 100, kOurs)}), S::kMaster, {}, 4609ms, Note::kSameAddress},
      {"master: own priority lowered, backup now higher -> BACKUP", v2(),
       toMaster({priority(3700ms, 50), advert(4000ms, 80)}), S::kBackup, {A::kRelease}, 4000ms + 3000ms + 804ms,
       Note::kNone, 50},
      {"master v3: higher advert -> BACKUP with the master's interval", v3(),
       toMaster({advert(4000ms, 150, kLowerPeer, 200)}), S::kBackup, {A::kRelease}, 11218ms},
      {"master v3: master again -> its own interval", v3(),
       toMaster({advert(4000ms, 150, kLowerPeer, 200), timer(11218ms)}), S::kMaster,
       {A::kSendAdvert, A::kTakeOver}, 12218ms},
      {"master v3: 0.5 s adverts", v3(255, 50), {start(0ms), timer(500ms)}, S::kMaster, {A::kSendAdvert}, 1000ms},
      {"master v3: 0.01 s adverts", v3(255, 1), {start(0ms), timer(10ms), timer(20ms)}, S::kMaster,
       {A::kSendAdvert}, 30ms},

      // ------------------------------------------------ address owner
      {"owner: two owners -> ours lowered to 254, the other (higher address) wins", v2(255),
       {start(0ms), advert(500ms, 255, kHigherPeer)}, S::kBackup, {A::kRelease}, 500ms + 3000ms + 7ms,
       Note::kOwnerConflict, 254},
      {"owner: two owners -> lowered even against a lower address", v2(255),
       {start(0ms), advert(500ms, 255, kLowerPeer)}, S::kBackup, {A::kRelease}, 3507ms, Note::kOwnerConflict,
       254},
      {"owner: the effective priority never changes", v2(255), {start(0ms), priority(10ms, 100)}, S::kMaster, {},
       1000ms, Note::kNone, 255},
      {"owner: lower adverts answered", v2(255), {start(0ms), advert(500ms, 254, kHigherPeer)}, S::kMaster,
       {A::kSendAdvert}, 1500ms, Note::kLowerPriorityMaster},

      // ------------------------------------------------ priority
      {"priority: clamped to 1", v2(), {priority(0ms, 0)}, S::kInit, {}, std::nullopt, Note::kNone, 1},
      {"priority: clamped to 254", v2(), {priority(0ms, 300)}, S::kInit, {}, std::nullopt, Note::kNone, 254},
      {"priority: set before start shapes the first timer", v2(), {priority(0ms, 200), start(0ms)}, S::kBackup, {},
       3218ms, Note::kNone, 200},

      // ------------------------------------------------ FAULT (keepalived)
      {"fault: master -> priority 0, release, FAULT", v2(), toMaster({fault(4000ms)}), S::kFault,
       {A::kSendPriorityZero, A::kRelease}, std::nullopt},
      {"fault: adverts ignored", v2(), {start(0ms), fault(10ms), advert(20ms, 200)}, S::kFault, {}, std::nullopt,
       Note::kIgnoredNotRunning},
      {"fault: timer does nothing", v2(), {start(0ms), fault(10ms), timer(5000ms)}, S::kFault, {}, std::nullopt},
      {"fault: cleared -> BACKUP, Master_Down_Timer", v2(), toMaster({fault(4000ms), clear(5000ms)}), S::kBackup,
       {}, 8609ms},
      {"fault: cleared, v3 interval back to our own", v3(),
       {start(0ms), advert(1000ms, 150, kLowerPeer, 50), fault(1200ms), clear(2000ms)}, S::kBackup, {}, 5609ms},
      {"fault: owner cleared -> MASTER at once", v2(255), {start(0ms), fault(100ms), clear(200ms)}, S::kMaster,
       {A::kSendAdvert, A::kTakeOver}, 1200ms},
      {"fault: cleared before start -> start goes BACKUP", v2(), {fault(0ms), clear(1ms), start(2ms)}, S::kBackup,
       {}, 3611ms},
      {"fault: shutdown -> INIT", v2(), {start(0ms), fault(10ms), shutdown(20ms)}, S::kInit, {}, std::nullopt},
      // ------------------------------------------------ vrrp_sync_group
      {"sync: a member became MASTER -> BACKUP becomes MASTER at once", v2(), {start(0ms), syncMaster(100ms)},
       S::kMaster, {A::kSendAdvert, A::kTakeOver}, 1100ms},
      {"sync: a member left MASTER -> MASTER releases without priority 0, Master_Down_Timer",
       v2(), toMaster({syncBackup(4000ms)}), S::kBackup, {A::kRelease}, 7609ms},
      {"sync: MASTER ignores syncMaster", v2(), toMaster({syncMaster(4000ms)}), S::kMaster, {}, 4609ms},
      {"sync: FAULT ignores both", v2(), {start(0ms), fault(10ms), syncMaster(20ms), syncBackup(30ms)}, S::kFault, {},
       std::nullopt},
      {"fault: cleared when not faulted does nothing", v2(), {start(0ms), clear(10ms)}, S::kBackup, {}, 3609ms},
  };
}

TEST(VrrpStateMachine, Transitions) {
  for (const Row& r : rows()) {
    SCOPED_TRACE(r.name);
    StateMachine m(r.config);
    Step last;
    for (const Event& e : r.events) last = apply(m, e);
    EXPECT_EQ(stateName(m.state()), stateName(r.state));
    EXPECT_EQ(stateName(last.to), stateName(r.state));
    EXPECT_EQ(describe(last.actions), describe(r.actions));
    EXPECT_EQ(m.nextDeadline(), r.deadline);
    EXPECT_EQ(noteName(last.note), noteName(r.note));
    if (r.priority) {
      EXPECT_EQ(m.priority(), *r.priority);
    }
  }
}

TEST(VrrpStateMachine, StepReportsTheTransition) {
  StateMachine m(v2());
  Step s = m.start(0ms);
  EXPECT_EQ(s.from, State::kInit);
  EXPECT_EQ(s.to, State::kBackup);
  EXPECT_TRUE(s.changed());
  s = m.onAdvert({150, kLowerPeer, 100}, 100ms);
  EXPECT_FALSE(s.changed());
  EXPECT_EQ(m.masterAddress(), kLowerPeer);
}

TEST(VrrpStateMachine, PreemptDelayDeadlineIsVisible) {
  MachineConfig c = v2();
  c.preemptDelay = 5000ms;
  StateMachine m(c);
  m.start(0ms);
  m.onAdvert({50, kLowerPeer, 100}, 1000ms);
  EXPECT_EQ(m.preemptAt(), 6000ms);
  m.onAdvert({150, kLowerPeer, 100}, 2000ms);
  EXPECT_EQ(m.preemptAt(), std::nullopt);
}

TEST(VrrpStateMachine, Counters) {
  StateMachine m(v2());
  m.start(0ms);
  m.onAdvert({0, kLowerPeer, 100}, 100ms);       // pri_zero_rcvd
  m.onTimer(709ms);                               // become_master, advert_sent
  m.onTimer(1709ms);                              // advert_sent
  m.onAdvert({50, kHigherPeer, 100}, 1800ms);     // answered: advert_sent
  m.onAdvert({150, kHigherPeer, 100}, 1900ms);    // release_master
  m.onTimer(1900ms + 3609ms);                     // become_master, advert_sent
  m.shutdown(6000ms);                             // pri_zero_sent, advert_sent
  m.setFault(6100ms);                             // INIT: nothing
  const Counters& c = m.counters();
  EXPECT_EQ(c.get(Counter::kAdvertRcvd), 3u);
  EXPECT_EQ(c.get(Counter::kPriZeroRcvd), 1u);
  EXPECT_EQ(c.get(Counter::kBecomeMaster), 2u);
  EXPECT_EQ(c.get(Counter::kReleaseMaster), 1u);
  EXPECT_EQ(c.get(Counter::kAdvertSent), 5u);
  EXPECT_EQ(c.get(Counter::kPriZeroSent), 1u);
}

// ---------------------------------------------------------------- two routers

// Two instances of one VRID on a simulated LAN: every advert is encoded,
// carried and decoded, so the codec and the machine are exercised together.
class Lan {
 public:
  struct Router {
    StateMachine machine;
    wire::IpAddress address;
    bool up = true;
  };

  Lan(MachineConfig a, MachineConfig b) : routers_{Router{StateMachine(a), a.primaryAddress},
                                                   Router{StateMachine(b), b.primaryAddress}} {}

  Router& router(int i) { return routers_[static_cast<std::size_t>(i)]; }

  // False: a partition; adverts are sent but do not arrive.
  bool linked = true;

  void startAll(Millis now) {
    for (int i = 0; i < 2; ++i) deliver(i, router(i).machine.start(now), now);
  }

  // Runs every timer up to `until`, in time order.
  void runUntil(Millis until) {
    for (;;) {
      int next = -1;
      for (int i = 0; i < 2; ++i) {
        const auto d = router(i).machine.nextDeadline();
        if (router(i).up && d && *d <= until &&
            (next < 0 || *d < *router(next).machine.nextDeadline())) {
          next = i;
        }
      }
      if (next < 0) return;
      const Millis now = *router(next).machine.nextDeadline();
      deliver(next, router(next).machine.onTimer(now), now);
    }
  }

  void shutdown(int i, Millis now) {
    deliver(i, router(i).machine.shutdown(now), now);
    router(i).up = false;
  }

  int masters() const {
    int n = 0;
    for (const auto& r : routers_) n += r.machine.state() == State::kMaster;
    return n;
  }

 private:
  // Sends what `from` must send to the other router.
  void deliver(int from, const Step& step, Millis now) {
    for (Action a : step.actions) {
      if (a != Action::kSendAdvert && a != Action::kSendPriorityZero) continue;
      Router& sender = router(from);
      Router& peer = router(1 - from);
      const std::vector<wire::IpAddress> vips = {ip("192.168.50.1")};
      const auto& cfg = sender.machine.config();
      std::vector<uint8_t> wire(64);
      auto size = encodeAdvert({.version = cfg.version, .vrid = 51,
                                .priority = a == Action::kSendPriorityZero ? uint8_t{0} : sender.machine.priority(),
                                .advertIntervalCs = cfg.advertIntervalCs, .addresses = vips,
                                .source = sender.address, .destination = kMulticastV4},
                               wire);
      ASSERT_TRUE(size.ok());
      wire.resize(size.value());
      if (!peer.up || !linked) continue;
      auto advert = decodeAdvert(wire, sender.address, kMulticastV4);
      ASSERT_TRUE(advert.ok());
      const Step answer =
          peer.machine.onAdvert({advert->priority, sender.address, advert->advertIntervalCs}, now);
      deliver(1 - from, answer, now);
    }
  }

  std::array<Router, 2> routers_;
};

TEST(VrrpTwoRouters, HigherPriorityWinsAndFailsOverWithinSkew) {
  for (const Version version : {Version::kV2, Version::kV3}) {
    SCOPED_TRACE(static_cast<int>(version));
    Lan lan({.version = version, .priority = 150, .primaryAddress = ip("10.0.0.1")},
            {.version = version, .priority = 100, .primaryAddress = ip("10.0.0.2")});
    lan.startAll(0ms);
    lan.runUntil(60000ms);
    EXPECT_EQ(lan.router(0).machine.state(), State::kMaster);
    EXPECT_EQ(lan.router(1).machine.state(), State::kBackup);
    EXPECT_EQ(lan.masters(), 1);

    // The master resigns with priority 0: the backup takes over after its
    // Skew_Time (609 ms at priority 100), not Master_Down_Interval.
    lan.shutdown(0, 60000ms);
    EXPECT_EQ(lan.router(1).machine.nextDeadline(), 60609ms);
    lan.runUntil(60609ms);
    EXPECT_EQ(lan.router(1).machine.state(), State::kMaster);
  }
}

// A backup accepts an equal-priority master whatever its address; the
// address decides only between two masters, as after a partition heals.
TEST(VrrpTwoRouters, EqualPrioritiesAfterAPartitionElectTheHigherAddress) {
  Lan lan({.priority = 100, .primaryAddress = ip("10.0.0.1")}, {.priority = 100, .primaryAddress = ip("10.0.0.2")});
  lan.linked = false;
  lan.startAll(0ms);
  lan.runUntil(5000ms);
  ASSERT_EQ(lan.masters(), 2);
  lan.linked = true;
  lan.runUntil(30000ms);
  EXPECT_EQ(lan.masters(), 1);
  EXPECT_EQ(lan.router(1).machine.state(), State::kMaster);
}

TEST(VrrpTwoRouters, EqualPrioritiesTheFirstToTimeOutStays) {
  Lan lan({.priority = 100, .primaryAddress = ip("10.0.0.1")}, {.priority = 100, .primaryAddress = ip("10.0.0.2")});
  lan.startAll(0ms);
  lan.runUntil(30000ms);
  EXPECT_EQ(lan.masters(), 1);
  EXPECT_EQ(lan.router(0).machine.state(), State::kMaster);  // its timer ran first
}

TEST(VrrpTwoRouters, NopreemptKeepsTheCurrentMaster) {
  // Router 1 (lower) becomes master alone; router 0 (higher, nopreempt)
  // comes up later and stays BACKUP.
  Lan lan({.priority = 150, .nopreempt = true, .primaryAddress = ip("10.0.0.1")},
          {.priority = 100, .primaryAddress = ip("10.0.0.2")});
  lan.router(0).up = false;
  lan.router(1).machine.start(0ms);
  lan.runUntil(5000ms);
  ASSERT_EQ(lan.router(1).machine.state(), State::kMaster);
  lan.router(0).up = true;
  lan.router(0).machine.start(5000ms);
  lan.runUntil(60000ms);
  EXPECT_EQ(lan.router(1).machine.state(), State::kMaster);
  EXPECT_EQ(lan.router(0).machine.state(), State::kBackup);
}

TEST(VrrpTwoRouters, PreemptTakesOverFromALowerMaster) {
  Lan lan({.priority = 150, .primaryAddress = ip("10.0.0.1")}, {.priority = 100, .primaryAddress = ip("10.0.0.2")});
  lan.router(0).up = false;
  lan.router(1).machine.start(0ms);
  lan.runUntil(5000ms);
  ASSERT_EQ(lan.router(1).machine.state(), State::kMaster);
  lan.router(0).up = true;
  lan.router(0).machine.start(5000ms);
  lan.runUntil(60000ms);
  EXPECT_EQ(lan.router(0).machine.state(), State::kMaster);
  EXPECT_EQ(lan.router(1).machine.state(), State::kBackup);
}

// A returning higher-priority router that holds preemption (its
// connection sync is not complete) stays backup of the lower master; once
// released it takes over within a Master_Down_Interval.
TEST(VrrpTwoRouters, HeldPreemptionWaitsForTheRelease) {
  Lan lan({.priority = 150, .primaryAddress = ip("10.0.0.1")}, {.priority = 100, .primaryAddress = ip("10.0.0.2")});
  lan.router(0).up = false;
  lan.router(1).machine.start(0ms);
  lan.runUntil(5000ms);
  ASSERT_EQ(lan.router(1).machine.state(), State::kMaster);
  lan.router(0).up = true;
  lan.router(0).machine.holdPreemption(true);
  lan.router(0).machine.start(5000ms);
  lan.runUntil(30000ms);
  EXPECT_EQ(lan.router(0).machine.state(), State::kBackup);
  EXPECT_EQ(lan.router(0).machine.masterAddress(), ip("10.0.0.2"));
  EXPECT_EQ(lan.router(1).machine.state(), State::kMaster);
  lan.router(0).machine.holdPreemption(false);
  lan.runUntil(34000ms);
  EXPECT_EQ(lan.router(0).machine.state(), State::kMaster);
  EXPECT_EQ(lan.router(1).machine.state(), State::kBackup);
}

}  // namespace
}  // namespace sluice::vrrp
