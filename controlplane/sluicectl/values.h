// Values on sluicectl's command line: numbers in a range, ipvsadm-style
// addresses, forwarding methods. Each reader says why it refused, in words
// that follow the option's name ("-w '70000': weight is out of range ...").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::sluicectl {

// True for a non-empty run of decimal digits. Thread-safe.
bool isDigits(std::string_view s);

// True for "-" and digits: a (bad) number rather than an option. Thread-safe.
bool isNegativeNumber(std::string_view s);

// A whole decimal number in [min, max]; otherwise nullopt and why ("is not a
// number", "is out of range (min..max)"). Thread-safe.
std::optional<std::uint64_t> readNumber(std::string_view text, std::uint64_t min, std::uint64_t max, std::string& why);

// Seconds as top's -d takes them ("2", "0.5", "1.25"), in whole
// milliseconds in [minMs, maxMs]; otherwise nullopt and why. Thread-safe.
std::optional<std::uint32_t> readSecondsAsMs(std::string_view text, std::uint32_t minMs, std::uint32_t maxMs,
                                             std::string& why);

// The address and port text of "ADDR[:PORT]" or "[IPV6][:PORT]".
struct HostPort {
  std::string host;
  std::optional<std::string> port;
  bool bracketed = false;
};

// Splits TEXT so; otherwise nullopt and why (a ']' missing, text after it,
// an IPv6 address without brackets). Thread-safe.
std::optional<HostPort> splitHostPort(const std::string& text, std::string& why);

struct Endpoint {
  std::string address;                // canonical text, IPv6 without brackets
  std::optional<std::uint16_t> port;  // absent when not written
};

// "ADDR", "ADDR:PORT", "[IPV6]" or "[IPV6]:PORT", as ipvsadm writes them;
// otherwise nullopt and why. Thread-safe.
std::optional<Endpoint> readEndpoint(const std::string& text, std::string& why);

// "NAT", "DR" or "TUN" in any case, upper-cased; nullopt for anything else. Thread-safe.
std::optional<std::string> readMethod(std::string text);

}  // namespace sluice::sluicectl
