// The VRRP driver: runs every vrrp_instance of the configuration on the
// data plane's ports. Adverts leave through `Io::send` (the data plane's
// TX ring), received ones come in through handleFrame (the exception ring),
// timers advance in tick(). It applies vrrp_sync_group, track_script and
// track_interface, sends gratuitous ARPs / unsolicited NAs as keepalived
// does, and tells the control loop which VIPs this router holds
// (ownership(), whose version moves on every change) and which transitions
// happened (takeTransitions(), for notify scripts and alerts).
//
// Pure control-path code: no DPDK, no threads, the time comes from the
// caller, so it is tested with two drivers wired to each other.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/common/log_line.h"
#include "controlplane/config/model.h"
#include "controlplane/failover/advert_frame.h"
#include "controlplane/failover/instance.h"
#include "controlplane/failover/tracking.h"
#include "controlplane/tables/vip_ownership.h"

namespace sluice::failover {

using vrrp::Millis;

struct Io {
  // Queues a frame on a port.
  std::function<void(uint16_t port, const Frame& frame)> send;
  // A unicast peer's MAC address on a port, or nullopt when not known yet
  // (the driver then skips that peer's advert; the caller resolves it).
  std::function<std::optional<dp::MacAddr>(uint16_t port, const wire::IpAddress& peer)> neighbour;
  // Where transitions and refused adverts are told; stderr when empty.
  common::LogSink log;
};

struct Transition {
  std::string instance;
  std::optional<std::string> group;
  vrrp::State from = vrrp::State::kInit;
  vrrp::State to = vrrp::State::kInit;
  uint8_t priority = 0;
};

class Driver {
 public:
  // Throws std::invalid_argument when an instance cannot run on these ports.
  Driver(const config::Config& config, std::vector<PortInfo> ports, Io io);

  // Starts every instance (INIT -> BACKUP, MASTER or FAULT).
  void start(Millis now);
  // Shuts every instance down: a master sends priority 0 and releases.
  void stop(Millis now);

  // Takes a frame from the exception ring: true when it was a VRRP or AH
  // packet (handled or counted), false for anything else.
  bool handleFrame(uint16_t port, std::span<const uint8_t> frame, Millis now);
  // Timers: adverts, Master_Down, preempt delay, gratuitous ARP bursts.
  void tick(Millis now);
  // Tracked objects changed (port links, vrrp_script results).
  void setTracked(const TrackedStates& states, Millis now);

  // A new configuration: instances whose block (and sync group) is
  // unchanged keep running as they are; changed ones are stopped and
  // started anew; removed ones stop. All or nothing: throws
  // std::invalid_argument with nothing changed.
  void reconfigure(const config::Config& config, Millis now);

  // Holds or releases preemption on every instance, new ones included
  // (vrrp::StateMachine::holdPreemption): a router waiting for its
  // connection sync does not take over from a lower-priority master.
  void holdPreemption(bool hold);
  bool preemptionHeld() const { return preemptHold_; }
  // The instance called `name`, or nullptr.
  const Instance* instance(std::string_view name) const;

  tables::VipOwnership ownership() const;
  uint64_t ownershipVersion() const { return ownershipVersion_; }
  std::vector<Transition> takeTransitions() { return std::exchange(transitions_, {}); }

  const std::vector<std::unique_ptr<Instance>>& instances() const { return instances_; }
  uint64_t unknownVrid() const { return unknownVrid_; }
  uint64_t ownAdverts() const { return ownAdverts_; }

 private:
  // Logs the virtual servers whose address no instance holds: no router serves them.
  void warnUnserved() const;
  void execute(Instance& inst, const vrrp::Step& step, Millis now);
  void sendAdvert(Instance& inst, uint8_t priority);
  // Sends `repeat` GARPs / NAs for each of the instance's addresses: back
  // to back, or queued on their port when vrrp_garp_interval /
  // vrrp_gna_interval space them (keepalived spaces them per interface).
  void announce(const Instance& inst, uint32_t repeat, Millis now);
  // Sends the queued GARPs / NAs whose port's interval has passed, one per port.
  void sendPaced(Millis now);
  // Forgets the queued GARPs / NAs of an instance that no longer holds its addresses.
  void dropPaced(const Instance& inst);
  void followGroup(const Instance& changed, Millis now);
  void applyTracking(Millis now);
  void refuse(Instance& inst, vrrp::DecodeError error);
  Instance* instanceFor(uint16_t port, const ReceivedFrame& frame);

  struct PacedFrame {
    wire::IpAddress address;
    Frame frame;
  };
  struct PacedQueue {
    std::deque<PacedFrame> frames;
    Millis interval{0};
    Millis nextSlot{0};  // when this port may send its next one
  };

  config::Config config_;
  std::vector<PortInfo> ports_;
  std::map<std::pair<uint16_t, bool>, PacedQueue> paced_;  // (port, IPv6) -> GARPs / NAs waiting
  Io io_;
  std::vector<std::unique_ptr<Instance>> instances_;
  TrackedStates tracked_;
  std::vector<Transition> transitions_;
  uint64_t ownershipVersion_ = 0;
  uint64_t unknownVrid_ = 0;
  uint64_t ownAdverts_ = 0;
  bool started_ = false;
  bool inGroupStep_ = false;  // followGroup does not recurse
  bool preemptHold_ = false;
};

}  // namespace sluice::failover
