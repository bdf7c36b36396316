// keepalived's track_process matching, done by reading /proc (keepalived
// follows the kernel's process events instead; sluiced reads /proc once a
// second). A process is named by /proc/PID/stat's comm (zombies left out),
// or with full_command / param_match / arguments by /proc/PID/cmdline:
// argv[0] compared with `process`, then the arguments as ParamMatch says.
// The quorum: up while the count is within [quorum, quorum_max], a change
// counted once it held for terminate_delay (lost) or fork_delay (gained).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/config/model.h"

namespace sluice::failover {

struct ProcessEntry {
  std::string comm;     // from stat; empty when unreadable
  std::string cmdline;  // raw: arguments NUL-terminated
  bool zombie = false;
};

// Every process under `procRoot` (/proc, or a test's copy). Reads comm
// and cmdline only when asked for (cmdline may page a process in).
// Thread-safe; blocks on /proc reads only.
std::vector<ProcessEntry> readProcesses(const std::string& procRoot, bool comm, bool cmdline);

// Whether `p` is one of `t`'s processes. Thread-safe.
bool processMatches(const config::TrackProcess& t, const ProcessEntry& p);

// One vrrp_track_process's quorum with its delays. Not thread-safe.
class ProcessQuorum {
 public:
  using Clock = std::chrono::steady_clock;
  // Starts from `count` without delay, as keepalived does at start.
  ProcessQuorum(const config::TrackProcess& t, uint32_t count);

  // The count seen at `now`; returns whether the quorum is held now.
  bool update(uint32_t count, Clock::time_point now);
  bool held() const { return held_; }
  uint32_t count() const { return count_; }
  // When a pending change falls due (to look again then), if one is pending.
  std::optional<Clock::time_point> due() const;

 private:
  bool within(uint32_t count) const { return count >= quorum_ && count <= quorumMax_; }

  uint32_t quorum_, quorumMax_;
  std::chrono::milliseconds terminateDelay_, forkDelay_;
  bool held_;
  uint32_t count_;
  std::optional<Clock::time_point> pendingSince_;
};

}  // namespace sluice::failover
