// Which worker owns a packet when several workers receive from the same
// ports. The owner is a hash of the client's address alone: the source of
// a packet to a service, the destination of a reply from a real server
// (NAT changes every field but the client's endpoint) or of an ICMP error
// about the client's flow (parse.h reads those in the error's direction).
// Leaving the client's port out keeps every connection of one client on
// one worker, which is what IPVS's semantics need from per-worker state:
// persistence templates (across ports and under one fwmark, e.g. 80 and
// 443, or FTP's control and data connections) and the fragments of one
// datagram. The address is first cut to the coarsest
// persistence_granularity of the table, so that all the clients of one
// template meet too. The cost: one client's load is never spread over
// workers (a router has many clients; see docs/dataplane.md).
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/forwarding_table.h"
#include "dataplane/parse.h"

namespace sluice::dp {

// The worker among `workers` (> 0) that owns the connections of `client`
// (a client's address, or a template's network: masked here again, which
// changes nothing because steerPrefix is the coarsest granularity). The
// control plane asks it where a synced connection belongs. Thread-safe.
inline unsigned clientOwner(const ForwardingTable& table, const IpAddr& clientAddress, bool v6, unsigned workers) {
  if (workers <= 1) return 0;
  const IpAddr client = maskAddress(clientAddress, v6 ? table.steerPrefix6 : table.steerPrefix4);
  uint64_t lo, hi;
  std::memcpy(&lo, client.b, 8);
  std::memcpy(&hi, client.b + 8, 8);
  uint64_t h = (lo ^ (hi * 0x9E3779B97F4A7C15ull)) * 0xC2B2AE3D27D4EB4Full;
  h ^= h >> 29;
  return static_cast<unsigned>((h >> 32) % workers);
}

// The owning worker of an IP packet among `workers` (> 0); packets that are
// not IP (ARP) stay with `self`. Thread-safe (reads the snapshot only).
inline unsigned steerWorker(const ForwardingTable& table, const ParsedPacket& p, unsigned self, unsigned workers) {
  if (workers <= 1 || (p.kind != PacketKind::kIpv4 && p.kind != PacketKind::kIpv6)) return self;
  const FlowTuple& t = p.tuple;
  // Every fragment of a datagram is steered alike, ports or not: by the
  // rules' addresses alone.
  const bool fragment = (p.flags & kFlagFragment) != 0;
  const bool toService =
      table.isVip(t.dst, t.v6) ||
      (!table.fwmarkRules.empty() && (fragment ? table.markCoversAddress(t.dst, t.v6) : table.markOf(t) != 0));
  return clientOwner(table, toService ? t.src : t.dst, t.v6, workers);
}

}  // namespace sluice::dp
