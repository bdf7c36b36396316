// The cache line of the x86-64 and arm64 CPUs sluice runs on. State one
// worker writes is aligned to it (and so padded to a multiple of it), so
// that no line is written by two workers: a line two cores write bounces
// between them on every write (false sharing). A constant rather than
// std::hardware_destructive_interference_size, whose value GCC warns may
// differ between compilers and so must not shape a type; worker.cc checks
// it against DPDK's RTE_CACHE_LINE_SIZE.
#pragma once

#include <cstddef>

namespace sluice::dp {

inline constexpr std::size_t kCacheLine = 64;

}  // namespace sluice::dp
