#include "controlplane/common/log_line.h"

#include <unistd.h>

namespace sluice::common {

LogSink stderrLog() {
  return [](const LogLine& line) {
    // One write(2), so that lines from two threads do not interleave.
    const std::string out = "sluiced: " + line.text + "\n";
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, out.data(), out.size());
  };
}

LogSink orStderr(LogSink sink) { return sink ? std::move(sink) : stderrLog(); }

}  // namespace sluice::common
