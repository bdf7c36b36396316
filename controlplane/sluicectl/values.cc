#include "controlplane/sluicectl/values.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "controlplane/config/address.h"

namespace sluice::sluicectl {

std::optional<HostPort> splitHostPort(const std::string& text, std::string& why) {
  HostPort hp;
  std::string rest;
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) {
      why = "missing ']' after the IPv6 address";
      return std::nullopt;
    }
    hp.host = text.substr(1, close - 1);
    hp.bracketed = true;
    rest = text.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') {
      why = "expected ':PORT' after ']'";
      return std::nullopt;
    }
  } else {
    if (std::count(text.begin(), text.end(), ':') > 1) {
      // Without brackets the last group could be a port or part of the address.
      why = "write an IPv6 address in brackets: [ADDRESS] or [ADDRESS]:PORT";
      return std::nullopt;
    }
    const auto colon = text.find(':');
    hp.host = text.substr(0, colon);
    if (colon != std::string::npos) rest = text.substr(colon);
  }
  if (!rest.empty()) hp.port = rest.substr(1);
  return hp;
}

bool isDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool isNegativeNumber(std::string_view s) { return s.size() > 1 && s[0] == '-' && isDigits(s.substr(1)); }

std::optional<std::uint64_t> readNumber(std::string_view text, std::uint64_t min, std::uint64_t max,
                                        std::string& why) {
  const std::string range = "is out of range (" + std::to_string(min) + ".." + std::to_string(max) + ")";
  if (isNegativeNumber(text)) {
    why = range;
    return std::nullopt;
  }
  if (!isDigits(text)) {
    why = "is not a number";
    return std::nullopt;
  }
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n < min || n > max) {
    why = range;
    return std::nullopt;
  }
  return n;
}

std::optional<std::uint32_t> readSecondsAsMs(std::string_view text, std::uint32_t minMs, std::uint32_t maxMs,
                                             std::string& why) {
  // Whole seconds and up to three decimals: decimal text, no floating point.
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  const bool wellFormed = (isDigits(whole) || (whole.empty() && isDigits(fraction))) &&
                          (dot == std::string_view::npos || fraction.empty() || isDigits(fraction)) &&
                          fraction.size() <= 3 && whole.size() <= 9;
  if (!wellFormed) {
    why = "is not a number of seconds (such as 2 or 0.5)";
    return std::nullopt;
  }
  std::uint64_t ms = 0;
  for (char ch : whole) ms = ms * 10 + static_cast<std::uint64_t>(ch - '0');
  ms *= 1000;
  std::uint64_t scale = 100;
  for (char ch : fraction) {
    ms += static_cast<std::uint64_t>(ch - '0') * scale;
    scale /= 10;
  }
  if (ms < minMs || ms > maxMs) {
    why = "is out of range (" + std::to_string(minMs / 1000) + "." + std::to_string(minMs % 1000 / 100) + ".." +
          std::to_string(maxMs / 1000) + " seconds)";
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(ms);
}

std::optional<Endpoint> readEndpoint(const std::string& text, std::string& why) {
  const auto hp = splitHostPort(text, why);
  if (!hp) return std::nullopt;
  const auto ip = config::parseAddress(hp->host);
  if (!ip || (hp->bracketed && ip->isV4())) {
    why = "'" + hp->host + "' is not an " + (hp->bracketed ? "IPv6 address" : "IP address");
    return std::nullopt;
  }
  Endpoint e{config::toString(*ip), std::nullopt};
  if (hp->port) {
    std::string portWhy;
    const auto n = readNumber(*hp->port, 0, 65535, portWhy);
    if (!n) {
      why = "port '" + *hp->port + "' " + portWhy;
      return std::nullopt;
    }
    e.port = static_cast<std::uint16_t>(*n);
  }
  return e;
}

std::optional<std::string> readMethod(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  if (text == "NAT" || text == "DR" || text == "TUN") return text;
  return std::nullopt;
}

}  // namespace sluice::sluicectl
