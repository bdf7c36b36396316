#include "controlplane/config/hex_octets.h"

namespace sluice::config {
namespace {

constexpr int kWildcard = 16;
constexpr int kInvalid = -1;

int nibble(char c, bool wildcards) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (wildcards && (c == 'x' || c == 'X')) return kWildcard;
  return kInvalid;
}

}  // namespace

std::optional<HexOctets> parseHexOctets(std::string_view text, bool wildcards) {
  HexOctets out;
  bool open = false;
  std::size_t i = 0;
  for (;;) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (i == text.size()) break;
    // One digit, or two when the next character is not a blank.
    int digits[2] = {nibble(text[i++], wildcards), kInvalid};
    int count = 1;
    if (i < text.size() && text[i] != ' ' && text[i] != '\t') {
      digits[1] = nibble(text[i++], wildcards);
      count = 2;
    }
    std::uint8_t value = 0, mask = 0;
    for (int d = 0; d < count; ++d) {
      if (digits[d] == kInvalid) return std::nullopt;
      value = static_cast<std::uint8_t>(value << 4);
      mask = static_cast<std::uint8_t>(mask << 4);
      if (digits[d] == kWildcard) {
        mask |= 0x0f;
        open = true;
      } else {
        value |= static_cast<std::uint8_t>(digits[d]);
      }
    }
    out.data.push_back(value);
    out.wildcard.push_back(mask);
  }
  if (out.data.empty()) return std::nullopt;
  if (!open) out.wildcard.clear();
  return out;
}

std::string toHexText(const HexOctets& octets) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < octets.data.size(); ++i) {
    const std::uint8_t open = octets.wildcard.empty() ? 0 : octets.wildcard[i];
    out += (open & 0xf0) ? 'x' : digits[octets.data[i] >> 4];
    out += (open & 0x0f) ? 'x' : digits[octets.data[i] & 15];
  }
  return out;
}

}  // namespace sluice::config
