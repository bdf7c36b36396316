#include "controlplane/config/args.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sluice::config {
namespace {

std::string rangeText(std::int64_t min, std::int64_t max) {
  return std::to_string(min) + "-" + std::to_string(max);
}

std::string secondsText(Duration d) {
  const auto ms = d.count();
  std::string s = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    std::string frac = std::to_string(1000 + ms % 1000).substr(1);
    while (!frac.empty() && frac.back() == '0') {
      frac.pop_back();
    }
    s += "." + frac;
  }
  return s;
}

bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

std::string toLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Args::Args(const Statement& st, ParseContext& ctx, bool keywordIsValue, std::string_view label)
    : st_(st), ctx_(ctx), label_(label.empty() ? st.keyword.text : std::string(label)) {
  if (keywordIsValue) {
    values_.push_back(&st.keyword);
  }
  for (const auto& t : st.values) {
    values_.push_back(&t);
  }
}

const std::string& Args::text(std::size_t i) const {
  if (i >= values_.size()) {
    fail(i == 0 ? "'" + label_ + "' needs a value"
                : "'" + label_ + "' needs at least " + std::to_string(i + 1) + " values");
  }
  return values_[i]->text;
}

const SourceLocation& Args::whereOf(std::size_t i) const {
  return i < values_.size() ? values_[i]->where : st_.where();
}

std::string Args::rest(std::size_t i) const {
  std::string out = text(i);
  for (std::size_t k = i + 1; k < values_.size(); ++k) {
    out += " " + values_[k]->text;
  }
  return out;
}

void Args::expect(std::size_t min, std::size_t max) const {
  if (values_.size() < min) {
    fail(values_.size(), min == 1     ? "'" + label_ + "' needs a value"
                         : min == max ? "'" + label_ + "' needs " + std::to_string(min) + " values"
                                      : "'" + label_ + "' needs at least " + std::to_string(min) + " values");
  }
  if (values_.size() > max) {
    fail(max, "unexpected '" + values_[max]->text + "' after '" + label_ + "'" +
                  (max == 0 ? " (it takes no value)" : ""));
  }
}

std::uint64_t Args::unsignedAt(std::size_t i, std::uint64_t min, std::uint64_t max) const {
  const std::string& s = text(i);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (!allDigits(s) || ec != std::errc{} || end != s.data() + s.size()) {
    fail(i, label_ + " '" + s + "' is not a whole number");
  }
  if (value < min || value > max) {
    fail(i, label_ + " " + s + " is out of range " +
                rangeText(static_cast<std::int64_t>(min), static_cast<std::int64_t>(max)));
  }
  return value;
}

std::int64_t Args::signedAt(std::size_t i, std::int64_t min, std::int64_t max) const {
  const std::string& s = text(i);
  std::string_view digits = s;
  if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) {
    digits.remove_prefix(1);
  }
  std::int64_t value = 0;
  const char* first = s.data() + (s.size() > 0 && s[0] == '+' ? 1 : 0);
  const auto [end, ec] = std::from_chars(first, s.data() + s.size(), value);
  if (!allDigits(digits) || ec != std::errc{} || end != s.data() + s.size()) {
    fail(i, label_ + " '" + s + "' is not a whole number");
  }
  if (value < min || value > max) {
    fail(i, label_ + " " + s + " is out of range " + rangeText(min, max));
  }
  return value;
}

Duration Args::timer(std::size_t i, Duration min, Duration max) const {
  const std::string& s = text(i);
  const auto dot = s.find('.');
  const std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  // ".5" is accepted as keepalived's strtod-based reader does.
  const std::string whole = dot == 0 && !frac.empty() ? "0" : s.substr(0, dot);
  if (!allDigits(whole) || (dot != std::string::npos && !allDigits(frac)) || whole.size() > 9) {
    fail(i, label_ + " '" + s + "' is not a time in seconds");
  }
  if (frac.size() > 3 && frac.find_first_not_of('0', 3) != std::string::npos) {
    fail(i, label_ + " " + s + " is finer than a millisecond");
  }
  std::string ms = frac.substr(0, std::min<std::size_t>(frac.size(), 3));
  ms.resize(3, '0');
  const Duration value{std::stoll(whole) * 1000 + std::stoll(ms)};
  if (value < min || value > max) {
    fail(i, label_ + " " + s + " is out of range " + secondsText(min) + "-" + secondsText(max) + " seconds");
  }
  return value;
}

Duration Args::haproxyTime(std::size_t i, Duration min, Duration max) const {
  const std::string& s = text(i);
  const auto unitAt = s.find_first_not_of("0123456789");
  const std::string digits = s.substr(0, unitAt);
  const std::string unit = unitAt == std::string::npos ? "" : s.substr(unitAt);
  if (digits.empty() || digits.size() > 9) {
    fail(i, label_ + " '" + s + "' is not a time (e.g. 2s, 500ms)");
  }
  const long long n = std::stoll(digits);
  long long ms = 0;
  if (unit.empty() || unit == "ms") {
    ms = n;
  } else if (unit == "us") {
    if (n % 1000 != 0) {
      fail(i, label_ + " " + s + " is finer than a millisecond");
    }
    ms = n / 1000;
  } else if (unit == "s") {
    ms = n * 1000;
  } else if (unit == "m") {
    ms = n * 60'000;
  } else if (unit == "h") {
    ms = n * 3'600'000;
  } else if (unit == "d") {
    ms = n * 86'400'000;
  } else {
    fail(i, label_ + " '" + s + "' has an unknown time unit '" + unit + "' (us, ms, s, m, h, d)");
  }
  const Duration value{ms};
  if (value < min || value > max) {
    fail(i, label_ + " " + s + " is out of range " + secondsText(min) + "-" + secondsText(max) + " seconds");
  }
  return value;
}

bool Args::boolean(std::size_t i) const {
  const std::string v = toLower(text(i));
  if (v == "on" || v == "true" || v == "yes") {
    return true;
  }
  if (v == "off" || v == "false" || v == "no") {
    return false;
  }
  fail(i, label_ + " '" + text(i) + "' is not one of on, off, true, false, yes, no");
}

bool Args::flag() const {
  expect(0, 1);
  return size() == 0 ? true : boolean(0);
}

wire::IpAddress Args::ip(std::size_t i) const {
  const auto parsed = parseAddress(text(i));
  if (!parsed) {
    fail(i, label_ + " '" + text(i) + "' is not an IP address");
  }
  return *parsed;
}

IpPrefix Args::prefix(std::size_t i) const {
  const auto parsed = IpPrefix::parse(text(i));
  if (!parsed) {
    fail(i, label_ + " '" + text(i) + "' is not an address or address/prefix-length");
  }
  return *parsed;
}

std::uint16_t Args::port(std::size_t i, bool allowZero) const {
  return number<std::uint16_t>(i, allowZero ? 0 : 1, 65535);
}

std::string_view Args::oneOf(std::size_t i, std::initializer_list<std::string_view> choices) const {
  const std::string v = toLower(text(i));
  for (auto choice : choices) {
    if (toLower(choice) == v) {
      return choice;
    }
  }
  std::string list;
  for (auto choice : choices) {
    list += (list.empty() ? "" : ", ") + std::string(choice);
  }
  fail(i, label_ + " '" + text(i) + "' is not one of " + list);
}

ScriptCommand Args::script() const {
  expect(1, 3);
  ScriptCommand cmd;
  cmd.command = text(0);
  if (size() >= 2) {
    cmd.user = text(1);
  }
  if (size() >= 3) {
    // keepalived allows ":group" to mean "also set supplementary groups";
    // the group name is what matters here.
    std::string group = text(2);
    if (!group.empty() && group.front() == ':') {
      group.erase(0, 1);
    }
    cmd.group = group;
  }
  return cmd;
}

void Args::fail(std::size_t i, const std::string& message) const { throw ConfigError(whereOf(i), message); }

void Args::fail(const std::string& message) const { throw ConfigError(where(), message); }

void Args::error(const std::string& message) const { ctx_.diag().error(where(), message); }

void Args::warn(const std::string& message) const { ctx_.diag().warning(where(), message); }
void Args::keepalivedError(const std::string& message) const { ctx_.diag().keepalivedError(where(), message); }

}  // namespace sluice::config
