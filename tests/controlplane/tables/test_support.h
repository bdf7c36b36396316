// Shared by the table tests: addresses in text form (through the C
// library, not the code under test) and configs parsed from text.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "controlplane/config/parser.h"
#include "tests/accepted_config.h"
#include "dataplane/forwarding_table.h"
#include "tests/address_text.h"

namespace sluice::tables::testing {

using sluice::testing::address;
using sluice::testing::ip;
using sluice::testing::str;

inline std::string str(const dp::Prefix& p) { return str(p.addr) + "/" + std::to_string(p.len); }

// The configuration in `text`, which must be accepted (warnings allowed).
inline config::Config parse(const std::string& text) { return sluice::testing::acceptedConfig(text); }

inline dp::MacAddr mac(uint8_t last) { return dp::MacAddr{{0x02, 0, 0, 0, 0, last}}; }

}  // namespace sluice::tables::testing
