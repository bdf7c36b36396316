// Follows destinations across update(): lblc/lblcr remember servers by
// index, and a changed list moves or removes indexes. A server keeps its
// identity (address and port) across the change.
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <vector>

#include "schedulers/scheduler.h"

namespace sluice::sched::detail {

class DestRemap {
 public:
  // Records dests as the current list and returns, for each index of the
  // previous one, the same server's index in dests or kNoDestination. Control
  // path (allocates); not thread-safe.
  const std::vector<int32_t>& update(std::span<const Destination> dests);

  // The new index of a previous index, kNoDestination when the server left or
  // the index was never known. Valid after update(); not thread-safe.
  int32_t map(int32_t previous) const {
    if (previous < 0 || static_cast<size_t>(previous) >= map_.size()) return kNoDestination;
    return map_[static_cast<size_t>(previous)];
  }

 private:
  struct Identity {
    wire::IpAddress addr;
    uint16_t port;
    friend auto operator<=>(const Identity&, const Identity&) = default;
  };

  std::vector<Identity> current_;
  std::vector<int32_t> map_;
};

}  // namespace sluice::sched::detail
