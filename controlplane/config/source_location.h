// Where a piece of configuration text came from, for messages.
#pragma once

#include <string>

namespace sluice::config {

// A file name as given (or as found through an include glob) and a 1-based
// line number; line 0 means "the file as a whole".
struct SourceLocation {
  std::string file;
  int line = 0;

  bool operator==(const SourceLocation&) const = default;
};

}  // namespace sluice::config
