#include "controlplane/config/preprocessor.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <utility>

namespace sluice::config {
namespace {

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool nameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool nameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

void trim(std::string& s) {
  std::size_t b = 0;
  while (b < s.size() && isBlank(s[b])) ++b;
  std::size_t e = s.size();
  while (e > b && isBlank(s[e - 1])) --e;
  s = s.substr(b, e - b);
}

// Cuts a comment off with the lexer's rules ('#' or '!' starting a word
// outside quotes), so that '$X=1 # note' defines "1" and a trailing '\'
// before a comment still continues a definition.
std::string stripComment(std::string_view line) {
  char quote = 0;
  bool wordStart = true;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == '\\' && quote == '"' && i + 1 < line.size()) {
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      wordStart = false;
      continue;
    }
    if ((c == '#' || c == '!') && wordStart) {
      return std::string(line.substr(0, i));
    }
    if (c == '"' || c == '\'') {
      quote = c;
    }
    wordStart = isBlank(c);
  }
  return std::string(line);
}

// A parameter reference at text[at] == '$': its name and where it ends,
// with keepalived's rules ('${NAME}' anywhere; '$NAME' only before a
// blank, ',', ')' or the end). '${_RANDOM MIN MAX}' carries up to two
// numbers after the name (`params`).
struct Reference {
  std::string name;
  std::size_t end = 0;
  std::vector<unsigned long> params;
};

std::optional<Reference> referenceAt(const std::string& text, std::size_t at) {
  const bool braces = at + 1 < text.size() && text[at + 1] == '{';
  const std::size_t begin = at + 1 + (braces ? 1 : 0);
  if (begin >= text.size() || !nameStart(text[begin])) {
    return std::nullopt;
  }
  std::size_t end = begin + 1;
  while (end < text.size() && nameChar(text[end])) ++end;
  if (braces) {
    Reference ref{text.substr(begin, end - begin), 0, {}};
    if (ref.name == "_RANDOM") {
      while (true) {
        while (end < text.size() && isBlank(text[end])) ++end;
        if (end >= text.size() || !std::isdigit(static_cast<unsigned char>(text[end]))) break;
        errno = 0;
        char* stop = nullptr;
        const unsigned long v = std::strtoul(text.c_str() + end, &stop, 10);
        if (errno != 0 || ref.params.size() == 2) return std::nullopt;
        ref.params.push_back(v);
        end = static_cast<std::size_t>(stop - text.c_str());
      }
    }
    if (end >= text.size() || text[end] != '}') {
      return std::nullopt;
    }
    ref.end = end + 1;
    return ref;
  }
  if (end < text.size() && !isBlank(text[end]) && text[end] != ',' && text[end] != ')') {
    return std::nullopt;
  }
  return Reference{text.substr(begin, end - begin), end, {}};
}

std::optional<long long> number(std::string s) {
  trim(s);
  if (s.empty()) {
    return std::nullopt;
  }
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 0);
  if (errno != 0 || *end != '\0') {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::string hostConfigId() {
  struct utsname u {};
  if (::uname(&u) != 0) {
    return "";
  }
  const std::string node = u.nodename;
  return node.substr(0, node.find('.'));
}

Preprocessor::Preprocessor(Diagnostics& diag, std::string configId, std::size_t maxLines)
    : diag_(diag), configId_(std::move(configId)), maxLines_(maxLines), random_(std::random_device{}()) {}

void Preprocessor::feed(std::string_view raw, const SourceLocation& where, std::vector<SourceLine>& out) {
  currentFile_ = where.file;
  while (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  std::string text = stripComment(raw);
  trim(text);
  if (open_) {
    // As keepalived: an empty line ends a multi-line definition, a line
    // that is only blanks or a comment is skipped.
    if (raw.empty() || !text.empty()) {
      continueDefinition(std::move(text), where);
    }
    return;
  }
  process(std::move(text), where, 0, out);
}

void Preprocessor::endFile() {
  if (open_) {
    continueDefinition("", {});
  }
}

void Preprocessor::process(std::string text, const SourceLocation& where, int depth,
                           std::vector<SourceLine>& out) {
  if (tooMany_) {
    return;
  }
  if (++produced_ > maxLines_) {
    diag_.error(where, "parameters and ~SEQ make more than " + std::to_string(maxLines_) + " lines");
    tooMany_ = true;
    return;
  }
  if (text.size() > kMaxLineLength) {
    diag_.error(where, "parameters make a line longer than " + std::to_string(kMaxLineLength) + " bytes");
    return;
  }
  if (depth > kMaxExpansionDepth) {
    diag_.error(where, "parameters or ~SEQ nested deeper than " + std::to_string(kMaxExpansionDepth) +
                           " levels (a parameter whose value uses itself?)");
    return;
  }
  trim(text);
  if (text.empty()) {
    return;
  }
  if (text[0] == '@' && !select(text)) {
    return;
  }
  if (text[0] == '$' && define(text, where)) {
    return;
  }
  if (text.rfind("~SEQ", 0) == 0) {
    sequence(text, where, depth, out);
    return;
  }
  if (text.rfind("~LST", 0) == 0) {
    list(text, where, depth, out);
    return;
  }
  if (text.find('$') != std::string::npos) {
    std::vector<SourceLine> more;
    if (substitute(text, more)) {
      process(std::move(text), where, depth + 1, out);
      for (auto& line : more) {
        process(std::move(line.text), line.where, depth + 1, out);
      }
      return;
    }
    warnUndefined(text, where);
  }
  emit({std::move(text), where}, out);
}

// '@ID rest' / '@^ID rest': strips the prefix and says whether rest is used.
bool Preprocessor::select(std::string& text) {
  const bool negate = text.size() > 1 && text[1] == '^';
  const std::size_t idStart = negate ? 2 : 1;
  const std::size_t blank = text.find_first_of(" \t", idStart);
  if (blank == std::string::npos) {
    return false;  // nothing after the id: keepalived drops the line
  }
  const bool match = text.compare(idStart, blank - idStart, configId_) == 0 && blank - idStart == configId_.size();
  if (match == negate) {
    return false;
  }
  text.erase(0, blank);
  trim(text);
  return !text.empty();
}

// '$NAME=value': records it (replacing an earlier one); false when the
// line is not a definition (then it is substituted like any other line).
bool Preprocessor::define(const std::string& text, const SourceLocation& where) {
  if (text.size() < 2 || !nameStart(text[1])) {
    return false;
  }
  std::size_t p = 2;
  while (p < text.size() && nameChar(text[p])) ++p;
  if (p >= text.size() || text[p] != '=') {
    return false;
  }
  const std::string name = text.substr(1, p - 1);
  std::string value = text.substr(p + 1);
  trim(value);
  Definition def;
  if (!value.empty() && value.back() == '\\') {
    value.pop_back();
    trim(value);
    def.multiline = true;
    open_ = name;
  }
  if (!def.multiline || !value.empty()) {
    def.lines.push_back({value, where});
  }
  defs_[name] = std::move(def);
  return true;
}

void Preprocessor::continueDefinition(std::string text, const SourceLocation& where) {
  Definition& def = defs_[*open_];
  const bool more = !text.empty() && text.back() == '\\';
  if (more) {
    text.pop_back();
    trim(text);
  }
  if (!text.empty()) {
    def.lines.push_back({std::move(text), where});
  }
  if (!more) {
    if (def.lines.empty()) {
      def.lines.push_back({"", where});
      def.multiline = false;
    }
    open_.reset();
  }
}

// '~SEQ(VAR, [[start,] step,] end) rest' and '~SEQx(...)'.
void Preprocessor::sequence(const std::string& text, const SourceLocation& where, int depth,
                            std::vector<SourceLine>& out) {
  auto invalid = [&](const std::string& why) { diag_.error(where, "invalid ~SEQ: " + why); };
  std::size_t p = 4;
  const bool hex = p < text.size() && text[p] == 'x';
  if (hex) ++p;
  while (p < text.size() && isBlank(text[p])) ++p;
  if (p >= text.size() || text[p] != '(') {
    return invalid("'(' expected after ~SEQ");
  }
  const std::size_t close = text.find(')', p);
  if (close == std::string::npos) {
    return invalid("no closing ')'");
  }
  std::string inside = text.substr(p + 1, close - p - 1);
  const std::size_t comma = inside.find(',');
  if (comma == std::string::npos) {
    return invalid("it takes a variable and one to three numbers: ~SEQ(VAR, [[start,] step,] end)");
  }
  std::string var = inside.substr(0, comma);
  trim(var);
  if (var.empty() || !nameStart(var[0]) ||
      var.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    return invalid("'" + var + "' is not a parameter name");
  }
  std::string args = inside.substr(comma + 1);
  std::vector<SourceLine> more;
  substitute(args, more);  // the numbers may be parameters
  trim(args);
  if (!more.empty()) {
    return invalid("a number is a multi-line parameter");
  }
  std::vector<long long> n;
  std::size_t from = 0;
  while (true) {
    const std::size_t next = args.find(',', from);
    const auto v = number(args.substr(from, next == std::string::npos ? std::string::npos : next - from));
    if (!v) {
      return invalid("numbers expected, not '" + args + "'");
    }
    n.push_back(*v);
    if (next == std::string::npos) break;
    from = next + 1;
  }
  long long start = 0;
  long long step = 0;
  long long end = 0;
  if (n.size() == 1) {  // keepalived's defaults: count from 1 (or -1) towards end
    end = n[0];
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else if (n.size() == 2) {
    start = n[0];
    end = n[1];
    step = start <= end ? 1 : -1;
  } else if (n.size() == 3) {
    start = n[0];
    step = n[1];
    end = n[2];
    if (step == 0 || (start < end && step < 0) || (start > end && step > 0)) {
      return invalid("step " + std::to_string(step) + " never goes from " + std::to_string(start) + " to " +
                     std::to_string(end));
    }
  } else {
    return invalid("more than three numbers");
  }
  if (hex && (start < 0 || end < 0)) {
    return invalid("~SEQx takes no negative numbers");
  }
  std::string rest = text.substr(close + 1);
  for (long long v = start;;) {
    char buf[32];
    std::snprintf(buf, sizeof buf, hex ? "%llx" : "%lld", v);
    defs_[var] = Definition{{{buf, where}}, false};
    process(rest, where, depth + 1, out);
    long long next = 0;
    if (tooMany_ || __builtin_add_overflow(v, step, &next) || (step > 0 && next > end) ||
        (step < 0 && next < end)) {
      break;
    }
    v = next;
  }
}

// '~LST(VAR, v1, v2, ...) rest' and '~LST({V1, V2, ...}, {a1, a2, ...}, ...) rest':
// rest once per value (set), in order. A set with fewer values than
// variables leaves the others empty, as keepalived does; one with more is
// an error. Values are taken as written (no parameters), words without
// blanks, ',', '{', '}' or ')'.
void Preprocessor::list(const std::string& text, const SourceLocation& where, int depth,
                        std::vector<SourceLine>& out) {
  auto invalid = [&](const std::string& why) { diag_.error(where, "invalid ~LST: " + why); };
  std::size_t p = 4;
  auto skipBlanks = [&] {
    while (p < text.size() && isBlank(text[p])) ++p;
  };
  // One group: '{w, w, ...}' or a single word; false on a syntax error.
  auto group = [&](std::vector<std::string>& words) {
    skipBlanks();
    const bool braced = p < text.size() && text[p] == '{';
    if (braced) ++p;
    while (true) {
      skipBlanks();
      const std::size_t start = p;
      while (p < text.size() && !isBlank(text[p]) && std::string_view(",{})").find(text[p]) == std::string_view::npos) {
        ++p;
      }
      words.push_back(text.substr(start, p - start));
      skipBlanks();
      if (!braced) return true;
      if (p < text.size() && text[p] == '}') {
        ++p;
        return true;
      }
      if (p >= text.size() || text[p] != ',') return false;
      ++p;
    }
  };
  skipBlanks();
  if (p >= text.size() || text[p] != '(') {
    return invalid("'(' expected after ~LST");
  }
  ++p;
  std::vector<std::string> vars;
  if (!group(vars)) {
    return invalid("the variables end without '}'");
  }
  for (const auto& var : vars) {
    if (var.empty() || !nameStart(var[0]) ||
        !std::all_of(var.begin(), var.end(), [](char c) { return nameChar(c); })) {
      return invalid("'" + var + "' is not a parameter name");
    }
  }
  std::vector<std::vector<std::string>> sets;
  while (true) {
    skipBlanks();
    if (p >= text.size()) {
      return invalid("no closing ')'");
    }
    if (text[p] == ')') break;
    if (text[p] != ',') {
      return invalid("',' or ')' expected at '" + text.substr(p) + "'");
    }
    ++p;
    std::vector<std::string> values;
    if (!group(values)) {
      return invalid("a set of values ends without '}'");
    }
    if (values.size() > vars.size()) {
      return invalid("more values in a set than the " + std::to_string(vars.size()) + " variable(s)");
    }
    values.resize(vars.size());
    sets.push_back(std::move(values));
  }
  if (sets.empty()) {
    return invalid("no values");
  }
  const std::string rest = text.substr(p + 1);
  for (const auto& values : sets) {
    for (std::size_t k = 0; k < vars.size(); ++k) {
      defs_[vars[k]] = Definition{{{values[k], where}}, false};
    }
    process(rest, where, depth + 1, out);
    if (tooMany_) break;
  }
}

bool Preprocessor::substitute(std::string& text, std::vector<SourceLine>& more) {
  std::string out;
  bool changed = false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$') {
      out += text[i++];
      continue;
    }
    const auto ref = referenceAt(text, i);
    if (!ref) {
      out += text[i++];
      continue;
    }
    const auto def = defs_.find(ref->name);
    if (def != defs_.end() && def->second.multiline) {
      if (ref->end != text.size()) {  // only the end of a line takes a multi-line value
        out += text[i++];
        continue;
      }
      std::size_t first = 0;
      if (out.find_first_not_of(" \t") != std::string::npos) {
        out += def->second.lines.empty() ? "" : def->second.lines[0].text;
        first = 1;
      }
      for (std::size_t k = first; k < def->second.lines.size(); ++k) {
        more.push_back(def->second.lines[k]);
      }
      text = std::move(out);
      return true;
    }
    const auto value = valueOf(ref->name, ref->params);
    if (!value) {
      out += text[i++];
      continue;
    }
    out += *value;
    i = ref->end;
    changed = true;
    if (out.size() > kMaxLineLength) {  // process() refuses it; stop growing here
      out += text.substr(i);
      break;
    }
  }
  text = std::move(out);
  return changed;
}

std::optional<std::string> Preprocessor::valueOf(const std::string& name, const std::vector<unsigned long>& params) {
  const auto def = defs_.find(name);
  if (def != defs_.end()) {
    return def->second.lines.empty() ? std::string() : def->second.lines[0].text;
  }
  if (name == "_PWD") {
    std::error_code ec;
    const auto dir = std::filesystem::absolute(currentFile_, ec).parent_path();
    return ec ? std::string(".") : dir.string();
  }
  if (name == "_INSTANCE") {
    return configId_;
  }
  if (name == "_RANDOM") {  // keepalived's range: [MIN, MAX], default 0 to 32767
    unsigned long low = params.empty() ? 0 : params[0];
    unsigned long high = params.size() < 2 ? 32767 : params[1];
    if (low > high) std::swap(low, high);
    return std::to_string(std::uniform_int_distribution<unsigned long>(low, high)(random_));
  }
  // Quoted so that the lexer takes them as text, not as a comment.
  if (name == "_HASH") {
    return "\"#\"";
  }
  if (name == "_BANG") {
    return "\"!\"";
  }
  return std::nullopt;
}

void Preprocessor::warnUndefined(const std::string& text, const SourceLocation& where) {
  std::set<std::string> seen;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;  // '$' in quotes is often a shell's (a script's) own variable
    }
    if (c == '"' || c == '\'') {
      quote = c;
      continue;
    }
    if (c != '$') continue;
    const auto ref = referenceAt(text, i);
    if (!ref || !seen.insert(ref->name).second) continue;
    if (defs_.count(ref->name) != 0) {
      diag_.warning(where, "multi-line parameter '$" + ref->name +
                               "' must end the line that uses it; kept as written");
    } else {
      diag_.warning(where, "parameter '$" + ref->name + "' is not defined; kept as written");
    }
  }
}

void Preprocessor::emit(SourceLine line, std::vector<SourceLine>& out) { out.push_back(std::move(line)); }

}  // namespace sluice::config
