// Every health check of a configuration, on one event loop in one thread,
// and the BFD sessions that BFD_CHECKs and VRRP's track_bfd follow.
// The control loop reads the checkers' states (snapshot) when generation()
// moves, and rebuilds the tables from them. A reload makes a new monitor
// that starts each unchanged check in the state the old one had.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/common/log_line.h"
#include "controlplane/config/model.h"
#include "controlplane/health/bfd_sessions.h"
#include "controlplane/health/checker.h"
#include "controlplane/common/event_loop.h"
#include "controlplane/common/file_watch.h"

namespace sluice::health {

// Every check of a configuration with what names it: when two configs
// give equal lists, a monitor of one serves the other.
struct CheckKey {
  std::string service, server;
  config::HealthCheck check;
  bool alpha = false;
  wire::IpAddress address;
  std::optional<std::string> virtualhost;
  std::optional<config::BfdInstance> bfd;  // BFD_CHECK: its session's parameters
  // A real server's FILE_CHECKs (then `check` is a default one): with its
  // weight and the track files they read.
  std::vector<config::FileCheck> fileChecks;
  std::vector<config::TrackFile> trackFiles;
  uint32_t weight = 0;
  bool operator==(const CheckKey&) const = default;
};
std::vector<CheckKey> checksOf(const config::Config& config);
// The bfd_instances a vrrp_instance's or vrrp_sync_group's track_bfd
// names, each once, in the order first named.
std::vector<config::BfdInstance> trackedBfdInstances(const config::Config& config);

class HealthMonitor {
 public:
  // Builds a checker for every check of every real server and starts the
  // loop's thread. `previous`: states to start from (matched by service,
  // real server and check type). `log`: the BFD sessions' lines;
  // `bfdPorts`: theirs (tests). `previousTrackedBfd`: the track_bfd states
  // of the monitor this one replaces; a session that was Up counts as Up
  // until it comes Up again or its startup grace ends, so a reload does
  // not fault the instances that track it.
  explicit HealthMonitor(const config::Config& config, const std::vector<CheckerStatus>& previous = {},
                         common::LogSink log = {}, BfdPorts bfdPorts = {},
                         const std::map<std::string, bool>& previousTrackedBfd = {});
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Any thread. FILE_CHECKs come last, one status for each real server
  // that has any (type FILE_CHECK).
  std::vector<CheckerStatus> snapshot() const;
  // Any thread: the value of every track_file a FILE_CHECK reads, by name.
  std::map<std::string, int64_t> trackFileValues() const;
  // Any thread: whether the session of every bfd_instance a track_bfd
  // names is Up, by name (the sessions run here, with BFD_CHECK's, as one
  // BFD endpoint on the host).
  std::map<std::string, bool> trackedBfdStates() const;

  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::size_t size() const { return checkers_.size(); }

 private:
  // A real server's FILE_CHECKs, decided together (file_check.h).
  struct FileServer {
    config::RealServer server;
    std::size_t status;  // index in statuses_
  };
  void addFileChecks(const config::Config& config);
  void onFileChange(const std::string& name, int64_t value);

  common::EventLoop loop_;
  std::unique_ptr<BfdSessions> bfd_;  // the sessions BFD_CHECKs follow; outlives the checkers
  std::vector<std::unique_ptr<Checker>> checkers_;
  mutable std::mutex mutex_;
  std::vector<CheckerStatus> statuses_;  // guarded by mutex_, by checker index, then FILE_CHECKs
  config::Config trackFiles_;            // its track files only: what fileVerdict() reads
  std::vector<FileServer> fileServers_;
  std::map<std::string, int64_t> fileValues_;  // guarded by mutex_
  std::map<std::string, bool> bfdStates_;      // guarded by mutex_: track_bfd's sessions
  std::unique_ptr<common::FileWatch> fileWatch_;
  std::atomic<uint64_t> generation_{0};
  std::thread thread_;
};

}  // namespace sluice::health
