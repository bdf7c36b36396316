#include "vrrp/address.h"

#include <algorithm>

namespace sluice::vrrp {

IpAddress IpAddress::fromBytes(std::span<const uint8_t> raw) {
  IpAddress address;
  if (raw.size() == 4 || raw.size() == 16) {
    address.family = raw.size() == 4 ? Family::kIpv4 : Family::kIpv6;
    std::copy(raw.begin(), raw.end(), address.bytes.begin());
  }
  return address;
}

bool IpAddress::isMulticast() const {
  // 224.0.0.0/4 and ff00::/8.
  return family == Family::kIpv4 ? (bytes[0] & 0xf0) == 0xe0 : bytes[0] == 0xff;
}

std::strong_ordering compareAddresses(const IpAddress& a, const IpAddress& b) {
  if (a.family != b.family) return a.family <=> b.family;
  const auto av = a.view();
  const auto bv = b.view();
  return std::lexicographical_compare_three_way(av.begin(), av.end(), bv.begin(), bv.end());
}

}  // namespace sluice::vrrp
