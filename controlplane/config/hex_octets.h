// keepalived's hex strings (UDP_CHECK payload and require_reply): pairs of
// hex digits, blanks allowed between octets, a lone digit before a blank or
// the end one octet of its own ("1 23" is 01 23); in a reply pattern an x
// (either case) is a nibble that matches anything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::config {

struct HexOctets {
  std::vector<std::uint8_t> data;
  std::vector<std::uint8_t> wildcard;  // per octet, the bits x leaves open; empty: none

  bool operator==(const HexOctets&) const = default;
};

// Reads `text` as keepalived does; nullopt when it holds no octet or a
// character that is no hex digit (nor x where `wildcards`). Thread-safe.
std::optional<HexOctets> parseHexOctets(std::string_view text, bool wildcards);

// Two lower-case digits an octet, x for an open nibble: what the model and
// its JSON keep, and what parseHexOctets reads back. Thread-safe.
std::string toHexText(const HexOctets& octets);

}  // namespace sluice::config
