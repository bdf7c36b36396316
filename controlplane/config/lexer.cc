#include "controlplane/config/lexer.h"

#include <algorithm>

namespace sluice::config {
namespace {

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// Builds the tokens of one line; kept as a class so the word-in-progress
// state is explicit rather than spread over loop variables.
class LineLexer {
 public:
  LineLexer(std::vector<Token>& out, SourceLocation where) : out_(out), where_(std::move(where)) {}

  // Lexes `line` (without its newline). Returns false on an unterminated quote.
  bool run(std::string_view line) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quote_ != 0) {
        if (c == quote_) {
          quote_ = 0;
        } else if (c == '\\' && quote_ == '"' && i + 1 < line.size() &&
                   (line[i + 1] == '"' || line[i + 1] == '\\')) {
          word_ += line[++i];
        } else {
          word_ += c;
        }
        continue;
      }
      if (isBlank(c)) {
        finishWord();
      } else if ((c == '#' || c == '!') && !inWord_) {
        break;  // comment to end of line
      } else if (c == '"' || c == '\'') {
        quote_ = c;
        quoted_ = true;
        inWord_ = true;
      } else {
        word_ += c;
        inWord_ = true;
      }
    }
    if (quote_ != 0) {
      return false;
    }
    finishWord();
    return true;
  }

 private:
  void push(TokenKind kind, std::string text, bool quoted = false) {
    out_.push_back(Token{kind, std::move(text), quoted, where_});
  }

  void finishWord() {
    if (!inWord_) {
      return;
    }
    std::string w = std::move(word_);
    const bool quoted = quoted_;
    word_.clear();
    inWord_ = false;
    quoted_ = false;
    if (quoted) {
      push(TokenKind::kWord, std::move(w), true);
      return;
    }
    if (std::all_of(w.begin(), w.end(), [](char c) { return c == '{' || c == '}'; })) {
      for (char c : w) {
        push(c == '{' ? TokenKind::kOpenBrace : TokenKind::kCloseBrace, std::string(1, c));
      }
      return;
    }
    auto opens = [&] { return std::count(w.begin(), w.end(), '{'); };
    auto closes = [&] { return std::count(w.begin(), w.end(), '}'); };
    while (w.size() > 1 && w.front() == '{' && opens() > closes()) {
      push(TokenKind::kOpenBrace, "{");
      w.erase(0, 1);
    }
    std::vector<TokenKind> trailing;  // in reverse order of appearance
    while (w.size() > 1 && ((w.back() == '}' && closes() > opens()) || w.back() == '{')) {
      trailing.push_back(w.back() == '{' ? TokenKind::kOpenBrace : TokenKind::kCloseBrace);
      w.pop_back();
    }
    push(TokenKind::kWord, std::move(w));
    for (auto it = trailing.rbegin(); it != trailing.rend(); ++it) {
      push(*it, *it == TokenKind::kOpenBrace ? "{" : "}");
    }
  }

  std::vector<Token>& out_;
  SourceLocation where_;
  std::string word_;
  bool inWord_ = false;
  bool quoted_ = false;
  char quote_ = 0;
};

}  // namespace

void tokenizeLine(std::string_view line, const SourceLocation& where, std::vector<Token>& out, Diagnostics& diag) {
  LineLexer lexer(out, where);
  if (!lexer.run(line)) {
    diag.error(where, "unterminated quoted string");
  }
  out.push_back(Token{TokenKind::kEndOfLine, "", false, where});
}

std::vector<Token> tokenize(std::string_view text, const std::string& fileName, Diagnostics& diag) {
  std::vector<Token> tokens;
  int lineNo = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    ++lineNo;
    const auto nl = text.find('\n', pos);
    const auto line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    tokenizeLine(line, SourceLocation{fileName, lineNo}, tokens, diag);
  }
  return tokens;
}

}  // namespace sluice::config
