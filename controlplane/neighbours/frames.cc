#include "controlplane/neighbours/frames.h"

#include <algorithm>
#include <cstring>

#include "dataplane/bytes.h"
#include "dataplane/checksum.h"

namespace sluice::neighbours {
namespace {

using dp::loadBe16;
using dp::storeBe16;

constexpr uint16_t kEtherArp = 0x0806;
constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86DD;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr std::size_t kIpv6Header = 40;
constexpr uint8_t kNdSolicit = 135;
constexpr uint8_t kNdAdvert = 136;

const dp::MacAddr kBroadcast{{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}};

void putL2(Frame& f, const dp::MacAddr& dst, const dp::MacAddr& src, std::optional<uint16_t> tci, uint16_t type) {
  f.insert(f.end(), dst.b.begin(), dst.b.end());
  f.insert(f.end(), src.b.begin(), src.b.end());
  if (tci) {
    f.resize(f.size() + 4);
    storeBe16(&f[f.size() - 4], kEtherVlan);
    storeBe16(&f[f.size() - 2], *tci);
  }
  f.resize(f.size() + 2);
  storeBe16(&f[f.size() - 2], type);
}

void putBytes(Frame& f, const uint8_t* p, std::size_t n) { f.insert(f.end(), p, p + n); }

Frame arpFrame(const dp::MacAddr& ethDst, std::optional<uint16_t> tci, uint16_t op, const dp::MacAddr& sha,
               const dp::IpAddr& spa, const dp::MacAddr& tha, const dp::IpAddr& tpa) {
  Frame f;
  putL2(f, ethDst, sha, tci, kEtherArp);
  const uint8_t head[8] = {0, 1, 8, 0, 6, 4, 0, static_cast<uint8_t>(op)};
  putBytes(f, head, sizeof head);
  putBytes(f, sha.b.data(), 6);
  putBytes(f, spa.b, 4);
  putBytes(f, tha.b.data(), 6);
  putBytes(f, tpa.b, 4);
  f.resize(std::max<std::size_t>(f.size(), 60), 0);  // Ethernet minimum without FCS
  return f;
}

// ICMPv6 checksum over the pseudo-header and the message.
uint16_t icmpv6Checksum(const uint8_t* src, const uint8_t* dst, const uint8_t* msg, std::size_t len) {
  uint32_t sum = dp::csumAdd(0, src, 16);
  sum = dp::csumAdd(sum, dst, 16);
  sum += static_cast<uint32_t>(len >> 16) + static_cast<uint32_t>(len & 0xFFFF);
  sum += dp::kProtoIcmpv6;
  return dp::csumFinish(dp::csumAdd(sum, msg, len));
}

// An IPv6 ICMPv6 frame around `msg` (its checksum field is filled in).
Frame icmpv6Frame(const dp::MacAddr& ethDst, const dp::MacAddr& ethSrc, std::optional<uint16_t> tci,
                  const dp::IpAddr& src, const dp::IpAddr& dst, std::vector<uint8_t> msg) {
  storeBe16(&msg[2], 0);
  storeBe16(&msg[2], icmpv6Checksum(src.b, dst.b, msg.data(), msg.size()));
  Frame f;
  putL2(f, ethDst, ethSrc, tci, kEtherIpv6);
  uint8_t ip[kIpv6Header] = {0x60, 0, 0, 0};
  storeBe16(ip + 4, static_cast<uint16_t>(msg.size()));
  ip[6] = dp::kProtoIcmpv6;
  ip[7] = 255;
  std::memcpy(ip + 8, src.b, 16);
  std::memcpy(ip + 24, dst.b, 16);
  putBytes(f, ip, sizeof ip);
  putBytes(f, msg.data(), msg.size());
  return f;
}

constexpr uint8_t kNaSolicited = 0x40;
constexpr uint8_t kNaOverride = 0x20;
const dp::MacAddr kAllNodesMac{{0x33, 0x33, 0, 0, 0, 1}};

// ff02::1
dp::IpAddr allNodes() {
  dp::IpAddr a{};
  a.b[0] = 0xFF;
  a.b[1] = 0x02;
  a.b[15] = 1;
  return a;
}

// A neighbour advertisement announcing `target` at `mac`, sent to `dst`.
Frame naFrame(const dp::MacAddr& ethDst, std::optional<uint16_t> tci, const dp::IpAddr& target,
              const dp::MacAddr& mac, const dp::IpAddr& dst, uint8_t flags) {
  std::vector<uint8_t> msg(32, 0);
  msg[0] = kNdAdvert;
  msg[4] = flags;
  std::memcpy(&msg[8], target.b, 16);
  msg[24] = 2;  // target link-layer address option
  msg[25] = 1;
  std::memcpy(&msg[26], mac.b.data(), 6);
  return icmpv6Frame(ethDst, mac, tci, target, dst, std::move(msg));
}

}  // namespace

std::optional<L2> parseL2(std::span<const uint8_t> frame) {
  if (frame.size() < 14) return std::nullopt;
  L2 l2;
  std::memcpy(l2.dst.b.data(), frame.data(), 6);
  std::memcpy(l2.src.b.data(), frame.data() + 6, 6);
  l2.etherType = loadBe16(&frame[12]);
  l2.payload = 14;
  if (l2.etherType == kEtherVlan) {
    if (frame.size() < 18) return std::nullopt;
    l2.vlanTci = loadBe16(&frame[14]);
    l2.etherType = loadBe16(&frame[16]);
    l2.payload = 18;
  }
  return l2;
}

std::optional<Arp> parseArp(std::span<const uint8_t> frame, const L2& l2) {
  if (l2.etherType != kEtherArp || frame.size() < l2.payload + 28) return std::nullopt;
  const uint8_t* a = frame.data() + l2.payload;
  // Ethernet hardware, IPv4 protocol, 6- and 4-byte addresses only.
  if (loadBe16(a) != 1 || loadBe16(a + 2) != kEtherIpv4 || a[4] != 6 || a[5] != 4) return std::nullopt;
  Arp arp;
  arp.op = loadBe16(a + 6);
  if (arp.op != 1 && arp.op != 2) return std::nullopt;
  std::memcpy(arp.senderMac.b.data(), a + 8, 6);
  arp.senderIp = dp::IpAddr::fromBytes(a + 14, false);
  arp.targetIp = dp::IpAddr::fromBytes(a + 24, false);
  return arp;
}

std::optional<NdMessage> parseNd(std::span<const uint8_t> frame, const L2& l2) {
  if (l2.etherType != kEtherIpv6 || frame.size() < l2.payload + kIpv6Header + 24) return std::nullopt;
  const uint8_t* ip = frame.data() + l2.payload;
  const std::size_t len = loadBe16(ip + 4);
  if ((ip[0] >> 4) != 6 || ip[6] != dp::kProtoIcmpv6 || ip[7] != 255 || len < 24 ||
      frame.size() < l2.payload + kIpv6Header + len) {
    return std::nullopt;
  }
  const uint8_t* m = ip + kIpv6Header;
  if ((m[0] != kNdSolicit && m[0] != kNdAdvert) || m[1] != 0) return std::nullopt;
  if (icmpv6Checksum(ip + 8, ip + 24, m, len) != 0) return std::nullopt;
  NdMessage nd;
  nd.type = m[0];
  nd.src = dp::IpAddr::fromBytes(ip + 8, true);
  nd.dst = dp::IpAddr::fromBytes(ip + 24, true);
  nd.target = dp::IpAddr::fromBytes(m + 8, true);
  const uint8_t wanted = nd.type == kNdSolicit ? 1 : 2;
  for (std::size_t off = 24; off + 2 <= len;) {
    const std::size_t optLen = std::size_t{m[off + 1]} * 8;
    if (optLen == 0 || off + optLen > len) return std::nullopt;  // RFC 4861: a zero length is invalid
    if (m[off] == wanted && optLen >= 8) {
      dp::MacAddr mac;
      std::memcpy(mac.b.data(), m + off + 2, 6);
      nd.linkAddr = mac;
    }
    off += optLen;
  }
  return nd;
}

std::optional<EchoRequest> parseEchoRequest(std::span<const uint8_t> frame, const L2& l2) {
  const uint8_t* ip = frame.data() + l2.payload;
  const std::size_t room = frame.size() - std::min(frame.size(), l2.payload);
  if (l2.etherType == kEtherIpv4) {
    if (room < 20 || (ip[0] >> 4) != 4) return std::nullopt;
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0F) * 4;
    const std::size_t total = loadBe16(ip + 2);
    if (ihl < 20 || total < ihl + 8 || total > room || ip[9] != dp::kProtoIcmp || ip[ihl] != 8) return std::nullopt;
    if ((loadBe16(ip + 6) & 0x3FFF) != 0) return std::nullopt;  // fragments are not answered
    return EchoRequest{false, dp::IpAddr::fromBytes(ip + 12, false), dp::IpAddr::fromBytes(ip + 16, false)};
  }
  if (l2.etherType == kEtherIpv6) {
    if (room < kIpv6Header + 8 || (ip[0] >> 4) != 6 || ip[6] != dp::kProtoIcmpv6 || ip[kIpv6Header] != 128) {
      return std::nullopt;
    }
    // The echo header (8 bytes) must lie inside the stated payload.
    if (loadBe16(ip + 4) < 8 || kIpv6Header + loadBe16(ip + 4) > room) return std::nullopt;
    return EchoRequest{true, dp::IpAddr::fromBytes(ip + 8, true), dp::IpAddr::fromBytes(ip + 24, true)};
  }
  return std::nullopt;
}

Frame arpReply(const L2& request, const Arp& arp, const dp::MacAddr& ourMac) {
  return arpFrame(arp.senderMac, request.vlanTci, 2, ourMac, arp.targetIp, arp.senderMac, arp.senderIp);
}

Frame arpRequest(const dp::MacAddr& ourMac, const dp::IpAddr& ourIp, const dp::IpAddr& target) {
  return arpFrame(kBroadcast, std::nullopt, 1, ourMac, ourIp, dp::MacAddr{}, target);
}

Frame gratuitousArp(const dp::MacAddr& mac, const dp::IpAddr& ip) {
  return arpFrame(kBroadcast, std::nullopt, 1, mac, ip, kBroadcast, ip);
}

Frame neighbourAdvert(const L2& request, const NdMessage& ns, const dp::MacAddr& ourMac) {
  // A solicitation from the unspecified address (duplicate address
  // detection) is answered to all nodes, without the solicited flag.
  if (ns.src == dp::IpAddr{}) return naFrame(kAllNodesMac, request.vlanTci, ns.target, ourMac, allNodes(), kNaOverride);
  return naFrame(request.src, request.vlanTci, ns.target, ourMac, ns.src, kNaSolicited | kNaOverride);
}

Frame unsolicitedNeighbourAdvert(const dp::MacAddr& mac, const dp::IpAddr& ip) {
  return naFrame(kAllNodesMac, std::nullopt, ip, mac, allNodes(), kNaOverride);  // RFC 4861 7.2.6
}

Frame neighbourSolicit(const dp::MacAddr& ourMac, const dp::IpAddr& ourIp, const dp::IpAddr& target) {
  dp::IpAddr dst{};  // the target's solicited-node multicast group ff02::1:ffXX:XXXX
  dst.b[0] = 0xFF;
  dst.b[1] = 0x02;
  dst.b[11] = 0x01;
  dst.b[12] = 0xFF;
  std::memcpy(dst.b + 13, target.b + 13, 3);
  const dp::MacAddr ethDst{{0x33, 0x33, dst.b[12], dst.b[13], dst.b[14], dst.b[15]}};
  std::vector<uint8_t> msg(32, 0);
  msg[0] = kNdSolicit;
  std::memcpy(&msg[8], target.b, 16);
  msg[24] = 1;  // source link-layer address option
  msg[25] = 1;
  std::memcpy(&msg[26], ourMac.b.data(), 6);
  if (ourIp == dp::IpAddr{}) msg.resize(24);  // from the unspecified address: no option (RFC 4861 4.3)
  return icmpv6Frame(ethDst, ourMac, std::nullopt, ourIp, dst, std::move(msg));
}

Frame echoReply(std::span<const uint8_t> request, const L2& l2, const EchoRequest& echo) {
  Frame f(request.begin(), request.end());
  std::memcpy(f.data(), l2.src.b.data(), 6);
  std::memcpy(f.data() + 6, l2.dst.b.data(), 6);
  uint8_t* ip = f.data() + l2.payload;
  if (!echo.v6) {
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0F) * 4;
    const std::size_t total = loadBe16(ip + 2);
    f.resize(l2.payload + total);  // drop Ethernet padding
    ip = f.data() + l2.payload;
    std::memcpy(ip + 12, echo.dst.b, 4);
    std::memcpy(ip + 16, echo.src.b, 4);
    ip[8] = 64;
    storeBe16(ip + 10, 0);
    storeBe16(ip + 10, dp::csumFinish(dp::csumAdd(0, ip, ihl)));
    uint8_t* icmp = ip + ihl;
    icmp[0] = 0;  // echo reply
    storeBe16(icmp + 2, 0);
    storeBe16(icmp + 2, dp::csumFinish(dp::csumAdd(0, icmp, total - ihl)));
  } else {
    const std::size_t len = loadBe16(ip + 4);
    f.resize(l2.payload + kIpv6Header + len);
    ip = f.data() + l2.payload;
    std::memcpy(ip + 8, echo.dst.b, 16);
    std::memcpy(ip + 24, echo.src.b, 16);
    ip[7] = 64;
    uint8_t* icmp = ip + kIpv6Header;
    icmp[0] = 129;  // echo reply
    storeBe16(icmp + 2, 0);
    storeBe16(icmp + 2, icmpv6Checksum(ip + 8, ip + 24, icmp, len));
  }
  return f;
}

}  // namespace sluice::neighbours
