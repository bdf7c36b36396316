// The BFD control packet (RFC 5880 section 4.1) without authentication:
// encoding, and decoding with the receive checks of section 6.8.6 that
// need nothing but the packet. Every refusal has a name. Pure; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

namespace sluice::bfd {

inline constexpr uint16_t kControlPort = 3784;     // RFC 5881: single-hop control packets
inline constexpr uint16_t kSourcePortMin = 49152;  // RFC 5881: the source port range
inline constexpr uint16_t kSourcePortMax = 65535;
inline constexpr uint8_t kVersion = 1;
inline constexpr std::size_t kPacketSize = 24;  // the mandatory section, no authentication

enum class State : uint8_t { kAdminDown = 0, kDown = 1, kInit = 2, kUp = 3 };

// RFC 5880 4.1's diagnostic codes; 9-31 are reserved.
enum class Diag : uint8_t {
  kNone = 0,
  kExpired = 1,
  kEchoFailed = 2,
  kNeighborDown = 3,
  kForwardingReset = 4,
  kPathDown = 5,
  kConcatenatedPathDown = 6,
  kAdminDown = 7,
  kReverseConcatenatedPathDown = 8,
};

struct Packet {
  Diag diag = Diag::kNone;
  State state = State::kDown;
  bool poll = false;
  bool final = false;
  bool controlPlaneIndependent = false;
  bool demand = false;
  uint8_t detectMult = 0;
  uint32_t myDiscriminator = 0;
  uint32_t yourDiscriminator = 0;
  uint32_t desiredMinTxUs = 0;   // microseconds, as on the wire
  uint32_t requiredMinRxUs = 0;
  uint32_t requiredMinEchoRxUs = 0;

  bool operator==(const Packet&) const = default;
};

// Why a received packet is discarded (RFC 5880 6.8.6, in its order).
enum class DecodeError : uint8_t {
  kTooShort,              // fewer bytes than the mandatory section
  kBadVersion,            // not version 1
  kLengthTooSmall,        // length field below 24
  kLengthBeyondPayload,   // length field above the bytes received
  kDetectMultZero,
  kMultipoint,            // M bit set
  kMyDiscriminatorZero,
  kYourDiscriminatorZero, // with a state other than Down or AdminDown
  kAuthentication,        // A bit set: sluice configures no authentication
  kPollAndFinal,          // both P and F (keepalived refuses these too)
  kBadDiag,               // a reserved diagnostic code
};

using DecodeResult = std::variant<Packet, DecodeError>;

std::array<uint8_t, kPacketSize> encode(const Packet& p);
DecodeResult decode(std::span<const uint8_t> bytes);

// Labels: "too_short", ...; states and diagnostics as keepalived logs them
// ("AdminDown", "Down", "Init", "Up"; "No Diagnostic", "Control Detection Time Expired", ...).
std::string_view toString(DecodeError e);
std::string_view toString(State s);
std::string_view toString(Diag d);

}  // namespace sluice::bfd
