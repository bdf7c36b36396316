// The forwarding snapshot's names for its services and real servers, as
// the control API and sluicectl give them (config/keys.h), and its
// addresses and protocols as text.
#pragma once

#include <cstdint>
#include <string>

#include "controlplane/config/address.h"
#include "dataplane/forwarding_table.h"

namespace sluice::tables {

// The name of one service of a snapshot (a group expands into several):
// the same form as config::serviceKey for an address or fwmark service.
// Thread-safe.
std::string serviceKey(const dp::Service& s);

// The name of one real server of a snapshot, as config::serverKey. Thread-safe.
std::string serverKey(const dp::RealServer& rs);

// An address as text: dotted quad or RFC 5952 IPv6. Thread-safe.
std::string addressText(const dp::IpAddr& a, bool v6);

// The protocol as keepalived writes it: TCP, UDP, SCTP (else the number). Thread-safe.
std::string protocolText(uint8_t proto);

}  // namespace sluice::tables
