// Which worker owns a packet when several workers receive from the same
// ports. Both directions of a NAT connection must meet in one worker's
// connection table, and NAT changes every field but the client's endpoint,
// so the owner is a hash of the client's address and port: the source of a
// packet to a service, the destination of a reply from a real server.
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/forwarding_table.h"
#include "dataplane/parse.h"

namespace sluice::dp {

// The owning worker of an IP packet among `workers` (> 0); packets that are
// not IP (ARP) stay with `self`. Thread-safe (reads the snapshot only).
inline unsigned steerWorker(const ForwardingTable& table, const ParsedPacket& p, unsigned self, unsigned workers) {
  if (workers <= 1 || (p.kind != PacketKind::kIpv4 && p.kind != PacketKind::kIpv6)) return self;
  const FlowTuple& t = p.tuple;
  const bool toService = table.isVip(t.dst, t.v6) || (!table.fwmarkRules.empty() && table.markOf(t) != 0);
  const IpAddr& addr = toService ? t.src : t.dst;
  const uint16_t port = toService ? t.srcPort : t.dstPort;
  uint64_t lo, hi;
  std::memcpy(&lo, addr.b, 8);
  std::memcpy(&hi, addr.b + 8, 8);
  uint64_t h = (lo ^ (hi * 0x9E3779B97F4A7C15ull) ^ port) * 0xC2B2AE3D27D4EB4Full;
  h ^= h >> 29;
  return static_cast<unsigned>((h >> 32) % workers);
}

}  // namespace sluice::dp
