// State shared by every handler of one parse: diagnostics, names already
// defined, and checks that need the whole configuration.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "controlplane/config/diagnostic.h"
#include "controlplane/config/model.h"

namespace sluice::config {

// Passed explicitly to every grammar handler (through Args), so handlers
// need no globals. Not thread-safe; one per parse.
class ParseContext {
 public:
  // Runs once the whole configuration is read; may resolve defaults that
  // depend on other blocks (hence the mutable Config) and report problems.
  using DeferredCheck = std::function<void(Config&, Diagnostics&)>;

  explicit ParseContext(Diagnostics& diag) : diag_(diag) {}

  // The diagnostics of this parse. Not thread-safe.
  Diagnostics& diag() { return diag_; }

  // Records that `key` of `kind` (e.g. "vrrp_instance") is defined at
  // `where`; on a second definition reports an error naming the first one
  // ("duplicate KIND 'KEY'", or `message` when given) and returns false.
  // Not thread-safe.
  bool define(const std::string& kind, const std::string& key, const SourceLocation& where,
              const std::string& message = {});

  // Queues a check that needs the complete configuration (references to
  // things defined later in the file, the dataplane block). Not thread-safe.
  void defer(DeferredCheck check) { deferred_.push_back(std::move(check)); }

  // Runs the queued checks in the order they were queued. Not thread-safe.
  void runDeferred(Config& config);

 private:
  Diagnostics& diag_;
  std::map<std::pair<std::string, std::string>, SourceLocation> defined_;
  std::vector<DeferredCheck> deferred_;
};

// "file:line" for messages that point at a second place. Thread-safe.
std::string formatLocation(const SourceLocation& where);

}  // namespace sluice::config
