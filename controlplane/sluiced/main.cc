// sluiced: read and check the configuration, then test it (-t) or run.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "controlplane/common/file_watch.h"
#include "controlplane/common/logger.h"
#include "controlplane/config/json.h"
#include "controlplane/config/parser.h"
#include "controlplane/sluiced/options.h"
#include "controlplane/sluiced/run.h"
#include "controlplane/sluiced/summary.h"

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

  // stderr, and with -l syslog (docs/logging.md).
  sluice::common::Logger logger(options.logToSyslog, options.logIdents);
  // Before any thread: a reload parses with the same id.
  if (options.configId) sluice::config::setDefaultConfigId(*options.configId);
  const auto result = sluice::config::parseFile(options.configFile);
  for (const auto& d : result.diagnostics) {
    // Errors read "file:line: what is wrong"; warnings say so after the place.
    const bool error = d.severity == sluice::config::Severity::kError;
    std::string line = d.toString();
    if (!error) line.insert(line.size() - d.message.size(), "warning: ");
    std::cerr << line << "\n";  // unprefixed, as compilers write them
    logger.toSyslog({sluice::common::LogSource::kDaemon, error ? LOG_ERR : LOG_WARNING, line});
  }
  if (!result.ok()) {
    logger.write({sluice::common::LogSource::kDaemon, LOG_ERR,
                  "configuration " + options.configFile + " refused: " + std::to_string(result.errors().size()) +
                      " error(s)"});
    return 1;
  }

  if (options.configTest) {
    // keepalived -t fails on what keepalived itself runs without (unknown
    // keywords, deprecated forms): so does -t here, so that a check written
    // for keepalived judges the file the same way.
    const auto keepalivedErrors =
        std::count_if(result.diagnostics.begin(), result.diagnostics.end(),
                      [](const sluice::config::Diagnostic& d) { return d.keepalivedError; });
    if (keepalivedErrors > 0) {
      std::cerr << "sluiced: configuration " << options.configFile << " refused: " << keepalivedErrors
                << " warning(s) keepalived -t counts as errors (sluiced -f runs without what they name)\n";
      return 1;
    }
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
  // keepalived's init_file, at start, before anything reads the files.
  for (const sluice::config::TrackFile& f : result.config->trackFiles) {
    if (!f.initValue) continue;
    const std::string error = sluice::common::initTrackFile(f.path, *f.initValue, f.initOverwrite);
    if (!error.empty()) {
      logger.write({sluice::common::LogSource::kDaemon, LOG_WARNING, "track_file " + f.name + ": " + error});
    }
  }
  const int status = sd::runDaemon(options, *result.config, logger.sink());
  if (logger.dropped() > 0) std::cerr << "sluiced: syslog did not take " << logger.dropped() << " line(s)\n";
  return status;
}
