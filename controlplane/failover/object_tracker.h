// keepalived's track_file and vrrp_track_process for VRRP: every track
// file and tracked process some vrrp_instance or vrrp_sync_group names,
// watched on one event loop in its own thread (the control thread never
// waits for a file or /proc). Files: inotify (common/file_watch.h), the
// value as keepalived reads it, a missing file 0. Processes: /proc read
// once a second (and when a delay falls due), the quorum as
// process_scan.h says; "Quorum gained|lost for tracked process NAME" is
// logged as keepalived does. The control loop reads files() and
// processes() when generation() moves and hands them to the driver.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/common/event_loop.h"
#include "controlplane/common/file_watch.h"
#include "controlplane/common/log_line.h"
#include "controlplane/config/model.h"
#include "controlplane/failover/process_scan.h"

namespace sluice::failover {

class ObjectTracker {
 public:
  // procRoot and scanEvery: for tests.
  explicit ObjectTracker(const config::Config& config, common::LogSink log = {}, std::string procRoot = "/proc",
                         std::chrono::milliseconds scanEvery = std::chrono::seconds{1});
  ~ObjectTracker();
  ObjectTracker(const ObjectTracker&) = delete;
  ObjectTracker& operator=(const ObjectTracker&) = delete;

  // Any thread: track_file name -> value.
  std::map<std::string, int64_t> files() const;
  // Any thread: vrrp_track_process name -> quorum held. A process not yet
  // scanned (the first scan runs on the tracker's thread) is absent.
  std::map<std::string, bool> processes() const;
  // Any thread: vrrp_track_process name -> processes counted at the last scan.
  std::map<std::string, uint32_t> processCounts() const;
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::size_t size() const { return fileNames_.size() + processes_.size(); }

 private:
  struct Process {
    config::TrackProcess config;
    std::unique_ptr<ProcessQuorum> quorum;  // after the first scan
  };
  void scan();

  common::LogSink log_;
  std::string procRoot_;
  std::chrono::milliseconds scanEvery_;
  common::EventLoop loop_;
  std::vector<std::string> fileNames_;
  std::unique_ptr<common::FileWatch> files_;
  std::vector<Process> processes_;  // loop thread only, once started
  mutable std::mutex mutex_;
  std::map<std::string, int64_t> fileValues_;     // guarded by mutex_
  std::map<std::string, bool> processStates_;     // guarded by mutex_
  std::map<std::string, uint32_t> processCounts_;  // guarded by mutex_
  std::atomic<uint64_t> generation_{0};
  std::thread thread_;
};

}  // namespace sluice::failover
