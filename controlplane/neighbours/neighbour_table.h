// The neighbours (IP -> MAC per port) the control plane has learned from
// ARP and neighbour discovery, and the pacing of its own questions.
#pragma once

#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "dataplane/forwarding_table.h"

namespace sluice::neighbours {

class NeighbourTable {
 public:
  // Records that addr is at mac on port; true when the entry is new or
  // its MAC changed (the workers need a new snapshot).
  bool learn(uint16_t port, bool v6, const dp::IpAddr& addr, const dp::MacAddr& mac, uint64_t nowMs);

  // True, and remembers the time, when a question for addr may be sent:
  // at most one per address per `intervalMs`.
  bool mayAsk(uint16_t port, bool v6, const dp::IpAddr& addr, uint64_t nowMs, uint64_t intervalMs = 1000);

  const dp::Neighbour* find(uint16_t port, bool v6, const dp::IpAddr& addr) const;
  std::vector<dp::Neighbour> entries() const;
  std::size_t size() const { return entries_.size(); }

 private:
  using Key = std::tuple<uint16_t, bool, std::array<uint8_t, 16>>;
  static Key key(uint16_t port, bool v6, const dp::IpAddr& addr);
  struct Entry {
    dp::Neighbour neighbour;
    uint64_t learnedMs = 0;
  };
  std::map<Key, Entry> entries_;
  std::map<Key, uint64_t> asked_;
};

}  // namespace sluice::neighbours
