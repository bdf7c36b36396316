// TUN forwarding (IPVS's LVS-TUN, keepalived's `lvs_method TUN`): the
// client's IP packet, unchanged, inside an outer IP header from the
// router's address on the egress port to the real server, which
// decapsulates it and answers the client directly from the VIP. Three
// encapsulations, as IPVS has them (ip_vs_xmit.c):
//
//   ipip  outer IP (protocol 4, or next header 41 for IPv6-in-IPv6)
//   gue   outer IP, UDP to the configured port (source port from a hash of
//         the inner flow, so that ECMP and RSS spread tunnels), a 4-byte
//         GUE header (version 0, the inner protocol); the UDP checksum with
//         `csum`, else 0 (IPv4; IPv6 receivers must accept zero checksums)
//   gre   outer IP (protocol 47), a GRE header with the inner ethertype,
//         and with `csum` the GRE checksum
//
// The outer header copies the inner TOS/traffic class, TTL/hop limit and
// IPv4 DF bit, as IPVS does. Pure byte work on plain buffers; no DPDK.
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/bytes.h"
#include "dataplane/checksum.h"
#include "dataplane/flow.h"
#include "dataplane/forwarding_table.h"

namespace sluice::dp {

inline constexpr uint8_t kProtoIpv6InIp = 41;
inline constexpr uint8_t kProtoGre = 47;
inline constexpr uint16_t kGreFlagChecksum = 0x8000;

// The bytes the encapsulation puts before the inner packet.
inline uint16_t tunnelOverhead(const Tunnel& t, bool v6) {
  const uint16_t ip = v6 ? 40 : 20;
  switch (t.type) {
    case TunnelType::kIpip: return ip;
    case TunnelType::kGue: return static_cast<uint16_t>(ip + 8 + 4);
    case TunnelType::kGre: return static_cast<uint16_t>(ip + 4 + (t.csum ? 4 : 0));
  }
  return ip;
}

struct OuterHeader {
  IpAddr src{};
  IpAddr dst{};
  bool v6 = false;
  uint8_t ttl = 64;
  uint8_t tos = 0;        // IPv4 TOS or IPv6 traffic class
  bool dontFragment = false;
  uint16_t id = 0;        // IPv4 identification
  uint16_t flowHash = 0;  // GUE's UDP source port is drawn from it
};

// Writes tunnelOverhead(t, h.v6) bytes of outer headers at `out`; the inner
// packet of innerLen bytes follows at out + overhead (checksums that cover
// it read it there).
inline void writeTunnelHeaders(uint8_t* out, const Tunnel& t, const OuterHeader& h, uint32_t innerLen) {
  const uint16_t overhead = tunnelOverhead(t, h.v6);
  const uint16_t ipLen = h.v6 ? 40 : 20;
  const uint32_t payloadLen = overhead - ipLen + innerLen;  // what follows the outer IP header
  uint8_t protocol = h.v6 ? kProtoIpv6InIp : kProtoIpip;
  if (t.type == TunnelType::kGue) protocol = kProtoUdp;
  if (t.type == TunnelType::kGre) protocol = kProtoGre;
  if (h.v6) {
    out[0] = static_cast<uint8_t>(0x60 | (h.tos >> 4));
    out[1] = static_cast<uint8_t>((h.tos & 0x0F) << 4);
    out[2] = out[3] = 0;
    storeBe16(out + 4, static_cast<uint16_t>(payloadLen));
    out[6] = protocol;
    out[7] = h.ttl;
    std::memcpy(out + 8, h.src.b, 16);
    std::memcpy(out + 24, h.dst.b, 16);
  } else {
    out[0] = 0x45;
    out[1] = h.tos;
    storeBe16(out + 2, static_cast<uint16_t>(ipLen + payloadLen));
    storeBe16(out + 4, h.id);
    storeBe16(out + 6, h.dontFragment ? 0x4000 : 0);
    out[8] = h.ttl;
    out[9] = protocol;
    out[10] = out[11] = 0;
    std::memcpy(out + 12, h.src.b, 4);
    std::memcpy(out + 16, h.dst.b, 4);
    storeBe16(out + 10, csumFinish(csumAdd(0, out, 20)));
  }
  uint8_t* l4 = out + ipLen;
  const uint16_t innerType = h.v6 ? 0x86DD : 0x0800;
  switch (t.type) {
    case TunnelType::kIpip:
      break;
    case TunnelType::kGue: {
      // Source ports in the dynamic range, as the kernel's udp_flow_src_port.
      storeBe16(l4, static_cast<uint16_t>(49152 + h.flowHash % 16384));
      storeBe16(l4 + 2, t.port);
      storeBe16(l4 + 4, static_cast<uint16_t>(payloadLen));
      storeBe16(l4 + 6, 0);
      l4[8] = 0;  // version 0, no control message, no optional fields
      l4[9] = h.v6 ? kProtoIpv6InIp : kProtoIpip;
      storeBe16(l4 + 10, 0);
      if (t.csum) {
        const std::size_t addr = h.v6 ? 16 : 4;
        uint32_t sum = csumAdd(0, h.src.b, addr);
        sum = csumAdd(sum, h.dst.b, addr);
        uint8_t pseudo[4] = {0, kProtoUdp, 0, 0};
        storeBe16(pseudo + 2, static_cast<uint16_t>(payloadLen));
        sum = csumAdd(sum, pseudo, 4);
        sum = csumAdd(sum, l4, payloadLen);
        uint16_t check = csumFinish(sum);
        storeBe16(l4 + 6, check == 0 ? 0xFFFF : check);
      }
      break;
    }
    case TunnelType::kGre:
      storeBe16(l4, t.csum ? kGreFlagChecksum : 0);
      storeBe16(l4 + 2, innerType);
      if (t.csum) {
        storeBe16(l4 + 4, 0);
        storeBe16(l4 + 6, 0);
        storeBe16(l4 + 4, csumFinish(csumAdd(0, l4, payloadLen)));
      }
      break;
  }
}

}  // namespace sluice::dp
