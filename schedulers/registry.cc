// The scheduler registry: keepalived names (lb_algo / lvs_sched) to
// factories, in one table.
#include <array>

#include "schedulers/factories.h"
#include "schedulers/scheduler.h"

namespace sluice::sched {
namespace {

struct Registration {
  std::string_view name;
  std::unique_ptr<Scheduler> (*make)(const SchedulerOptions&);
};

constexpr std::array kRegistry = {
    Registration{"rr", detail::makeRr},     Registration{"wrr", detail::makeWrr},
    Registration{"lc", detail::makeLc},     Registration{"wlc", detail::makeWlc},
    Registration{"lblc", detail::makeLblc}, Registration{"lblcr", detail::makeLblcr},
    Registration{"dh", detail::makeDh},     Registration{"sh", detail::makeSh},
    Registration{"sed", detail::makeSed},   Registration{"nq", detail::makeNq},
    Registration{"mh", detail::makeMh},     Registration{"fo", detail::makeFo},
    Registration{"ovf", detail::makeOvf},
};

constexpr auto kNames = [] {
  std::array<std::string_view, kRegistry.size()> names{};
  for (size_t i = 0; i < kRegistry.size(); ++i) names[i] = kRegistry[i].name;
  return names;
}();

const Registration* find(std::string_view name) {
  for (const Registration& r : kRegistry) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<Scheduler> makeScheduler(std::string_view name, const SchedulerOptions& options) {
  const Registration* r = find(name);
  return r != nullptr ? r->make(options) : nullptr;
}

bool isKnownScheduler(std::string_view name) { return find(name) != nullptr; }

std::span<const std::string_view> schedulerNames() { return kNames; }

}  // namespace sluice::sched
