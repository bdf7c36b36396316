// IPVS's overload hysteresis (ip_vs_bind_dest / ip_vs_unbind_dest): the flag
// is set when the total reaches the upper threshold and cleared only below
// the lower one, so a server at its limit does not flap per connection.
#include "schedulers/scheduler.h"

namespace sluice::sched {

bool updateOverload(bool wasOverloaded, uint32_t totalConns, uint32_t upper, uint32_t lower) {
  if (upper != 0 && totalConns >= upper) return true;
  if (!wasOverloaded) return false;
  if (lower != 0) return totalConns >= lower;
  if (upper != 0) return uint64_t{totalConns} * 4 >= uint64_t{upper} * 3;
  return false;  // no thresholds left: nothing can keep it overloaded
}

}  // namespace sluice::sched
