#include "controlplane/config/parse_context.h"

namespace sluice::config {

bool ParseContext::define(const std::string& kind, const std::string& key, const SourceLocation& where,
                          const std::string& message) {
  const auto [it, inserted] = defined_.try_emplace({kind, key}, where);
  if (!inserted) {
    const std::string what = message.empty() ? "duplicate " + kind + " '" + key + "'" : message;
    diag_.error(where, what + " (first at " + formatLocation(it->second) + ")");
  }
  return inserted;
}

void ParseContext::runDeferred(Config& config) {
  for (const auto& check : deferred_) {
    check(config, diag_);
  }
}

std::string formatLocation(const SourceLocation& where) {
  return where.file + ":" + std::to_string(where.line);
}

}  // namespace sluice::config
