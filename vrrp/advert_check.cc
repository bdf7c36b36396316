#include "vrrp/advert_check.h"

#include <algorithm>

namespace sluice::vrrp {
namespace {

// Compares all 8 bytes whatever differs first, as keepalived does
// (memcmp_constant_time), so the time taken tells nothing of the password.
bool sameAuthData(std::span<const uint8_t> received, const AuthKey& key) {
  if (received.size() != key.size()) return false;
  uint8_t diff = 0;
  for (std::size_t i = 0; i < key.size(); ++i) diff |= static_cast<uint8_t>(received[i] ^ key[i]);
  return diff == 0;
}

std::optional<DecodeError> checkV2Auth(const Advert& advert, const InstanceExpectations& expected) {
  if (advert.authType != expected.authType) return DecodeError::kAuthTypeMismatch;
  if (advert.authType == AuthType::kPass && !sameAuthData(advert.authData, expected.password)) {
    return DecodeError::kAuthFailure;
  }
  if (advert.advertIntervalCs != expected.advertIntervalCs) return DecodeError::kAdvertIntervalMismatch;
  return std::nullopt;
}

bool carries(const Advert& advert, const wire::IpAddress& wanted) {
  for (std::size_t i = 0; i < advert.addressCount; ++i) {
    if (advert.address(i) == wanted) return true;
  }
  return false;
}

std::optional<DecodeError> checkAddresses(const Advert& advert, const InstanceExpectations& expected) {
  if (advert.addressCount != expected.addresses.size()) return DecodeError::kAddressCountMismatch;
  const auto present = [&](const wire::IpAddress& a) { return carries(advert, a); };
  if (!std::all_of(expected.addresses.begin(), expected.addresses.end(), present)) {
    return DecodeError::kAddressMismatch;
  }
  return std::nullopt;
}

}  // namespace

std::optional<DecodeError> checkAdvert(const Advert& advert, const InstanceExpectations& expected) {
  if (advert.version != expected.version) return DecodeError::kBadVersion;
  if (advert.vrid != expected.vrid) return DecodeError::kVridMismatch;
  if (advert.version == Version::kV2) {
    if (const auto error = checkV2Auth(advert, expected)) return error;
  }
  if (expected.checkAddresses) return checkAddresses(advert, expected);
  return std::nullopt;
}

}  // namespace sluice::vrrp
