// The short report `sluiced -t` prints for an accepted configuration.
#pragma once

#include <cstddef>
#include <string>

#include "controlplane/config/model.h"

namespace sluice::sluiced {

// Counts of what the configuration defines, a few lines of text. Thread-safe.
std::string summarize(const config::Config& config, const std::string& path, std::size_t warnings);

}  // namespace sluice::sluiced
