// ipvsadm's listings, byte for byte: -L in each of its forms, -S, --timeout,
// --daemon and -c, from a table read out of sluiced's API.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/ipvsadm/invocation.h"

namespace sluice::ipvsadm {

struct ListedServer {
  int family = kFamilyV4;
  std::string address;
  std::uint16_t port = 0;
  Method method = Method::kRoute;
  TunnelType tunnelType = TunnelType::kIpip;  // with kTunnel
  std::uint16_t tunnelPort = 0;
  TunnelChecksum tunnelChecksum = TunnelChecksum::kNone;
  std::uint32_t weight = 0;
  std::uint32_t upperThreshold = 0;
  std::uint32_t lowerThreshold = 0;
  std::uint64_t activeConns = 0;
  std::uint64_t inactiveConns = 0;
  std::uint64_t persistConns = 0;
  std::array<std::uint64_t, 5> stats{};  // conns, inpkts, outpkts, inbytes, outbytes
  std::array<std::uint64_t, 5> rates{};  // cps, inpps, outpps, inbps, outbps
};

struct ListedService {
  int family = kFamilyV4;
  int protocol = kProtoTcp;
  std::string address;  // empty for fwmark services
  std::uint16_t port = 0;
  std::uint32_t fwmark = 0;
  std::string scheduler;
  bool persistent = false;
  std::uint32_t timeout = 0;
  std::uint32_t netmaskV4 = ~0u;
  unsigned prefixV6 = 128;
  std::vector<std::string> schedFlags;  // as ipvsadm names them for the scheduler
  bool ops = false;
  std::array<std::uint64_t, 5> stats{};
  std::array<std::uint64_t, 5> rates{};
  std::vector<ListedServer> servers;
};

// Names for addresses and ports when -n is not given: ipvsadm asks the C
// library (gethostbyaddr, getservbyport); tests give their own.
struct Names {
  std::function<std::optional<std::string>(int family, const std::string& address)> host;
  std::function<std::optional<std::string>(std::uint16_t port, int protocol)> service;
};

// The C library's answers. Thread-safe enough for one command at a time.
Names systemNames();

// -L (and -S with format.rule): the header line (not for -S), the title and
// every service, sorted as ipvsadm sorts unless --nosort. `tableSize` is the
// "size=" of the header.
std::string formatTable(std::vector<ListedService> services, const Format& format, const Names& names,
                        std::uint64_t tableSize);

// -L -t|u|f SERVICE: the title and that one service.
std::string formatOneService(ListedService service, const Format& format, const Names& names);

// -L --timeout.
std::string formatTimeouts(std::uint32_t tcp, std::uint32_t tcpFin, std::uint32_t udp);

struct ListedConnection {
  int family = kFamilyV4;
  int protocol = kProtoTcp;  // 0: a fwmark template ("IP")
  std::string protocolText;
  std::uint64_t expiresSeconds = 0;
  std::string state;
  std::string client, virtualAddress, server;
  std::uint16_t clientPort = 0, virtualPort = 0, serverPort = 0;
};

// -L -c: the title, then one line per connection.
std::string formatConnections(const std::vector<ListedConnection>& connections, const Format& format,
                              const Names& names);

}  // namespace sluice::ipvsadm
