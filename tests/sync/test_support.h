// Helpers shared by the sync tests: addresses from text, hex, entries, and
// datagrams written field by field (independently of sync/message.cc) so
// that known-answer tests do not check the codec against itself.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sync/entry.h"
#include "wire/ip_address.h"

namespace sluice::sync::test {

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

// "10.0.0.1:80", "[fd00::1]:80": how ipvsadm -Lnc prints an endpoint.
inline std::string endpoint(const wire::IpAddress& a, uint16_t port) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(a.isV6() ? AF_INET6 : AF_INET, a.bytes.data(), text, sizeof text);
  return a.isV6() ? "[" + std::string(text) + "]:" + std::to_string(port) : std::string(text) + ":" + std::to_string(port);
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

template <typename Bytes>
std::string toHex(const Bytes& v) {
  return toHex(v.data(), v.size());
}

// A TCP connection c -> v -> d (IPv4 or IPv6 by the text).
inline Entry connection(const std::string& c, uint16_t cport, const std::string& v, uint16_t vport,
                        const std::string& d, uint16_t dport, uint16_t state = 1, uint32_t timeout = 900) {
  Entry e;
  e.protocol = ip_protocol::kTcp;
  e.state = state;
  e.client = ip(c);
  e.virtualAddress = ip(v);
  e.destination = ip(d);
  e.clientPort = cport;
  e.virtualPort = vport;
  e.destinationPort = dport;
  e.timeoutSeconds = timeout;
  return e;
}

// Big-endian appends, for datagrams built by hand.
inline void put8(std::vector<uint8_t>& b, unsigned v) { b.push_back(static_cast<uint8_t>(v)); }
inline void put16(std::vector<uint8_t>& b, unsigned v) {
  put8(b, v >> 8);
  put8(b, v);
}
inline void put32(std::vector<uint8_t>& b, uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xffff);
}
inline void putAddress(std::vector<uint8_t>& b, const std::string& text) {
  const wire::IpAddress a = ip(text);
  b.insert(b.end(), a.bytes.begin(), a.bytes.begin() + static_cast<std::ptrdiff_t>(a.size()));
}

// The size field (bytes 2-3) set to the datagram's length.
inline std::vector<uint8_t> sized(std::vector<uint8_t> b) {
  if (b.size() >= 4) {
    b[2] = static_cast<uint8_t>(b.size() >> 8);
    b[3] = static_cast<uint8_t>(b.size());
  }
  return b;
}

}  // namespace sluice::sync::test
