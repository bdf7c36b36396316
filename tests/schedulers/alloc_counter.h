// Counts operator new calls between start and stop. Linking alloc_counter.cc
// replaces the global operator new/delete of the whole test binary.
#pragma once

namespace sluice::sched::test {

// Starts counting allocations from zero. Not thread-safe.
void startCountingAllocations();

// Stops counting and returns the allocations seen since the start. Not thread-safe.
long stopCountingAllocations();

}  // namespace sluice::sched::test
