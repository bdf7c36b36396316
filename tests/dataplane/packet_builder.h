// Builds frames for tests with every checksum computed in full (not
// incrementally), and verifies checksums of frames the data plane rewrote.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dataplane/flow.h"
#include "dataplane/parse.h"

namespace sluice::dp::testing {

struct Endpoint {
  std::string addr;  // "10.0.0.1" or "fd00::1"
  uint16_t port = 0;
};

// Parses a textual IPv4/IPv6 address; throws std::invalid_argument on a
// typo (which fails the test, or stops a benchmark). Needs no GoogleTest,
// so the micro-benchmarks (perf/) link it too.
IpAddr ip(const std::string& text);

// The same address with its family, as tables and schedulers hold it.
wire::IpAddress address(const std::string& text);

struct FrameSpec {
  Endpoint src;
  Endpoint dst;
  uint8_t proto = 6;         // TCP
  uint8_t tcpFlags = 0x02;   // SYN
  uint8_t ttl = 64;
  std::vector<uint8_t> payload = {'h', 'e', 'l', 'l', 'o'};
  bool vlan = false;
  uint16_t vlanTci = 0;
  std::vector<uint8_t> ipv4Options;  // multiple of 4 bytes
  bool ipv6HopByHop = false;          // add an 8-byte hop-by-hop header
  uint16_t udpChecksumZero = false;   // IPv4 UDP without checksum
  uint32_t seq = 1000;                // TCP sequence and acknowledgement numbers
  uint32_t ack = 0;
  std::vector<uint8_t> tcpOptions;    // multiple of 4 bytes
};

// A complete Ethernet frame for the spec (v4/v6 chosen by the addresses).
std::vector<uint8_t> buildFrame(const FrameSpec& spec);

// An ICMP (v4) or ICMPv6 error of `type`/`code` from `from` to `to` quoting
// `quoted` (an IP datagram, i.e. a frame without its Ethernet header).
std::vector<uint8_t> buildIcmpError(const std::string& from, const std::string& to, uint8_t type, uint8_t code,
                                    const std::vector<uint8_t>& quotedFrame);

// Recomputes every checksum of a frame from scratch and compares: the IPv4
// header, the L4 (TCP/UDP/ICMP/ICMPv6/SCTP), and for ICMP errors the quoted
// IPv4 header. Returns an empty string when all match, else what differs.
std::string checkChecksums(const std::vector<uint8_t>& frame);

// The frame's IP datagram cut into fragments of at most `chunk` data bytes
// (a multiple of 8), in order: IPv4 with MF and offsets, IPv6 with a
// Fragment header after the fixed one (a frame without extension headers).
// `id`: the identification. Untagged frames only.
std::vector<std::vector<uint8_t>> fragmentFrame(const std::vector<uint8_t>& frame, uint32_t chunk, uint32_t id);

// The fragments' datagram put back together (any order, no overlaps): one
// frame with the first fragment's Ethernet and IP header, or an empty
// vector when a piece is missing.
std::vector<uint8_t> reassembleFrames(const std::vector<std::vector<uint8_t>>& fragments);

// parsePacket over a whole built frame.
inline ParsedPacket parseFrame(const std::vector<uint8_t>& f) {
  return parsePacket(f.data(), static_cast<uint32_t>(f.size()));
}

}  // namespace sluice::dp::testing
