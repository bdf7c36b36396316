#include "controlplane/ipvsadm/command_line.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>

#include "controlplane/ipvsadm/option_reader.h"


namespace sluice::ipvsadm {
namespace {

// The names ipvsadm's messages give commands and options.
constexpr const char* kCommandNames[] = {"",           "add-service", "edit-service",  "delete-service",
                                         "flush",      "list",        "add-server",    "delete-server",
                                         "edit-server", "set",        "start-daemon",  "stop-daemon",
                                         "restore",    "save",        "zero"};
constexpr const char* kOptionNames[kOptionCount] = {
    "numeric",   "connection",  "service-address", "scheduler",   "persistent",  "netmask",    "real-server",
    "forwarding-method", "weight", "u-threshold",  "l-threshold", "mcast-interface", "timeout", "daemon",
    "stats",     "rate",        "thresholds",      "persistent-conn", "nosort",  "syncid",     "exact",
    "ops",       "pe",          "sched-flags",     "mcast-group", "mcast-port",  "mcast-ttl",  "sync-maxlen",
    "tun-info",  "tun-type",    "tun-port",        "tun-nocsum",  "tun-csum",    "tun-remcsum"};

// ipvsadm's table of legal combinations: '+' required, 'x' illegal, '1'
// at most one of them, ' ' optional. A row per command (kAdd..kZero), a
// column per Option.
constexpr const char* kLegal[] = {
    "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",  // add-service
    "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",  // edit-service
    "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",  // delete-service
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",  // flush
    " 11xxxxxxxxx11       xxxxxxx xxxxx",  // list
    "xx+xxx+    xxxxxxxxxxxxxxxxxx     ",  // add-server
    "xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx",  // delete-server
    "xx+xxx+    xxxxxxxxxxxxxxxxxx     ",  // edit-server
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",  // set
    "xxxxxxxxxxx xxxxxxx xxxx    xxxxxx",  // start-daemon
    "xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx",  // stop-daemon
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",  // restore
    " xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",  // save
    "xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",  // zero
};

constexpr std::uint32_t kMaxTimeout = 86400 * 31;
constexpr std::uint32_t kDefaultPersistence = 360;  // ipvsadm 1.31's -p without a value

[[noreturn]] void fail(const std::string& message) { throw Exit(kExitFail, message + "\n"); }

[[noreturn]] void tryHelp(const std::string& program) {
  throw Exit(kExitTryHelp, "Try `" + program + " -h' or '" + program + " --help' for more information.\n");
}


// Values outside the ASCII range for options with no short name.
enum Tag : int {
  kTagSet = 128,
  kTagStartDaemon,
  kTagStopDaemon,
  kTagMcastInterface,
  kTagTimeout,
  kTagDaemon,
  kTagStats,
  kTagRate,
  kTagThresholds,
  kTagPersistentConn,
  kTagSort,
  kTagNoSort,
  kTagPe,
  kTagSctp,
  kTagMcastGroup,
  kTagMcastPort,
  kTagMcastTtl,
  kTagSyncMaxlen,
  kTagTunInfo,
  kTagTunType,
  kTagTunPort,
  kTagTunNoCsum,
  kTagTunCsum,
  kTagTunRemCsum,
  kTagSyncId,
};


constexpr OptionSpec kOptions[] = {
    {"add-service", 'A', Arity::kNone, 'A'},
    {"edit-service", 'E', Arity::kNone, 'E'},
    {"delete-service", 'D', Arity::kNone, 'D'},
    {"clear", 'C', Arity::kNone, 'C'},
    {"list", 'L', Arity::kNone, 'L'},
    {"list", 'l', Arity::kNone, 'l'},
    {"zero", 'Z', Arity::kNone, 'Z'},
    {"add-server", 'a', Arity::kNone, 'a'},
    {"edit-server", 'e', Arity::kNone, 'e'},
    {"delete-server", 'd', Arity::kNone, 'd'},
    {"set", '\0', Arity::kNone, kTagSet},
    {"help", 'h', Arity::kNone, 'h'},
    {"version", 'v', Arity::kNone, 'v'},
    {"restore", 'R', Arity::kNone, 'R'},
    {"save", 'S', Arity::kNone, 'S'},
    {"start-daemon", '\0', Arity::kRequired, kTagStartDaemon},
    {"stop-daemon", '\0', Arity::kRequired, kTagStopDaemon},
    {"tcp-service", 't', Arity::kRequired, 't'},
    {"udp-service", 'u', Arity::kRequired, 'u'},
    {"sctp-service", '\0', Arity::kRequired, kTagSctp},
    {"fwmark-service", 'f', Arity::kRequired, 'f'},
    {"scheduler", 's', Arity::kRequired, 's'},
    {"persistent", 'p', Arity::kOptional, 'p'},
    {"netmask", 'M', Arity::kRequired, 'M'},
    {"real-server", 'r', Arity::kRequired, 'r'},
    {"masquerading", 'm', Arity::kNone, 'm'},
    {"ipip", 'i', Arity::kNone, 'i'},
    {"gatewaying", 'g', Arity::kNone, 'g'},
    {"weight", 'w', Arity::kRequired, 'w'},
    {"u-threshold", 'x', Arity::kRequired, 'x'},
    {"l-threshold", 'y', Arity::kRequired, 'y'},
    {"numeric", 'n', Arity::kNone, 'n'},
    {"connection", 'c', Arity::kNone, 'c'},
    {"mcast-interface", '\0', Arity::kRequired, kTagMcastInterface},
    {"mcast-group", '\0', Arity::kRequired, kTagMcastGroup},
    {"mcast-port", '\0', Arity::kRequired, kTagMcastPort},
    {"mcast-ttl", '\0', Arity::kRequired, kTagMcastTtl},
    {"sync-maxlen", '\0', Arity::kRequired, kTagSyncMaxlen},
    {"syncid", '\0', Arity::kRequired, kTagSyncId},
    {"timeout", '\0', Arity::kNone, kTagTimeout},
    {"daemon", '\0', Arity::kNone, kTagDaemon},
    {"stats", '\0', Arity::kNone, kTagStats},
    {"rate", '\0', Arity::kNone, kTagRate},
    {"thresholds", '\0', Arity::kNone, kTagThresholds},
    {"persistent-conn", '\0', Arity::kNone, kTagPersistentConn},
    {"nosort", '\0', Arity::kNone, kTagNoSort},
    {"sort", '\0', Arity::kNone, kTagSort},
    {"exact", 'X', Arity::kNone, 'X'},
    {"ipv6", '6', Arity::kNone, '6'},
    {"ops", 'o', Arity::kNone, 'o'},
    {"pe", '\0', Arity::kRequired, kTagPe},
    {"sched-flags", 'b', Arity::kRequired, 'b'},
    {"tun-type", '\0', Arity::kRequired, kTagTunType},
    {"tun-port", '\0', Arity::kRequired, kTagTunPort},
    {"tun-nocsum", '\0', Arity::kNone, kTagTunNoCsum},
    {"tun-csum", '\0', Arity::kNone, kTagTunCsum},
    {"tun-remcsum", '\0', Arity::kNone, kTagTunRemCsum},
    {"tun-info", '\0', Arity::kNone, kTagTunInfo},
};



// strtol's reading, as ipvsadm's string_to_number: the whole text a number
// in [min, max], else nothing.
std::optional<long> toNumber(const std::string& s, long min, long max) {
  errno = 0;
  char* end = nullptr;
  const long n = std::strtol(s.c_str(), &end, 10);
  if (end == s.c_str() || *end != '\0' || errno == ERANGE || n < min || n > max) return std::nullopt;
  return n;
}

bool allDigits(const std::string& s) {
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string ntop(int family, const void* bytes) {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family == kFamilyV6 ? AF_INET6 : AF_INET, bytes, buf, sizeof(buf));
  return buf;
}

// gethostbyname for IPv4, as ipvsadm's host_to_addr.
std::optional<in_addr> hostAddress(const std::string& name) {
  const hostent* host = ::gethostbyname(name.c_str());
  if (host == nullptr || host->h_addrtype != AF_INET || host->h_length != sizeof(in_addr)) return std::nullopt;
  in_addr a{};
  std::memcpy(&a, host->h_addr_list[0], sizeof(a));
  return a;
}

std::optional<std::uint16_t> servicePort(const std::string& name, int protocol) {
  const char* proto = protocol == kProtoTcp ? "tcp" : protocol == kProtoUdp ? "udp" : protocol == kProtoSctp ? "sctp" : nullptr;
  if (proto == nullptr) return std::nullopt;
  const servent* s = ::getservbyname(name.c_str(), proto);
  if (s == nullptr) return std::nullopt;
  return ntohs(static_cast<std::uint16_t>(s->s_port));
}

// ipvsadm's parse_service: "host", "host:port", "[v6]:port", "v6". Returns
// 0 (refused), 1 (address) or 3 (address and port).
struct Parsed {
  int result = 0;
  int family = kFamilyV4;
  std::string address;
  std::uint16_t port = 0;
};

Parsed parseService(std::string buf, int protocol) {
  Parsed p;
  if (allDigits(buf)) return p;
  std::optional<std::string> portText;
  if (!buf.empty() && buf[0] == '[') {
    const std::size_t close = buf.find(']');
    if (close == std::string::npos || close + 1 >= buf.size() + 0 || buf[close + 1] != ':') return p;
    portText = buf.substr(close + 2);
    buf = buf.substr(1, close - 1);
  }
  in6_addr a6{};
  if (::inet_pton(AF_INET6, buf.c_str(), &a6) > 0) {
    p.family = kFamilyV6;
    p.address = ntop(kFamilyV6, &a6);
  } else {
    if (!portText) {
      const std::size_t colon = buf.rfind(':');
      if (colon != std::string::npos) {
        portText = buf.substr(colon + 1);
        buf.resize(colon);
      }
    }
    in_addr a4{};
    if (::inet_aton(buf.c_str(), &a4) != 0) {
      p.address = ntop(kFamilyV4, &a4);
    } else if (const auto h = hostAddress(buf)) {
      p.address = ntop(kFamilyV4, &*h);
    } else {
      return p;
    }
  }
  p.result = 1;
  if (portText) {
    p.result = 3;
    if (const auto n = toNumber(*portText, 0, 65535)) {
      p.port = static_cast<std::uint16_t>(*n);
    } else if (const auto named = servicePort(*portText, protocol)) {
      p.port = *named;
    } else {
      p.result = 0;
    }
  }
  return p;
}

std::uint32_t parseTimeout(const std::optional<std::string>& text, long min, long max) {
  if (!text) return kDefaultPersistence;
  const auto n = toNumber(*text, min, max);
  if (!n) fail("invalid timeout value `" + *text + "' specified");
  return static_cast<std::uint32_t>(*n);
}

std::uint32_t parseFwmark(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const long n = std::strtol(text.c_str(), &end, 10);
  if (*end != '\0' || end == text.c_str() || errno == ERANGE || n <= 0 || static_cast<unsigned long>(n) > UINT_MAX) {
    fail("invalid fwmark value `" + text + "' specified");
  }
  return static_cast<std::uint32_t>(n);
}

// -b: a comma-separated list of flags, each known and fitting the scheduler.
std::vector<std::string> parseSchedFlags(const std::string& scheduler, const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string flag = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const bool generic = flag == "flag-1" || flag == "flag-2" || flag == "flag-3";
    const bool sh = flag == "sh-fallback" || flag == "sh-port";
    const bool mh = flag == "mh-fallback" || flag == "mh-port";
    if (!generic && !sh && !mh) fail("invalid scheduler flag `" + flag + "'");
    if ((sh && !scheduler.empty() && scheduler != "sh") || (mh && !scheduler.empty() && scheduler != "mh")) {
      fail("incompatible scheduler flag `" + flag + "'");
    }
    out.push_back(flag);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

void setCommand(Invocation& inv, Command c) {
  if (inv.command != Command::kNone) fail("multiple commands specified");
  inv.command = c;
}

void setOption(Invocation& inv, Option o) {
  if (inv.has(o)) fail(std::string("multiple '") + kOptionNames[o] + "' options specified");
  inv.options |= std::uint64_t{1} << o;
}

void setService(Invocation& inv, int protocol, const std::string& text) {
  setOption(inv, kOptService);
  inv.service.protocol = protocol;
  const Parsed p = parseService(text, protocol);
  if (p.result == 0) fail("illegal virtual server address[:port] specified");
  inv.service.family = p.family;
  inv.service.address = p.address;
  inv.service.port = p.port;
  if (p.family == kFamilyV6) inv.service.prefixV6 = 128;
}

// The first option must be a command.
void readCommand(Invocation& inv, const Next& n, const std::string& program) {
  const auto state = [&]() -> std::string { return n.value.value_or(""); };
  switch (n.tag) {
    case 'A': return setCommand(inv, Command::kAdd);
    case 'E': return setCommand(inv, Command::kEdit);
    case 'D': return setCommand(inv, Command::kDelete);
    case 'a': return setCommand(inv, Command::kAddServer);
    case 'e': return setCommand(inv, Command::kEditServer);
    case 'd': return setCommand(inv, Command::kDeleteServer);
    case 'C': return setCommand(inv, Command::kFlush);
    case 'L':
    case 'l': return setCommand(inv, Command::kList);
    case 'Z': return setCommand(inv, Command::kZero);
    case kTagSet: return setCommand(inv, Command::kTimeout);
    case 'R': return setCommand(inv, Command::kRestore);
    case 'S': return setCommand(inv, Command::kSave);
    case kTagStartDaemon:
      setCommand(inv, Command::kStartDaemon);
      if (state() != "master" && state() != "backup") fail("illegal start-daemon parameter specified");
      inv.daemonState = state();
      return;
    case kTagStopDaemon:
      setCommand(inv, Command::kStopDaemon);
      if (state() != "master" && state() != "backup") fail("illegal start_daemon specified");
      inv.daemonState = state();
      return;
    case 'h': throw Exit(0, usageText(program), true);
    case 'v': throw Exit(0, versionText(), true);
    default: tryHelp(program);
  }
}

void readOption(Invocation& inv, const Next& n) {
  const std::string value = n.value.value_or("");
  switch (n.tag) {
    case 't': return setService(inv, kProtoTcp, value);
    case 'u': return setService(inv, kProtoUdp, value);
    case kTagSctp: return setService(inv, kProtoSctp, value);
    case 'f':
      setOption(inv, kOptService);
      inv.service.family = kFamilyV4;
      inv.service.protocol = kProtoTcp;
      inv.service.fwmark = parseFwmark(value);
      return;
    case 's':
      setOption(inv, kOptScheduler);
      inv.service.scheduler = value.substr(0, 15);
      return;
    case 'p':
      setOption(inv, kOptPersistent);
      inv.service.persistent = true;
      inv.service.timeout = parseTimeout(n.value, 1, kMaxTimeout);
      return;
    case 'M':
      setOption(inv, kOptNetmask);
      if (inv.service.family != kFamilyV6) {
        in_addr mask{};
        if (::inet_aton(value.c_str(), &mask) != 0) {
          inv.service.netmaskV4 = ntohl(mask.s_addr);
        } else if (const auto h = hostAddress(value)) {
          inv.service.netmaskV4 = ntohl(h->s_addr);
        } else {
          fail("illegal virtual server persistent mask specified");
        }
      } else {
        const int prefix = std::atoi(value.c_str());
        if (prefix < 1 || prefix > 128) fail("illegal ipv6 netmask specified");
        inv.service.prefixV6 = static_cast<unsigned>(prefix);
      }
      return;
    case 'r': {
      setOption(inv, kOptServer);
      const Parsed p = parseService(value, inv.service.protocol);
      if (p.result == 0) fail("illegal real server address[:port] specified");
      inv.server.family = p.family;
      inv.server.address = p.address;
      inv.server.port = p.result == 1 ? inv.service.port : p.port;
      return;
    }
    case 'i':
    case 'g':
    case 'm':
      setOption(inv, kOptForward);
      inv.server.method = n.tag == 'i' ? Method::kTunnel : n.tag == 'g' ? Method::kRoute : Method::kMasq;
      return;
    case 'w': {
      setOption(inv, kOptWeight);
      const auto w = toNumber(value, 0, INT_MAX);
      if (!w) fail("illegal weight specified");
      inv.server.weight = static_cast<std::uint32_t>(*w);
      return;
    }
    case 'x':
    case 'y': {
      setOption(inv, n.tag == 'x' ? kOptUpperThreshold : kOptLowerThreshold);
      const auto t = toNumber(value, 0, INT_MAX);
      if (!t) fail(n.tag == 'x' ? "illegal u_threshold specified" : "illegal l_threshold specified");
      (n.tag == 'x' ? inv.server.upperThreshold : inv.server.lowerThreshold) = static_cast<std::uint32_t>(*t);
      return;
    }
    case 'c': return setOption(inv, kOptConnection);
    case 'n':
      setOption(inv, kOptNumeric);
      inv.format.numeric = true;
      return;
    case kTagMcastInterface:
      setOption(inv, kOptMcastInterface);
      inv.mcastInterface = value.substr(0, 15);
      return;
    case kTagSyncId: {
      setOption(inv, kOptSyncId);
      const auto id = toNumber(value, 0, 255);
      if (!id) fail("illegal syncid specified");
      inv.syncId = static_cast<std::uint32_t>(*id);
      return;
    }
    case kTagMcastGroup: {
      setOption(inv, kOptMcastGroup);
      in6_addr a6{};
      in_addr a4{};
      if (::inet_pton(AF_INET6, value.c_str(), &a6) > 0) {
        if (a6.s6_addr[0] != 0xff) fail("invalid IPv6 mcast-group `" + value + "'");
      } else if (::inet_pton(AF_INET, value.c_str(), &a4) > 0) {
        if ((ntohl(a4.s_addr) >> 28) != 0xe) fail("invalid IPv4 mcast-group `" + value + "'");
      } else {
        fail("invalid IPv4 mcast-group `" + value + "'");
      }
      inv.mcastGroup = value;
      return;
    }
    case kTagMcastPort:
      setOption(inv, kOptMcastPort);
      if (const auto port = toNumber(value, 1, 65535)) {
        inv.mcastPort = static_cast<std::uint32_t>(*port);
      } else {
        fail("illegal mcast-port specified");
      }
      return;
    case kTagMcastTtl:
      setOption(inv, kOptMcastTtl);
      if (const auto ttl = toNumber(value, 1, 255)) {
        inv.mcastTtl = static_cast<std::uint32_t>(*ttl);
      } else {
        fail("illegal mcast-ttl specified");
      }
      return;
    case kTagSyncMaxlen:
      setOption(inv, kOptSyncMaxlen);
      if (const auto maxlen = toNumber(value, 1, 65535 - 20 - 8)) {
        inv.syncMaxlen = static_cast<std::uint32_t>(*maxlen);
      } else {
        fail("illegal sync-maxlen specified");
      }
      return;
    case kTagTimeout: return setOption(inv, kOptTimeout);
    case kTagDaemon: return setOption(inv, kOptDaemon);
    case kTagStats:
      setOption(inv, kOptStats);
      inv.format.stats = true;
      return;
    case kTagRate:
      setOption(inv, kOptRate);
      inv.format.rate = true;
      return;
    case kTagThresholds:
      setOption(inv, kOptThresholds);
      inv.format.thresholds = true;
      return;
    case kTagPersistentConn:
      setOption(inv, kOptPersistentConn);
      inv.format.persistentConn = true;
      return;
    case kTagNoSort:
      setOption(inv, kOptNoSort);
      inv.format.noSort = true;
      return;
    case kTagSort: return;  // the default; kept for old scripts
    case 'X':
      setOption(inv, kOptExact);
      inv.format.exact = true;
      return;
    case '6':
      if (inv.service.fwmark == 0) fail("-6 used before -f\n");
      inv.service.family = kFamilyV6;
      inv.service.prefixV6 = 128;
      return;
    case 'o':
      setOption(inv, kOptOps);
      inv.service.ops = true;
      return;
    case kTagPe:
      setOption(inv, kOptPe);
      inv.service.pe = value;
      return;
    case 'b':
      setOption(inv, kOptSchedFlags);
      inv.service.schedFlags = parseSchedFlags(inv.service.scheduler, value);
      return;
    case kTagTunInfo:
      setOption(inv, kOptTunInfo);
      inv.format.tunInfo = true;
      return;
    case kTagTunType:
      setOption(inv, kOptTunType);
      if (value == "ipip") {
        inv.server.tunnelType = TunnelType::kIpip;
      } else if (value == "gue") {
        inv.server.tunnelType = TunnelType::kGue;
      } else if (value == "gre") {
        inv.server.tunnelType = TunnelType::kGre;
      } else {
        fail("illegal tunnel type specified");
      }
      return;
    case kTagTunPort: {
      setOption(inv, kOptTunPort);
      const auto port = toNumber(value, 1, 65535);
      if (!port) fail("illegal tunnel port specified");
      inv.server.tunnelPort = static_cast<std::uint16_t>(*port);
      return;
    }
    case kTagTunNoCsum:
      setOption(inv, kOptTunNoCsum);
      inv.server.tunnelChecksum = TunnelChecksum::kNone;
      return;
    case kTagTunCsum:
      setOption(inv, kOptTunCsum);
      inv.server.tunnelChecksum = TunnelChecksum::kCsum;
      return;
    case kTagTunRemCsum:
      setOption(inv, kOptTunRemCsum);
      inv.server.tunnelChecksum = TunnelChecksum::kRemCsum;
      return;
    default: fail("invalid option `" + n.word + "'");
  }
}

// ipvsadm's generic_opt_check against kLegal.
void checkCombination(const Invocation& inv) {
  const int row = static_cast<int>(inv.command) - 1;
  const char* legal = kLegal[row];
  const char* command = kCommandNames[static_cast<int>(inv.command)];
  int last = -1;
  for (int o = 0; o < kOptionCount; ++o) {
    const bool given = inv.has(static_cast<Option>(o));
    if (!given) {
      if (legal[o] == '+') {
        fail(std::string("You need to supply the '") + kOptionNames[o] + "' option for the '" + command + "' command");
      }
      continue;
    }
    if (legal[o] == 'x') fail(std::string("Illegal '") + kOptionNames[o] + "' option with the '" + command + "' command");
    if (legal[o] == '1') {
      if (last < 0) {
        last = o;
        continue;
      }
      fail(std::string("The option '") + kOptionNames[o] + "' conflicts with the '" + kOptionNames[last] +
           "' option in the '" + command + "' command");
    }
  }
}

// ipvsadm's tunnel_opt_check: which of --tun-port, --tun-nocsum,
// --tun-csum and --tun-remcsum each tunnel type takes (legend of kLegal).
void checkTunnel(const Invocation& inv) {
  constexpr Option kColumns[] = {kOptTunPort, kOptTunNoCsum, kOptTunCsum, kOptTunRemCsum};
  constexpr const char* kRows[] = {"xxxx", "+111", "x11x"};  // ipip, gue, gre
  constexpr const char* kTypes[] = {"ipip", "gue", "gre"};
  const int row = static_cast<int>(inv.server.tunnelType);
  int last = -1;
  for (int c = 0; c < 4; ++c) {
    const Option o = kColumns[c];
    const char legal = kRows[row][c];
    if (!inv.has(o)) {
      if (legal == '+') {
        fail(std::string("You need to supply the '") + kOptionNames[o] + "' option for the '" + kTypes[row] +
             "' tunnel type");
      }
      continue;
    }
    if (legal == 'x') {
      fail(std::string("Illegal '") + kOptionNames[o] + "' option with the '" + kTypes[row] + "' tunnel type");
    }
    if (legal == '1') {
      if (last < 0) {
        last = c;
        continue;
      }
      fail(std::string("The option '") + kOptionNames[o] + "' conflicts with the '" + kOptionNames[kColumns[last]] +
           "' option in the '" + kTypes[row] + "' tunnel type");
    }
  }
}

bool anyTunnelOption(const Invocation& inv) {
  for (const Option o : {kOptTunType, kOptTunPort, kOptTunNoCsum, kOptTunCsum, kOptTunRemCsum}) {
    if (inv.has(o)) return true;
  }
  return false;
}

}  // namespace

Invocation parseCommandLine(const std::vector<std::string>& args, const std::string& program, bool fromRestore) {
  Invocation inv;
  OptionReader reader(kOptions, args);
  Next n = reader.next();
  if (n.tag <= 0) tryHelp(program);
  readCommand(inv, n, program);
  while ((n = reader.next()).tag > 0) readOption(inv, n);
  if (n.tag < 0) throw Exit(kExitTryHelp, n.word + ": " + n.error + "\n");

  if (inv.command == Command::kTimeout) {
    const auto tcp = reader.takeLeftover();
    const auto fin = tcp ? reader.takeLeftover() : std::nullopt;
    const auto udp = fin ? reader.takeLeftover() : std::nullopt;
    if (!udp) fail("--set option requires 3 timeout values");
    inv.timeouts = {parseTimeout(tcp, 0, kMaxTimeout), parseTimeout(fin, 0, kMaxTimeout),
                    parseTimeout(udp, 0, kMaxTimeout)};
  }
  if (const auto extra = reader.takeLeftover()) fail("unexpected argument " + *extra);

  checkCombination(inv);

  if (inv.command == Command::kAdd || inv.command == Command::kEdit) {
    if (inv.service.fwmark == 0 && inv.service.port == 0 && !inv.service.persistent) {
      fail("Zero port specified for non-persistent service");
    }
    if (inv.service.ops && inv.service.fwmark == 0 && inv.service.protocol != kProtoUdp) {
      fail("One-Packet Scheduling is only for UDP virtual services");
    }
    if (inv.service.scheduler.empty()) inv.service.scheduler = "wlc";
  }
  if (inv.command == Command::kStartDaemon && inv.mcastInterface.empty()) inv.mcastInterface = "eth0";
  if (inv.command == Command::kAddServer || inv.command == Command::kEditServer) {
    if (inv.service.fwmark == 0 && inv.server.method != Method::kMasq) inv.server.port = inv.service.port;
    if (inv.server.family != inv.service.family && inv.server.method != Method::kTunnel) {
      fail("Different address family is allowed only for tunneling servers");
    }
    if (inv.server.method == Method::kTunnel) {
      checkTunnel(inv);
    } else if (anyTunnelOption(inv)) {
      fail("Tunnel options conflict with forward method");
    }
  }
  if (inv.command == Command::kList) {
    const bool shown = inv.has(kOptStats) || inv.has(kOptRate) || inv.has(kOptThresholds);
    if (((inv.has(kOptConnection) || inv.has(kOptTimeout) || inv.has(kOptDaemon)) && shown) ||
        ((inv.has(kOptTimeout) || inv.has(kOptDaemon)) && inv.has(kOptPersistentConn))) {
      fail("options conflicts in the list command");
    }
  }
  if (inv.command == Command::kRestore && fromRestore) tryHelp(program);
  return inv;
}

std::string versionText() { return "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n"; }

}  // namespace sluice::ipvsadm
