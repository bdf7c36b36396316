// Follows VRRP: runs the configuration's vrrp_instances (failover::Driver)
// on the data plane's ports, feeds it the ports' links and the
// vrrp_scripts' results, track files and processes it tracks, and runs
// the notify scripts and sends the smtp_alert mails of its transitions. The control loop reads which
// VIPs this router holds from poll(). Control thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/common/log_line.h"
#include "controlplane/common/notify_scripts.h"
#include "controlplane/config/model.h"
#include "controlplane/failover/driver.h"
#include "controlplane/failover/object_tracker.h"
#include "controlplane/failover/script_tracker.h"
#include "controlplane/failover/smtp_alert.h"
#include "dataplane/dataplane_handle.h"

namespace sluice::sluiced {

class FailoverFollower {
 public:
  // Asks for a unicast peer's MAC address (ARP/ND) on a port.
  using Resolve = std::function<void(uint16_t port, bool v6, const dp::IpAddr& addr)>;
  // Whether each BFD session a track_bfd follows is Up, by bfd_instance.
  using BfdStates = std::function<std::map<std::string, bool>()>;

  // scripts: where the notify scripts run; log: where transitions and
  // vrrp_script changes are told (stderr by default). Throws
  // std::invalid_argument when an instance cannot run on the ports.
  FailoverFollower(dp::DataplaneHandle& dataplane, const config::Config& config, std::span<const dp::MacAddr> portMacs,
                   Resolve resolve, common::NotifyScripts& scripts, common::LogSink log = {});

  // Whether the instances of `next` can run on these ports: throws
  // std::invalid_argument (why) when not. Changes nothing.
  void check(const config::Config& next) const;
  // The parts of two configurations that VRRP runs on are equal.
  static bool same(const config::Config& a, const config::Config& b);

  // Where track_bfd reads its sessions (they run with the health checks);
  // read at each tracking pass. Without one, every tracked session is down.
  void setBfdStates(BfdStates states) { bfdStates_ = std::move(states); }

  // Starts the instances (as BACKUP, or MASTER at priority 255).
  void start(const config::Config& config, uint64_t nowMs);
  // Takes the VRRP frames among the frames the workers pass up.
  bool handleFrame(uint16_t port, std::span<const uint8_t> frame, uint64_t nowMs);
  // Timers, tracked objects, transitions; the VIPs held when they changed.
  std::optional<tables::VipOwnership> poll(const config::Config& config, uint64_t nowMs);
  // Runs `next`'s instances (call when !same(current, next)), at the time
  // of the last call.
  void reconfigure(const config::Config& next);
  // A master resigns (priority 0); every instance and sync group goes to
  // STOP, which runs notify_stop and `notify ... STOP` (killed after
  // NotifyScripts::kStopTimeout, as keepalived does); then vrrp_scripts
  // and mails stop.
  void stop(const config::Config& config, uint64_t nowMs);

  tables::VipOwnership ownership() const { return driver_->ownership(); }
  // The state of the vrrp_instance called `name` (kInit when there is none)
  // and, in BACKUP, the master's address as its adverts give it.
  vrrp::State instanceState(std::string_view name) const;
  std::optional<wire::IpAddress> masterOf(std::string_view name) const;
  // See failover::Driver::holdPreemption.
  void holdPreemption(bool hold) { driver_->holdPreemption(hold); }
  // /v1/vrrp.
  nlohmann::json json() const;

 private:
  std::vector<failover::PortInfo> portInfos(const config::Config& config) const;
  failover::TrackedStates trackedStates(const config::Config& config);
  void notifyTransitions(const config::Config& config);
  // keepalived's line ("VRRP_Instance(VI) Tracked BFD instance B is UP") for
  // each instance that tracks a session that changed.
  void logBfdChanges(const config::Config& config, const std::map<std::string, bool>& now) const;

  dp::DataplaneHandle& dataplane_;
  std::vector<dp::MacAddr> portMacs_;
  Resolve resolve_;
  BfdStates bfdStates_;
  common::NotifyScripts& notify_;
  common::LogSink log_;
  std::unique_ptr<failover::Driver> driver_;
  std::unique_ptr<failover::ScriptTracker> scripts_;
  std::unique_ptr<failover::ObjectTracker> objects_;  // track_file, vrrp_track_process
  std::unique_ptr<failover::SmtpAlerter> alerts_;
  failover::TrackedStates tracked_;
  uint64_t ownershipSeen_ = 0;  // the driver's ownership version last read
  uint64_t scriptsSeen_ = 0;    // the script tracker's generation last read
  uint64_t objectsSeen_ = 0;    // the object tracker's generation last read
  uint64_t lastLinkCheck_ = 0;
  uint64_t now_ = 0;            // the loop's clock at the last call
  std::map<std::string, vrrp::State> groupStates_;  // vrrp_sync_group -> state last notified
};

}  // namespace sluice::sluiced
