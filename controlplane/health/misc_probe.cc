#include "controlplane/health/misc_probe.h"

#include <utility>

namespace sluice::health {

ProbeResult miscVerdict(const common::ScriptResult& end, bool dynamic) {
  if (end.exitedWith(0)) return {.ok = true};  // with misc_dynamic too: the weight stays as it is
  if (dynamic && end.end == common::ScriptResult::End::kExited && end.code >= 2) {
    return {.ok = true, .weight = static_cast<uint32_t>(end.code - 2)};
  }
  return {.error = end.why, .scriptEnd = end};
}

void MiscProbe::start(common::EventLoop& loop, Done done) {
  // `done` is moved into the runner's callback, which the runner calls from
  // a local copy: it may destroy this probe.
  runner_.start(loop, [dynamic = dynamic_, done = std::move(done)](const common::ScriptResult& end) {
    done(miscVerdict(end, dynamic));
  });
}

}  // namespace sluice::health
