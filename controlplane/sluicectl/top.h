// sluicectl top: reads the daemon every delay and shows it live on the
// terminal (keys change the view and the sort), or, in batch mode
// (-b, --once, or without a terminal), prints frames as plain text.
#pragma once

#include <ostream>

#include "controlplane/sluicectl/client.h"
#include "controlplane/sluicectl/options.h"

namespace sluice::sluicectl {

// Runs until q, a stop signal, or command.iterations frames; returns a
// kExit* status (batch mode: kExitUnreachable or kExitRefused when a frame
// could not be read). Not thread-safe.
int runTop(const Command& command, ApiClient& client, std::ostream& out, std::ostream& err);

}  // namespace sluice::sluicectl
