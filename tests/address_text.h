// Addresses written as text for tests, converted by the C library (not by
// the code under test).
#pragma once

#include <arpa/inet.h>

#include <stdexcept>
#include <string>

#include "dataplane/flow.h"

namespace sluice::testing {

// The data-plane form of an IPv4 or IPv6 address; throws on a typo.
inline dp::IpAddr ip(const std::string& text) {
  dp::IpAddr a{};
  const bool v6 = text.find(':') != std::string::npos;
  if (inet_pton(v6 ? AF_INET6 : AF_INET, text.c_str(), a.b) != 1) {
    throw std::invalid_argument("bad address in test: " + text);
  }
  return a;
}

// The same address with its family, as tables and schedulers hold it.
inline wire::IpAddress address(const std::string& text) { return ip(text).toWire(text.find(':') != std::string::npos); }

// The text form of a data-plane address.
inline std::string str(const dp::IpAddr& a, bool v6) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, a.b, buf, sizeof buf);
  return buf;
}

// The text form of an address.
inline std::string str(const wire::IpAddress& a) { return str(dp::IpAddr::of(a), a.isV6()); }

}  // namespace sluice::testing
