#include "vrrp/packet.h"

#include <algorithm>
#include <array>
#include <optional>

#include "vrrp/bytes.h"
#include "vrrp/checksum.h"

namespace sluice::vrrp {
namespace {

// Byte offsets in the fixed 8-byte header.
constexpr std::size_t kOffVersionType = 0;
constexpr std::size_t kOffVrid = 1;
constexpr std::size_t kOffPriority = 2;
constexpr std::size_t kOffCount = 3;
constexpr std::size_t kOffAuthType = 4;       // VRRPv2
constexpr std::size_t kOffV2Interval = 5;     // VRRPv2, seconds
constexpr std::size_t kOffV3Interval = 4;     // VRRPv3, 16 bits
constexpr std::size_t kOffChecksum = 6;
constexpr uint16_t kV3IntervalMask = 0x0fff;  // the 4 high bits are reserved

std::size_t addressSize(wire::IpFamily family) { return family == wire::IpFamily::kV4 ? 4 : 16; }

// The sum the checksum field must make zero: the message, plus the
// pseudo-header where it is covered.
uint32_t messageSum(Version version, std::span<const uint8_t> message, const wire::IpAddress& source,
                    const wire::IpAddress& destination) {
  uint32_t sum = 0;
  if (checksumCoversPseudoHeader(version, source.family)) {
    sum = pseudoHeaderSum(source, destination, static_cast<uint32_t>(message.size()));
  }
  return csumAdd(sum, message);
}

std::optional<EncodeError> validate(const AdvertFields& f) {
  if (f.addresses.size() > kMaxAddresses) return EncodeError::kTooManyAddresses;
  const auto ofFamily = [&](const wire::IpAddress& a) { return a.family == f.family; };
  if (!std::all_of(f.addresses.begin(), f.addresses.end(), ofFamily)) return EncodeError::kWrongFamily;
  if (checksumCoversPseudoHeader(f.version, f.family) && (!ofFamily(f.source) || !ofFamily(f.destination))) {
    return EncodeError::kWrongFamily;
  }
  if (f.authType != AuthType::kNone && !hasAuthData(f.version, f.family)) return EncodeError::kAuthNotSupported;
  if (f.advertIntervalCs == 0) return EncodeError::kBadInterval;
  if (f.version == Version::kV2 && (f.advertIntervalCs % 100 != 0 || f.advertIntervalCs > kMaxV2IntervalCs)) {
    return EncodeError::kBadInterval;
  }
  if (f.version == Version::kV3 && f.advertIntervalCs > kMaxV3IntervalCs) return EncodeError::kBadInterval;
  return std::nullopt;
}

void writeHeader(const AdvertFields& f, uint8_t* p) {
  p[kOffVersionType] = static_cast<uint8_t>(static_cast<uint8_t>(f.version) << 4 | kTypeAdvertisement);
  p[kOffVrid] = f.vrid;
  p[kOffPriority] = f.priority;
  p[kOffCount] = static_cast<uint8_t>(f.addresses.size());
  if (f.version == Version::kV2) {
    p[kOffAuthType] = static_cast<uint8_t>(f.authType);
    p[kOffV2Interval] = static_cast<uint8_t>(f.advertIntervalCs / 100);
  } else {
    storeBe16(p + kOffV3Interval, f.advertIntervalCs);
  }
  storeBe16(p + kOffChecksum, 0);
}

// The auth data of a VRRPv2 IPv4 advert: the password for PASS, zeros for
// none and for AH (keepalived sends zeros there; AH carries the ICV).
AuthKey authDataFor(const AdvertFields& f) { return f.authType == AuthType::kPass ? f.password : AuthKey{}; }

Result<Advert, DecodeError> parseHeader(std::span<const uint8_t> m, wire::IpFamily family) {
  Advert a;
  const uint8_t version = m[kOffVersionType] >> 4;
  if (version != 2 && version != 3) return DecodeError::kBadVersion;
  if ((m[kOffVersionType] & 0x0f) != kTypeAdvertisement) return DecodeError::kBadType;
  a.version = static_cast<Version>(version);
  a.family = family;
  a.vrid = m[kOffVrid];
  a.priority = m[kOffPriority];
  a.addressCount = m[kOffCount];
  if (a.version == Version::kV2) {
    if (m[kOffAuthType] > static_cast<uint8_t>(AuthType::kAh)) return DecodeError::kInvalidAuthType;
    a.authType = static_cast<AuthType>(m[kOffAuthType]);
    a.advertIntervalCs = static_cast<uint16_t>(m[kOffV2Interval] * 100);
  } else {
    a.advertIntervalCs = loadBe16(&m[kOffV3Interval]) & kV3IntervalMask;
  }
  return a;
}

}  // namespace

bool hasAuthData(Version version, wire::IpFamily family) {
  return version == Version::kV2 && family == wire::IpFamily::kV4;
}

bool checksumCoversPseudoHeader(Version version, wire::IpFamily family) {
  return version == Version::kV3 || family == wire::IpFamily::kV6;
}

std::size_t advertSize(Version version, wire::IpFamily family, std::size_t addressCount) {
  return kHeaderSize + addressCount * addressSize(family) + (hasAuthData(version, family) ? kAuthDataSize : 0);
}

std::string_view encodeErrorName(EncodeError e) {
  constexpr std::array kNames = {
#define SLUICE_VRRP_ENCODE_NAME(name, label) std::string_view(label),
      SLUICE_VRRP_ENCODE_ERRORS(SLUICE_VRRP_ENCODE_NAME)
#undef SLUICE_VRRP_ENCODE_NAME
  };
  return kNames[static_cast<std::size_t>(e)];
}

Result<std::size_t, EncodeError> encodeAdvert(const AdvertFields& f, std::span<uint8_t> out) {
  if (const auto error = validate(f)) return *error;
  const std::size_t size = advertSize(f.version, f.family, f.addresses.size());
  if (out.size() < size) return EncodeError::kBufferTooSmall;

  uint8_t* p = out.data();
  writeHeader(f, p);
  std::size_t at = kHeaderSize;
  for (const wire::IpAddress& a : f.addresses) {
    std::copy_n(a.bytes.begin(), a.size(), p + at);
    at += a.size();
  }
  if (hasAuthData(f.version, f.family)) {
    const AuthKey data = authDataFor(f);
    std::copy(data.begin(), data.end(), p + at);
  }
  const auto message = out.first(size);
  storeBe16(p + kOffChecksum, csumFinish(messageSum(f.version, message, f.source, f.destination)));
  return size;
}

wire::IpAddress Advert::address(std::size_t i) const {
  const std::size_t n = addressSize(family);
  if (i >= addressCount || (i + 1) * n > addressBytes.size()) return {};
  return wire::IpAddress::fromBytes(addressBytes.subspan(i * n, n));
}

Result<Advert, DecodeError> decodeAdvert(std::span<const uint8_t> message, const wire::IpAddress& source,
                                         const wire::IpAddress& destination) {
  if (message.size() < kHeaderSize) return DecodeError::kTooShort;
  auto parsed = parseHeader(message, source.family);
  if (!parsed) return parsed.error();
  Advert& a = parsed.value();

  const std::size_t expected = advertSize(a.version, a.family, a.addressCount);
  if (message.size() < expected) return DecodeError::kTooShort;
  if (message.size() > expected) return DecodeError::kTooLong;
  // A correct checksum makes the whole sum, its own field included, 0xffff.
  if (csumFold(messageSum(a.version, message, source, destination)) != 0xffff) {
    return DecodeError::kBadChecksum;
  }

  const std::size_t addressBytes = a.addressCount * addressSize(a.family);
  a.addressBytes = message.subspan(kHeaderSize, addressBytes);
  if (hasAuthData(a.version, a.family)) a.authData = message.subspan(kHeaderSize + addressBytes, kAuthDataSize);
  return a;
}

}  // namespace sluice::vrrp
