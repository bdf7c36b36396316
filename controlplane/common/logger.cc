#include "controlplane/common/logger.h"

namespace sluice::common {

std::string_view identOf(LogSource source, LogIdents idents) {
  if (idents == LogIdents::kSluiced) return "sluiced";
  switch (source) {
    case LogSource::kVrrp: return "Keepalived_vrrp";
    case LogSource::kChecker: return "Keepalived_healthcheckers";
    case LogSource::kBfd: return "Keepalived_bfd";
    case LogSource::kDaemon: break;
  }
  return "Keepalived";
}

Logger::Logger(bool toSyslog, LogIdents idents, std::string socketPath) : idents_(idents) {
  if (toSyslog) syslog_.emplace(std::move(socketPath));
}

void Logger::write(const LogLine& line) {
  stderrLog()(line);
  toSyslog(line);
}

void Logger::toSyslog(const LogLine& line) {
  std::optional<LogLine> note;
  {
    const std::lock_guard lock(mutex_);
    if (!syslog_) return;
    const bool sent = syslog_->send(LOG_DAEMON | line.severity, identOf(line.source, idents_), line.text);
    // Said once per outage on stderr, not once per line.
    if (sent == failing_) {
      failing_ = !sent;
      note = LogLine{LogSource::kDaemon, LOG_WARNING,
                     sent ? "syslog: " + syslog_->path() + " takes lines again (" +
                                std::to_string(syslog_->dropped()) + " dropped so far)"
                          : "syslog: " + syslog_->lastError() + "; lines are dropped (and counted) until " +
                                syslog_->path() + " takes them"};
    }
  }
  if (note) stderrLog()(*note);
}

uint64_t Logger::dropped() const {
  const std::lock_guard lock(mutex_);
  return syslog_ ? syslog_->dropped() : 0;
}

}  // namespace sluice::common
