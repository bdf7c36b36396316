// keepalived's MISC_CHECK: a script decides whether a real server is up.
// common::ScriptRunner runs it; this reads its end as a verdict.
#pragma once

#include "controlplane/common/event_loop.h"
#include "controlplane/common/script_runner.h"
#include "controlplane/health/probe.h"

namespace sluice::health {

struct MiscSpec {
  // misc_path, misc_timeout (the caller resolves an unset one to
  // delay_loop), the check's user and group, script security.
  common::ScriptSpec script;
  // misc_dynamic: exit codes 2..255 mean up with weight code - 2.
  bool dynamic = false;
};

// keepalived's reading of how a MISC_CHECK script ended: exit status 0 is
// up; 1 is down; with `dynamic`, 2..255 is up with a weight; otherwise any
// other status, a signal, a failure to start it or the timeout is down.
// Thread-safe.
ProbeResult miscVerdict(const common::ScriptResult& end, bool dynamic);

// One run of the script per start(), judged by miscVerdict. Loop thread
// only; the loop must outlive the probe.
class MiscProbe : public Probe {
 public:
  explicit MiscProbe(MiscSpec spec) : runner_(std::move(spec.script)), dynamic_(spec.dynamic) {}

  // Runs the script; `done` gets the verdict later, never from inside
  // start(). Starting again while a run is under way abandons that run;
  // destroying the probe kills a running script.
  void start(common::EventLoop& loop, Done done) override;

 private:
  common::ScriptRunner runner_;
  bool dynamic_;
};

}  // namespace sluice::health
