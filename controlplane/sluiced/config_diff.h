// What a reload changes, by the API's service names: services added,
// removed, and changed (same name, different settings or real servers).
#pragma once

#include <string>
#include <vector>

#include "controlplane/config/model.h"

namespace sluice::sluiced {

struct ServiceDiff {
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::vector<std::string> changed;

  bool empty() const { return added.empty() && removed.empty() && changed.empty(); }
};

// Thread-safe.
ServiceDiff diffServices(const config::Config& from, const config::Config& to);

}  // namespace sluice::sluiced
