#include "schedulers/dest_remap.h"

#include <algorithm>
#include <utility>

namespace sluice::sched::detail {

const std::vector<int32_t>& DestRemap::update(std::span<const Destination> dests) {
  std::vector<Identity> next;
  next.reserve(dests.size());
  for (const Destination& d : dests) next.push_back({d.addr, d.port});

  std::vector<std::pair<Identity, int32_t>> sorted;
  sorted.reserve(next.size());
  for (size_t i = 0; i < next.size(); ++i) sorted.emplace_back(next[i], static_cast<int32_t>(i));
  // Stable: of duplicate identities the first in list order is the one found.
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  map_.assign(current_.size(), kNoDestination);
  for (size_t i = 0; i < current_.size(); ++i) {
    auto it = std::lower_bound(sorted.begin(), sorted.end(), current_[i],
                               [](const auto& entry, const Identity& id) { return entry.first < id; });
    if (it != sorted.end() && it->first == current_[i]) map_[i] = it->second;
  }
  current_ = std::move(next);
  return map_;
}

}  // namespace sluice::sched::detail
