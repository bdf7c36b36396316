// Helpers shared by the VRRP tests: addresses from text, hex dumps, and a
// checksum written independently of vrrp/checksum.h (32-bit words, folded
// once) so known-answer tests do not check the code against itself.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vrrp/address.h"

namespace sluice::vrrp::test {

inline wire::IpAddress ip(const std::string& text) {
  wire::IpAddress a;
  if (text.find(':') != std::string::npos) {
    a.family = wire::IpFamily::kV6;
    inet_pton(AF_INET6, text.c_str(), a.bytes.data());
  } else {
    inet_pton(AF_INET, text.c_str(), a.bytes.data());
  }
  return a;
}

inline std::vector<uint8_t> fromHex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

inline std::string toHex(const uint8_t* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += kDigits[p[i] >> 4];
    s += kDigits[p[i] & 15];
  }
  return s;
}

inline std::string toHex(const std::vector<uint8_t>& v) { return toHex(v.data(), v.size()); }

inline void append(std::vector<uint8_t>& v, const wire::IpAddress& a) {
  v.insert(v.end(), a.bytes.begin(), a.bytes.begin() + static_cast<std::ptrdiff_t>(a.size()));
}

// RFC 1071 the long way: 32-bit big-endian words into a 64-bit sum.
inline uint16_t independentChecksum(const std::vector<uint8_t>& bytes) {
  std::vector<uint8_t> b = bytes;
  while (b.size() % 4) b.push_back(0);
  uint64_t sum = 0;
  for (std::size_t i = 0; i < b.size(); i += 4) {
    sum += (uint64_t{b[i]} << 24) | (uint64_t{b[i + 1]} << 16) | (uint64_t{b[i + 2]} << 8) | b[i + 3];
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

// The pseudo-header of RFC 5798 5.2.8 for a VRRP message of `length` bytes.
inline std::vector<uint8_t> pseudoHeader(const wire::IpAddress& src, const wire::IpAddress& dst, std::size_t length) {
  std::vector<uint8_t> p;
  append(p, src);
  append(p, dst);
  if (src.family == wire::IpFamily::kV4) {
    p.insert(p.end(), {0, 112, static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length)});
  } else {
    p.insert(p.end(), {0, 0, static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length), 0, 0, 0, 112});
  }
  return p;
}

}  // namespace sluice::vrrp::test
