// Connection-sync datagrams as Ethernet frames: UDP to the sync group, as
// the kernel's sync daemon sends them (to the group's multicast MAC, the
// configured TTL, the sync port), and on the way in any UDP datagram's
// addresses, ports and payload with its checksum verified. The IP part is
// the failover's (advert_frame.h). Pure byte work, no DPDK, no sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dataplane/forwarding_table.h"
#include "wire/ip_address.h"

namespace sluice::connsync {

using Frame = std::vector<uint8_t>;

struct SyncFrameHeader {
  dp::MacAddr srcMac;
  wire::IpAddress source;  // the sync port's own address, of the group's family
  wire::IpAddress group;
  uint16_t port = 8848;    // UDP source and destination
  uint8_t ttl = 1;
  uint16_t id = 0;         // IPv4 identification
};

Frame syncFrame(const SyncFrameHeader& header, std::span<const uint8_t> payload);

struct UdpDatagram {
  dp::MacAddr srcMac;
  wire::IpAddress source;
  wire::IpAddress destination;
  uint16_t sourcePort = 0;
  uint16_t destinationPort = 0;
  std::span<const uint8_t> payload;
};

enum class UdpRefusal : uint8_t { kNone, kNotUdp, kTruncated, kBadChecksum };

struct ParsedUdp {
  std::optional<UdpDatagram> datagram;
  UdpRefusal why = UdpRefusal::kNotUdp;  // when no datagram
};

// The UDP datagram a frame carries (kNotUdp for anything else: the caller
// hands the frame on). A zero checksum (IPv4) is taken as none.
ParsedUdp parseUdpFrame(std::span<const uint8_t> frame);

}  // namespace sluice::connsync
