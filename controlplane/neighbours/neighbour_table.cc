#include "controlplane/neighbours/neighbour_table.h"

#include <algorithm>

namespace sluice::neighbours {

NeighbourTable::Key NeighbourTable::key(uint16_t port, bool v6, const dp::IpAddr& addr) {
  std::array<uint8_t, 16> b{};
  std::copy(std::begin(addr.b), std::end(addr.b), b.begin());
  return {port, v6, b};
}

bool NeighbourTable::learn(uint16_t port, bool v6, const dp::IpAddr& addr, const dp::MacAddr& mac, uint64_t nowMs) {
  Entry& e = entries_[key(port, v6, addr)];
  const bool changed = e.learnedMs == 0 || !(e.neighbour.mac == mac);
  e.neighbour = dp::Neighbour{addr.toWire(v6), port, mac};
  e.learnedMs = std::max<uint64_t>(nowMs, 1);
  return changed;
}

bool NeighbourTable::mayAsk(uint16_t port, bool v6, const dp::IpAddr& addr, uint64_t nowMs, uint64_t intervalMs) {
  auto [it, fresh] = asked_.try_emplace(key(port, v6, addr), nowMs);
  if (fresh) return true;
  if (nowMs - it->second < intervalMs) return false;
  it->second = nowMs;
  return true;
}

const dp::Neighbour* NeighbourTable::find(uint16_t port, bool v6, const dp::IpAddr& addr) const {
  const auto it = entries_.find(key(port, v6, addr));
  return it == entries_.end() ? nullptr : &it->second.neighbour;
}

std::vector<dp::Neighbour> NeighbourTable::entries() const {
  std::vector<dp::Neighbour> out;
  out.reserve(entries_.size());
  for (const auto& [k, e] : entries_) out.push_back(e.neighbour);
  return out;
}

}  // namespace sluice::neighbours
