// The API's names for services and real servers (docs/api.md, "Names in
// paths"), built from what the command line gave.
#pragma once

#include <string>

#include "controlplane/sluicectl/options.h"

namespace sluice::sluicectl {

// "tcp-10.0.0.1-80", "udp-2001:db8::10-53" (IPv6 plain: colons are fine in a
// path segment), "fwmark-80". Thread-safe.
std::string serviceId(const ServiceSpec& service);

// "/v1/services/ID". Thread-safe.
std::string servicePath(const ServiceSpec& service);

// "/v1/services/ID/servers/ADDRESS-PORT"; the server's port must be known. Thread-safe.
std::string serverPath(const ServiceSpec& service, const ServerSpec& server);

}  // namespace sluice::sluicectl
