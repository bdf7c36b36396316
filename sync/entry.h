// One connection as the IPVS sync protocol carries it: what a master sends
// for each connection (or persistence template) it syncs and a backup
// creates or updates from. Numbers are in host order here; the codec
// (sync/message.h) puts them in network order.
//
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <optional>

#include "sync/protocol.h"
#include "wire/ip_address.h"

namespace sluice::sync {

// The kernel's struct ip_vs_seq: how a NAT connection's TCP sequence
// numbers are shifted after a helper (FTP) changed a payload's length.
struct SeqAdjust {
  uint32_t initSeq = 0;        // add the delta from this sequence number on
  uint32_t delta = 0;          // the shift
  uint32_t previousDelta = 0;  // the shift before the last resized packet

  friend bool operator==(const SeqAdjust&, const SeqAdjust&) = default;
};

// The IPVS_OPT_SEQ_DATA option (struct ip_vs_sync_conn_options).
struct SeqOptions {
  SeqAdjust in;   // client to real server
  SeqAdjust out;  // real server to client

  friend bool operator==(const SeqOptions&, const SeqOptions&) = default;
};

struct Entry {
  uint8_t protocol = ip_protocol::kTcp;  // IP protocol number
  uint32_t flags = 0;                    // conn_flags::* (forwarding method in the low bits)
  uint16_t state = 0;                    // TcpState, kUdpStateNormal, a template state, ...
  // The three addresses share one family: an entry is IPv4 or IPv6 whole.
  wire::IpAddress client;          // caddr
  wire::IpAddress virtualAddress;  // vaddr (for a firewall-mark template, the mark's)
  wire::IpAddress destination;     // daddr: the real server
  uint16_t clientPort = 0;         // cport (0 in a port-less template)
  uint16_t virtualPort = 0;        // vport
  uint16_t destinationPort = 0;    // dport
  uint32_t fwmark = 0;             // the service's firewall mark (version 1 only)
  uint32_t timeoutSeconds = 0;     // what is left; 0 in version 0 (the receiver's default)
  std::optional<SeqOptions> seq;   // sent as IPVS_OPT_SEQ_DATA

  // A persistence template (conn_flags::kTemplate), not a connection.
  constexpr bool isTemplate() const { return (flags & conn_flags::kTemplate) != 0; }
  constexpr wire::IpFamily family() const { return client.family; }
  constexpr ForwardMethod forward() const { return forwardMethod(flags); }

  friend bool operator==(const Entry&, const Entry&) = default;
};

// The ipvsadm -Lnc state name of an entry (protocol.h stateName).
inline std::string_view stateName(const Entry& e) { return stateName(e.protocol, e.state, e.isTemplate()); }

}  // namespace sluice::sync
