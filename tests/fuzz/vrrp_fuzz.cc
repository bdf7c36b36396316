// Fuzz target: the VRRP receive path (vrrp/receive.h receiveAdvert: IP
// header checks, AH with replay, decoding, instance checks), the decoder
// alone (vrrp/packet.h decodeAdvert) and, from a whole Ethernet frame as the
// daemon's driver takes it off the exception ring, parseAdvertFrame
// (controlplane/failover/advert_frame.h) before both. Neither may read outside the payload
// (AddressSanitizer sees to that: the payload is a buffer of its exact
// size); an advert that decodes re-encodes to one that decodes the same.
//
// Input: [flags][ttl][protocol][vrid][id: 2 bytes][source][destination]
// [payload...]; source and destination are 4 bytes (IPv4) or 16 (IPv6,
// flags bit 0). flags bit 1: the instance uses AH; bit 2: unicast; bit 3:
// VRRPv3; bit 4: skip the address checks; bit 5: PASS; bit 6: the IPv4
// total length claims 4 bytes more than were received. With bit 7 set the
// input is [flags][unused][unused][vrid][frame...] instead: an Ethernet
// frame, taken apart by parseAdvertFrame.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "controlplane/failover/advert_frame.h"
#include "vrrp/auth_key.h"
#include "vrrp/packet.h"
#include "vrrp/receive.h"

namespace {

using namespace sluice::vrrp;
namespace wire = sluice::wire;

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "vrrp_fuzz: %s\n", what);
  std::abort();
}

wire::IpAddress address(const uint8_t* p, bool v6) {
  wire::IpAddress a;
  a.family = v6 ? wire::IpFamily::kV6 : wire::IpFamily::kV4;
  std::copy(p, p + (v6 ? 16 : 4), a.bytes.begin());
  return a;
}

// decode(encode(decoded)) gives the same fields back.
void roundTrip(const Advert& a, const wire::IpAddress& source, const wire::IpAddress& destination) {
  if (a.authType == AuthType::kAh) return;  // AH is its own header, outside the message
  // VRRPv2 over IPv6 carries an auth type but no auth data: decoded as sent
  // (keepalived then counts authtype_mismatch), never sent by us.
  if (a.authType != AuthType::kNone && !hasAuthData(a.version, a.family)) return;
  std::vector<wire::IpAddress> addresses;
  for (std::size_t i = 0; i < a.addressCount; ++i) addresses.push_back(a.address(i));
  AdvertFields f{.version = a.version, .vrid = a.vrid, .priority = a.priority,
                 .advertIntervalCs = a.advertIntervalCs, .family = a.family, .addresses = addresses,
                 .authType = a.authType, .source = source, .destination = destination};
  if (a.authData.size() == kAuthDataSize) std::copy(a.authData.begin(), a.authData.end(), f.password.begin());
  std::vector<uint8_t> out(advertSize(a.version, a.family, a.addressCount));
  const auto size = encodeAdvert(f, out);
  if (!size.ok()) {
    // A decoded VRRPv2 interval of 0 s or a v3 one of 0 cs is not sendable.
    if (size.error() == EncodeError::kBadInterval && a.advertIntervalCs == 0) return;
    broken("a decoded advert does not encode");
  }
  const auto again = decodeAdvert(std::span<const uint8_t>(out.data(), size.value()), source, destination);
  if (!again.ok()) broken("a re-encoded advert does not decode");
  if (again->vrid != a.vrid || again->priority != a.priority || again->addressCount != a.addressCount ||
      again->advertIntervalCs != a.advertIntervalCs || again->version != a.version || again->authType != a.authType ||
      !std::equal(again->addressBytes.begin(), again->addressBytes.end(), a.addressBytes.begin(),
                  a.addressBytes.end())) {
    broken("a re-encoded advert decodes differently");
  }
}

ReceiveExpectations expectations(uint8_t flags, uint8_t vrid, const std::vector<wire::IpAddress>& vips) {
  ReceiveExpectations expected;
  expected.ip.unicast = flags & 4;
  expected.ip.ah = flags & 2;
  expected.instance.version = (flags & 8) ? Version::kV3 : Version::kV2;
  expected.instance.vrid = vrid;
  expected.instance.authType = (flags & 2) ? AuthType::kAh : (flags & 0x20) ? AuthType::kPass : AuthType::kNone;
  expected.instance.password = authKeyFromPassword("passw123");
  expected.instance.addresses = vips;
  expected.instance.checkAddresses = !(flags & 0x10);
  return expected;
}

// The frame path: parseAdvertFrame, then the receive path on what it gives.
void frameInput(const uint8_t* data, size_t size) {
  const std::size_t len = size - 4;
  std::unique_ptr<uint8_t[]> frame(new uint8_t[len == 0 ? 1 : len]);
  std::copy(data + 4, data + size, frame.get());
  const auto received = sluice::failover::parseAdvertFrame(std::span<const uint8_t>(frame.get(), len));
  if (!received) return;
  const uint8_t* begin = frame.get();
  if (received->payload.data() < begin || received->payload.data() + received->payload.size() > begin + len) {
    broken("the payload of a parsed frame lies outside the frame");
  }
  const std::vector<wire::IpAddress> vips = {wire::IpAddress::v4(10, 0, 0, 1), wire::IpAddress::v4(10, 0, 0, 2)};
  AhSequence sequence;
  const auto advert = receiveAdvert(received->ip, received->payload, expectations(data[0], data[3], vips), &sequence);
  if (advert.ok() && advert->vrid != data[3]) broken("an advert for another VRID was accepted");
  const auto decoded = decodeAdvert(received->payload, received->ip.source, received->ip.destination);
  if (decoded.ok()) roundTrip(decoded.value(), received->ip.source, received->ip.destination);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 6) return 0;
  const uint8_t flags = data[0];
  if (flags & 0x80) {
    frameInput(data, size);
    return 0;
  }
  const bool v6 = flags & 1;
  const std::size_t addrLen = v6 ? 16 : 4;
  if (size < 6 + 2 * addrLen) return 0;
  const wire::IpAddress source = address(data + 6, v6);
  const wire::IpAddress destination = address(data + 6 + addrLen, v6);
  const std::size_t start = 6 + 2 * addrLen;
  // The payload in a buffer of its own exact size.
  const std::size_t len = size - start;
  std::unique_ptr<uint8_t[]> payload(new uint8_t[len == 0 ? 1 : len]);
  std::copy(data + start, data + size, payload.get());
  const std::span<const uint8_t> message(payload.get(), len);

  ReceivedIpHeader header;
  header.family = v6 ? wire::IpFamily::kV6 : wire::IpFamily::kV4;
  header.ttl = data[1];
  header.protocol = data[2];
  header.source = source;
  header.destination = destination;
  if (!v6) {
    header.receivedLength = 20 + len;
    header.totalLength = static_cast<uint16_t>(header.receivedLength + ((flags & 0x40) ? 4 : 0));
    header.id = static_cast<uint16_t>(data[4] << 8 | data[5]);
  }

  const std::vector<wire::IpAddress> vips = v6 ? std::vector<wire::IpAddress>{address(data + 6 + addrLen, true)}
                                         : std::vector<wire::IpAddress>{wire::IpAddress::v4(10, 0, 0, 1), wire::IpAddress::v4(10, 0, 0, 2)};
  AhSequence sequence;
  const auto received = receiveAdvert(header, message, expectations(flags, data[3], vips), &sequence);
  if (received.ok() && received->vrid != data[3]) broken("an advert for another VRID was accepted");

  const auto decoded = decodeAdvert(message, source, destination);
  if (decoded.ok()) {
    if (decoded->addressBytes.size() != std::size_t{decoded->addressCount} * addrLen) broken("address span size");
    roundTrip(decoded.value(), source, destination);
  }
  return 0;
}
