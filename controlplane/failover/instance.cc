#include "controlplane/failover/instance.h"

#include <stdexcept>

#include "controlplane/failover/advert_frame.h"
#include "vrrp/auth_key.h"

namespace sluice::failover {
namespace {

wire::IpFamily familyOf(const config::IpAddress& a) { return a.isV4() ? wire::IpFamily::kV4 : wire::IpFamily::kV6; }

[[noreturn]] void refuse(const config::VrrpInstance& vi, const std::string& why) {
  throw std::invalid_argument("vrrp_instance " + vi.name + ": " + why);
}

uint16_t portNamed(const std::vector<PortInfo>& ports, const std::string& name) {
  for (uint16_t i = 0; i < ports.size(); ++i) {
    if (ports[i].name == name) return i;
  }
  return dp::kNoPort;
}

// The advert's source: unicast_src_ip / mcast_src_ip when given, else the
// port's first IPv4 address, or its link-local address for IPv6.
wire::IpAddress sourceOf(const config::VrrpInstance& vi, const PortInfo& port, wire::IpFamily family) {
  const std::optional<config::IpAddress>& chosen = vi.unicastPeers.empty() ? vi.mcastSrcIp : vi.unicastSrcIp;
  if (chosen) {
    if (familyOf(*chosen) != family) refuse(vi, "the source address " + chosen->toString() + " is of another family");
    return toVrrpAddress(*chosen);
  }
  if (family == wire::IpFamily::kV6) return linkLocalOf(port.mac);
  for (const config::IpPrefix& a : port.addresses) {
    if (a.address.isV4()) return toVrrpAddress(a.address);
  }
  refuse(vi, "port " + port.name + " has no IPv4 address to send adverts from (give it one, or mcast_src_ip)");
}

}  // namespace

wire::IpAddress toVrrpAddress(const config::IpAddress& a) {
  return wire::IpAddress::fromBytes(std::span<const uint8_t>(a.bytes().data(), a.isV4() ? 4 : 16));
}

config::IpAddress toConfigAddress(const wire::IpAddress& a) {
  if (a.family == wire::IpFamily::kV6) return config::IpAddress::fromV6(a.bytes);
  return config::IpAddress::fromV4((uint32_t{a.bytes[0]} << 24) | (uint32_t{a.bytes[1]} << 16) |
                                   (uint32_t{a.bytes[2]} << 8) | a.bytes[3]);
}

InstanceSetup resolveInstance(const config::VrrpInstance& vi, const config::GlobalDefs& globals,
                              const std::vector<PortInfo>& ports) {
  InstanceSetup s;
  if (!vi.interface) refuse(vi, "needs an interface naming a dataplane port");
  s.port = portNamed(ports, *vi.interface);
  if (s.port == dp::kNoPort) refuse(vi, "interface " + *vi.interface + " is not a port of the dataplane block");
  if (vi.virtualIpAddresses.empty()) refuse(vi, "has no virtual_ipaddress");
  s.family = familyOf(vi.virtualIpAddresses.front().address.address);
  s.version = vi.version == 3 ? vrrp::Version::kV3 : vrrp::Version::kV2;
  if (s.version == vrrp::Version::kV2 && vi.advertIntCs % 100 != 0) {
    refuse(vi, "a fractional advert_int needs VRRPv3 (version 3)");
  }
  s.source = sourceOf(vi, ports[s.port], s.family);
  s.group = toVrrpAddress(s.family == wire::IpFamily::kV4 ? globals.vrrpMcastGroup4 : globals.vrrpMcastGroup6);
  for (const config::IpAddress& p : vi.unicastPeers) {
    if (familyOf(p) == s.family) s.peers.push_back(toVrrpAddress(p));
  }
  for (const auto* list : {&vi.virtualIpAddresses, &vi.virtualIpAddressesExcluded}) {
    for (const config::VirtualIp& v : *list) {
      const uint16_t port = v.dev ? portNamed(ports, *v.dev) : s.port;
      if (port == dp::kNoPort) refuse(vi, "virtual address " + v.address.toString() + ": no port " + *v.dev);
      s.announced.emplace_back(port, v.address.address);
      // Only the first list's addresses of the instance's family are advertised.
      if (list == &vi.virtualIpAddresses && familyOf(v.address.address) == s.family) {
        s.addresses.push_back(toVrrpAddress(v.address.address));
      }
    }
  }
  if (s.addresses.size() > vrrp::kMaxAddresses) refuse(vi, "more than 255 virtual addresses");
  // keepalived: authentication exists only in VRRPv2 over IPv4; elsewhere it
  // is ignored.
  if (vi.authentication && s.version == vrrp::Version::kV2 && s.family == wire::IpFamily::kV4) {
    s.auth = vi.authentication->type == config::AuthType::kAh ? vrrp::AuthType::kAh : vrrp::AuthType::kPass;
    s.key = vrrp::authKeyFromPassword(vi.authentication->password);
  }
  vrrp::MachineConfig& m = s.machine;
  m.version = s.version;
  m.priority = vi.priority;
  m.advertIntervalCs = vi.advertIntCs;
  m.initialMaster = vi.state == config::VrrpState::kMaster;
  m.nopreempt = vi.nopreempt;
  m.preemptDelay = vi.preemptDelay;
  m.primaryAddress = s.source;
  return s;
}

vrrp::ReceiveExpectations Instance::expectations() const {
  vrrp::ReceiveExpectations e;
  e.ip.unicast = !setup.peers.empty();
  e.ip.ah = setup.auth == vrrp::AuthType::kAh;
  e.ip.group = setup.group;
  e.instance.version = setup.version;
  e.instance.vrid = config.virtualRouterId;
  e.instance.authType = setup.auth;
  e.instance.password = setup.key;
  e.instance.advertIntervalCs = config.advertIntCs;
  e.instance.addresses = setup.addresses;
  return e;
}

}  // namespace sluice::failover
