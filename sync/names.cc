// The state and protocol names of `ipvsadm -Lnc`, which prints what the
// kernel's /proc/net/ip_vs_conn says (ip_vs_state_name, ip_vs_proto_name).
#include <array>
#include <string>

#include "sync/protocol.h"

namespace sluice::sync {

namespace {

constexpr std::string_view kOutOfRange = "ERR!";

// Indexed by TcpState.
constexpr std::array<std::string_view, kTcpStateCount> kTcpNames = {
    "NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT",
    "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK",
};

// IPVS's SCTP states, NONE .. CLOSED.
constexpr std::array<std::string_view, kSctpStateCount> kSctpNames = {
    "NONE", "INIT1", "INIT", "C-SENT", "C-REPLIED", "C-WAIT", "COOKIE",
    "C-ECHOED", "ESTABLISHED", "S-SENT", "S-RECEIVED", "S-ACK-SENT", "REJECTED", "CLOSED",
};

constexpr std::array<std::string_view, kTemplateStateCount> kTemplateNames = {"NONE", "ASSURED"};

template <std::size_t N>
constexpr std::string_view lookup(const std::array<std::string_view, N>& names, uint16_t state) {
  return state < names.size() ? names[state] : kOutOfRange;
}

}  // namespace

std::string_view tcpStateName(uint16_t state) { return lookup(kTcpNames, state); }

std::string_view stateName(uint8_t protocol, uint16_t state, bool isTemplate) {
  if (isTemplate) return lookup(kTemplateNames, state);
  switch (protocol) {
    case ip_protocol::kTcp: return tcpStateName(state);
    case ip_protocol::kUdp: return state < kUdpStateCount ? std::string_view("UDP") : kOutOfRange;
    case ip_protocol::kSctp: return lookup(kSctpNames, state);
    case ip_protocol::kIp: return "NONE";
    default: return kOutOfRange;  // no names (AH, ESP) or not an IPVS protocol
  }
}

std::string protocolName(uint8_t protocol) {
  switch (protocol) {
    case ip_protocol::kIp: return "IP";
    case ip_protocol::kTcp: return "TCP";
    case ip_protocol::kUdp: return "UDP";
    case ip_protocol::kSctp: return "SCTP";
    case 1: return "ICMP";
    case 58: return "ICMPv6";
    default: return "IP_" + std::to_string(protocol);
  }
}

}  // namespace sluice::sync
