// One factory per algorithm, each defined in the algorithm's own file; the
// registry maps keepalived names onto them. Internal to the library.
#pragma once

#include <memory>

#include "schedulers/scheduler.h"

namespace sluice::sched::detail {

// Each creates its scheduler, or returns nullptr when the options are
// unusable for it. Thread-safe.
std::unique_ptr<Scheduler> makeRr(const SchedulerOptions& options);
std::unique_ptr<Scheduler> makeWrr(const SchedulerOptions& options);
std::unique_ptr<Scheduler> makeLc(const SchedulerOptions& options);
std::unique_ptr<Scheduler> makeWlc(const SchedulerOptions& options);
std::unique_ptr<Scheduler> makeLblc(const SchedulerOptions& options);
std::unique_ptr<Scheduler> makeLblcr(const SchedulerOptions& options);
std::unique_ptr<Scheduler> makeDh(const SchedulerOptions& options);
std::unique_ptr<Scheduler> makeSh(const SchedulerOptions& options);
std::unique_ptr<Scheduler> makeSed(const SchedulerOptions& options);
std::unique_ptr<Scheduler> makeNq(const SchedulerOptions& options);
std::unique_ptr<Scheduler> makeMh(const SchedulerOptions& options);
std::unique_ptr<Scheduler> makeFo(const SchedulerOptions& options);
std::unique_ptr<Scheduler> makeOvf(const SchedulerOptions& options);

}  // namespace sluice::sched::detail
