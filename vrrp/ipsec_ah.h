// IPsec AH (RFC 2402) around a VRRPv2 advert, the way keepalived's
// `auth_type AH` sends and checks it: HMAC-MD5-96 (RFC 2403) keyed with the
// 8 auth_pass bytes, no SA negotiation, the SPI set to the sender's address.
//
// The IPv4 datagram (the caller builds the 20-byte header, options allowed):
//   IPv4 header   protocol 51, total length = header + 24 + VRRP message,
//                 TOS 0xc0, TTL 255, id non-zero and changing per advert
//   AH, 24 bytes:
//     0       next header 112 (VRRP)
//     1       payload length 4: AH length in 32-bit words minus 2 (6 - 2)
//     2..3    reserved, 0
//     4..7    SPI: the IPv4 source address, as in the header
//     8..11   sequence number, big endian (see vrrp/ah_sequence.h)
//     12..23  ICV: the first 12 bytes of HMAC-MD5(key, ICV input)
//   VRRPv2 message with auth type 2 and 8 zero bytes of auth data
//
// ICV input (RFC 2402 3.3.3.1): the IPv4 header with its mutable fields
// zeroed - TOS, flags + fragment offset, header checksum - then the AH
// header with the ICV zeroed, then the VRRP message. RFC 2402 also zeroes
// the TTL; keepalived zeroes it only when it has unicast peers and covers
// the (required) 255 of a multicast advert, so `ttlIsMutable` says which.
// Options are covered as they are, as keepalived does.
#pragma once

#include <cstdint>
#include <span>

#include "vrrp/address.h"
#include "vrrp/auth_key.h"
#include "vrrp/decode_error.h"
#include "vrrp/packet.h"
#include "vrrp/result.h"

namespace sluice::vrrp {

inline constexpr std::size_t kAhHeaderSize = 24;
inline constexpr std::size_t kAhIcvSize = 12;      // HMAC-MD5 truncated to 96 bits
inline constexpr uint8_t kAhPayloadLength = 4;     // (24 / 4) - 2
inline constexpr std::size_t kIpv4HeaderSize = 20; // without options
inline constexpr std::size_t kMaxIpv4Options = 40;

// The IPv4 header fields the ICV covers (the rest are zeroed, or derived:
// version 4, IHL from the options, protocol 51, total length from the sizes).
struct Ipv4Header {
  wire::IpAddress source;       // IPv4
  wire::IpAddress destination;  // IPv4: 224.0.0.18 or the unicast peer
  uint16_t id = 0;
  uint8_t ttl = kRequiredTtl;
  std::span<const uint8_t> options;  // whole 32-bit words, at most 40 bytes
};

// Writes the AH header and `vrrpMessage` (an encoded VRRPv2 advert with auth
// type AH) to the start of `out`, the IP payload of a datagram with header
// `ip`; returns the payload size. Thread-safe.
Result<std::size_t, EncodeError> encodeAh(const Ipv4Header& ip, uint32_t sequence,
                                          std::span<const uint8_t> vrrpMessage, const AuthKey& key,
                                          bool ttlIsMutable, std::span<uint8_t> out);

// An authenticated AH payload: its sequence number (for AhSequence) and the
// VRRP message it carries (a view into the payload).
struct AhPayload {
  uint32_t sequence = 0;
  std::span<const uint8_t> vrrp;
};

// Authenticates an IP payload of protocol 51 received with header `ip`, in
// keepalived's order: next header and length, then the ICV, then the SPI.
// Replay (the sequence number) is AhSequence's. Thread-safe.
Result<AhPayload, DecodeError> verifyAh(const Ipv4Header& ip, std::span<const uint8_t> payload,
                                        const AuthKey& key, bool ttlIsMutable);

}  // namespace sluice::vrrp
