#include "controlplane/config/diagnostic.h"

#include <utility>

namespace sluice::config {

std::string Diagnostic::toString() const {
  if (where.line <= 0) {
    return where.file + ": " + message;
  }
  return where.file + ":" + std::to_string(where.line) + ": " + message;
}

void Diagnostics::error(const SourceLocation& where, std::string message) {
  all_.push_back({Severity::kError, where, std::move(message)});
  ++errorCount_;
}

void Diagnostics::warning(const SourceLocation& where, std::string message) {
  all_.push_back({Severity::kWarning, where, std::move(message)});
}

void Diagnostics::keepalivedError(const SourceLocation& where, std::string message) {
  all_.push_back({Severity::kWarning, where, std::move(message), true});
}

std::vector<Diagnostic> Diagnostics::take() {
  errorCount_ = 0;
  return std::exchange(all_, {});
}

}  // namespace sluice::config
