// The names the control API and sluicectl give services and real servers:
// one word each, usable in a URL path. A virtual_server is
// `tcp-10.0.0.1-80` (protocol, VIP, port), `fwmark-80` or `group-NAME`; a
// real server is `10.11.12.1-80`. IPv6 addresses are written plain
// (`tcp-2001:db8::1-80`): an address never holds a '-'.
#pragma once

#include <string>

#include "controlplane/config/model.h"
#include "dataplane/forwarding_table.h"

namespace sluice::tables {

// The name of a virtual_server block. Thread-safe.
std::string serviceKey(const config::VirtualServer& vs);

// The name of a real server (or sorry server) by address and port. Thread-safe.
std::string serverKey(const config::IpAddress& address, uint16_t port);

// The name of one service of a snapshot (a group expands into several):
// the same form as serviceKey for an address or fwmark service. Thread-safe.
std::string serviceKey(const dp::Service& s);

// The name of one real server of a snapshot. Thread-safe.
std::string serverKey(const dp::RealServer& rs);

// An address as text: dotted quad or RFC 5952 IPv6. Thread-safe.
std::string addressText(const dp::IpAddr& a, bool v6);

// The protocol as keepalived writes it: TCP, UDP, SCTP (else the number). Thread-safe.
std::string protocolText(uint8_t proto);

}  // namespace sluice::tables
