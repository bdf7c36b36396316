#include "controlplane/config/keys.h"

#include <algorithm>
#include <cctype>

namespace sluice::config {

std::string serviceKey(const VirtualServer& vs) {
  switch (vs.kind) {
    case VirtualServerKind::kFwmark:
      return fwmarkServiceKey(vs.fwmark);
    case VirtualServerKind::kGroup:
      return "group-" + vs.group;
    case VirtualServerKind::kAddress:
      break;
  }
  return serviceKey(toString(vs.protocol), vs.address, vs.port);
}

std::string serverKey(const wire::IpAddress& address, uint16_t port) {
  return toString(address) + "-" + std::to_string(port);
}

std::string serviceKey(std::string_view protocol, const wire::IpAddress& vip, uint16_t port) {
  std::string name(protocol);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name + "-" + toString(vip) + "-" + std::to_string(port);
}

std::string fwmarkServiceKey(uint32_t mark) { return "fwmark-" + std::to_string(mark); }

}  // namespace sluice::config
