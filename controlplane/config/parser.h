// Public entry points: read a keepalived.conf (with sluice's dataplane
// block) into a Config, or explain why not.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/config/diagnostic.h"
#include "controlplane/config/model.h"
#include "controlplane/config/preprocessor.h"

namespace sluice::config {

// keepalived's default configuration path, which sluiced uses too.
inline constexpr const char* kDefaultConfigPath = "/etc/keepalived/keepalived.conf";

// The outcome of a parse: a Config only when no error was found (a config
// is applied whole or not at all), and every diagnostic either way.
struct ParseResult {
  std::optional<Config> config;
  std::vector<Diagnostic> diagnostics;  // in the order found

  // True when the configuration was accepted. Thread-safe for readers.
  bool ok() const { return config.has_value(); }

  // Only the errors. Thread-safe for readers.
  std::vector<Diagnostic> errors() const;
  // Only the warnings. Thread-safe for readers.
  std::vector<Diagnostic> warnings() const;
};

// How to read a configuration.
struct ParseOptions {
  // The config id that @ID lines are compared with; none: the process's
  // default (setDefaultConfigId), else keepalived's, the host name up to its first '.'.
  std::optional<std::string> configId;
  // False: an include is an error (for text from an untrusted source).
  bool includes = true;
  // How many lines keepalived's language (@ID, $PARAMETERS, ~SEQ) may make.
  std::size_t maxExpandedLines = kMaxExpandedLines;
};

// Sets the config id of every later parse that names none (sluiced's -i,
// which a reload uses too). Call from main before any other thread starts.
void setDefaultConfigId(std::string id);

// The config id a parse uses when it names none. Thread-safe after setDefaultConfigId.
std::string defaultConfigId();

// Reads and checks the file at `path` and every file it includes. Keeps
// no state between calls, but include globbing uses glob(3), which POSIX
// does not promise to be thread-safe: call from one thread at a time.
ParseResult parseFile(const std::string& path, const ParseOptions& options = {});

// Reads and checks `text`; messages name it `nameForMessages`, and relative
// includes are taken from that name's directory. One thread at a time, as
// parseFile().
ParseResult parseString(std::string_view text, const std::string& nameForMessages = "<string>",
                        const ParseOptions& options = {});

}  // namespace sluice::config
