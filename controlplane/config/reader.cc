#include "controlplane/config/reader.h"

#include <glob.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace sluice::config {
namespace fs = std::filesystem;

namespace {

// keepalived's include and its variants, which differ only in how hard
// they complain about missing files; sluice applies its own rules to all.
bool isInclude(const Token& keyword) {
  if (keyword.quoted) {
    return false;
  }
  const std::string& k = keyword.text;
  return k == "include" || k == "includer" || k == "includem" || k == "includew" || k == "includeb" ||
         k == "includea";
}

bool hasWildcard(std::string_view pattern) { return pattern.find_first_of("*?[{") != std::string_view::npos; }

std::optional<std::string> slurp(const std::string& path, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string identityOf(const std::string& path) {
  std::error_code ec;
  auto canonical = fs::canonical(path, ec);
  return ec ? path : canonical.string();
}

}  // namespace

// Builds the statements of one file's tokens; nested blocks recurse.
// Lines are read, expanded (preprocessor.h) and tokenized only as the
// statements need them, so that an include takes the parameters defined
// above it, as keepalived reads them.
class FileParser {
 public:
  FileParser(Reader& reader, std::string_view text, const std::string& fileName)
      : reader_(reader), text_(text), fileName_(fileName) {}

  std::vector<Statement> parse() { return block(nullptr, ""); }

 private:
  std::vector<Statement> block(const Token* opener, const std::string& owner) {
    std::vector<Statement> out;
    if (opener != nullptr && ++depth_ > kMaxBlockDepth) {
      reader_.diag_.error(opener->where,
                          "blocks nested deeper than " + std::to_string(kMaxBlockDepth) + " levels");
      pos_ = tokens_.size();  // nothing after this can be trusted
      textPos_ = text_.size();
      aborted_ = true;
      --depth_;
      return out;
    }

    // Restores the depth on every way out.
    struct Leave {
      int& depth;
      bool counted;

      ~Leave() {
        if (counted) {
          --depth;
        }
      }
    } leave{depth_, opener != nullptr};

    std::optional<Statement> current;
    // True when out.back() ended at a line end, so a '{' alone on the next
    // line belongs to it.
    bool lastTakesBlock = false;

    auto finish = [&] {
      if (current) {
        lastTakesBlock = emit(std::move(*current), out);
        current.reset();
      }
    };

    while (pos_ < tokens_.size() || more()) {
      const Token& t = tokens_[pos_++];  // a deque's elements stay where they are as it grows
      switch (t.kind) {
        case TokenKind::kWord:
          if (!current) {
            current = Statement{t, {}, false, {}};
          } else {
            current->values.push_back(t);
          }
          break;
        case TokenKind::kEndOfLine:
          finish();
          break;
        case TokenKind::kOpenBrace:
          if (current) {
            current->hasBlock = true;
            current->body = block(&t, current->keyword.text);
            emit(std::move(*current), out);
            current.reset();
          } else if (lastTakesBlock && !out.empty() && !out.back().hasBlock) {
            Statement& target = out.back();
            target.hasBlock = true;
            target.body = block(&t, target.keyword.text);
          } else {
            reader_.diag_.error(t.where, "'{' without a keyword before it");
            block(&t, "");
          }
          lastTakesBlock = false;
          break;
        case TokenKind::kCloseBrace:
          finish();
          if (opener != nullptr) {
            return out;
          }
          reader_.diag_.error(t.where, "unexpected '}' with no open block");
          lastTakesBlock = false;
          break;
      }
    }
    finish();
    if (opener != nullptr && !aborted_) {
      reader_.diag_.error(opener->where, owner.empty()
                                             ? "'{' is never closed"
                                             : "block of '" + owner + "' is never closed (missing '}')");
    }
    return out;
  }

  // Appends `st` to `out`, expanding includes. Returns true when the
  // appended statement may still receive a block from a following line.
  bool emit(Statement st, std::vector<Statement>& out) {
    if (isInclude(st.keyword)) {
      if (st.hasBlock) {
        reader_.diag_.error(st.where(), "'" + st.keyword.text + "' does not take a block");
        return false;
      }
      reader_.include(st, fileName_, out);
      return false;
    }
    out.push_back(std::move(st));
    return true;
  }

  // Reads lines of the text until one gives tokens; false at the end.
  bool more() {
    while (textPos_ < text_.size()) {
      const auto nl = text_.find('\n', textPos_);
      const auto raw = text_.substr(textPos_, nl == std::string_view::npos ? text_.npos : nl - textPos_);
      textPos_ = nl == std::string_view::npos ? text_.size() : nl + 1;
      std::vector<SourceLine> lines;
      reader_.preprocessor_.feed(raw, SourceLocation{fileName_, ++lineNo_}, lines);
      std::vector<Token> tokens;
      for (const auto& line : lines) {
        tokenizeLine(line.text, line.where, tokens, reader_.diag_);
      }
      if (!tokens.empty()) {
        std::move(tokens.begin(), tokens.end(), std::back_inserter(tokens_));
        return true;
      }
    }
    if (!ended_) {
      reader_.preprocessor_.endFile();
      ended_ = true;
    }
    return false;
  }

  Reader& reader_;
  std::string_view text_;
  const std::string& fileName_;
  std::deque<Token> tokens_;
  std::size_t textPos_ = 0;
  int lineNo_ = 0;
  bool ended_ = false;
  std::size_t pos_ = 0;
  int depth_ = 0;
  bool aborted_ = false;
};

std::vector<Statement> Reader::readFile(const std::string& path) {
  std::string why;
  const auto text = slurp(path, why);
  if (!text) {
    diag_.error({path, 0}, "cannot open configuration file: " + why);
    return {};
  }
  return readText(*text, path, identityOf(path));
}

std::vector<Statement> Reader::readString(std::string_view text, const std::string& name) {
  return readText(text, name, name);
}

std::vector<Statement> Reader::readText(std::string_view text, const std::string& name,
                                        const std::string& identity) {
  stack_.push_back(identity);
  auto statements = FileParser(*this, text, name).parse();
  stack_.pop_back();
  return statements;
}

void Reader::include(const Statement& st, const std::string& includingFile, std::vector<Statement>& out) {
  if (!includes_) {
    diag_.error(st.where(), "'" + st.keyword.text + "' is not allowed here");
    return;
  }
  if (st.values.size() != 1) {
    diag_.error(st.where(), "'include' takes exactly one file name or glob");
    return;
  }
  const std::string& given = st.values[0].text;
  std::string pattern = given;
  if (!pattern.empty() && pattern.front() != '/') {
    const auto dir = fs::path(includingFile).parent_path();
    if (!dir.empty()) {
      pattern = (dir / pattern).string();
    }
  }

  glob_t matches{};
  const int rc = ::glob(pattern.c_str(), GLOB_BRACE | GLOB_TILDE, nullptr, &matches);
  std::vector<std::string> files;
  if (rc == 0) {
    files.assign(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
  }
  globfree(&matches);
  if (rc != 0 && rc != GLOB_NOMATCH) {
    diag_.error(st.where(), "cannot expand include '" + given + "'");
    return;
  }
  if (files.empty()) {
    if (hasWildcard(given)) {
      diag_.warning(st.where(), "include '" + given + "' matches no file");
    } else {
      diag_.error(st.where(), "cannot open included file '" + pattern + "': " + std::strerror(ENOENT));
    }
    return;
  }

  for (const auto& file : files) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      if (!hasWildcard(given)) {
        diag_.error(st.where(), "included '" + file + "' is not a regular file");
      }
      continue;  // a glob may well match directories; they are not configuration
    }
    if (static_cast<int>(stack_.size()) > kMaxIncludeDepth) {
      diag_.error(st.where(), "includes nested deeper than " + std::to_string(kMaxIncludeDepth) +
                                  " levels at '" + file + "'");
      return;
    }
    const auto identity = identityOf(file);
    if (std::find(stack_.begin(), stack_.end(), identity) != stack_.end()) {
      diag_.error(st.where(), "include cycle: '" + file + "' is already being read");
      return;
    }
    std::string why;
    const auto text = slurp(file, why);
    if (!text) {
      diag_.error(st.where(), "cannot open included file '" + file + "': " + why);
      continue;
    }
    auto statements = readText(*text, file, identity);
    std::move(statements.begin(), statements.end(), std::back_inserter(out));
  }
}

}  // namespace sluice::config
