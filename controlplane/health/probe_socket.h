// The socket a connecting probe starts with: non-blocking, bound to the
// check's bindto/bind_port when given, connect() begun. Shared by the DNS
// (UDP) and SMTP (TCP) probes, which word its failures as keepalived does.
#pragma once

#include <cstdint>
#include <optional>

#include "controlplane/common/socket_address.h"
#include "wire/ip_address.h"

namespace sluice::health {

struct ProbeSocket {
  enum class State { kConnected, kInProgress, kFailed };
  enum class Step { kSocket, kBind, kConnect };
  common::UniqueFd fd;  // open unless kFailed
  State state = State::kFailed;
  Step step = Step::kSocket;  // the step that failed
  int error = 0;              // its errno
};

// `type`: SOCK_DGRAM or SOCK_STREAM. Thread-safe.
ProbeSocket openProbeSocket(int type, const wire::IpAddress& address, uint16_t port,
                            const std::optional<wire::IpAddress>& bindTo, const std::optional<uint16_t>& bindPort);

// keepalived's "network unreachable" errnos: a connect() failing with one
// of these failed to reach the server (rather than failed to run).
bool unreachable(int error);

}  // namespace sluice::health
