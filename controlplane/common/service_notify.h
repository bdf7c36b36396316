// systemd's readiness protocol (sd_notify(3)), written here: one datagram
// of "VARIABLE=value" lines sent to the Unix socket named by $NOTIFY_SOCKET
// (a path, or an abstract name when it starts with '@'). sluiced's unit is
// Type=notify: systemd counts the service started when READY=1 arrives.
//
// Not libsystemd: the protocol is one sendto(), documented as stable
// (sd_notify(3), "Notes"), and linking libsystemd would make the daemon
// depend on it (and its own libraries) for that; without systemd the
// variable is unset and nothing is sent.
#pragma once

#include <string>
#include <string_view>

namespace sluice::common {

// Sends `state` (e.g. "READY=1") to $NOTIFY_SOCKET. Returns false when the
// variable is unset or empty (not run by systemd: nothing to do) or the
// datagram could not be sent. Never throws, never blocks.
bool notifyService(std::string_view state);

// The same to an explicit socket name ('@' for an abstract one).
bool notifyService(std::string_view state, const std::string& socket);

// "MONOTONIC_USEC=N": CLOCK_MONOTONIC now, which systemd wants with
// RELOADING=1.
std::string monotonicUsecField();

}  // namespace sluice::common
