#include "controlplane/tables/keys.h"

#include <span>

#include "controlplane/config/keys.h"

namespace sluice::tables {
namespace {

// The address type of the model, whose text is the API's.
wire::IpAddress modelAddress(const dp::IpAddr& a, bool v6) {
  return wire::IpAddress::fromBytes(std::span<const uint8_t>(a.b, v6 ? 16 : 4));
}

}  // namespace

std::string addressText(const dp::IpAddr& a, bool v6) { return config::toString(modelAddress(a, v6)); }

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
