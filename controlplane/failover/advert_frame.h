// VRRP adverts as Ethernet frames: the IPv4 or IPv6 header around an encoded
// advert (or AH + advert) on the way out, and on the way in the header
// fields vrrp/receive.h checks. Pure byte work, no DPDK, no sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dataplane/forwarding_table.h"
#include "vrrp/ip_checks.h"

namespace sluice::failover {

using Frame = std::vector<uint8_t>;

struct AdvertHeader {
  dp::MacAddr srcMac;
  dp::MacAddr dstMac;
  wire::IpAddress source;       // its family is the frame's
  wire::IpAddress destination;
  uint8_t protocol = vrrp::kProtocolVrrp;  // or kProtocolAh (IPv4)
  uint16_t id = 0;              // IPv4 identification
  // What keepalived sends adverts with; connection sync (UDP) sets its own.
  uint8_t ttl = vrrp::kRequiredTtl;
  uint8_t tos = 0xc0;           // IPv4 TOS, IPv6 traffic class
};

// The IPv4 header keepalived sends (TOS 0xc0, TTL 255, no fragment
// flags) or the IPv6 one (traffic class 0xc0, hop limit 255), then
// `payload`; padded to the Ethernet minimum. Other IP frames the control
// plane sends (connection sync) set protocol, ttl and tos.
Frame advertFrame(const AdvertHeader& header, std::span<const uint8_t> payload);

struct ReceivedFrame {
  vrrp::ReceivedIpHeader ip;
  std::span<const uint8_t> payload;  // the IP payload, Ethernet padding cut
};

// The IP header and payload of a VRRP (protocol 112) or AH (51) packet in
// an Ethernet frame with or without one 802.1Q tag; nullopt for any other
// frame (so the caller hands it to ARP/ND instead). IPv6 extension headers
// are not followed: keepalived sends none.
std::optional<ReceivedFrame> parseAdvertFrame(std::span<const uint8_t> frame);

// The same for an IP packet of any protocol (unfragmented).
std::optional<ReceivedFrame> parseIpFrame(std::span<const uint8_t> frame);

// The Ethernet group address of an IPv4 (01:00:5e) or IPv6 (33:33)
// multicast address.
dp::MacAddr multicastMac(const wire::IpAddress& group);

// The EUI-64 link-local address of a MAC (fe80::/64), which VRRPv3 over
// IPv6 sends from, as the kernel forms it for the same interface.
wire::IpAddress linkLocalOf(const dp::MacAddr& mac);

}  // namespace sluice::failover
