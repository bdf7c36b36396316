// popt's way of reading a command line, which ipvsadm's users rely on:
// options anywhere among the other words (kept, in order, as leftover
// arguments), clusters of short options (-Ln), a short option's value
// attached or in the next word, --long and --long=value, an optional
// value taken only from a word that is not an option, "--" ending the
// options; errors in popt's words ("unknown option", "missing argument").
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::ipvsadm {

enum class Arity { kNone, kRequired, kOptional };

struct OptionSpec {
  const char* longName;
  char shortName;
  Arity arity;
  int tag;
};

// One option as popt hands it over: its tag and value, or an error with the
// word that caused it.
struct Next {
  int tag = 0;  // 0: no more options
  std::optional<std::string> value;
  std::string error;  // popt's words, with `word`
  std::string word;
};

// popt's reading of argv: options anywhere, other words kept as leftover
// arguments in order, "--" ends the options.
class OptionReader {
 public:
  OptionReader(std::span<const OptionSpec> options, const std::vector<std::string>& args)
      : options_(options), args_(args) {}

  Next next() {
    while (true) {
      if (!cluster_.empty()) return fromCluster();
      if (index_ >= args_.size()) return {};
      const std::string& word = args_[index_++];
      if (optionsEnded_ || word.size() < 2 || word[0] != '-') {
        leftovers_.push_back(word);
        continue;
      }
      if (word == "--") {
        optionsEnded_ = true;
        continue;
      }
      if (word[1] == '-') return fromLong(word);
      cluster_ = word.substr(1);
      clusterWord_ = word;
    }
  }

  // Leftover words, then what was never read (after an error).
  std::optional<std::string> takeLeftover() {
    if (taken_ < leftovers_.size()) return leftovers_[taken_++];
    return std::nullopt;
  }

 private:
  const OptionSpec* byLong(std::string_view name) const {
    for (const auto& o : options_) {
      if (name == o.longName) return &o;
    }
    return nullptr;
  }
  const OptionSpec* byShort(char c) const {
    for (const auto& o : options_) {
      if (o.shortName == c) return &o;
    }
    return nullptr;
  }

  Next error(const char* why, const std::string& word) {
    Next n;
    n.tag = -1;
    n.error = why;
    n.word = word;
    return n;
  }

  // The value after an option: required ones take the next word whatever
  // it is; optional ones only a word that is not an option.
  bool valueFromNext(Arity arity, std::optional<std::string>& value) {
    if (index_ < args_.size() && (arity == Arity::kRequired || args_[index_].empty() || args_[index_][0] != '-')) {
      value = args_[index_++];
      return true;
    }
    return arity == Arity::kOptional;
  }

  Next fromLong(const std::string& word) {
    const std::size_t eq = word.find('=');
    const std::string name = word.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const OptionSpec* o = byLong(name);
    if (o == nullptr) return error("unknown option", word);
    Next n;
    n.tag = o->tag;
    n.word = word;
    if (eq != std::string::npos) {
      if (o->arity == Arity::kNone) return error("option does not take an argument", word);
      n.value = word.substr(eq + 1);
      return n;
    }
    if (o->arity != Arity::kNone && !valueFromNext(o->arity, n.value)) return error("missing argument", word);
    return n;
  }

  Next fromCluster() {
    const char c = cluster_[0];
    cluster_.erase(0, 1);
    const OptionSpec* o = byShort(c);
    if (o == nullptr) {
      cluster_.clear();
      return error("unknown option", clusterWord_);
    }
    Next n;
    n.tag = o->tag;
    n.word = clusterWord_;
    if (o->arity == Arity::kNone) return n;
    if (!cluster_.empty()) {
      n.value = cluster_;
      cluster_.clear();
      return n;
    }
    if (!valueFromNext(o->arity, n.value)) return error("missing argument", clusterWord_);
    return n;
  }

  std::span<const OptionSpec> options_;
  const std::vector<std::string>& args_;
  std::size_t index_ = 0;
  std::string cluster_;
  std::string clusterWord_;
  bool optionsEnded_ = false;
  std::vector<std::string> leftovers_;
  std::size_t taken_ = 0;
};

}  // namespace sluice::ipvsadm
