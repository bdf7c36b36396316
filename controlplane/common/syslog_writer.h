// Syslog datagrams written by hand to the local syslog socket (/dev/log),
// rather than with syslog(3): openlog() holds one ident per process, and
// sluiced gives each line the ident of the keepalived process that would
// have written it. The format is glibc's, which journald and rsyslog read
// as RFC 3164: "<PRI>Mmm dd hh:mm:ss IDENT[PID]: MESSAGE".
//
// The socket is non-blocking: a full socket (syslog busy or stopped
// reading) drops the line and counts it rather than stall the control
// thread; a socket that went away (syslog restarted) is connected again at
// the next line.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace sluice::common {

inline constexpr const char* kDevLog = "/dev/log";

// One datagram: `priority` is facility | severity (LOG_DAEMON | LOG_INFO),
// `when` is written in local time as syslog(3) does. Thread-safe.
std::string syslogDatagram(int priority, std::time_t when, std::string_view ident, pid_t pid,
                           std::string_view message);

class SyslogWriter {
 public:
  // Connects on the first send, not here: syslog may start after sluiced.
  explicit SyslogWriter(std::string path = kDevLog);
  ~SyslogWriter();
  SyslogWriter(const SyslogWriter&) = delete;
  SyslogWriter& operator=(const SyslogWriter&) = delete;

  // Sends one message now, under this process's pid; false when it was
  // dropped (counted, lastError() says why). Never blocks. One caller at a
  // time (Logger holds a lock).
  bool send(int priority, std::string_view ident, std::string_view message);

  uint64_t sent() const { return sent_; }
  uint64_t dropped() const { return dropped_; }
  // Why the last line was dropped ("" before any was).
  const std::string& lastError() const { return lastError_; }
  const std::string& path() const { return path_; }

 private:
  bool connect();
  void disconnect();
  bool drop(std::string why);

  std::string path_;
  int fd_ = -1;
  uint64_t sent_ = 0;
  uint64_t dropped_ = 0;
  std::string lastError_;
};

}  // namespace sluice::common
