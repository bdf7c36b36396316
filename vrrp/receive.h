// The whole receive path of one advert, in keepalived's order: the IP header
// checks, AH authentication and replay (auth_type AH), decoding, then the
// instance checks. The first failure is returned; its name is the counter
// label and keepalivedCounter() the keepalived counter to add to.
#pragma once

#include <span>

#include "vrrp/advert_check.h"
#include "vrrp/ah_sequence.h"
#include "vrrp/ip_checks.h"
#include "vrrp/packet.h"
#include "vrrp/result.h"

namespace sluice::vrrp {

struct ReceiveExpectations {
  IpExpectations ip;
  InstanceExpectations instance;  // instance.password is also the AH key
};

// `payload` is the IP payload (AH + VRRP for protocol 51); the returned
// Advert points into it. `sequence` is the instance's AH counter: an
// authenticated number not above it is a replay (kAhReplay), a new one
// advances it; null skips the replay check. Never throws, never reads
// outside `payload`. Thread-safe apart from `sequence`.
Result<Advert, DecodeError> receiveAdvert(const ReceivedIpHeader& header, std::span<const uint8_t> payload,
                                          const ReceiveExpectations& expected, AhSequence* sequence);

}  // namespace sluice::vrrp
