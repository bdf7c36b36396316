// The syntax tree of a configuration: one statement per keyword line.
#pragma once

#include <vector>

#include "controlplane/config/lexer.h"

namespace sluice::config {

// A keyword, the values after it on its line, and its { } block if it has one.
struct Statement {
  Token keyword;
  std::vector<Token> values;
  bool hasBlock = false;
  std::vector<Statement> body;

  // Where the keyword was written. Thread-safe.
  const SourceLocation& where() const { return keyword.where; }
};

}  // namespace sluice::config
