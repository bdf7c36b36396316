#include "controlplane/failover/advert_frame.h"

#include <algorithm>
#include <cstring>

#include "wire/bytes.h"
#include "wire/checksum.h"

namespace sluice::failover {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86DD;
constexpr uint16_t kEtherVlan = 0x8100;
constexpr std::size_t kEthHeader = 14;
constexpr std::size_t kIpv4Header = 20;
constexpr std::size_t kIpv6Header = 40;
constexpr std::size_t kEthMinimum = 60;  // without the FCS

void putIpv4(uint8_t* p, const AdvertHeader& h, std::size_t payloadSize) {
  p[0] = 0x45;
  p[1] = h.tos;
  wire::storeBe16(p + 2, static_cast<uint16_t>(kIpv4Header + payloadSize));
  wire::storeBe16(p + 4, h.id);
  p[8] = h.ttl;
  p[9] = h.protocol;
  std::memcpy(p + 12, h.source.bytes.data(), 4);
  std::memcpy(p + 16, h.destination.bytes.data(), 4);
  wire::storeBe16(p + 10, wire::csumFinish(wire::csumAdd(0, p, kIpv4Header)));
}

void putIpv6(uint8_t* p, const AdvertHeader& h, std::size_t payloadSize) {
  // version 6, traffic class 0xc0, no flow label
  p[0] = static_cast<uint8_t>(0x60 | (h.tos >> 4));
  p[1] = static_cast<uint8_t>((h.tos & 0x0f) << 4);
  wire::storeBe16(p + 4, static_cast<uint16_t>(payloadSize));
  p[6] = h.protocol;
  p[7] = h.ttl;
  std::memcpy(p + 8, h.source.bytes.data(), 16);
  std::memcpy(p + 24, h.destination.bytes.data(), 16);
}

std::optional<ReceivedFrame> parseIpv4(std::span<const uint8_t> ip) {
  if (ip.size() < kIpv4Header || (ip[0] >> 4) != 4) return std::nullopt;
  const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
  const uint8_t protocol = ip[9];
  if (ihl < kIpv4Header || ip.size() < ihl) return std::nullopt;
  if ((wire::loadBe16(ip.data() + 6) & 0x3fff) != 0) return std::nullopt;  // a fragment
  ReceivedFrame r;
  r.ip.family = wire::IpFamily::kV4;
  r.ip.ttl = ip[8];
  r.ip.protocol = protocol;
  r.ip.source = wire::IpAddress::fromBytes(ip.subspan(12, 4));
  r.ip.destination = wire::IpAddress::fromBytes(ip.subspan(16, 4));
  r.ip.totalLength = wire::loadBe16(ip.data() + 2);
  r.ip.id = wire::loadBe16(ip.data() + 4);
  r.ip.options = ip.subspan(kIpv4Header, ihl - kIpv4Header);
  // Ethernet pads short frames: what counts as received ends at the total
  // length when the frame holds it (a shorter frame is a length error).
  r.ip.receivedLength = std::min<std::size_t>(ip.size(), r.ip.totalLength);
  if (r.ip.totalLength < ihl) return std::nullopt;
  r.payload = ip.subspan(ihl, r.ip.receivedLength - ihl);
  return r;
}

std::optional<ReceivedFrame> parseIpv6(std::span<const uint8_t> ip) {
  if (ip.size() < kIpv6Header || (ip[0] >> 4) != 6) return std::nullopt;
  const uint8_t next = ip[6];
  const std::size_t length = std::min<std::size_t>(wire::loadBe16(ip.data() + 4), ip.size() - kIpv6Header);
  ReceivedFrame r;
  r.ip.family = wire::IpFamily::kV6;
  r.ip.ttl = ip[7];
  r.ip.protocol = next;
  r.ip.source = wire::IpAddress::fromBytes(ip.subspan(8, 16));
  r.ip.destination = wire::IpAddress::fromBytes(ip.subspan(24, 16));
  r.ip.receivedLength = kIpv6Header + length;
  r.payload = ip.subspan(kIpv6Header, length);
  return r;
}

}  // namespace

Frame advertFrame(const AdvertHeader& h, std::span<const uint8_t> payload) {
  const bool v4 = h.source.family == wire::IpFamily::kV4;
  const std::size_t ipHeader = v4 ? kIpv4Header : kIpv6Header;
  Frame f(std::max(kEthHeader + ipHeader + payload.size(), kEthMinimum), 0);
  std::memcpy(f.data(), h.dstMac.b.data(), 6);
  std::memcpy(f.data() + 6, h.srcMac.b.data(), 6);
  wire::storeBe16(f.data() + 12, v4 ? kEtherIpv4 : kEtherIpv6);
  if (v4) {
    putIpv4(f.data() + kEthHeader, h, payload.size());
  } else {
    putIpv6(f.data() + kEthHeader, h, payload.size());
  }
  std::copy(payload.begin(), payload.end(), f.begin() + static_cast<std::ptrdiff_t>(kEthHeader + ipHeader));
  return f;
}

std::optional<ReceivedFrame> parseAdvertFrame(std::span<const uint8_t> frame) {
  std::optional<ReceivedFrame> r = parseIpFrame(frame);
  if (r && r->ip.protocol != vrrp::kProtocolVrrp && r->ip.protocol != vrrp::kProtocolAh) return std::nullopt;
  return r;
}

std::optional<ReceivedFrame> parseIpFrame(std::span<const uint8_t> frame) {
  if (frame.size() < kEthHeader) return std::nullopt;
  std::size_t at = 12;
  uint16_t type = wire::loadBe16(frame.data() + at);
  if (type == kEtherVlan) {
    if (frame.size() < kEthHeader + 4) return std::nullopt;
    at += 4;
    type = wire::loadBe16(frame.data() + at);
  }
  const std::span<const uint8_t> ip = frame.subspan(at + 2);
  if (type == kEtherIpv4) return parseIpv4(ip);
  if (type == kEtherIpv6) return parseIpv6(ip);
  return std::nullopt;
}

dp::MacAddr multicastMac(const wire::IpAddress& group) {
  const auto& b = group.bytes;
  if (group.family == wire::IpFamily::kV4) {
    return dp::MacAddr{{0x01, 0x00, 0x5e, static_cast<uint8_t>(b[1] & 0x7f), b[2], b[3]}};
  }
  return dp::MacAddr{{0x33, 0x33, b[12], b[13], b[14], b[15]}};
}

wire::IpAddress linkLocalOf(const dp::MacAddr& mac) {
  wire::IpAddress a;
  a.family = wire::IpFamily::kV6;
  a.bytes[0] = 0xfe;
  a.bytes[1] = 0x80;
  a.bytes[8] = mac.b[0] ^ 0x02;  // the universal/local bit flipped
  a.bytes[9] = mac.b[1];
  a.bytes[10] = mac.b[2];
  a.bytes[11] = 0xff;
  a.bytes[12] = 0xfe;
  a.bytes[13] = mac.b[3];
  a.bytes[14] = mac.b[4];
  a.bytes[15] = mac.b[5];
  return a;
}

}  // namespace sluice::failover
