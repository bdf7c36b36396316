// sluicectl's command line: an ipvsadm-like grammar turned into one
// Command. Pure (no I/O), so every form and every refusal is testable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::sluicectl {

// Exit statuses, as scripts around ipvsadm expect them to mean something.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;      // the daemon said no (4xx/5xx) or answered nonsense
inline constexpr int kExitUsage = 2;        // the command line cannot be understood
inline constexpr int kExitUnreachable = 3;  // no daemon behind the socket

enum class Verb {
  kList,         // ipvsadm -Ln
  kConns,        // ipvsadm -Lnc
  kAddService,   // ipvsadm -A
  kEditService,  // ipvsadm -E
  kDelService,   // ipvsadm -D
  kAddServer,    // ipvsadm -a
  kDelServer,    // ipvsadm -d
  kWeight,       // ipvsadm -e ... -w
  kDrain,        // weight 0, open connections finish
  kReload,
  kVrrp,
  kSync,
  kHealth,
  kConfig,
  kConfigDiff,
  kStatus,
  kTop,          // a live view, refreshed like top's
};

// The counters `list` shows, as ipvsadm's --stats and --rate choose them.
enum class Columns { kConnections, kStats, kRate };

// A virtual service: protocol, address and port, or a firewall mark.
struct ServiceSpec {
  std::string protocol;    // "TCP", "UDP" or "SCTP"; empty for a fwmark service
  std::string address;     // canonical text, IPv6 without brackets
  std::uint16_t port = 0;  // 0 when the address was given without one
  std::uint32_t fwmark = 0;  // non-zero for a fwmark service

  // True for a service given by -f. Thread-safe.
  bool isFwmark() const { return fwmark != 0; }
};

// A real server as -r gives it.
struct ServerSpec {
  std::string address;                // canonical text, IPv6 without brackets
  std::optional<std::uint16_t> port;  // resolved to the service's port where one is needed
};

struct Command {
  Verb verb = Verb::kList;
  std::string apiSocket;  // --api-socket, or the default the caller gave
  // --connect URL instead of the socket, with --cacert, --cert/--key and
  // --token-file (else $SLUICE_API_TOKEN); empty when not given.
  std::string connect;
  std::string caCert;
  std::string clientCert;
  std::string clientKey;
  std::string tokenFile;
  bool json = false;      // --json: print the API's JSON instead of tables
  bool help = false;      // -h/--help: everything else is ignored
  Columns columns = Columns::kConnections;
  std::optional<ServiceSpec> service;
  std::optional<ServerSpec> server;
  std::optional<std::string> scheduler;             // -s, passed through: the daemon knows the list
  std::optional<std::uint32_t> persistenceSeconds;  // -p [SECONDS]
  std::optional<std::string> method;                // "NAT", "DR" or "TUN" (-M, or -m/-g/-i)
  std::optional<std::uint32_t> weight;              // -w, or weight's WEIGHT argument
  // top's: -d SECONDS, -n N (frames, then exit), -b / --once (frames as
  // plain text, no terminal), --view services|drops|vrrp.
  std::uint32_t delayMs = 2000;
  std::optional<std::uint64_t> iterations;
  bool batch = false;
  std::string view = "services";
};

// A command, or why the line was refused (one sentence, no prefix).
struct ParseResult {
  std::optional<Command> command;
  std::string error;
};

// Parses the arguments after the program name; defaultSocket is used when
// --api-socket is absent. Thread-safe.
ParseResult parseCommandLine(const std::vector<std::string>& args, const std::string& defaultSocket);

// The --help text. Thread-safe.
std::string usage(std::string_view program);

}  // namespace sluice::sluicectl
