// The lifecycle every event-loop probe shares: one run's socket and timer
// on the loop, failures found while starting reported from the loop, and
// the result delivered once, after everything is released. A probe holds
// one by value and keeps its own protocol; nothing here is virtual.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "controlplane/common/event_loop.h"
#include "controlplane/common/socket_address.h"
#include "controlplane/health/probe.h"

namespace sluice::health {

// Loop thread only; the loop must outlive the run.
class ProbeRun {
 public:
  ProbeRun() = default;
  ProbeRun(const ProbeRun&) = delete;
  ProbeRun& operator=(const ProbeRun&) = delete;
  ~ProbeRun() { close(); }

  // A new run on `loop` that ends in `done`; what an earlier one held is released.
  void begin(common::EventLoop& loop, Probe::Done done);

  // Reports a failure found inside Probe::start() from the loop, never from
  // inside start(); a timer (not post) so that destroying the probe cancels it.
  void failSoon(std::string why);

  // Ends the run once: releases the socket and timer, then calls done last
  // (the owner may destroy the probe from inside it). Later calls do nothing.
  void finish(bool ok, std::string error);

  // Takes the run's socket; close() and finish() close it.
  void adopt(common::UniqueFd fd) { fd_ = std::move(fd); }
  int fd() const { return fd_.get(); }
  bool hasFd() const { return static_cast<bool>(fd_); }

  // Watches the socket for `events` (modify() changes them).
  void watch(uint32_t events, common::EventLoop::FdCallback onEvents);
  void modify(uint32_t events) { loop_->modify(fd_.get(), events); }

  // Calls `onTimeout` after `timeout` unless the run ends first.
  void deadline(std::chrono::milliseconds timeout, std::function<void()> onTimeout);

  // Cancels the timer, stops watching and closes the socket.
  void close();

 private:
  common::EventLoop* loop_ = nullptr;
  Probe::Done done_;
  common::UniqueFd fd_;
  common::EventLoop::TimerId timer_ = 0;
  bool finished_ = false;
};

}  // namespace sluice::health
