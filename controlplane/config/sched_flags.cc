#include "controlplane/config/sched_flags.h"

#include <array>

namespace sluice::config {
namespace {

struct FlagName {
  std::string_view name;
  std::uint8_t bit;
  std::string_view scheduler;  // empty: any scheduler
};

constexpr std::array<FlagName, 7> kNames = {{
    {"flag-1", kSchedFlag1, ""},
    {"flag-2", kSchedFlag2, ""},
    {"flag-3", kSchedFlag3, ""},
    {"sh-fallback", kSchedFlag1, "sh"},
    {"sh-port", kSchedFlag2, "sh"},
    {"mh-fallback", kSchedFlag1, "mh"},
    {"mh-port", kSchedFlag2, "mh"},
}};

const FlagName* find(std::string_view name) {
  for (const FlagName& f : kNames) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// ipvsadm names a bit after the scheduler when the scheduler gives it a
// meaning, and flag-N otherwise.
std::string_view nameOf(std::uint8_t bit, std::string_view scheduler) {
  for (const FlagName& f : kNames) {
    if (f.bit == bit && f.scheduler == scheduler) return f.name;
  }
  for (const FlagName& f : kNames) {
    if (f.bit == bit && f.scheduler.empty()) return f.name;
  }
  return {};
}

}  // namespace

std::uint8_t schedFlagBit(std::string_view name) {
  const FlagName* f = find(name);
  return f == nullptr ? 0 : f->bit;
}

bool schedFlagFits(std::string_view name, std::string_view scheduler) {
  const FlagName* f = find(name);
  return f != nullptr && (f->scheduler.empty() || f->scheduler == scheduler);
}

std::vector<std::string> schedFlagNames(std::uint8_t flags, std::string_view scheduler) {
  std::vector<std::string> out;
  for (const std::uint8_t bit : {kSchedFlag1, kSchedFlag2, kSchedFlag3}) {
    if ((flags & bit) != 0) out.emplace_back(nameOf(bit, scheduler));
  }
  return out;
}

std::string_view schedFlagList() { return "flag-1 flag-2 flag-3 sh-fallback sh-port mh-fallback mh-port"; }

}  // namespace sluice::config
