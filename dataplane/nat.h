// NAT rewrites (lb_kind NAT): the destination of a packet heading to a real
// server and the source of a reply heading back to the client, IPv4 and
// IPv6, TCP, UDP, SCTP, ICMP/ICMPv6 errors and IP fragments, with every checksum updated
// incrementally (RFC 1624) and the TTL / hop limit lowered as a router does.
//
// The functions work on the bytes of one frame described by a ParsedPacket
// (the caller has already checked the TTL is above 1). Thread-safe (pure).
#pragma once

#include <cstdint>
#include <cstring>

#include "dataplane/bytes.h"
#include "dataplane/checksum.h"
#include "dataplane/crc32c.h"
#include "dataplane/flow.h"
#include "dataplane/parse.h"

namespace sluice::dp {

namespace nat_detail {

inline uint32_t addrOffset(bool v6, bool source) {
  if (v6) return source ? 8 : 24;
  return source ? 12 : 16;
}

inline void decrementTtl(uint8_t* ip, bool v6, CsumDelta& ipDelta) {
  if (v6) {
    --ip[7];
    return;
  }
  const uint16_t before = loadBe16(ip + 8);
  --ip[8];
  ipDelta.add16(before, loadBe16(ip + 8));
}

// Offset of the transport checksum field inside an L4 header; 0 for none.
inline uint32_t l4ChecksumOffset(uint8_t proto) {
  switch (proto) {
    case kProtoTcp: return 16;
    case kProtoUdp: return 6;
    case kProtoIcmp:
    case kProtoIcmpv6: return 2;
    default: return 0;
  }
}

inline void applyL4(uint8_t* l4, uint8_t proto, bool v6, const CsumDelta& d) {
  const uint32_t off = l4ChecksumOffset(proto);
  if (off == 0) return;
  uint8_t* field = l4 + off;
  const uint16_t old = loadBe16(field);
  if (proto == kProtoUdp && !v6 && old == 0) return;  // IPv4 UDP without checksum stays so
  uint16_t updated = d.apply(old);
  if (proto == kProtoUdp && updated == 0) updated = 0xFFFF;  // 0 means "none" for UDP
  storeBe16(field, updated);
}

// Rewrites one address of the IP header at `ip` (and lowers the TTL), the
// IPv4 header checksum with it. Returns the change, which the L4 checksum's
// pseudo-header also covers.
inline CsumDelta rewriteAddress(uint8_t* ip, bool v6, bool source, const IpAddr& addr, bool lowerTtl) {
  const uint32_t alen = v6 ? 16 : 4;
  CsumDelta pseudo;
  uint8_t* field = ip + addrOffset(v6, source);
  pseudo.add(field, addr.b, alen);
  CsumDelta ipDelta = pseudo;
  std::memcpy(field, addr.b, alen);
  if (lowerTtl) decrementTtl(ip, v6, ipDelta);
  if (!v6) ipDelta.applyAt(ip + 10);
  return pseudo;
}

// Rewrites one side (source or destination) of the packet's tuple.
inline void rewriteSide(uint8_t* data, const ParsedPacket& p, bool source, const IpAddr& addr, uint16_t port,
                        bool lowerTtl) {
  const bool v6 = p.tuple.v6;
  const uint32_t alen = v6 ? 16 : 4;
  uint8_t* l4 = data + p.l4Offset;
  const CsumDelta pseudo = rewriteAddress(data + p.l3Offset, v6, source, addr, lowerTtl);

  if ((p.flags & kFlagIcmpError) == 0) {
    CsumDelta l4Delta = pseudo;
    if (p.tuple.proto == kProtoSctp) {
      storeBe16(l4 + (source ? 0 : 2), port);
      sctpUpdateChecksum(l4, p.l3End - p.l4Offset);
    } else {
      uint8_t* portField = l4 + (source ? 0 : 2);
      l4Delta.add16(loadBe16(portField), port);
      storeBe16(portField, port);
      applyL4(l4, p.tuple.proto, v6, l4Delta);
    }
  } else {
    // The quoted datagram travelled the other way: our source is its
    // destination. Its own transport checksum is left alone (the quote may
    // be truncated), as IPVS does; the ICMP checksum covers what changes.
    uint8_t* inner = data + p.innerL3Offset;
    uint8_t* innerL4 = data + p.innerL4Offset;
    CsumDelta icmpDelta;
    if (v6) icmpDelta.add(pseudo);  // ICMPv6 covers the pseudo-header
    uint8_t* innerAddr = inner + addrOffset(v6, !source);
    icmpDelta.add(innerAddr, addr.b, alen);
    if (!v6) {
      CsumDelta innerIp;
      innerIp.add(innerAddr, addr.b, alen);
      const uint16_t before = loadBe16(inner + 10);
      const uint16_t after = innerIp.apply(before);
      icmpDelta.add16(before, after);
      storeBe16(inner + 10, after);
    }
    std::memcpy(innerAddr, addr.b, alen);
    uint8_t* innerPort = innerL4 + (source ? 2 : 0);
    icmpDelta.add16(loadBe16(innerPort), port);
    storeBe16(innerPort, port);
    applyL4(l4, v6 ? kProtoIcmpv6 : kProtoIcmp, v6, icmpDelta);
  }
}

}  // namespace nat_detail

// A fragment after its datagram's first carries no L4 header: only the
// address changes (the first fragment's L4 checksum took the whole
// datagram's change, ports included).
inline void natFragment(uint8_t* data, const ParsedPacket& p, bool source, const IpAddr& addr) {
  nat_detail::rewriteAddress(data + p.l3Offset, p.tuple.v6, source, addr, /*lowerTtl=*/true);
}

// Client -> VIP becomes client -> real server (port in host order).
inline void natToRealServer(uint8_t* data, const ParsedPacket& p, const IpAddr& rs, uint16_t rsPort) {
  nat_detail::rewriteSide(data, p, /*source=*/false, rs, rsPort, /*lowerTtl=*/true);
}

// Real server -> client becomes VIP -> client (port in host order).
inline void natToClient(uint8_t* data, const ParsedPacket& p, const IpAddr& vip, uint16_t vipPort) {
  nat_detail::rewriteSide(data, p, /*source=*/true, vip, vipPort, /*lowerTtl=*/true);
}

}  // namespace sluice::dp
