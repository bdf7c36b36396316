// Longest-prefix match over the forwarding table's routes, at a cost that
// does not grow with their number.
//
// IPv4: a multibit trie of strides 16, 8 and 8 (a 64 Ki-entry first level,
// then 256-entry groups where longer prefixes need them): a lookup reads at
// most three entries. Prefixes are expanded into the entries they cover,
// shortest first, so a longer prefix overwrites the part of a shorter one
// it covers. IPv6: one hash index per prefix length in use, longest first:
// tables hold few distinct lengths (/0, /48, /64, /128...), and a lookup
// costs one probe per length, not per route.
//
// Why not rte_lpm / rte_lpm6: the snapshots are free of DPDK (see
// flat_index.h), and rte_lpm's DIR-24-8 first level is 64 MiB per table,
// while a change publishes a new snapshot next to the old one. The 16-bit
// first level is 256 KiB; groups are added only under prefixes longer than
// /16.
//
// Built on the control path; find() is read-only and thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/flat_index.h"
#include "dataplane/flow.h"

namespace sluice::dp {

class RouteIndex {
 public:
  static constexpr int32_t kNoRoute = -1;

  // Indexes `prefixes` (route i has prefix i). The longest matching prefix
  // wins; of equal ones, the first.
  void build(const std::vector<Prefix>& prefixes);

  // The index of the route for `addr` (a key of family v6), kNoRoute if none.
  int32_t find(const IpAddr& addr, bool v6) const {
    if (!v6) return find4(addr.v4());
    for (const Level& l : levels6_) {
      const uint32_t r = l.index.find(IndexKey{dp::maskAddress(addr, l.length), 0});
      if (r != FlatIndex::kNone) return static_cast<int32_t>(r);
    }
    return kNoRoute;
  }

 private:
  // An entry: 0 none, kGroup | g a group's number, else route index + 1.
  static constexpr uint32_t kGroup = 0x80000000u;

  int32_t find4(uint32_t a) const {
    if (top_.empty()) return kNoRoute;
    uint32_t e = top_[a >> 16];
    if (e & kGroup) e = groups_[(e & ~kGroup) * 256 + ((a >> 8) & 0xFF)];
    if (e & kGroup) e = groups_[(e & ~kGroup) * 256 + (a & 0xFF)];
    return static_cast<int32_t>(e) - 1;
  }

  // The group under entry `at` (a position in top_ or groups_), made from
  // the entry's own value when it has none yet.
  uint32_t groupAt(std::vector<uint32_t>& level, std::size_t at);
  void paint4(uint32_t addr, uint8_t len, uint32_t value);

  struct Level {
    uint8_t length;
    FlatIndex index;
  };

  std::vector<uint32_t> top_;     // 65,536 entries once a route exists
  std::vector<uint32_t> groups_;  // 256 entries a group
  std::vector<Level> levels6_;    // longest first
};

}  // namespace sluice::dp
