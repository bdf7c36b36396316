#include "controlplane/tables/keys.h"

#include <algorithm>
#include <array>

#include "controlplane/config/keys.h"

namespace sluice::tables {
namespace {

// The config model's form of a snapshot address, whose text is the API's.
config::IpAddress configAddress(const dp::IpAddr& a, bool v6) {
  if (!v6) return config::IpAddress::fromV4(a.v4());
  std::array<uint8_t, 16> bytes{};
  std::copy(std::begin(a.b), std::end(a.b), bytes.begin());
  return config::IpAddress::fromV6(bytes);
}

}  // namespace

std::string addressText(const dp::IpAddr& a, bool v6) { return configAddress(a, v6).toString(); }

std::string protocolText(uint8_t proto) {
  switch (proto) {
    case dp::kProtoTcp:
      return "TCP";
    case dp::kProtoUdp:
      return "UDP";
    case dp::kProtoSctp:
      return "SCTP";
    default:
      return std::to_string(proto);
  }
}

std::string serviceKey(const dp::Service& s) {
  if (s.byMark) return config::fwmarkServiceKey(s.mark);
  return config::serviceKey(protocolText(s.proto), configAddress(s.vip, s.v6), s.port);
}

std::string serverKey(const dp::RealServer& rs) { return config::serverKey(configAddress(rs.addr, rs.v6), rs.port); }

}  // namespace sluice::tables
