#include "controlplane/tables/keys.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace sluice::tables {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

std::string addressText(const dp::IpAddr& a, bool v6) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, a.b, buf, sizeof buf);
  return buf;
}

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

std::string serviceKey(const config::VirtualServer& vs) {
  switch (vs.kind) {
    case config::VirtualServerKind::kFwmark:
      return "fwmark-" + std::to_string(vs.fwmark);
    case config::VirtualServerKind::kGroup:
      return "group-" + vs.group;
    case config::VirtualServerKind::kAddress:
      break;
  }
  return lower(config::toString(vs.protocol)) + "-" + vs.address.toString() + "-" + std::to_string(vs.port);
}

std::string serverKey(const config::IpAddress& address, uint16_t port) {
  return address.toString() + "-" + std::to_string(port);
}

std::string serviceKey(const dp::Service& s) {
  if (s.byMark) return "fwmark-" + std::to_string(s.mark);
  return lower(protocolText(s.proto)) + "-" + addressText(s.vip, s.v6) + "-" + std::to_string(s.port);
}

std::string serverKey(const dp::RealServer& rs) { return addressText(rs.addr, rs.v6) + "-" + std::to_string(rs.port); }

}  // namespace sluice::tables
