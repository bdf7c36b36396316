// Typed, range-checked access to the values of one statement, in the
// spirit of keepalived's read_unsigned()/read_timer(): a bad value is an
// error at its file:line, never silently replaced by a default.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "controlplane/config/address.h"
#include "controlplane/config/model.h"
#include "controlplane/config/parse_context.h"
#include "controlplane/config/statement.h"

namespace sluice::config {

// The values of a statement plus the parse context. Readers throw
// ConfigError (caught by the grammar, which records it and moves on).
// Not thread-safe; lives for one handler call.
class Args {
 public:
  // `keywordIsValue` is for list blocks (notification_email, group, ...):
  // there the first word is data, not a keyword, and is value 0.
  // `label` names the statement in messages (default: its keyword).
  Args(const Statement& st, ParseContext& ctx, bool keywordIsValue = false, std::string_view label = {});

  // The keyword (or list owner) used in messages. Not thread-safe.
  const std::string& keyword() const { return label_; }

  // Where the statement starts. Not thread-safe.
  const SourceLocation& where() const { return st_.where(); }

  // The statement itself (for nested blocks). Not thread-safe.
  const Statement& statement() const { return st_; }

  // The shared parse state. Not thread-safe.
  ParseContext& context() const { return ctx_; }

  // Number of values. Not thread-safe.
  std::size_t size() const { return values_.size(); }

  // Value i as written (quotes removed); error if missing. Not thread-safe.
  const std::string& text(std::size_t i) const;
  // The location of value i (or of the statement). Not thread-safe.
  const SourceLocation& whereOf(std::size_t i) const;
  // Values i.. joined by single blanks (a command line). Error if none. Not thread-safe.
  std::string rest(std::size_t i) const;

  // Errors unless min <= size() <= max. Not thread-safe.
  void expect(std::size_t min, std::size_t max) const;

  // A flag keyword: no values allowed. Not thread-safe.
  void none() const { expect(0, 0); }

  // Unsigned decimal in [min, max]. Not thread-safe.
  std::uint64_t unsignedAt(std::size_t i, std::uint64_t min, std::uint64_t max) const;
  // Signed decimal in [min, max]. Not thread-safe.
  std::int64_t signedAt(std::size_t i, std::int64_t min, std::int64_t max) const;

  // Typed shorthand for unsignedAt. Not thread-safe.
  template <class U>
  U number(std::size_t i, std::uint64_t min, std::uint64_t max) const {
    return static_cast<U>(unsignedAt(i, min, max));
  }

  // Seconds with an optional fraction ("1", "0.5", "2.125"), to the
  // millisecond, in [min, max]. Not thread-safe.
  Duration timer(std::size_t i, Duration min, Duration max) const;
  // A HAProxy time: number with unit us|ms|s|m|h|d, no unit meaning ms. Not thread-safe.
  Duration haproxyTime(std::size_t i, Duration min, Duration max) const;
  // on|off|true|false|yes|no. Not thread-safe.
  bool boolean(std::size_t i) const;
  // A flag that may carry a boolean: `alpha` or `alpha off`. Not thread-safe.
  bool flag() const;
  // An IPv4/IPv6 address. Not thread-safe.
  wire::IpAddress ip(std::size_t i) const;
  // ADDR or ADDR/LEN. Not thread-safe.
  IpPrefix prefix(std::size_t i) const;
  // TCP/UDP port 1-65535 (0 allowed when allowZero). Not thread-safe.
  std::uint16_t port(std::size_t i, bool allowZero = false) const;
  // Value i matched case-insensitively against `choices`; returns the
  // matching choice as spelt there. Not thread-safe.
  std::string_view oneOf(std::size_t i, std::initializer_list<std::string_view> choices) const;
  // A script: command then optional user and group. Not thread-safe.
  ScriptCommand script() const;

  // Throws a ConfigError at value i. Not thread-safe.
  [[noreturn]] void fail(std::size_t i, const std::string& message) const;
  // Throws a ConfigError at the statement. Not thread-safe.
  [[noreturn]] void fail(const std::string& message) const;
  // Records an error without stopping the handler. Not thread-safe.
  void error(const std::string& message) const;
  // Records a warning at the statement. Not thread-safe.
  void warn(const std::string& message) const;
  // Records a warning keepalived -t counts as an error (Diagnostic::keepalivedError). Not thread-safe.
  void keepalivedError(const std::string& message) const;

 private:
  const Statement& st_;
  ParseContext& ctx_;
  std::vector<const Token*> values_;
  std::string label_;
};

// Lower-case copy, for case-insensitive keyword values. Thread-safe.
std::string toLower(std::string_view s);

}  // namespace sluice::config
