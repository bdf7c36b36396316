// Runs one sluicectl command: the request(s) it means, then the reply
// printed as a table (or JSON), and the exit status.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "controlplane/sluicectl/options.h"

namespace sluice::sluicectl {

// Sends the command to the daemon at command.apiSocket (or --connect); tables and JSON go
// to out, refusals and failures to err. Returns a kExit* status. Not thread-safe.
int runCommand(const Command& command, std::ostream& out, std::ostream& err);

// The whole program after the program name: parse, --help, run. Usage
// errors print the reason and a hint to --help and return kExitUsage.
// Not thread-safe.
int runCommandLine(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sluice::sluicectl
