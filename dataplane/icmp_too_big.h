// The ICMP error a router sends when a packet does not fit the link it
// must leave by (here: after TUN encapsulation, as IPVS does in
// ip_vs_tunnel_xmit): IPv4 "fragmentation needed" (type 3, code 4, with
// the next-hop MTU) or ICMPv6 "packet too big" (type 2, with the MTU),
// to the packet's source, from its destination (the VIP the client
// sent to, so the client's path MTU to it shrinks). Built in place over
// the packet, which it quotes from its start: up to 576 bytes in all for
// IPv4 (RFC 1812 4.3.2.3), up to the IPv6 minimum MTU, 1280, for IPv6
// (RFC 4443 2.4). Pure byte work; no DPDK.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "dataplane/bytes.h"
#include "dataplane/checksum.h"
#include "dataplane/flow.h"

namespace sluice::dp {

// Rewrites the IP packet of ipLen bytes at `ip` (the buffer holds ipLen
// bytes there) into the error for `mtu`; returns the error's length.
// ipLen is larger than mtu, which is at least 68 (IPv4) or 1280 (IPv6).
inline uint32_t writeTooBig(uint8_t* ip, uint32_t ipLen, bool v6, uint16_t mtu) {
  if (v6) {
    const uint32_t quote = std::min<uint32_t>(1280 - 48, ipLen - 48);
    IpAddr client, vip;
    std::memcpy(client.b, ip + 8, 16);
    std::memcpy(vip.b, ip + 24, 16);
    std::memmove(ip + 48, ip, quote);
    const uint32_t icmpLen = 8 + quote;
    ip[0] = 0x60;
    ip[1] = ip[2] = ip[3] = 0;
    storeBe16(ip + 4, static_cast<uint16_t>(icmpLen));
    ip[6] = kProtoIcmpv6;
    ip[7] = 64;
    std::memcpy(ip + 8, vip.b, 16);
    std::memcpy(ip + 24, client.b, 16);
    uint8_t* icmp = ip + 40;
    icmp[0] = 2;  // packet too big
    icmp[1] = 0;
    storeBe16(icmp + 2, 0);
    storeBe32(icmp + 4, mtu);
    uint32_t sum = csumAdd(0, ip + 8, 32);
    uint8_t pseudo[8] = {0, 0, 0, 0, 0, 0, 0, kProtoIcmpv6};
    storeBe32(pseudo, icmpLen);
    sum = csumAdd(sum, pseudo, 8);
    storeBe16(icmp + 2, csumFinish(csumAdd(sum, icmp, icmpLen)));
    return 40 + icmpLen;
  }
  const uint32_t quote = std::min<uint32_t>(576 - 28, ipLen - 28);
  uint8_t client[4], vip[4];
  std::memcpy(client, ip + 12, 4);
  std::memcpy(vip, ip + 16, 4);
  std::memmove(ip + 28, ip, quote);
  const uint32_t total = 28 + quote;
  ip[0] = 0x45;
  ip[1] = 0;
  storeBe16(ip + 2, static_cast<uint16_t>(total));
  storeBe32(ip + 4, 0);
  ip[8] = 64;
  ip[9] = kProtoIcmp;
  storeBe16(ip + 10, 0);
  std::memcpy(ip + 12, vip, 4);
  std::memcpy(ip + 16, client, 4);
  storeBe16(ip + 10, csumFinish(csumAdd(0, ip, 20)));
  uint8_t* icmp = ip + 20;
  icmp[0] = 3;  // destination unreachable
  icmp[1] = 4;  // fragmentation needed and DF set
  storeBe16(icmp + 2, 0);
  storeBe16(icmp + 4, 0);
  storeBe16(icmp + 6, mtu);
  storeBe16(icmp + 2, csumFinish(csumAdd(0, icmp, 8 + quote)));
  return total;
}

}  // namespace sluice::dp
