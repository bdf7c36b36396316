// ipvsadm's command line: popt's way of reading options (clusters of short
// options, --long and --long=value, an optional -p value) and ipvsadm's
// checks, each with ipvsadm's message and exit status.
#pragma once

#include <string>
#include <vector>

#include "controlplane/ipvsadm/invocation.h"

namespace sluice::ipvsadm {

// Reads args (without the program name). Throws Exit for everything ipvsadm
// refuses before it talks to the kernel, and for -h and -v (status 0, text
// for stdout). `program` is argv[0] as typed, which ipvsadm's messages
// repeat; `fromRestore` is set for lines of -R (a -R there is refused).
// Thread-safe (looks up host and service names with the C library).
Invocation parseCommandLine(const std::vector<std::string>& args, const std::string& program, bool fromRestore);

// The usage text of -h, naming `program`. Thread-safe.
std::string usageText(const std::string& program);

// "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n". Thread-safe.
std::string versionText();

}  // namespace sluice::ipvsadm
