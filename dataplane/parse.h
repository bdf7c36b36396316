// Packet parsing: Ethernet (+ one 802.1Q tag), ARP, IPv4 (options allowed),
// IPv6 (extension headers skipped), TCP/UDP/SCTP ports, ICMP and ICMPv6
// errors (the embedded header names the flow), IPv4 and IPv6 fragments (the
// first one with its ports, later ones with their datagram's identity). Pure and allocation-free: it
// reads bytes, so it runs on an mbuf's data, in unit tests and under a fuzzer.
//
// Anything malformed comes back as kDrop with a DropReason; the parser never
// reads past `len`.
#pragma once

#include <cstdint>

#include "dataplane/bytes.h"
#include "dataplane/checksum.h"
#include "dataplane/drop_reason.h"
#include "dataplane/flow.h"

namespace sluice::dp {

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;
inline constexpr uint16_t kEtherTypeQinQ = 0x88A8;
inline constexpr uint16_t kEtherHeaderLen = 14;
inline constexpr uint16_t kVlanTagLen = 4;

enum class PacketKind : uint8_t { kDrop, kArp, kIpv4, kIpv6 };

// Flags in ParsedPacket::flags.
inline constexpr uint8_t kFlagVlan = 1 << 0;       // one 802.1Q tag present
inline constexpr uint8_t kFlagIcmpError = 1 << 1;  // tuple comes from the embedded header
inline constexpr uint8_t kFlagIcmpQuery = 1 << 2;  // ICMP echo and other non-errors: no ports
inline constexpr uint8_t kFlagNoPorts = 1 << 3;    // an L4 protocol without ports (VRRP, ...)
inline constexpr uint8_t kFlagFragment = 1 << 4;   // an IP fragment: frag* fields set; not the first one also has kFlagNoPorts

struct ParsedPacket {
  PacketKind kind;
  DropReason drop;       // meaningful when kind == kDrop
  uint8_t flags;
  uint8_t tcpFlags;      // outer TCP segment's flags (0 for ICMP errors)
  uint8_t l4Proto;       // outer L4 protocol (ICMP for errors; tuple.proto is the flow's)
  uint8_t ttl;           // IPv4 TTL or IPv6 hop limit
  uint16_t vlanTci;
  uint16_t l3Offset;     // start of the (outer) IP or ARP header
  uint16_t l4Offset;     // start of the outer L4 header
  uint16_t l3End;        // end of the IP datagram (frames may carry padding after it)
  uint16_t innerL3Offset;  // ICMP errors: the embedded IP header
  uint16_t innerL4Offset;  // ICMP errors: the embedded L4 header
  uint16_t fragOffset;   // fragments: where this one's data goes in its datagram, in bytes
  bool fragMore;         // fragments: more follow (IPv4 MF, IPv6 M)
  uint32_t fragId;       // fragments: the datagram's identification (IPv4: 16 bits)
  FlowTuple tuple;       // a later fragment's has no ports; tuple.proto: IPv4's protocol, IPv6's fragment header's next
};

// Where a fragment's data starts in the frame: after the IPv4 header or
// IPv6's Fragment header (the first fragment's L4 header starts there too).
inline uint16_t fragmentDataOffset(const ParsedPacket& p) { return p.l4Offset; }

namespace parse_detail {

inline bool isIcmpv4Error(uint8_t type) { return type == 3 || type == 4 || type == 5 || type == 11 || type == 12; }
inline bool isIcmpv6Error(uint8_t type) { return type >= 1 && type <= 4; }

inline bool portsOf(uint8_t proto, const uint8_t* l4, uint32_t avail, uint16_t& sport, uint16_t& dport) {
  switch (proto) {
    case kProtoTcp:
    case kProtoUdp:
    case kProtoSctp:
      if (avail < 4) return false;
      sport = loadBe16(l4);
      dport = loadBe16(l4 + 2);
      return true;
    default:
      return false;
  }
}

// IPv6: walks the extension headers. Returns false on a truncated chain;
// `fragment` is set when a Fragment header is present.
inline bool skipIpv6Extensions(const uint8_t* data, uint32_t end, uint32_t& off, uint8_t& next, bool& fragment) {
  // Bounded: a chain longer than 8 headers is not something we forward.
  for (int i = 0; i < 8; ++i) {
    switch (next) {
      case 0:   // hop-by-hop options
      case 43:  // routing
      case 60:  // destination options
        if (off + 8 > end) return false;
        next = data[off];
        off += (uint32_t{data[off + 1]} + 1) * 8;
        break;
      case 51:  // authentication header: length in 4-byte units, minus 2
        if (off + 8 > end) return false;
        next = data[off];
        off += (uint32_t{data[off + 1]} + 2) * 4;
        break;
      case 44:  // fragment
        fragment = true;
        return off + 8 <= end;
      default:
        return off <= end;
    }
  }
  return false;
}

// The embedded datagram of an ICMP/ICMPv6 error: fills the tuple reversed
// (the error travels the other way from the packet it quotes). Only the
// first 8 bytes of the quoted L4 header are guaranteed, which hold the ports.
inline bool parseQuoted(const uint8_t* data, uint32_t off, uint32_t end, bool v6, ParsedPacket& p) {
  uint8_t proto;
  uint32_t l4;
  const uint8_t* src;
  const uint8_t* dst;
  if (!v6) {
    if (off + 20 > end) return false;
    const uint8_t* h = data + off;
    if ((h[0] >> 4) != 4) return false;
    const uint32_t ihl = (h[0] & 0x0Fu) * 4;
    if (ihl < 20) return false;
    if ((loadBe16(h + 6) & 0x1FFF) != 0) return false;  // quoted non-first fragment: no ports
    proto = h[9];
    src = h + 12;
    dst = h + 16;
    l4 = off + ihl;
  } else {
    if (off + 40 > end) return false;
    const uint8_t* h = data + off;
    if ((h[0] >> 4) != 6) return false;
    proto = h[6];
    src = h + 8;
    dst = h + 24;
    l4 = off + 40;
    bool fragment = false;
    if (!skipIpv6Extensions(data, end, l4, proto, fragment) || fragment) return false;
  }
  if (l4 + 8 > end) return false;
  uint16_t sport, dport;
  if (!portsOf(proto, data + l4, end - l4, sport, dport)) return false;
  p.innerL3Offset = static_cast<uint16_t>(off);
  p.innerL4Offset = static_cast<uint16_t>(l4);
  p.tuple.src = IpAddr::fromBytes(dst, v6);
  p.tuple.dst = IpAddr::fromBytes(src, v6);
  p.tuple.srcPort = dport;
  p.tuple.dstPort = sport;
  p.tuple.proto = proto;
  p.flags |= kFlagIcmpError;
  return true;
}

inline void dropWith(ParsedPacket& p, DropReason r) {
  p.kind = PacketKind::kDrop;
  p.drop = r;
}

// The checks every fragment passes, data from `off` to `end`: all but the
// last carry a multiple of 8 bytes, none reaches past 65535 bytes. True
// when it may go on.
inline bool checkFragment(uint32_t off, uint32_t end, ParsedPacket& p) {
  const uint32_t data = end - off;
  if (data == 0 || (p.fragMore && data % 8 != 0)) {
    dropWith(p, DropReason::kFragmentMalformed);
    return false;
  }
  if (p.fragOffset + data > 0xFFFF) {
    dropWith(p, DropReason::kFragmentOversized);
    return false;
  }
  return true;
}

// A fragment after the first: no L4 header to read, only its datagram's.
inline void laterFragment(uint32_t off, uint8_t proto, ParsedPacket& p) {
  p.l4Offset = static_cast<uint16_t>(off);
  p.l4Proto = proto;
  p.tuple.proto = proto;
  p.flags |= kFlagNoPorts;
}

// L4 of an outer datagram starting at `off`, ending at `end`.
inline void parseL4(const uint8_t* data, uint32_t off, uint32_t end, bool v6, ParsedPacket& p) {
  p.l4Offset = static_cast<uint16_t>(off);
  const uint32_t avail = end - off;
  switch (p.l4Proto) {
    case kProtoTcp: {
      if (avail < 20) return dropWith(p, DropReason::kTruncated);
      const uint32_t doff = uint32_t(data[off + 12] >> 4) * 4;
      if (doff < 20 || doff > avail) return dropWith(p, DropReason::kBadL4Header);
      p.tcpFlags = data[off + 13];
      break;
    }
    case kProtoUdp: {
      if (avail < 8) return dropWith(p, DropReason::kTruncated);
      const uint16_t ulen = loadBe16(data + off + 4);
      // A first fragment holds part of the datagram: the length is the whole one's.
      const uint32_t whole = (p.flags & kFlagFragment) != 0 ? 0xFFFF : avail;
      if (ulen < 8 || ulen > whole) return dropWith(p, DropReason::kBadL4Header);
      break;
    }
    case kProtoSctp:
      if (avail < 12) return dropWith(p, DropReason::kTruncated);
      // Its CRC32c covers the whole datagram, which no fragment holds.
      if (p.flags & kFlagFragment) return dropWith(p, DropReason::kFragment);
      break;
    case kProtoIcmp:
    case kProtoIcmpv6: {
      if ((p.l4Proto == kProtoIcmp) == v6) {  // ICMPv4 in IPv6 or the reverse
        p.flags |= kFlagNoPorts;
        p.tuple.proto = p.l4Proto;
        return;
      }
      if (avail < 8) return dropWith(p, DropReason::kTruncated);
      const uint8_t type = data[off];
      const bool error = v6 ? isIcmpv6Error(type) : isIcmpv4Error(type);
      if (!error) {
        p.flags |= kFlagIcmpQuery;
        p.tuple.proto = p.l4Proto;
        return;
      }
      if (!parseQuoted(data, off + 8, end, v6, p)) return dropWith(p, DropReason::kBadL4Header);
      return;
    }
    default:
      p.flags |= kFlagNoPorts;
      p.tuple.proto = p.l4Proto;
      return;
  }
  p.tuple.srcPort = loadBe16(data + off);
  p.tuple.dstPort = loadBe16(data + off + 2);
  p.tuple.proto = p.l4Proto;
}

}  // namespace parse_detail

// Parses one frame. Thread-safe (pure).
inline ParsedPacket parsePacket(const uint8_t* data, uint32_t len) {
  using namespace parse_detail;
  ParsedPacket p{};
  if (len < kEtherHeaderLen) {
    dropWith(p, DropReason::kTruncated);
    return p;
  }
  uint32_t off = kEtherHeaderLen;
  uint16_t etherType = loadBe16(data + 12);
  if (etherType == kEtherTypeVlan) {
    if (len < off + kVlanTagLen) {
      dropWith(p, DropReason::kTruncated);
      return p;
    }
    p.flags |= kFlagVlan;
    p.vlanTci = loadBe16(data + off);
    etherType = loadBe16(data + off + 2);
    off += kVlanTagLen;
  }
  p.l3Offset = static_cast<uint16_t>(off);

  if (etherType == kEtherTypeArp) {
    if (len < off + 28) {
      dropWith(p, DropReason::kTruncated);
      return p;
    }
    p.kind = PacketKind::kArp;
    p.l3End = static_cast<uint16_t>(off + 28);
    return p;
  }

  if (etherType == kEtherTypeIpv4) {
    if (len < off + 20) {
      dropWith(p, DropReason::kTruncated);
      return p;
    }
    const uint8_t* h = data + off;
    const uint32_t ihl = (h[0] & 0x0Fu) * 4;
    const uint32_t total = loadBe16(h + 2);
    if ((h[0] >> 4) != 4 || ihl < 20 || total < ihl) {
      dropWith(p, DropReason::kBadIpHeader);
      return p;
    }
    if (off + total > len) {
      dropWith(p, DropReason::kTruncated);
      return p;
    }
    if (csumFold(csumAdd(0, h, ihl)) != 0xFFFF) {
      dropWith(p, DropReason::kBadIpChecksum);
      return p;
    }
    p.kind = PacketKind::kIpv4;
    p.ttl = h[8];
    p.l4Proto = h[9];
    p.l3End = static_cast<uint16_t>(off + total);
    p.tuple.v6 = false;
    p.tuple.src = IpAddr::fromBytes(h + 12, false);
    p.tuple.dst = IpAddr::fromBytes(h + 16, false);
    // MF set or a non-zero offset: a fragment.
    if (const uint16_t frag = loadBe16(h + 6); (frag & 0x3FFF) != 0) {
      p.flags |= kFlagFragment;
      p.fragId = loadBe16(h + 4);
      p.fragOffset = static_cast<uint16_t>((frag & 0x1FFF) * 8);
      p.fragMore = (frag & 0x2000) != 0;
      if (!checkFragment(off + ihl, off + total, p)) return p;
      // RFC 1858: a TCP fragment at offset 8 would rewrite the first one's flags.
      if (p.fragOffset == 8 && h[9] == kProtoTcp) {
        dropWith(p, DropReason::kFragmentMalformed);
        return p;
      }
      if (p.fragOffset != 0) {
        laterFragment(off + ihl, h[9], p);
        return p;
      }
    }
    parseL4(data, off + ihl, off + total, false, p);
    return p;
  }

  if (etherType == kEtherTypeIpv6) {
    if (len < off + 40) {
      dropWith(p, DropReason::kTruncated);
      return p;
    }
    const uint8_t* h = data + off;
    if ((h[0] >> 4) != 6) {
      dropWith(p, DropReason::kBadIpHeader);
      return p;
    }
    const uint32_t end = off + 40 + loadBe16(h + 4);
    if (end > len) {
      dropWith(p, DropReason::kTruncated);
      return p;
    }
    uint8_t next = h[6];
    uint32_t l4 = off + 40;
    bool fragment = false;
    if (!skipIpv6Extensions(data, end, l4, next, fragment)) {
      dropWith(p, DropReason::kBadIpHeader);
      return p;
    }
    if (fragment) {
      // The Fragment header: next header, reserved, offset and M, identification.
      const uint8_t* fh = data + l4;
      const uint16_t frag = loadBe16(fh + 2);
      next = fh[0];
      l4 += 8;
      if ((frag & 0xFFF9) != 0) {  // an atomic fragment (offset 0, M clear) is a whole datagram
        p.flags |= kFlagFragment;
        p.fragId = loadBe32(fh + 4);
        p.fragOffset = static_cast<uint16_t>(frag & 0xFFF8);
        p.fragMore = (frag & 1) != 0;
        if (!checkFragment(l4, end, p)) return p;
      }
      if ((frag & 0xFFF8) == 0) {
        // RFC 7112: the first fragment holds the whole header chain.
        bool again = false;
        if (!skipIpv6Extensions(data, end, l4, next, again) || again) {
          dropWith(p, (p.flags & kFlagFragment) ? DropReason::kFragmentMalformed : DropReason::kBadIpHeader);
          return p;
        }
      }
    }
    p.kind = PacketKind::kIpv6;
    p.ttl = h[7];
    p.l4Proto = next;
    p.l3End = static_cast<uint16_t>(end);
    p.tuple.v6 = true;
    p.tuple.src = IpAddr::fromBytes(h + 8, true);
    p.tuple.dst = IpAddr::fromBytes(h + 24, true);
    if ((p.flags & kFlagFragment) && p.fragOffset != 0) {
      laterFragment(l4, next, p);
      return p;
    }
    parseL4(data, l4, end, true, p);
    return p;
  }

  dropWith(p, DropReason::kBadL2);
  return p;
}

}  // namespace sluice::dp
