// Errors and warnings found while reading a configuration.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "controlplane/config/source_location.h"

namespace sluice::config {

enum class Severity { kWarning, kError };

// One message about the configuration, tied to a file and line.
struct Diagnostic {
  Severity severity = Severity::kError;
  SourceLocation where;
  std::string message;
  // A warning that keepalived -t counts as a configuration error: what it
  // names is skipped and the configuration runs (in keepalived as in
  // sluiced), but `sluiced -t` refuses it as `keepalived -t` does.
  bool keepalivedError = false;

  // Formats as "file:line: message" (just "file: message" for line 0). Thread-safe.
  std::string toString() const;
  bool operator==(const Diagnostic&) const = default;
};

// Collects diagnostics in the order they are found. Not thread-safe: one
// parse owns one collector.
class Diagnostics {
 public:
  // Records an error; the configuration will be refused. Not thread-safe.
  void error(const SourceLocation& where, std::string message);
  // Records a warning; the configuration is still usable. Not thread-safe.
  void warning(const SourceLocation& where, std::string message);
  // Records a warning keepalived -t counts as an error (Diagnostic::keepalivedError). Not thread-safe.
  void keepalivedError(const SourceLocation& where, std::string message);

  // True when at least one error was recorded. Thread-safe for readers.
  bool hasErrors() const { return errorCount_ > 0; }

  // All diagnostics so far, in the order they were recorded. Thread-safe for readers.
  const std::vector<Diagnostic>& all() const { return all_; }

  // Moves the collected diagnostics out, leaving the collector empty. Not thread-safe.
  std::vector<Diagnostic> take();

 private:
  std::vector<Diagnostic> all_;
  int errorCount_ = 0;
};

// Thrown by value readers when a statement cannot be accepted; the grammar
// catches it, records it as an error and carries on with the next statement
// so that one run reports every problem.
class ConfigError : public std::runtime_error {
 public:
  // Builds an error for `where`. Thread-safe.
  ConfigError(SourceLocation where, const std::string& message)
      : std::runtime_error(message), where_(std::move(where)) {}

  // The location the error refers to. Thread-safe.
  const SourceLocation& where() const { return where_; }

 private:
  SourceLocation where_;
};

}  // namespace sluice::config
