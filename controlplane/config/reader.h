// Reads configuration files (following `include`) into a statement tree.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "controlplane/config/diagnostic.h"
#include "controlplane/config/preprocessor.h"
#include "controlplane/config/statement.h"

namespace sluice::config {

// How deep includes may nest below the main file.
inline constexpr int kMaxIncludeDepth = 8;
// How deep { } blocks may nest; keepalived's grammar needs five, and the
// limit keeps a hostile file from exhausting the stack.
inline constexpr int kMaxBlockDepth = 64;

// What a read may do (a fuzzer's text must neither read files nor make
// millions of lines).
struct ReadLimits {
  bool includes = true;  // false: an include is an error
  std::size_t maxLines = kMaxExpandedLines;
};

// Turns text into statements. A statement ends at a line end, '{' or '}';
// a '{' alone on a line opens the block of the statement just before it.
// `include GLOB` is replaced, where it stands, by the statements of every
// file the glob matches (sorted), a relative GLOB being taken from the
// directory of the file that includes it. keepalived's language (@ID
// lines, $PARAMETERS, ~SEQ; preprocessor.h) is expanded first, with
// `configId` as the config id; parameters defined in one file hold in the
// files it includes afterwards. Problems are recorded in the Diagnostics
// given at construction. Not thread-safe; one Reader per parse.
class Reader {
 public:
  explicit Reader(Diagnostics& diag, std::string configId = hostConfigId(), ReadLimits limits = {})
      : diag_(diag), preprocessor_(diag, std::move(configId), limits.maxLines), includes_(limits.includes) {}

  // Reads `path` and everything it includes. Not thread-safe.
  std::vector<Statement> readFile(const std::string& path);
  // Reads `text`, named `name` in messages; relative includes are taken
  // from the directory part of `name` (the working directory if none). Not thread-safe.
  std::vector<Statement> readString(std::string_view text, const std::string& name);

 private:
  friend class FileParser;

  std::vector<Statement> readText(std::string_view text, const std::string& name,
                                  const std::string& identity);
  // Expands one include statement into `out`.
  void include(const Statement& st, const std::string& includingFile, std::vector<Statement>& out);

  Diagnostics& diag_;
  Preprocessor preprocessor_;
  bool includes_;
  // Canonical paths of the files being read, outermost first (cycle check).
  std::vector<std::string> stack_;
};

}  // namespace sluice::config
