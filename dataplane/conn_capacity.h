// The sizes of a worker's connection tables, from the configured
// conn_table_size: one place for the forwarder, which allocates them, and
// the control plane, which reports them (/metrics). Pure.
#pragma once

#include <algorithm>
#include <cstdint>

namespace sluice::dp {

// Without conn_table_size: IPv4 entries per worker.
inline constexpr uint32_t kDefaultConnCapacity = 1u << 20;

// IPv6 flows are fewer than IPv4 ones in practice: a quarter, so that the
// memory goes where the flows are, but never under 1024.
constexpr uint32_t ipv6ConnCapacity(uint32_t capacity) { return std::max<uint32_t>(capacity / 4, 1024); }

}  // namespace sluice::dp
