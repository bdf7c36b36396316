// Splits keepalived.conf text into words, braces and line ends.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "controlplane/config/diagnostic.h"
#include "controlplane/config/source_location.h"

namespace sluice::config {

enum class TokenKind { kWord, kOpenBrace, kCloseBrace, kEndOfLine };

// One lexical item with the file and line it came from.
struct Token {
  TokenKind kind = TokenKind::kWord;
  std::string text;     // the word with quotes removed; "{" / "}" for braces
  bool quoted = false;  // some part of the word was quoted
  SourceLocation where;
};

// Tokenizes one file's text. Rules (keepalived's):
//  * words are separated by blanks; "..." or '...' keep blanks and may be
//    glued to unquoted text like a shell word; inside "..." \" and \\ escape;
//  * '#' or '!' at the start of a word starts a comment to the end of line;
//  * a word made only of braces is structural, and a trailing '{' or an
//    unbalanced leading '{' / trailing '}' is split off a word, so that
//    `real_server 1.2.3.4 80 {weight 1}` reads as expected while a glob
//    like `{a,b}.conf` stays one word;
//  * every line end produces a kEndOfLine token.
// Problems (an unterminated quote) go to `diag`. Thread-safe (no shared state).
std::vector<Token> tokenize(std::string_view text, const std::string& fileName, Diagnostics& diag);

// Tokenizes one line (no newline) written at `where`, appending its tokens
// and a kEndOfLine to `out`. Thread-safe (no shared state).
void tokenizeLine(std::string_view line, const SourceLocation& where, std::vector<Token>& out, Diagnostics& diag);

}  // namespace sluice::config
