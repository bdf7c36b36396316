#include "controlplane/config/model.h"

#include <algorithm>

namespace sluice::config {
namespace {

template <class T>
const T* findByName(const std::vector<T>& items, std::string_view name) {
  const auto it = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
  return it == items.end() ? nullptr : &*it;
}

// A server's own method (with its own tunnel), else the virtual server's.
Forwarding resolve(const VirtualServer& vs, const std::optional<ForwardingMethod>& method,
                   const std::optional<TunnelSpec>& tunnel) {
  Forwarding f;
  if (method) {
    f.method = *method;
    if (*method == ForwardingMethod::kTun) f.tunnel = tunnel.value_or(TunnelSpec{});
  } else {
    f.method = vs.method;
    if (vs.method == ForwardingMethod::kTun) f.tunnel = vs.tunnel.value_or(TunnelSpec{});
  }
  return f;
}

}  // namespace

Forwarding forwardingOf(const VirtualServer& vs, const RealServer& rs) { return resolve(vs, rs.method, rs.tunnel); }

Forwarding forwardingOf(const VirtualServer& vs, const SorryServer& sorry) {
  return resolve(vs, sorry.method, sorry.tunnel);
}

std::string tunnelProblem(const TunnelSpec& tunnel) {
  if (tunnel.type == TunnelType::kGue && tunnel.port == 0) {
    return "a gue tunnel needs 'port N', the real server's GUE UDP port";
  }
  if (tunnel.type != TunnelType::kGue && tunnel.port != 0) {
    return "'port' goes with type gue only, not with " + std::string(toString(tunnel.type));
  }
  if (tunnel.type == TunnelType::kIpip && tunnel.checksum) {
    return "ipip tunnels carry no checksum: csum goes with type gue or gre";
  }
  return "";
}

const DataplanePort* Dataplane::findPort(std::string_view name) const { return findByName(ports, name); }

const FwmarkRule* Dataplane::findFwmark(std::uint32_t mark) const {
  const auto it =
      std::find_if(fwmarks.begin(), fwmarks.end(), [&](const FwmarkRule& rule) { return rule.mark == mark; });
  return it == fwmarks.end() ? nullptr : &*it;
}

const BfdInstance* Config::findBfdInstance(std::string_view name) const {
  return findByName(bfdInstances, name);
}

const VrrpScript* Config::findVrrpScript(std::string_view name) const {
  return findByName(vrrpScripts, name);
}

const TrackFile* Config::findTrackFile(std::string_view name) const { return findByName(trackFiles, name); }

const TrackProcess* Config::findTrackProcess(std::string_view name) const { return findByName(trackProcesses, name); }

std::string_view toString(ParamMatch m) {
  switch (m) {
    case ParamMatch::kNone: return "none";
    case ParamMatch::kExact: return "exact";
    case ParamMatch::kPartial: return "partial";
    case ParamMatch::kInitial: return "initial";
  }
  return "";
}

const VrrpInstance* Config::findVrrpInstance(std::string_view name) const {
  return findByName(vrrpInstances, name);
}

const VrrpSyncGroup* Config::findVrrpSyncGroup(std::string_view name) const {
  return findByName(vrrpSyncGroups, name);
}

const VrrpSyncGroup* Config::syncGroupOf(std::string_view instance) const {
  for (const VrrpSyncGroup& g : vrrpSyncGroups) {
    if (std::find(g.instances.begin(), g.instances.end(), instance) != g.instances.end()) return &g;
  }
  return nullptr;
}

const VirtualServerGroup* Config::findVirtualServerGroup(std::string_view name) const {
  return findByName(virtualServerGroups, name);
}

std::string_view toString(Protocol p) {
  switch (p) {
    case Protocol::kTcp:
      return "TCP";
    case Protocol::kUdp:
      return "UDP";
    case Protocol::kSctp:
      return "SCTP";
  }
  return "?";
}

std::string_view toString(ForwardingMethod m) {
  switch (m) {
    case ForwardingMethod::kNat:
      return "NAT";
    case ForwardingMethod::kDr:
      return "DR";
    case ForwardingMethod::kTun:
      return "TUN";
  }
  return "?";
}

std::string_view toString(TunnelType t) {
  switch (t) {
    case TunnelType::kIpip:
      return "ipip";
    case TunnelType::kGue:
      return "gue";
    case TunnelType::kGre:
      return "gre";
  }
  return "?";
}

std::string_view toString(VrrpState s) { return s == VrrpState::kMaster ? "MASTER" : "BACKUP"; }

std::string_view toString(AuthType t) { return t == AuthType::kPass ? "PASS" : "AH"; }

std::string_view toString(CheckType t) {
  switch (t) {
    case CheckType::kTcp:
      return "TCP_CHECK";
    case CheckType::kHttp:
      return "HTTP_GET";
    case CheckType::kSsl:
      return "SSL_GET";
    case CheckType::kMisc:
      return "MISC_CHECK";
    case CheckType::kDns:
      return "DNS_CHECK";
    case CheckType::kSmtp:
      return "SMTP_CHECK";
    case CheckType::kBfd:
      return "BFD_CHECK";
    case CheckType::kUdp:
      return "UDP_CHECK";
    case CheckType::kPing:
      return "PING_CHECK";
  }
  return "?";
}

std::string_view toString(VirtualServerKind k) {
  switch (k) {
    case VirtualServerKind::kAddress:
      return "address";
    case VirtualServerKind::kFwmark:
      return "fwmark";
    case VirtualServerKind::kGroup:
      return "group";
  }
  return "?";
}

std::string describe(const VirtualServer& vs) {
  switch (vs.kind) {
    case VirtualServerKind::kAddress:
      return config::toString(vs.address) + " " + std::to_string(vs.port) + " " + std::string(toString(vs.protocol));
    case VirtualServerKind::kFwmark:
      return "fwmark " + std::to_string(vs.fwmark);
    case VirtualServerKind::kGroup:
      return "group " + vs.group + " " + std::string(toString(vs.protocol));
  }
  return "?";
}

std::optional<MacAddress> virtualMacOf(const VrrpInstance& instance) {
  if (!instance.useVmac) return std::nullopt;
  if (instance.vmacAddress) return instance.vmacAddress;
  const bool v6 = !instance.virtualIpAddresses.empty() && !instance.virtualIpAddresses.front().address.address.isV4();
  return MacAddress{{0x00, 0x00, 0x5e, 0x00, static_cast<std::uint8_t>(v6 ? 0x02 : 0x01), instance.virtualRouterId}};
}

bool onVirtualMac(const VrrpInstance& instance, const VirtualIp& address) {
  if (!instance.useVmac || instance.virtualIpAddresses.empty()) return false;
  const bool sameFamily = address.address.address.family == instance.virtualIpAddresses.front().address.address.family;
  return sameFamily && (!address.dev || address.dev == instance.interface);
}

}  // namespace sluice::config
