#include "controlplane/connsync/sync_frame.h"

#include <algorithm>

#include "controlplane/failover/advert_frame.h"
#include "wire/bytes.h"
#include "wire/checksum.h"

namespace sluice::connsync {
namespace {

constexpr uint8_t kProtocolUdp = 17;
constexpr std::size_t kUdpHeader = 8;

// The UDP checksum's sum over the pseudo-header and the datagram.
uint32_t udpSum(const wire::IpAddress& source, const wire::IpAddress& destination, std::span<const uint8_t> udp) {
  const std::size_t addressBytes = source.isV6() ? 16 : 4;
  uint32_t sum = wire::csumAdd(0, source.bytes.data(), addressBytes);
  sum = wire::csumAdd(sum, destination.bytes.data(), addressBytes);
  uint8_t tail[4] = {0, kProtocolUdp, 0, 0};
  wire::storeBe16(tail + 2, static_cast<uint16_t>(udp.size()));
  sum = wire::csumAdd(sum, tail, sizeof tail);
  return wire::csumAdd(sum, udp);
}

}  // namespace

Frame syncFrame(const SyncFrameHeader& h, std::span<const uint8_t> payload) {
  std::vector<uint8_t> udp(kUdpHeader + payload.size());
  wire::storeBe16(udp.data(), h.port);
  wire::storeBe16(udp.data() + 2, h.port);
  wire::storeBe16(udp.data() + 4, static_cast<uint16_t>(udp.size()));
  std::copy(payload.begin(), payload.end(), udp.begin() + kUdpHeader);
  uint16_t check = wire::csumFinish(udpSum(h.source, h.group, udp));
  if (check == 0) check = 0xffff;  // 0 means "none" in UDP
  wire::storeBe16(udp.data() + 6, check);
  failover::AdvertHeader ip;
  ip.srcMac = h.srcMac;
  ip.dstMac = failover::multicastMac(h.group);
  ip.source = h.source;
  ip.destination = h.group;
  ip.protocol = kProtocolUdp;
  ip.id = h.id;
  ip.ttl = h.ttl;
  ip.tos = 0;
  return failover::advertFrame(ip, udp);
}

ParsedUdp parseUdpFrame(std::span<const uint8_t> frame) {
  const std::optional<failover::ReceivedFrame> ip = failover::parseIpFrame(frame);
  if (!ip || ip->ip.protocol != kProtocolUdp) return {std::nullopt, UdpRefusal::kNotUdp};
  const std::span<const uint8_t> udp = ip->payload;
  if (udp.size() < kUdpHeader) return {std::nullopt, UdpRefusal::kTruncated};
  const uint16_t length = wire::loadBe16(udp.data() + 4);
  if (length < kUdpHeader || length > udp.size()) return {std::nullopt, UdpRefusal::kTruncated};
  const std::span<const uint8_t> datagram = udp.first(length);
  const bool v6 = ip->ip.family == wire::IpFamily::kV6;
  if ((v6 || wire::loadBe16(udp.data() + 6) != 0) &&
      wire::csumFold(udpSum(ip->ip.source, ip->ip.destination, datagram)) != 0xffff) {
    return {std::nullopt, UdpRefusal::kBadChecksum};
  }
  UdpDatagram d;
  std::copy_n(frame.begin() + 6, 6, d.srcMac.b.begin());
  d.source = ip->ip.source;
  d.destination = ip->ip.destination;
  d.sourcePort = wire::loadBe16(udp.data());
  d.destinationPort = wire::loadBe16(udp.data() + 2);
  d.payload = datagram.subspan(kUdpHeader);
  return {d, UdpRefusal::kNone};
}

}  // namespace sluice::connsync
