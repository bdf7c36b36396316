#include "bfd/packet.h"

namespace sluice::bfd {
namespace {

constexpr uint8_t kPoll = 0x20, kFinal = 0x10, kCpi = 0x08, kAuth = 0x04, kDemand = 0x02, kMultipoint = 0x01;

void put32(uint8_t* at, uint32_t v) {
  at[0] = static_cast<uint8_t>(v >> 24);
  at[1] = static_cast<uint8_t>(v >> 16);
  at[2] = static_cast<uint8_t>(v >> 8);
  at[3] = static_cast<uint8_t>(v);
}

uint32_t get32(const uint8_t* at) {
  return (uint32_t{at[0]} << 24) | (uint32_t{at[1]} << 16) | (uint32_t{at[2]} << 8) | uint32_t{at[3]};
}

}  // namespace

std::array<uint8_t, kPacketSize> encode(const Packet& p) {
  std::array<uint8_t, kPacketSize> b{};
  b[0] = static_cast<uint8_t>((kVersion << 5) | (static_cast<uint8_t>(p.diag) & 0x1f));
  b[1] = static_cast<uint8_t>((static_cast<uint8_t>(p.state) << 6) | (p.poll ? kPoll : 0) | (p.final ? kFinal : 0) |
                              (p.controlPlaneIndependent ? kCpi : 0) | (p.demand ? kDemand : 0));
  b[2] = p.detectMult;
  b[3] = static_cast<uint8_t>(kPacketSize);
  put32(&b[4], p.myDiscriminator);
  put32(&b[8], p.yourDiscriminator);
  put32(&b[12], p.desiredMinTxUs);
  put32(&b[16], p.requiredMinRxUs);
  put32(&b[20], p.requiredMinEchoRxUs);
  return b;
}

DecodeResult decode(std::span<const uint8_t> b) {
  if (b.size() < kPacketSize) return DecodeError::kTooShort;
  if ((b[0] >> 5) != kVersion) return DecodeError::kBadVersion;
  const uint8_t flags = b[1];
  // With authentication the minimum is 26; without, 24 (RFC 5880 6.8.6).
  if (b[3] < ((flags & kAuth) ? kPacketSize + 2 : kPacketSize)) return DecodeError::kLengthTooSmall;
  if (b[3] > b.size()) return DecodeError::kLengthBeyondPayload;
  Packet p;
  p.detectMult = b[2];
  if (p.detectMult == 0) return DecodeError::kDetectMultZero;
  if (flags & kMultipoint) return DecodeError::kMultipoint;
  p.myDiscriminator = get32(&b[4]);
  p.yourDiscriminator = get32(&b[8]);
  if (p.myDiscriminator == 0) return DecodeError::kMyDiscriminatorZero;
  p.state = static_cast<State>(flags >> 6);
  if (p.yourDiscriminator == 0 && p.state != State::kDown && p.state != State::kAdminDown) {
    return DecodeError::kYourDiscriminatorZero;
  }
  if (flags & kAuth) return DecodeError::kAuthentication;
  p.poll = (flags & kPoll) != 0;
  p.final = (flags & kFinal) != 0;
  if (p.poll && p.final) return DecodeError::kPollAndFinal;
  const uint8_t diag = b[0] & 0x1f;
  if (diag > static_cast<uint8_t>(Diag::kReverseConcatenatedPathDown)) return DecodeError::kBadDiag;
  p.diag = static_cast<Diag>(diag);
  p.controlPlaneIndependent = (flags & kCpi) != 0;
  p.demand = (flags & kDemand) != 0;
  p.desiredMinTxUs = get32(&b[12]);
  p.requiredMinRxUs = get32(&b[16]);
  p.requiredMinEchoRxUs = get32(&b[20]);
  return p;
}

std::string_view toString(DecodeError e) {
  switch (e) {
    case DecodeError::kTooShort: return "too_short";
    case DecodeError::kBadVersion: return "bad_version";
    case DecodeError::kLengthTooSmall: return "length_too_small";
    case DecodeError::kLengthBeyondPayload: return "length_beyond_payload";
    case DecodeError::kDetectMultZero: return "detect_mult_zero";
    case DecodeError::kMultipoint: return "multipoint";
    case DecodeError::kMyDiscriminatorZero: return "my_discriminator_zero";
    case DecodeError::kYourDiscriminatorZero: return "your_discriminator_zero";
    case DecodeError::kAuthentication: return "authentication";
    case DecodeError::kPollAndFinal: return "poll_and_final";
    case DecodeError::kBadDiag: return "bad_diag";
  }
  return "unknown";
}

std::string_view toString(State s) {
  switch (s) {
    case State::kAdminDown: return "AdminDown";
    case State::kDown: return "Down";
    case State::kInit: return "Init";
    case State::kUp: return "Up";
  }
  return "Unknown";
}

std::string_view toString(Diag d) {
  switch (d) {
    case Diag::kNone: return "No Diagnostic";
    case Diag::kExpired: return "Control Detection Time Expired";
    case Diag::kEchoFailed: return "Echo Function Failed";
    case Diag::kNeighborDown: return "Neighbor Signaled Session Down";
    case Diag::kForwardingReset: return "Forwarding Plane Reset";
    case Diag::kPathDown: return "Path Down";
    case Diag::kConcatenatedPathDown: return "Concatenated Path Down";
    case Diag::kAdminDown: return "Administratively Down";
    case Diag::kReverseConcatenatedPathDown: return "Reverse Concatenated Path Down";
  }
  return "Unknown";
}

}  // namespace sluice::bfd
