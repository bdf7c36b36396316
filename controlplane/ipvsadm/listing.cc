#include "controlplane/ipvsadm/listing.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <tuple>

namespace sluice::ipvsadm {
namespace {

// printf's "%-Ns" and "%Ns": padded, never cut.
std::string left(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}
std::string right(const std::string& s, std::size_t width) {
  return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
}

const char* protocolSwitch(int protocol) {
  switch (protocol) {
    case kProtoTcp: return "-t";
    case kProtoUdp: return "-u";
    default: return "--sctp-service";
  }
}

const char* methodName(Method m) {
  switch (m) {
    case Method::kMasq: return "Masq";
    case Method::kTunnel: return "Tunnel";
    case Method::kRoute: break;
  }
  return "Route";
}

const char* methodSwitch(Method m) {
  switch (m) {
    case Method::kMasq: return "-m";
    case Method::kTunnel: return "-i";
    case Method::kRoute: break;
  }
  return "-g";
}

// ipvsadm's addrport_to_anyname: "10.0.0.1:80", "[2001:db8::1]:80", or
// names where the C library has them and -n was not given.
std::string addressPort(int family, const std::string& address, std::uint16_t port, int protocol,
                        const Format& format, const Names& names) {
  std::string host = address;
  std::string service = std::to_string(port);
  if (!format.numeric) {
    if (names.host) host = names.host(family, address).value_or(address);
    if (names.service) service = names.service(port, protocol).value_or(service);
  }
  if (family == kFamilyV6) return "[" + host + "]:" + service;
  return host + ":" + service;
}

// ipvsadm's print_largenum: 9 columns, exact below 100 million, then
// scaled with K, M, G or T; --exact prints every digit.
std::string largeNumber(std::uint64_t n, const Format& format) {
  if (format.exact) {
    const std::string digits = std::to_string(n);
    return right(digits, digits.size() <= 8 ? 9 : digits.size() + 1);
  }
  if (n < 100'000'000ULL) return right(std::to_string(n), 9);
  if (n < 1'000'000'000ULL) return right(std::to_string(n / 1'000ULL), 8) + "K";
  if (n < 100'000'000'000ULL) return right(std::to_string(n / 1'000'000ULL), 8) + "M";
  if (n < 100'000'000'000'000ULL) return right(std::to_string(n / 1'000'000'000ULL), 8) + "G";
  return right(std::to_string(n / 1'000'000'000'000ULL), 8) + "T";
}

std::string title(const Format& format) {
  const std::string prot = left("Prot LocalAddress:Port", 33);
  if (format.stats) {
    return prot + " " + right("Conns", 8) + " " + right("InPkts", 8) + " " + right("OutPkts", 8) + " " +
           right("InBytes", 8) + " " + right("OutBytes", 8) + "\n  -> RemoteAddress:Port\n";
  }
  if (format.rate) {
    return prot + " " + right("CPS", 8) + " " + right("InPPS", 8) + " " + right("OutPPS", 8) + " " +
           right("InBPS", 8) + " " + right("OutBPS", 8) + "\n  -> RemoteAddress:Port\n";
  }
  if (format.thresholds) {
    return prot + " " + left("Uthreshold", 10) + " " + left("Lthreshold", 10) + " " + left("ActiveConn", 10) + " " +
           left("InActConn", 10) + "\n  -> RemoteAddress:Port\n";
  }
  if (format.persistentConn) {
    return prot + " " + left("Weight", 9) + " " + left("PersistConn", 11) + " " + left("ActiveConn", 10) + " " +
           left("InActConn", 10) + "\n  -> RemoteAddress:Port\n";
  }
  if (format.rule) return "";
  if (format.tunInfo) {
    return "Prot LocalAddress:Port Scheduler Flags\n"
           "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n";
  }
  return "Prot LocalAddress:Port Scheduler Flags\n"
         "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";
}

std::string dottedMask(std::uint32_t hostOrder) {
  in_addr a{};
  a.s_addr = htonl(hostOrder);
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a, buf, sizeof(buf));
  return buf;
}

const char* tunnelTypeName(TunnelType t) {
  switch (t) {
    case TunnelType::kGue: return "gue";
    case TunnelType::kGre: return "gre";
    case TunnelType::kIpip: break;
  }
  return "ipip";
}

// --tun-info's column: "n/a", "ipip", "gre:-c", "gue:6080:+c".
std::string tunnelInfo(const ListedServer& d) {
  if (d.method != Method::kTunnel) return "n/a";
  const char* csum = d.tunnelChecksum == TunnelChecksum::kCsum      ? "+c"
                     : d.tunnelChecksum == TunnelChecksum::kRemCsum ? "r"
                                                                    : "-c";
  switch (d.tunnelType) {
    case TunnelType::kGue: return "gue:" + std::to_string(d.tunnelPort) + ":" + csum;
    case TunnelType::kGre: return std::string("gre:") + csum;
    case TunnelType::kIpip: break;
  }
  return "ipip";
}

// -S's tunnel options: " --tun-type ipip", "... gue --tun-port 6080 --tun-csum".
std::string tunnelRule(const ListedServer& d) {
  if (d.method != Method::kTunnel) return "";
  std::string out = std::string(" --tun-type ") + tunnelTypeName(d.tunnelType);
  if (d.tunnelType == TunnelType::kIpip) return out;
  if (d.tunnelType == TunnelType::kGue) out += " --tun-port " + std::to_string(d.tunnelPort);
  switch (d.tunnelChecksum) {
    case TunnelChecksum::kCsum: return out + " --tun-csum";
    case TunnelChecksum::kRemCsum: return out + " --tun-remcsum";
    case TunnelChecksum::kNone: break;
  }
  return out + " --tun-nocsum";
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ",") + w;
  return out;
}

// " persistent 300 mask 255.255.255.0" (or -p/-M in rules).
std::string persistence(const ListedService& s, bool rule) {
  if (!s.persistent) return "";
  std::string out = (rule ? " -p " : " persistent ") + std::to_string(s.timeout);
  if (s.family == kFamilyV4 && s.netmaskV4 != ~0u) out += (rule ? " -M " : " mask ") + dottedMask(s.netmaskV4);
  if (s.family == kFamilyV6 && s.prefixV6 != 128) out += (rule ? " -M " : " mask ") + std::to_string(s.prefixV6);
  return out;
}

std::string serviceName(const ListedService& s, const Format& format, const Names& names) {
  if (s.fwmark != 0) {
    const std::string mark = std::to_string(s.fwmark);
    if (format.rule) return s.family == kFamilyV6 ? "-f " + mark + " -6" : "-f " + mark;
    return s.family == kFamilyV6 ? "FWM  " + mark + " IPv6" : "FWM  " + mark;
  }
  const std::string where = addressPort(s.family, s.address, s.port, s.protocol, format, names);
  if (format.rule) return std::string(protocolSwitch(s.protocol)) + " " + where;
  std::string name = left(protocolName(s.protocol), 4) + " " + where;
  if (s.family != kFamilyV6 && name.size() > 33) name.resize(33);
  return name;
}

std::string serviceEntry(const ListedService& s, const Format& format, const Names& names) {
  const std::string name = serviceName(s, format, names);
  std::string out;
  if (format.rule) {
    out = "-A " + name + " -s " + s.scheduler;
    if (!s.schedFlags.empty()) out += " -b " + joined(s.schedFlags);
    out += persistence(s, true) + (s.ops ? " -o" : "") + "\n";
  } else if (format.stats || format.rate) {
    out = left(name, 33);
    for (const std::uint64_t n : format.stats ? s.stats : s.rates) out += largeNumber(n, format);
    out += "\n";
  } else {
    out = name + " " + s.scheduler;
    if (!s.schedFlags.empty()) out += " (" + joined(s.schedFlags) + ")";
    out += persistence(s, false) + (s.ops ? " ops" : "") + "\n";
  }
  for (const ListedServer& d : s.servers) {
    std::string dest = addressPort(d.family, d.address, d.port, s.protocol, format, names);
    if (!format.rule && s.family != kFamilyV6 && dest.size() > 28) dest.resize(28);
    if (format.rule) {
      // As ipvsadm's: thresholds are not saved.
      out += "-a " + name + " -r " + dest + " " + methodSwitch(d.method) + " -w " + std::to_string(d.weight) +
             tunnelRule(d) + "\n";
    } else if (format.stats) {
      out += "  -> " + left(dest, 28);
      for (const std::uint64_t n : d.stats) out += largeNumber(n, format);
      out += "\n";
    } else if (format.rate) {
      out += "  -> " + left(dest, 28);
      for (std::size_t i = 0; i < 3; ++i) out += " " + right(std::to_string(d.rates[i] & 0xffffffffULL), 8);
      out += largeNumber(d.rates[3], format) + largeNumber(d.rates[4], format) + "\n";
    } else if (format.thresholds) {
      out += "  -> " + left(dest, 28) + " " + left(std::to_string(d.upperThreshold), 10) + " " +
             left(std::to_string(d.lowerThreshold), 10) + " " + left(std::to_string(d.activeConns), 10) + " " +
             left(std::to_string(d.inactiveConns), 10) + "\n";
    } else if (format.persistentConn) {
      out += "  -> " + left(dest, 28) + " " + left(std::to_string(d.weight), 9) + " " +
             left(std::to_string(d.persistConns), 11) + " " + left(std::to_string(d.activeConns), 10) + " " +
             left(std::to_string(d.inactiveConns), 10) + "\n";
    } else if (format.tunInfo) {
      out += "  -> " + left(dest, 28) + " " + left(methodName(d.method), 7) + " " + left(tunnelInfo(d), 13) + " " +
             left(std::to_string(d.weight), 6) + " " + left(std::to_string(d.activeConns), 10) + " " +
             left(std::to_string(d.inactiveConns), 10) + "\n";
    } else {
      out += "  -> " + left(dest, 28) + " " + left(methodName(d.method), 7) + " " + left(std::to_string(d.weight), 6) +
             " " + left(std::to_string(d.activeConns), 10) + " " + left(std::to_string(d.inactiveConns), 10) + "\n";
    }
  }
  return out;
}

// libipvs' ipvs_cmp_services: fwmark services after the others, then by
// family, protocol, address (bytes) and port.
std::tuple<std::uint32_t, int, int, std::array<unsigned char, 16>, std::uint16_t> serviceOrder(const ListedService& s) {
  std::array<unsigned char, 16> bytes{};
  if (!s.address.empty()) ::inet_pton(s.family == kFamilyV6 ? AF_INET6 : AF_INET, s.address.c_str(), bytes.data());
  return {s.fwmark, s.family, s.protocol, bytes, s.port};
}

std::tuple<std::array<unsigned char, 16>, std::uint16_t> serverOrder(const ListedServer& d) {
  std::array<unsigned char, 16> bytes{};
  ::inet_pton(d.family == kFamilyV6 ? AF_INET6 : AF_INET, d.address.c_str(), bytes.data());
  return {bytes, d.port};
}

void sortServers(ListedService& s) {
  std::stable_sort(s.servers.begin(), s.servers.end(),
                   [](const ListedServer& a, const ListedServer& b) { return serverOrder(a) < serverOrder(b); });
}

}  // namespace

Names systemNames() {
  Names n;
  n.host = [](int family, const std::string& address) -> std::optional<std::string> {
    unsigned char bytes[16] = {};
    const int af = family == kFamilyV6 ? AF_INET6 : AF_INET;
    if (::inet_pton(af, address.c_str(), bytes) != 1) return std::nullopt;
    // ipvsadm passes the size of an IPv4 address whatever the family.
    const hostent* h = ::gethostbyaddr(bytes, sizeof(in_addr), af);
    if (h == nullptr || h->h_name == nullptr) return std::nullopt;
    return std::string(h->h_name);
  };
  n.service = [](std::uint16_t port, int protocol) -> std::optional<std::string> {
    const char* proto = protocol == kProtoTcp    ? "tcp"
                        : protocol == kProtoUdp  ? "udp"
                        : protocol == kProtoSctp ? "sctp"
                                                 : nullptr;
    if (proto == nullptr) return std::nullopt;
    const servent* s = ::getservbyport(htons(port), proto);
    if (s == nullptr || s->s_name == nullptr) return std::nullopt;
    return std::string(s->s_name);
  };
  return n;
}

std::string formatTable(std::vector<ListedService> services, const Format& format, const Names& names,
                        std::uint64_t tableSize) {
  std::string out;
  if (!format.rule) out = "IP Virtual Server version 1.2.1 (size=" + std::to_string(tableSize) + ")\n";
  if (!format.noSort) {
    std::stable_sort(services.begin(), services.end(),
                     [](const ListedService& a, const ListedService& b) { return serviceOrder(a) < serviceOrder(b); });
  }
  out += title(format);
  for (ListedService& s : services) {
    if (!format.noSort) sortServers(s);
    out += serviceEntry(s, format, names);
  }
  return out;
}

std::string formatOneService(ListedService service, const Format& format, const Names& names) {
  if (!format.noSort) sortServers(service);
  return title(format) + serviceEntry(service, format, names);
}

std::string formatTimeouts(std::uint32_t tcp, std::uint32_t tcpFin, std::uint32_t udp) {
  return "Timeout (tcp tcpfin udp): " + std::to_string(tcp) + " " + std::to_string(tcpFin) + " " +
         std::to_string(udp) + "\n";
}

std::string formatConnections(const std::vector<ListedConnection>& connections, const Format& format,
                              const Names& names) {
  std::string out = "IPVS connection entries\n";
  out += "pro expire " + left("state", 11) + " " + left("source", 18) + " " + left("virtual", 18) + " " +
         (format.persistentConn ? left("destination", 18) + " " + left("pe name", 16) + " pe_data\n"
                                : std::string("destination\n"));
  for (const ListedConnection& c : connections) {
    const auto two = [](std::uint64_t n) { return n < 10 ? "0" + std::to_string(n) : std::to_string(n); };
    const std::string expire = two(c.expiresSeconds / 60) + ":" + two(c.expiresSeconds % 60);
    out += left(c.protocolText, 3) + " " + left(expire, 6) + " " + left(c.state, 11) + " " +
           left(addressPort(c.family, c.client, c.clientPort, c.protocol, format, names), 18) + " " +
           left(addressPort(c.family, c.virtualAddress, c.virtualPort, c.protocol, format, names), 18) + " " +
           addressPort(c.family, c.server, c.serverPort, c.protocol, format, names) + "\n";
  }
  return out;
}

}  // namespace sluice::ipvsadm
