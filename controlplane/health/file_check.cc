#include "controlplane/health/file_check.h"

#include <algorithm>
#include <limits>

namespace sluice::health {

std::optional<int64_t> fileCheckAdjustment(int64_t value, int64_t weight, bool reverse) {
  if (weight == 0) {
    if ((value != 0) != reverse) return std::nullopt;
    return 0;
  }
  // |value| <= 2^31 and |weight| < 2^31: the product fits.
  const int64_t product = value * weight * (reverse ? -1 : 1);
  if (product <= std::numeric_limits<int32_t>::min()) return std::nullopt;
  return std::min<int64_t>(product, std::numeric_limits<int32_t>::max());
}

FileVerdict fileVerdict(const config::Config& config, const config::RealServer& rs,
                        const std::map<std::string, int64_t>& values) {
  FileVerdict v;
  int64_t sum = rs.weight;
  bool weighted = false;
  for (const config::FileCheck& c : rs.fileChecks) {
    const config::TrackFile* file = config.findTrackFile(c.trackFile);
    const int64_t weight = c.weight ? *c.weight : file ? file->weight : 1;
    const bool reverse = c.weight ? c.reverse : file && file->weightReverse;
    const auto it = values.find(c.trackFile);
    const int64_t value = it == values.end() ? 0 : it->second;
    const std::optional<int64_t> adjustment = fileCheckAdjustment(value, weight, reverse);
    if (!adjustment) {
      if (v.up) v.why = "track_file " + c.trackFile + " is " + std::to_string(value);
      v.up = false;
      continue;
    }
    weighted = weighted || weight != 0;
    sum += *adjustment;
  }
  if (weighted) v.weight = static_cast<uint32_t>(std::clamp<int64_t>(sum, 0, std::numeric_limits<int32_t>::max()));
  return v;
}

}  // namespace sluice::health
