#include "dataplane/route_index.h"

#include <algorithm>
#include <numeric>

namespace sluice::dp {

uint32_t RouteIndex::groupAt(std::vector<uint32_t>& level, std::size_t at) {
  const uint32_t e = level[at];
  if (e & kGroup) return e & ~kGroup;
  const uint32_t g = static_cast<uint32_t>(groups_.size() / 256);
  groups_.resize(groups_.size() + 256, e);  // `level` may be groups_: indexed again below
  level[at] = kGroup | g;
  return g;
}

void RouteIndex::paint4(uint32_t addr, uint8_t len, uint32_t value) {
  if (len <= 16) {
    const uint32_t first = addr >> 16, count = 1u << (16 - len);
    std::fill_n(top_.begin() + first, count, value);
    return;
  }
  const uint32_t g1 = groupAt(top_, addr >> 16);
  if (len <= 24) {
    const uint32_t first = g1 * 256 + ((addr >> 8) & 0xFF), count = 1u << (24 - len);
    std::fill_n(groups_.begin() + first, count, value);
    return;
  }
  const uint32_t g2 = groupAt(groups_, g1 * 256 + ((addr >> 8) & 0xFF));
  const uint32_t first = g2 * 256 + (addr & 0xFF), count = 1u << (32 - len);
  std::fill_n(groups_.begin() + first, count, value);
}

void RouteIndex::build(const std::vector<Prefix>& prefixes) {
  top_.clear();
  groups_.clear();
  levels6_.clear();
  // Shortest first (a longer prefix overwrites what it covers); of equal
  // prefixes the first is painted last, so it wins.
  std::vector<uint32_t> order(prefixes.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t x, uint32_t y) {  // a total order: no stable sort needed
    if (prefixes[x].len != prefixes[y].len) return prefixes[x].len < prefixes[y].len;
    return x > y;
  });
  for (const uint32_t i : order) {
    const Prefix& p = prefixes[i];
    if (p.addr.isV6()) continue;
    if (top_.empty()) top_.assign(65536, 0);
    const uint8_t len = std::min<uint8_t>(p.len, 32);
    const uint32_t net = len == 0 ? 0 : IpAddr::of(p.addr).v4() & (~0u << (32 - len));
    paint4(net, len, i + 1);
  }
  // IPv6: the first route of each (length, network) wins.
  for (uint32_t i = 0; i < prefixes.size(); ++i) {
    const Prefix& p = prefixes[i];
    if (!p.addr.isV6()) continue;
    const uint8_t len = std::min<uint8_t>(p.len, 128);
    auto level = std::find_if(levels6_.begin(), levels6_.end(), [&](const Level& l) { return l.length == len; });
    if (level == levels6_.end()) level = levels6_.insert(levels6_.end(), Level{len, {}});
    level->index.insert(IndexKey{maskAddress(IpAddr::of(p.addr), len), 0}, i);
  }
  std::sort(levels6_.begin(), levels6_.end(), [](const Level& x, const Level& y) { return x.length > y.length; });
}

}  // namespace sluice::dp
