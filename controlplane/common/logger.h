// sluiced's log: every line on stderr ("sluiced: TEXT") and, with -l, to
// syslog (facility daemon) under the ident chosen by --log-ident: sluiced's
// own for every line, or keepalived's per process (Keepalived,
// Keepalived_vrrp, Keepalived_healthcheckers), so that what matches
// keepalived's lines in syslog matches sluiced's (docs/logging.md).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "controlplane/common/log_line.h"
#include "controlplane/common/syslog_writer.h"

namespace sluice::common {

enum class LogIdents : uint8_t {
  kSluiced,     // "sluiced" on every line
  kKeepalived,  // keepalived's ident of the process the line belongs to
};

// The syslog ident of a line from `source`. Thread-safe.
std::string_view identOf(LogSource source, LogIdents idents);

class Logger {
 public:
  // toSyslog: also send lines to the syslog socket at `socketPath`.
  Logger(bool toSyslog, LogIdents idents, std::string socketPath = kDevLog);
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // stderr, then syslog. Any thread.
  void write(const LogLine& line);
  // Syslog only (for what the caller has printed in its own form). Any thread.
  void toSyslog(const LogLine& line);
  // A sink that writes to this logger, which must outlive it.
  LogSink sink() {
    return [this](const LogLine& line) { write(line); };
  }

  // Lines syslog did not take (socket full or missing). Any thread.
  uint64_t dropped() const;

 private:
  LogIdents idents_;
  mutable std::mutex mutex_;
  std::optional<SyslogWriter> syslog_;  // guarded by mutex_
  bool failing_ = false;                // guarded by mutex_: the last line was dropped
};

}  // namespace sluice::common
