// BFD_CHECK's probe: the verdict of a bfd_instance's session, pushed as it
// changes rather than polled. A probe reports at once when the session's
// state (Up or not) differs from what the checker's previous probe
// reported, and otherwise waits for it to change; the checker runs it with
// no delay_loop, no retries, fall and rise 1, so every change of the
// session moves the real server at once. The first probe of a checker
// gives a new session its startup grace (a detection time at the idle
// rate) to come Up before it reports down.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "controlplane/health/bfd_sessions.h"
#include "controlplane/health/probe.h"

namespace sluice::health {

class BfdProbe : public Probe {
 public:
  // What the probes of one checker share: the last verdict reported.
  struct Reported {
    std::optional<bool> up;
  };

  // `sessions` may be null, or lack `instance` (a check edited in through
  // the API without its bfd_instance): the check is then down.
  BfdProbe(BfdSessions* sessions, std::string instance, std::shared_ptr<Reported> reported);
  ~BfdProbe() override;

  void start(common::EventLoop& loop, Done done) override;

 private:
  void report(bool up);

  BfdSessions* sessions_;
  std::string instance_;
  std::shared_ptr<Reported> reported_;
  common::EventLoop* loop_ = nullptr;
  Done done_;
  common::EventLoop::TimerId timer_ = 0;
  uint64_t subscription_ = 0;
};

}  // namespace sluice::health
