// Shared by the tests that start from keepalived.conf text: the model of a
// configuration that must be accepted (warnings allowed); the errors are
// the failure message otherwise.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "controlplane/config/parser.h"

namespace sluice::testing {

inline config::Config acceptedConfig(const std::string& text) {
  const config::ParseResult r = config::parseString(text, "t.conf");
  std::string errors;
  for (const auto& d : r.errors()) errors += d.toString() + "\n";
  EXPECT_TRUE(r.ok()) << errors;
  return r.config.value_or(config::Config{});
}

}  // namespace sluice::testing
