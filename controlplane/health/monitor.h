// Every health check of a configuration, on one event loop in one thread.
// The control loop reads the checkers' states (snapshot) when generation()
// moves, and rebuilds the tables from them. A reload makes a new monitor
// that starts each unchanged check in the state the old one had.
#pragma once

#include <atomic>
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
  bool operator==(const CheckKey&) const = default;
};
std::vector<CheckKey> checksOf(const config::Config& config);

class HealthMonitor {
 public:
  // Builds a checker for every check of every real server and starts the
  // loop's thread. `previous`: states to start from (matched by service,
  // real server and check type). `log`: the BFD sessions' lines.
  explicit HealthMonitor(const config::Config& config, const std::vector<CheckerStatus>& previous = {},
                         common::LogSink log = {});
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Any thread.
  std::vector<CheckerStatus> snapshot() const;

  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  std::size_t size() const { return checkers_.size(); }

 private:
  common::EventLoop loop_;
  std::unique_ptr<BfdSessions> bfd_;  // the sessions BFD_CHECKs follow; outlives the checkers
  std::vector<std::unique_ptr<Checker>> checkers_;
  mutable std::mutex mutex_;
  std::vector<CheckerStatus> statuses_;  // guarded by mutex_, by checker index
  std::atomic<uint64_t> generation_{0};
  std::thread thread_;
};

}  // namespace sluice::health
