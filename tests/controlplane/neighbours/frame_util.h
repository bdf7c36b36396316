// Frames built by hand for the neighbour tests, byte by byte after the
// RFCs (826, 791/792, 8200/4443, 4861), and an Internet checksum of our
// own: nothing here uses the code under test.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataplane/forwarding_table.h"
#include "tests/address_text.h"

namespace sluice::neighbours::testing {

using Bytes = std::vector<uint8_t>;

using sluice::testing::address;
using sluice::testing::ip;
using sluice::testing::str;

inline dp::MacAddr macOf(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint8_t e, uint8_t f) {
  return dp::MacAddr{{a, b, c, d, e, f}};
}

// Appends big-endian fields.
class Writer {
 public:
  Writer& u8(uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  Writer& be16(uint16_t v) { return u8(static_cast<uint8_t>(v >> 8)).u8(static_cast<uint8_t>(v)); }
  Writer& be32(uint32_t v) { return be16(static_cast<uint16_t>(v >> 16)).be16(static_cast<uint16_t>(v)); }
  Writer& mac(const dp::MacAddr& m) { return bytes(Bytes(m.b.begin(), m.b.end())); }
  Writer& addr(const std::string& text) {
    const bool v6 = text.find(':') != std::string::npos;
    const dp::IpAddr a = ip(text);
    return bytes(Bytes(a.b, a.b + (v6 ? 16 : 4)));
  }
  Writer& bytes(const Bytes& v) {
    b_.insert(b_.end(), v.begin(), v.end());
    return *this;
  }
  Writer& zeros(std::size_t n) { return bytes(Bytes(n, 0)); }
  Bytes take() { return std::move(b_); }

 private:
  Bytes b_;
};

// RFC 1071: the one's complement of the one's complement sum of 16-bit words.
inline uint16_t internetChecksum(const Bytes& data) {
  uint64_t sum = 0;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    const uint16_t hi = data[i];
    const uint16_t lo = i + 1 < data.size() ? data[i + 1] : 0;
    sum += static_cast<uint16_t>((hi << 8) | lo);
  }
  while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xFFFF);
}

inline uint16_t be16At(const Bytes& f, std::size_t off) {
  return static_cast<uint16_t>((f.at(off) << 8) | f.at(off + 1));
}

inline Bytes slice(const Bytes& f, std::size_t off, std::size_t n) {
  if (off + n > f.size()) throw std::out_of_range("slice past the frame");
  return Bytes(f.begin() + static_cast<std::ptrdiff_t>(off), f.begin() + static_cast<std::ptrdiff_t>(off + n));
}

inline Bytes macBytes(const dp::MacAddr& m) { return Bytes(m.b.begin(), m.b.end()); }

inline Bytes addrBytes(const std::string& text) { return Writer().addr(text).take(); }

// The ICMPv6 checksum of `msg` (checksum field taken as zero) between src
// and dst: the RFC 8200 pseudo-header written out in full.
inline uint16_t icmpv6Checksum(const std::string& src, const std::string& dst, Bytes msg) {
  msg.at(2) = 0;
  msg.at(3) = 0;
  Writer w;
  w.addr(src).addr(dst).be32(static_cast<uint32_t>(msg.size())).zeros(3).u8(58).bytes(msg);
  return internetChecksum(w.take());
}

// The same over raw 16-byte addresses taken from a frame.
inline uint16_t icmpv6Checksum(const Bytes& src, const Bytes& dst, Bytes msg) {
  msg.at(2) = 0;
  msg.at(3) = 0;
  Writer w;
  w.bytes(src).bytes(dst).be32(static_cast<uint32_t>(msg.size())).zeros(3).u8(58).bytes(msg);
  return internetChecksum(w.take());
}

inline Writer& ethernet(Writer& w, const dp::MacAddr& dst, const dp::MacAddr& src, std::optional<uint16_t> vlanTci,
                        uint16_t etherType) {
  w.mac(dst).mac(src);
  if (vlanTci) w.be16(0x8100).be16(*vlanTci);
  return w.be16(etherType);
}

inline const dp::MacAddr kBroadcast = macOf(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

struct ArpSpec {
  uint16_t op = 1;
  dp::MacAddr ethDst = kBroadcast;
  dp::MacAddr sha;
  std::string spa;
  dp::MacAddr tha{};
  std::string tpa;
  std::optional<uint16_t> vlanTci;
  bool pad = true;  // to the 60-byte Ethernet minimum
};

inline Bytes arpFrame(const ArpSpec& s) {
  Writer w;
  ethernet(w, s.ethDst, s.sha, s.vlanTci, 0x0806);
  w.be16(1).be16(0x0800).u8(6).u8(4).be16(s.op).mac(s.sha).addr(s.spa).mac(s.tha).addr(s.tpa);
  Bytes f = w.take();
  if (s.pad && f.size() < 60) f.resize(60, 0);
  return f;
}

// An IPv6 packet carrying the ICMPv6 message `msg`, whose checksum is
// filled in and then changed by `checksumDelta` (non-zero: a bad one).
inline Bytes icmpv6Frame(const dp::MacAddr& ethDst, const dp::MacAddr& ethSrc, const std::string& src,
                         const std::string& dst, uint8_t hopLimit, Bytes msg, uint16_t checksumDelta = 0,
                         std::optional<uint16_t> vlanTci = std::nullopt) {
  const uint16_t sum = static_cast<uint16_t>(icmpv6Checksum(src, dst, msg) + checksumDelta);
  msg.at(2) = static_cast<uint8_t>(sum >> 8);
  msg.at(3) = static_cast<uint8_t>(sum);
  Writer w;
  ethernet(w, ethDst, ethSrc, vlanTci, 0x86DD);
  w.be32(0x60000000).be16(static_cast<uint16_t>(msg.size())).u8(58).u8(hopLimit).addr(src).addr(dst).bytes(msg);
  return w.take();
}

// The solicited-node multicast group of an IPv6 address (RFC 4291 2.7.1).
inline std::string solicitedNode(const std::string& target) {
  const dp::IpAddr t = ip(target);
  dp::IpAddr g = ip("ff02::1:ff00:0");
  g.b[13] = t.b[13];
  g.b[14] = t.b[14];
  g.b[15] = t.b[15];
  return str(g, true);
}

struct NdSpec {
  uint8_t type = 135;
  uint8_t code = 0;
  dp::MacAddr ethSrc;
  dp::MacAddr ethDst{};   // unset: the solicited-node group's MAC (NS) or all nodes (NA)
  std::string src;
  std::string dst;        // empty: the target's solicited-node group (NS) or ff02::1 (NA)
  std::string target;
  std::optional<dp::MacAddr> linkAddr;  // the source (NS) or target (NA) link-layer option
  uint8_t flags = 0;                    // NA: R 0x80, S 0x40, O 0x20
  uint8_t hopLimit = 255;
  uint16_t checksumDelta = 0;
  std::optional<uint8_t> optionLengthUnits;  // override the option's length field
};

inline Bytes ndFrame(const NdSpec& s) {
  const std::string dst = !s.dst.empty() ? s.dst : s.type == 135 ? solicitedNode(s.target) : "ff02::1";
  dp::MacAddr ethDst = s.ethDst;
  if (ethDst == dp::MacAddr{}) {
    const dp::IpAddr d = ip(dst);
    ethDst = macOf(0x33, 0x33, d.b[12], d.b[13], d.b[14], d.b[15]);
  }
  Writer m;
  m.u8(s.type).u8(s.code).be16(0).u8(s.type == 136 ? s.flags : 0).zeros(3).addr(s.target);
  if (s.linkAddr) {
    m.u8(s.type == 135 ? 1 : 2).u8(s.optionLengthUnits.value_or(1)).mac(*s.linkAddr);
  }
  return icmpv6Frame(ethDst, s.ethSrc, s.src, dst, s.hopLimit, m.take(), s.checksumDelta);
}

inline const Bytes kPingPayload = {'s', 'l', 'u', 'i', 'c', 'e', '-', 'p', 'i', 'n', 'g', '!'};

// An ICMP echo request; the frame is padded to 60 bytes when shorter.
inline Bytes echo4Frame(const dp::MacAddr& ethDst, const dp::MacAddr& ethSrc, const std::string& src,
                        const std::string& dst, uint16_t fragment = 0x4000 /* DF */) {
  Writer icmp;
  icmp.u8(8).u8(0).be16(0).be16(0xbeef).be16(7).bytes(kPingPayload);
  Bytes msg = icmp.take();
  const uint16_t icmpSum = internetChecksum(msg);
  msg[2] = static_cast<uint8_t>(icmpSum >> 8);
  msg[3] = static_cast<uint8_t>(icmpSum);
  Writer ipw;
  ipw.u8(0x45).u8(0).be16(static_cast<uint16_t>(20 + msg.size())).be16(0x1234).be16(fragment).u8(63).u8(1).be16(0);
  ipw.addr(src).addr(dst);
  Bytes iph = ipw.take();
  const uint16_t ipSum = internetChecksum(iph);
  iph[10] = static_cast<uint8_t>(ipSum >> 8);
  iph[11] = static_cast<uint8_t>(ipSum);
  Writer w;
  ethernet(w, ethDst, ethSrc, std::nullopt, 0x0800).bytes(iph).bytes(msg);
  Bytes f = w.take();
  if (f.size() < 60) f.resize(60, 0);
  return f;
}

// An ICMPv6 echo request.
inline Bytes echo6Frame(const dp::MacAddr& ethDst, const dp::MacAddr& ethSrc, const std::string& src,
                        const std::string& dst) {
  Writer m;
  m.u8(128).u8(0).be16(0).be16(0xbeef).be16(7).bytes(kPingPayload);
  return icmpv6Frame(ethDst, ethSrc, src, dst, 64, m.take());
}

}  // namespace sluice::neighbours::testing
