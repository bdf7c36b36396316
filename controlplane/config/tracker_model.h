// The model of keepalived's tracked files and processes: `track_file`
// (older name `vrrp_track_file`) and `vrrp_track_process` blocks, and the
// lines that use them (a vrrp_instance's or vrrp_sync_group's
// `track_file { }` / `track_process { }`, a real server's FILE_CHECK).
// Plain data, part of model.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::config {

// `track_file NAME { file PATH; weight W [reverse]; init_file [V] [overwrite] }`.
// The file holds a number (strtol base 0: 12, 0x1f, 017, -3); a missing or
// empty file reads 0. What the value does is the user's: see TrackRef and
// FileCheck.
struct TrackFile {
  std::string name;
  std::string path;  // `file`, as written
  int weight = 1;    // -254..254: the multiplier of the value, unless the user sets its own
  bool weightReverse = false;
  // `init_file [VALUE] [overwrite]`: sluiced writes VALUE (default 0) to
  // the file at start when it does not exist, or always with overwrite
  // (never on a reload, never with -t).
  std::optional<int> initValue;
  bool initOverwrite = false;

  bool operator==(const TrackFile&) const = default;
};

// How `process` with arguments is compared with a process's command line
// (`param_match [initial|partial]`): kNone compares /proc/PID/stat's comm
// (15 characters at most) with `process`; the others compare argv[0] with
// `process` and the arguments: kExact all of them, kPartial the given ones
// as the first ones, kInitial likewise with the last given one a prefix.
enum class ParamMatch : std::uint8_t { kNone, kExact, kPartial, kInitial };

// `vrrp_track_process NAME { process NAME [ARGS...]; param_match [initial|partial];
// quorum N; quorum_max N; weight W [reverse]; delay|terminate_delay|fork_delay S;
// full_command }`. Up ("quorum gained") while the number of matching
// processes is within [quorum, quorumMax].
struct TrackProcess {
  std::string name;
  std::string process;
  std::vector<std::string> params;  // arguments after `process`
  ParamMatch paramMatch = ParamMatch::kNone;
  bool fullCommand = false;  // compare argv[0] (cmdline) instead of comm
  std::uint32_t quorum = 1;
  std::uint32_t quorumMax = std::numeric_limits<std::uint32_t>::max();
  int weight = 0;  // -254..254; 0: losing the quorum is a FAULT
  bool weightReverse = false;
  // How long the quorum must stay lost (terminate) or gained (fork) before
  // it counts; `delay` sets both. 0: at once.
  std::chrono::milliseconds terminateDelay{0};
  std::chrono::milliseconds forkDelay{0};

  bool operator==(const TrackProcess&) const = default;
};

// A `track_file` or `track_process` line of a vrrp_instance or
// vrrp_sync_group: NAME [weight W [reverse|noreverse]]. Unset: the tracked
// object's own weight and reverse.
struct TrackRef {
  std::string name;
  std::optional<int> weight;
  std::optional<bool> reverse;

  bool operator==(const TrackRef&) const = default;
};

// A real server's `FILE_CHECK { track_file NAME; weight W [reverse] }`.
// Weight unset: the track_file's weight and reverse. With weight 0 a
// non-zero value (reverse: zero) marks the real server down; otherwise
// value * weight (negated with reverse) is added to its weight, and a
// product at or below -2^31 marks it down (keepalived's rules).
struct FileCheck {
  std::string trackFile;
  std::optional<std::int64_t> weight;  // -2147483647..2147483647
  bool reverse = false;                // meaningful with weight set

  bool operator==(const FileCheck&) const = default;
};

// "none" (comm), then keepalived's "exact", "partial", "initial". Thread-safe.
std::string_view toString(ParamMatch m);

}  // namespace sluice::config
