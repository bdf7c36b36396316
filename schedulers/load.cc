#include "schedulers/load.h"

namespace sluice::sched::detail {

bool localityOverloaded(std::span<const Destination> dests, int index) {
  const Destination& d = dests[static_cast<size_t>(index)];
  if (int64_t{d.activeConns} <= int64_t{d.weight}) return false;
  // Only worth leaving the server when another one has real room to spare.
  for (const Destination& other : dests) {
    if (2 * int64_t{other.activeConns} < int64_t{other.weight}) return true;
  }
  return false;
}

}  // namespace sluice::sched::detail
