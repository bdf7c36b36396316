// sluiced: read and check the configuration, then test it (-t) or run.
#include <syslog.h>

#include <iostream>
#include <string>
#include <vector>

#include "controlplane/config/json.h"
#include "controlplane/config/parser.h"
#include "controlplane/sluiced/options.h"
#include "controlplane/sluiced/run.h"
#include "controlplane/sluiced/summary.h"

namespace {

using sluice::config::Severity;

// Writes a message to stderr and, with -l, to syslog.
class Reporter {
 public:
  explicit Reporter(bool toSyslog) : syslog_(toSyslog) {
    if (syslog_) {
      openlog("sluiced", LOG_PID, LOG_DAEMON);
    }
  }

  ~Reporter() {
    if (syslog_) {
      closelog();
    }
  }

  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;

  void say(const std::string& line, int priority) const {
    std::cerr << line << "\n";
    if (syslog_) {
      syslog(priority, "%s", line.c_str());
    }
  }

 private:
  bool syslog_;
};

}  // namespace

int main(int argc, char** argv) {
  namespace sd = sluice::sluiced;
  const std::vector<std::string> args(argv + 1, argv + argc);
  const auto parsed = sd::parseOptions(args);
  if (!parsed.options) {
    std::cerr << "sluiced: " << parsed.error << "\nTry 'sluiced --help'.\n";
    return sd::kExitUsage;
  }
  const sd::Options& options = *parsed.options;
  if (options.help) {
    std::cout << sd::usage("sluiced");
    return 0;
  }

  const Reporter reporter(options.logToSyslog);
  const auto result = sluice::config::parseFile(options.configFile);
  for (const auto& d : result.diagnostics) {
    // Errors read "file:line: what is wrong"; warnings say so after the place.
    const bool error = d.severity == Severity::kError;
    std::string line = d.toString();
    if (!error) line.insert(line.size() - d.message.size(), "warning: ");
    reporter.say(line, error ? LOG_ERR : LOG_WARNING);
  }
  if (!result.ok()) {
    reporter.say("sluiced: configuration " + options.configFile +
                     " refused: " + std::to_string(result.errors().size()) + " error(s)",
                 LOG_ERR);
    return 1;
  }

  if (options.configTest) {
    const auto summary = sd::summarize(*result.config, options.configFile, result.warnings().size());
    if (options.dumpJson) {
      // stdout carries only the JSON so it can be piped.
      std::cerr << summary;
      std::cout << sluice::config::toJson(*result.config).dump(2) << "\n";
    } else {
      std::cout << summary;
    }
    return 0;
  }
  return sd::runDaemon(options, *result.config);
}
