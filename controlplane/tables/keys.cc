#include "controlplane/tables/keys.h"

#include "controlplane/config/keys.h"

namespace sluice::tables {

std::string addressText(const dp::IpAddr& a, bool v6) { return config::toString(a.toWire(v6)); }

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
  return config::serviceKey(protocolText(s.proto), s.vip, s.port);
}

std::string serverKey(const dp::RealServer& rs) { return config::serverKey(rs.addr, rs.port); }

}  // namespace sluice::tables
