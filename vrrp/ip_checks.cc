#include "vrrp/ip_checks.h"

namespace sluice::vrrp {
namespace {

std::optional<DecodeError> checkProtocol(const ReceivedIpHeader& h, const IpExpectations& expected) {
  if (h.protocol != kProtocolVrrp && h.protocol != kProtocolAh) return DecodeError::kBadProtocol;
  // keepalived: "Received AH header but auth type not AH" and the reverse.
  const bool isAh = h.protocol == kProtocolAh;
  if (isAh != (expected.ah && h.family == wire::IpFamily::kV4)) return DecodeError::kAuthTypeMismatch;
  return std::nullopt;
}

std::optional<DecodeError> checkDestination(const ReceivedIpHeader& h, const IpExpectations& expected) {
  if (expected.unicast) {
    // A multicast advert on a unicast instance belongs to another instance.
    return h.destination.isMulticast() ? std::optional(DecodeError::kBadDestination) : std::nullopt;
  }
  const wire::IpAddress& group = expected.group ? *expected.group : multicastGroup(h.family);
  return h.destination == group ? std::nullopt : std::optional(DecodeError::kBadDestination);
}

}  // namespace

std::optional<DecodeError> checkIpHeader(const ReceivedIpHeader& h, const IpExpectations& expected) {
  if (const auto error = checkProtocol(h, expected)) return error;
  if (h.family == wire::IpFamily::kV4 && h.totalLength != h.receivedLength) return DecodeError::kIpLengthMismatch;
  // RFC 5798 7.1: MUST verify the TTL / hop limit is 255; keepalived skips
  // it for unicast peers, which may be routed.
  if (!expected.unicast && h.ttl != kRequiredTtl) return DecodeError::kBadTtl;
  return checkDestination(h, expected);
}

}  // namespace sluice::vrrp
