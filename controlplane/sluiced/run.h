// The daemon's run path: set up the data plane and serve until stopped.
#pragma once

#include "controlplane/common/log_line.h"
#include "controlplane/config/model.h"
#include "controlplane/sluiced/options.h"

namespace sluice::sluiced {

// Runs sluice with an accepted configuration; returns the exit status.
// `log`: where the daemon's lines go (stderr, and syslog with -l). Called
// once from main(), on the main thread. Not thread-safe.
int runDaemon(const Options& options, const config::Config& config, const common::LogSink& log);

}  // namespace sluice::sluiced
