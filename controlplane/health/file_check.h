// keepalived's FILE_CHECK: a real server's weight follows a track_file's
// value. One check with weight 0 marks the server down while the value is
// not 0 (with reverse: while it is 0). Otherwise value * weight (negated
// with reverse) is added to the server's weight, the sum kept within IPVS's
// 0..2^31-1; a product at or below -2^31 marks it down. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "controlplane/config/model.h"

namespace sluice::health {

struct FileVerdict {
  bool up = true;
  // Set when a check has a non-zero weight: the server's weight with the
  // files' adjustments.
  std::optional<uint32_t> weight;
  std::string why;  // the first check that marks it down: "track_file NAME is VALUE"
};

// The adjustment of one check, or nullopt when it marks the server down.
std::optional<int64_t> fileCheckAdjustment(int64_t value, int64_t weight, bool reverse);

// Every FILE_CHECK of `rs` with the values of the track files by name
// (absent: 0). The check's weight is its own, else its track_file's.
FileVerdict fileVerdict(const config::Config& config, const config::RealServer& rs,
                        const std::map<std::string, int64_t>& values);

}  // namespace sluice::health
