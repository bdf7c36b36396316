// keepalived's configuration language on top of plain keepalived.conf lines:
// conditional lines (@ID), parameters ($NAME=value, $NAME, ${NAME}),
// sequences (~SEQ) and lists (~LST). Runs line by line before the lexer.
#pragma once

#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/config/diagnostic.h"
#include "controlplane/config/source_location.h"

namespace sluice::config {

// How deep substitution and ~SEQ may nest on one line; a definition that
// uses itself ($A=$A) hits it instead of looping forever.
inline constexpr int kMaxExpansionDepth = 64;
// How many lines the language may produce (and process) in one read
// (~SEQ multiplies); keepalived's own example of 65024 VRRP instances of
// about ten lines each stays inside. Bounds memory and time on a hostile file.
inline constexpr std::size_t kMaxExpandedLines = 2'000'000;
// How long a line may grow by substitution ($A=$B $B, $B=$C $C, ... doubles).
inline constexpr std::size_t kMaxLineLength = 64 * 1024;

// One line of configuration text and the place the user wrote it: the line
// itself, or for text taken from a multi-line definition, that definition's line.
struct SourceLine {
  std::string text;
  SourceLocation where;
};

// keepalived's default config id: the host name (uname's node name) up to
// its first '.'. Thread-safe.
std::string hostConfigId();

// Expands the language, one raw line at a time, with keepalived's rules:
//  * a line starting '@ID ' is kept (without the prefix) only when ID is the
//    config id, '@^ID ' only when it is not; '@ID' alone is dropped;
//  * '$NAME=value' defines NAME (later lines see it, included files too);
//    a value ending in '\' continues on the next lines until one without
//    '\' or an empty line;
//  * '$NAME' followed by a blank, ',', ')' or the line end, and '${NAME}'
//    anywhere, are replaced by the value, again and again while the result
//    holds parameters; a multi-line value only at the end of a line, its
//    further lines following that line; an undefined parameter stays as
//    written (a warning outside quotes);
//  * '~SEQ(VAR, [[start,] step,] end) rest' repeats rest with $VAR running
//    from start by step while not past end; ~SEQx writes VAR in hex;
//  * '~LST(VAR, v1, v2, ...) rest' repeats rest with $VAR each value in
//    turn; '~LST({V1, V2}, {a1, a2}, {b1, b2}) rest' sets several at a time;
//  * predefined: ${_PWD} (the directory of the file being read), ${_INSTANCE}
//    (the config id), ${_HASH} and ${_BANG} ('#', '!' that start no comment),
//    ${_RANDOM [MIN [MAX]]} (a random number in [MIN, MAX], default 0 32767,
//    new at each use).
// Not thread-safe: one per read.
class Preprocessor {
 public:
  // maxLines: how many lines the language may make (kMaxExpandedLines).
  Preprocessor(Diagnostics& diag, std::string configId, std::size_t maxLines = kMaxExpandedLines);

  // Processes one raw line (no newline) of `where.file`, appending the
  // resulting lines to `out`. Not thread-safe.
  void feed(std::string_view raw, const SourceLocation& where, std::vector<SourceLine>& out);
  // Ends a file: a multi-line definition still open ends with it. Not thread-safe.
  void endFile();

 private:
  struct Definition {
    std::vector<SourceLine> lines;  // one unless multi-line
    bool multiline = false;
  };

  void process(std::string text, const SourceLocation& where, int depth, std::vector<SourceLine>& out);
  bool select(std::string& text);
  bool define(const std::string& text, const SourceLocation& where);
  void continueDefinition(std::string text, const SourceLocation& where);
  void sequence(const std::string& text, const SourceLocation& where, int depth, std::vector<SourceLine>& out);
  void list(const std::string& text, const SourceLocation& where, int depth, std::vector<SourceLine>& out);
  // Replaces the defined parameters of `text` once, left to right; a
  // multi-line value's further lines go to `more`. True if anything changed.
  bool substitute(std::string& text, std::vector<SourceLine>& more);
  void warnUndefined(const std::string& text, const SourceLocation& where);
  // The value of a defined or predefined parameter; params: _RANDOM's MIN and MAX.
  std::optional<std::string> valueOf(const std::string& name, const std::vector<unsigned long>& params);
  void emit(SourceLine line, std::vector<SourceLine>& out);

  Diagnostics& diag_;
  std::string configId_;
  std::map<std::string, Definition> defs_;
  std::optional<std::string> open_;  // the multi-line definition being read
  std::string currentFile_;
  std::size_t maxLines_;
  std::size_t produced_ = 0;  // lines processed, emitted or not
  bool tooMany_ = false;
  std::mt19937 random_;  // ${_RANDOM}: seeded per read, as keepalived seeds from the clock
};

}  // namespace sluice::config
