// IPVS's scheduler flags (IP_VS_SVC_F_SCHED1..3, ipvsadm's -b): three bits
// of a service whose meaning is its scheduler's. sh and mh read flag-1 as
// "fallback" (another server when the hashed one is unavailable) and
// flag-2 as "port" (the client's port joins the hash); the other
// schedulers ignore them. The names are ipvsadm's, shared by the keepalived
// keywords, the JSON form and the table builder.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::config {

inline constexpr std::uint8_t kSchedFlag1 = 1;  // sh-fallback, mh-fallback
inline constexpr std::uint8_t kSchedFlag2 = 2;  // sh-port, mh-port
inline constexpr std::uint8_t kSchedFlag3 = 4;

// The bit a flag name stands for: flag-1..flag-3, sh-fallback, sh-port,
// mh-fallback, mh-port; 0 for any other word. Thread-safe.
std::uint8_t schedFlagBit(std::string_view name);

// Whether `name` may be given with `scheduler`: an sh-* name with sh only,
// an mh-* name with mh only, flag-N with any (ipvsadm's rule). Thread-safe.
bool schedFlagFits(std::string_view name, std::string_view scheduler);

// The names of the bits set in `flags` as ipvsadm prints them for
// `scheduler` (sh-fallback for flag-1 with sh, ...), lowest bit first.
// Thread-safe.
std::vector<std::string> schedFlagNames(std::uint8_t flags, std::string_view scheduler);

// Every flag name, blank-separated, for messages. Thread-safe.
std::string_view schedFlagList();

}  // namespace sluice::config
