// sluiced's command line, kept apart from main() so it can be tested and
// so the run path can grow without touching option handling.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/common/logger.h"

namespace sluice::sluiced {

// Exit status for a command line that cannot be understood.
inline constexpr int kExitUsage = 2;

struct Options {
  std::string configFile;                // -f/--use-file; default keepalived's path
  bool configTest = false;               // -t/--config-test: check and exit
  std::optional<std::string> configId;   // -i/--config-id: what @ID lines match
  bool dumpJson = false;                 // --dump-json: print the model (with -t)
  bool logToSyslog = false;              // -l/--log-syslog
  common::LogIdents logIdents = common::LogIdents::kSluiced;  // --log-ident keepalived|sluiced (with -l)
  std::optional<std::string> apiSocket;  // --api-socket PATH
  std::optional<std::string> pidFile;    // --pidfile PATH
  bool help = false;                     // -h/--help
};

// Either options or the reason they were refused.
struct OptionsResult {
  std::optional<Options> options;
  std::string error;
};

// Parses the arguments after the program name. Short options may be
// bundled (-tl) and -f may carry its value (-fFILE); long options take
// "--opt VALUE" or "--opt=VALUE". Thread-safe.
OptionsResult parseOptions(const std::vector<std::string>& args);

// The --help text. Thread-safe.
std::string usage(std::string_view program);

}  // namespace sluice::sluiced
