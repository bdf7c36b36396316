// Where a sluiced keeps its run-time files by default. One sluiced runs per
// network namespace, so the defaults carry the namespace's name: the lab
// runs routers side by side with `ip netns exec`, and sluicectl run the
// same way finds the daemon of its namespace without being told.
#pragma once

#include <string>

namespace sluice::paths {

// "" in the host's network namespace; "-NAME" inside a namespace `ip netns`
// named NAME; "-netns-INODE" inside an unnamed one. Thread-safe.
std::string namespaceSuffix();

// /run/sluice/sluiced<suffix>.pid. Thread-safe.
std::string defaultPidFile();

// /run/sluice/sluice<suffix>.sock. Thread-safe.
std::string defaultApiSocket();

}  // namespace sluice::paths
