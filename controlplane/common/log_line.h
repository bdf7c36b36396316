// One line of sluiced's log and where it goes. keepalived runs three
// processes, each logging under its own syslog ident (Keepalived,
// Keepalived_vrrp, Keepalived_healthcheckers); a LogLine says which of them
// would have written it, so that sluiced can give it that ident (logger.h).
#pragma once

#include <syslog.h>

#include <cstdint>
#include <functional>
#include <string>

namespace sluice::common {

// The keepalived process a line belongs to.
enum class LogSource : uint8_t {
  kDaemon,   // the parent: start, stop, configuration
  kVrrp,     // VRRP instances, sync groups, vrrp_script
  kChecker,  // health checks, real servers, quorum, sorry servers
  kBfd,      // BFD sessions
};

struct LogLine {
  LogSource source = LogSource::kDaemon;
  int severity = LOG_INFO;  // syslog's: LOG_ERR, LOG_WARNING, LOG_INFO
  std::string text;

  bool operator==(const LogLine&) const = default;
};

// Where the control plane's lines go. A sink may be called from any thread.
using LogSink = std::function<void(const LogLine&)>;

// "sluiced: TEXT" on stderr, one write per line. Thread-safe.
LogSink stderrLog();

// `sink`, or stderrLog() when it is empty: for classes whose log is optional.
LogSink orStderr(LogSink sink);

}  // namespace sluice::common
