// The frames the control plane reads and writes for neighbour discovery
// and for answering pings: ARP, IPv6 neighbour solicitation and
// advertisement, ICMP and ICMPv6 echo. Pure byte work, no DPDK; an
// optional 802.1Q tag is kept from request to reply.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "dataplane/flow.h"
#include "dataplane/forwarding_table.h"

namespace sluice::neighbours {

using Frame = std::vector<uint8_t>;

// An Ethernet header as read: addresses, the optional tag and where the
// payload starts.
struct L2 {
  dp::MacAddr dst;
  dp::MacAddr src;
  std::optional<uint16_t> vlanTci;
  uint16_t etherType = 0;
  std::size_t payload = 0;
};
std::optional<L2> parseL2(std::span<const uint8_t> frame);

struct Arp {
  uint16_t op = 0;  // 1 request, 2 reply
  dp::MacAddr senderMac;
  dp::IpAddr senderIp{};
  dp::IpAddr targetIp{};
};
std::optional<Arp> parseArp(std::span<const uint8_t> frame, const L2& l2);

// What a neighbour discovery message tells: NS (135) names the target it
// asks for and the asker's link address; NA (136) the target's.
struct NdMessage {
  uint8_t type = 0;
  dp::IpAddr src{};
  dp::IpAddr dst{};
  dp::IpAddr target{};
  std::optional<dp::MacAddr> linkAddr;  // source (NS) or target (NA) link-layer option
};
// Accepts only valid ND: hop limit 255, ICMPv6 code 0, correct checksum.
std::optional<NdMessage> parseNd(std::span<const uint8_t> frame, const L2& l2);

// An ICMP or ICMPv6 echo request to answer.
struct EchoRequest {
  bool v6 = false;
  dp::IpAddr src{};
  dp::IpAddr dst{};
};
std::optional<EchoRequest> parseEchoRequest(std::span<const uint8_t> frame, const L2& l2);

Frame arpReply(const L2& request, const Arp& arp, const dp::MacAddr& ourMac);
Frame arpRequest(const dp::MacAddr& ourMac, const dp::IpAddr& ourIp, const dp::IpAddr& target);
// A gratuitous ARP announcing ip at mac (a request for itself, to broadcast).
Frame gratuitousArp(const dp::MacAddr& mac, const dp::IpAddr& ip);

Frame neighbourAdvert(const L2& request, const NdMessage& ns, const dp::MacAddr& ourMac);
// An unsolicited neighbour advertisement announcing ip at mac to all nodes
// (the IPv6 counterpart of a gratuitous ARP, with the override flag).
Frame unsolicitedNeighbourAdvert(const dp::MacAddr& mac, const dp::IpAddr& ip);
// ourIp unspecified (::): an anonymous solicitation, without the source
// link-layer option; the target answers to all nodes.
Frame neighbourSolicit(const dp::MacAddr& ourMac, const dp::IpAddr& ourIp, const dp::IpAddr& target);

// The request turned into its reply in place of a copy: addresses swapped,
// type changed, checksums fixed.
Frame echoReply(std::span<const uint8_t> request, const L2& l2, const EchoRequest& echo);

}  // namespace sluice::neighbours
