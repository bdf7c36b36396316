// One ipvsadm command line, read as ipvsadm 1.31 reads it: the command,
// the options given (for ipvsadm's table of legal combinations), the
// virtual service, the real server, and what the listing shows.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::ipvsadm {

enum class Command {
  kNone,
  kAdd,
  kEdit,
  kDelete,
  kFlush,
  kList,
  kAddServer,
  kDeleteServer,
  kEditServer,
  kTimeout,
  kStartDaemon,
  kStopDaemon,
  kRestore,
  kSave,
  kZero,
};

// ipvsadm's options, in the order of its table (one bit each).
enum Option : int {
  kOptNumeric,
  kOptConnection,
  kOptService,
  kOptScheduler,
  kOptPersistent,
  kOptNetmask,
  kOptServer,
  kOptForward,
  kOptWeight,
  kOptUpperThreshold,
  kOptLowerThreshold,
  kOptMcastInterface,
  kOptTimeout,
  kOptDaemon,
  kOptStats,
  kOptRate,
  kOptThresholds,
  kOptPersistentConn,
  kOptNoSort,
  kOptSyncId,
  kOptExact,
  kOptOps,
  kOptPe,
  kOptSchedFlags,
  kOptMcastGroup,
  kOptMcastPort,
  kOptMcastTtl,
  kOptSyncMaxlen,
  kOptTunInfo,
  kOptTunType,
  kOptTunPort,
  kOptTunNoCsum,
  kOptTunCsum,
  kOptTunRemCsum,
  kOptionCount,
};

// What -L shows (ipvsadm's FMT_* flags).
struct Format {
  bool numeric = false;
  bool rule = false;  // -S
  bool stats = false;
  bool rate = false;
  bool thresholds = false;
  bool persistentConn = false;
  bool noSort = false;
  bool exact = false;
  bool tunInfo = false;
};

constexpr int kFamilyV4 = 4;
constexpr int kFamilyV6 = 6;

constexpr int kProtoTcp = 6;
constexpr int kProtoUdp = 17;
constexpr int kProtoSctp = 132;

// "TCP", "UDP", "SCTP": ipvsadm's listings and sluice's API both say so.
inline const char* protocolName(int protocol) {
  switch (protocol) {
    case kProtoTcp: return "TCP";
    case kProtoUdp: return "UDP";
    case kProtoSctp: return "SCTP";
    default: return "?";
  }
}

enum class Method { kRoute, kMasq, kTunnel };

// --tun-type and its options (ipvsadm's IP_VS_CONN_F_TUNNEL_TYPE_*).
enum class TunnelType { kIpip, kGue, kGre };
enum class TunnelChecksum { kNone, kCsum, kRemCsum };

struct Service {
  int family = kFamilyV4;
  int protocol = 0;
  std::string address;  // inet_ntop text; empty for fwmark services
  std::uint16_t port = 0;
  std::uint32_t fwmark = 0;
  std::string scheduler;  // empty: not given
  bool persistent = false;
  std::uint32_t timeout = 0;     // seconds, when persistent
  std::uint32_t netmaskV4 = ~0u; // host order; -M for IPv4
  unsigned prefixV6 = 128;       // -M for IPv6
  bool ops = false;
  std::vector<std::string> schedFlags;
  std::string pe;
};

struct Server {
  int family = kFamilyV4;
  std::string address;
  std::uint16_t port = 0;
  Method method = Method::kRoute;  // ipvsadm's default: direct routing
  std::uint32_t weight = 1;
  std::uint32_t upperThreshold = 0;
  std::uint32_t lowerThreshold = 0;
  TunnelType tunnelType = TunnelType::kIpip;
  std::uint16_t tunnelPort = 0;
  TunnelChecksum tunnelChecksum = TunnelChecksum::kNone;
};

struct Invocation {
  Command command = Command::kNone;
  std::uint64_t options = 0;  // bits of Option
  Format format;
  Service service;
  Server server;
  std::array<std::uint32_t, 3> timeouts{};  // --set tcp tcpfin udp
  std::string daemonState;                  // master | backup
  std::string mcastInterface;
  std::optional<std::uint32_t> syncId;
  std::optional<std::string> mcastGroup;
  std::optional<std::uint32_t> mcastPort;
  std::optional<std::uint32_t> mcastTtl;
  std::optional<std::uint32_t> syncMaxlen;

  bool has(Option o) const { return (options >> o) & 1U; }
};

// ipvsadm's way out: a message for stderr (or stdout for -h/-v) and the
// exit status. Thrown by the parser and by the commands.
struct Exit : std::runtime_error {
  Exit(int status, const std::string& text, bool toStdout = false)
      : std::runtime_error(text), status(status), toStdout(toStdout) {}
  int status;
  bool toStdout;
};

// ipvsadm's exit statuses: fail() is 2, tryhelp_exit(-1) and a refused
// kernel operation are 255, a listing that cannot be read is 1.
constexpr int kExitFail = 2;
constexpr int kExitTryHelp = 255;
constexpr int kExitRefused = 255;
constexpr int kExitList = 1;

}  // namespace sluice::ipvsadm
