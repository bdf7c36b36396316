// The known answers captured from the real kernel (tests/sync/vectors/,
// written by tests/sync/capture_vectors.sh): where they are and each
// captured entry as the capture's own decoder (Python's struct) recorded
// it. Shared by the codec's tests and the entry mapping's.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "sync/entry.h"
#include "tests/sync/test_support.h"

namespace sluice::sync::test {

// SLUICE_SYNC_VECTORS_DIR (meson sets it), else the path from the source root.
inline std::filesystem::path vectorsDir() {
  const char* dir = std::getenv("SLUICE_SYNC_VECTORS_DIR");
  return dir != nullptr ? std::filesystem::path(dir) : std::filesystem::path("tests/sync/vectors");
}

// A captured entry; v1: of a version-1 datagram (fwmark, timeout and
// options recorded). The capture has no options: one fails the test.
inline Entry recordedEntry(const nlohmann::json& j, bool v1) {
  Entry e;
  e.protocol = j.at("protocol").get<uint8_t>();
  e.flags = j.at("flags").get<uint32_t>();
  e.state = j.at("state").get<uint16_t>();
  e.clientPort = j.at("cport").get<uint16_t>();
  e.virtualPort = j.at("vport").get<uint16_t>();
  e.destinationPort = j.at("dport").get<uint16_t>();
  e.client = ip(j.at("caddr").get<std::string>());
  e.virtualAddress = ip(j.at("vaddr").get<std::string>());
  e.destination = ip(j.at("daddr").get<std::string>());
  if (v1) {
    e.fwmark = j.at("fwmark").get<uint32_t>();
    e.timeoutSeconds = j.at("timeout").get<uint32_t>();
    for (const nlohmann::json& o : j.at("options")) {
      // The kernel sends sequence data only after an application helper
      // (FTP) resized a payload, which the capture has none of.
      ADD_FAILURE() << "an option in a captured entry: " << o.dump();
    }
  } else if (j.contains("seq")) {
    ADD_FAILURE() << "sequence data in a captured version-0 entry";
  }
  return e;
}

}  // namespace sluice::sync::test
