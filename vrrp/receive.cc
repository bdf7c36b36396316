#include "vrrp/receive.h"

#include "vrrp/ipsec_ah.h"

namespace sluice::vrrp {
namespace {

// Authenticates an AH payload and returns the VRRP message inside. The TTL
// is outside the ICV exactly when the instance has unicast peers.
Result<std::span<const uint8_t>, DecodeError> unwrapAh(const ReceivedIpHeader& header,
                                                       std::span<const uint8_t> payload,
                                                       const ReceiveExpectations& expected, AhSequence* sequence) {
  const Ipv4Header ip{.source = header.source, .destination = header.destination, .id = header.id,
                      .ttl = header.ttl, .options = header.options};
  auto verified = verifyAh(ip, payload, expected.instance.password, expected.ip.unicast);
  if (!verified) return verified.error();
  if (sequence && !sequence->accept(verified->sequence)) return DecodeError::kAhReplay;
  return verified->vrrp;
}

}  // namespace

Result<Advert, DecodeError> receiveAdvert(const ReceivedIpHeader& header, std::span<const uint8_t> payload,
                                          const ReceiveExpectations& expected, AhSequence* sequence) {
  if (const auto error = checkIpHeader(header, expected.ip)) return *error;
  std::span<const uint8_t> message = payload;
  if (header.protocol == kProtocolAh) {
    auto inner = unwrapAh(header, payload, expected, sequence);
    if (!inner) return inner.error();
    message = inner.value();
  }
  auto advert = decodeAdvert(message, header.source, header.destination);
  if (!advert) return advert.error();
  if (const auto error = checkAdvert(advert.value(), expected.instance)) return *error;
  return advert;
}

}  // namespace sluice::vrrp
