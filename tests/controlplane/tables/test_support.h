// Shared by the table tests: addresses in text form (through the C
// library, not the code under test) and configs parsed from text.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "controlplane/config/parser.h"
#include "dataplane/forwarding_table.h"

namespace sluice::tables::testing {

// The data-plane form of an IPv4 or IPv6 address written as text.
inline dp::IpAddr ip(const std::string& text) {
  dp::IpAddr a{};
  const bool v6 = text.find(':') != std::string::npos;
  if (inet_pton(v6 ? AF_INET6 : AF_INET, text.c_str(), a.b) != 1) {
    throw std::invalid_argument("bad address in test: " + text);
  }
  return a;
}

// The text form of a data-plane address.
inline std::string str(const dp::IpAddr& a, bool v6) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, a.b, buf, sizeof buf);
  return buf;
}

inline std::string str(const dp::Prefix& p) { return str(p.addr, p.v6) + "/" + std::to_string(p.len); }

// The configuration in `text`, which must be accepted (warnings allowed).
inline config::Config parse(const std::string& text) {
  const config::ParseResult r = config::parseString(text, "t.conf");
  std::string errors;
  for (const auto& d : r.errors()) errors += d.toString() + "\n";
  EXPECT_TRUE(r.ok()) << errors;
  return r.config.value_or(config::Config{});
}

inline dp::MacAddr mac(uint8_t last) { return dp::MacAddr{{0x02, 0, 0, 0, 0, last}}; }

}  // namespace sluice::tables::testing
