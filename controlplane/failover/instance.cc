#include "controlplane/failover/instance.h"

#include <stdexcept>

#include "controlplane/failover/advert_frame.h"
#include "vrrp/auth_key.h"

namespace sluice::failover {
namespace {

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
  const std::optional<wire::IpAddress>& chosen = vi.unicastPeers.empty() ? vi.mcastSrcIp : vi.unicastSrcIp;
  if (chosen) {
    if (chosen->family != family) refuse(vi, "the source address " + config::toString(*chosen) + " is of another family");
    return *chosen;
  }
  if (family == wire::IpFamily::kV6) return linkLocalOf(port.mac);
  for (const config::IpPrefix& a : port.addresses) {
    if (a.address.isV4()) return a.address;
  }
  refuse(vi, "port " + port.name + " has no IPv4 address to send adverts from (give it one, or mcast_src_ip)");
}

}  // namespace

InstanceSetup resolveInstance(const config::VrrpInstance& vi, const config::GlobalDefs& globals,
                              const std::vector<PortInfo>& ports) {
  InstanceSetup s;
  if (!vi.interface) refuse(vi, "needs an interface naming a dataplane port");
  s.port = portNamed(ports, *vi.interface);
  if (s.port == dp::kNoPort) refuse(vi, "interface " + *vi.interface + " is not a port of the dataplane block");
  if (vi.virtualIpAddresses.empty()) refuse(vi, "has no virtual_ipaddress");
  s.family = vi.virtualIpAddresses.front().address.address.family;
  s.version = vi.version == 3 ? vrrp::Version::kV3 : vrrp::Version::kV2;
  if (s.version == vrrp::Version::kV2 && vi.advertIntCs % 100 != 0) {
    refuse(vi, "a fractional advert_int needs VRRPv3 (version 3)");
  }
  s.source = sourceOf(vi, ports[s.port], s.family);
  s.group = s.family == wire::IpFamily::kV4 ? globals.vrrpMcastGroup4 : globals.vrrpMcastGroup6;
  for (const wire::IpAddress& p : vi.unicastPeers) {
    if (p.family == s.family) s.peers.push_back(p);
  }
  // use_vmac: keepalived's macvlan has the virtual MAC; here the port
  // speaks from it for the instance (vmac_xmit_base: not its adverts).
  const std::optional<config::MacAddress> vmac = config::virtualMacOf(vi);
  s.advertMac = vmac && !vi.vmacXmitBase ? dp::MacAddr{vmac->bytes} : ports[s.port].mac;
  for (const auto* list : {&vi.virtualIpAddresses, &vi.virtualIpAddressesExcluded}) {
    for (const config::VirtualIp& v : *list) {
      const uint16_t port = v.dev ? portNamed(ports, *v.dev) : s.port;
      if (port == dp::kNoPort) refuse(vi, "virtual address " + v.address.toString() + ": no port " + *v.dev);
      const dp::MacAddr mac = vmac && config::onVirtualMac(vi, v) ? dp::MacAddr{vmac->bytes} : ports[port].mac;
      s.announced.push_back({port, v.address.address, mac});
      // Only the first list's addresses of the instance's family are advertised.
      if (list == &vi.virtualIpAddresses && v.address.address.family == s.family) {
        s.addresses.push_back(v.address.address);
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
