// The names the control API and sluicectl give services and real servers:
// one word each, usable in a URL path. A virtual_server is
// `tcp-10.0.0.1-80` (protocol, VIP, port), `fwmark-80` or `group-NAME`; a
// real server is `10.11.12.1-80`. IPv6 addresses are written plain
// (`tcp-2001:db8::1-80`): an address never holds a '-'.
// The forwarding snapshot's names (tables/keys.h) are built from these.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "controlplane/config/address.h"
#include "controlplane/config/model.h"

namespace sluice::config {

// The name of a virtual_server block. Thread-safe.
std::string serviceKey(const VirtualServer& vs);

// The name of a real server (or sorry server) by address and port. Thread-safe.
std::string serverKey(const wire::IpAddress& address, uint16_t port);

// The name of an address service from its parts; `protocol` as keepalived
// writes it (TCP, UDP, SCTP), lower-cased in the name. Thread-safe.
std::string serviceKey(std::string_view protocol, const wire::IpAddress& vip, uint16_t port);

// The name of a fwmark service. Thread-safe.
std::string fwmarkServiceKey(uint32_t mark);

}  // namespace sluice::config
