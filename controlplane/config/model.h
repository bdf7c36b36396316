// The typed configuration model: what a keepalived.conf (plus sluice's
// dataplane block) says, with keepalived's defaults filled in. Plain data:
// the parser builds it, the data plane, VRRP and health checkers read it.
// Every duration is a std::chrono::milliseconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/config/address.h"
#include "controlplane/config/tracker_model.h"

namespace sluice::config {

using Duration = std::chrono::milliseconds;

// ---------------------------------------------------------------- common

// A script to run on an event: the command line as written (a quoted string
// may carry arguments) and the optional user/group to run it as.
struct ScriptCommand {
  std::string command;
  std::optional<std::string> user;
  std::optional<std::string> group;

  bool operator==(const ScriptCommand&) const = default;
};

// IPVS connection timeouts (`lvs_timeouts tcp N tcpfin N udp N`); an unset
// value keeps the built-in one.
struct LvsTimeouts {
  std::optional<Duration> tcp;
  std::optional<Duration> tcpFin;
  std::optional<Duration> udp;

  bool operator==(const LvsTimeouts&) const = default;
};

enum class Protocol : std::uint8_t { kTcp, kUdp, kSctp };
enum class ForwardingMethod : std::uint8_t { kNat, kDr, kTun };

// The encapsulation of a TUN real server (`lvs_method TUN type ...`,
// IPVS's IP_VS_CONN_F_TUNNEL_TYPE_*): the client's packet in an outer IP
// header, with a GUE (UDP) or GRE header between for those two.
enum class TunnelType : std::uint8_t { kIpip, kGue, kGre };

// The options of `lvs_method TUN [type ipip|gue port N|gre] [nocsum|csum]`
// (keepalived's tun_type, tun_port and tun_flags). keepalived's rules hold
// for every spec the parser or the API accepts: a port with GUE and only
// with GUE, no checksum with IPIP. `remcsum` (GUE remote checksum offload)
// is refused, so it has no value here.
struct TunnelSpec {
  TunnelType type = TunnelType::kIpip;
  std::uint16_t port = 0;  // GUE: the real server's UDP port, 1-65535; 0 for ipip and gre
  bool checksum = false;   // `csum`: GUE's UDP checksum or GRE's checksum; `nocsum` (default): none

  bool operator==(const TunnelSpec&) const = default;
};

// ---------------------------------------------------------------- global_defs

struct SmtpServer {
  std::string host;  // an IP address or a host name
  std::uint16_t port = 25;

  bool operator==(const SmtpServer&) const = default;
};

// RFC 5798's VRRP multicast groups, keepalived's defaults. Thread-safe.
inline wire::IpAddress defaultVrrpGroup4() { return wire::IpAddress::v4(224, 0, 0, 18); }

// ff02::12. Thread-safe.
inline wire::IpAddress defaultVrrpGroup6() {
  return wire::IpAddress{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12}, wire::IpFamily::kV6};
}

// IPVS's sync daemon multicast group (IP_VS_SYNC_GROUP), the kernel's
// default. Thread-safe.
inline wire::IpAddress defaultSyncGroup() { return wire::IpAddress::v4(224, 0, 0, 81); }

// `lvs_sync_daemon INTERFACE [[inst] VRRP_INSTANCE] [id SYNCID] [maxlen LEN]
// [port PORT] [ttl TTL] [group ADDR]` (or a vrrp_instance's deprecated
// `lvs_sync_daemon_interface`): where and how connection state is sent to
// and received from the peer router. Values are resolved: what the line
// leaves out has the kernel's default.
struct SyncDaemon {
  std::string interface;  // a port of the dataplane block (keepalived: a kernel interface)
  // The vrrp_instance whose state the sync follows: master sends, backup
  // receives. Unset: no instance, sender and receiver both run all the
  // time (keepalived starts IPVS's master and backup daemons together).
  std::optional<std::string> instance;
  std::uint8_t syncId = 0;                     // `id`, else the instance's virtual_router_id, else 0
  std::uint16_t maxLen = 1472;                 // 1-65507; default: 1500 less IP and UDP headers (1452 for IPv6)
  std::uint16_t port = 8848;                   // UDP port of the multicast group
  std::uint8_t ttl = 1;                        // 1-255
  wire::IpAddress group = defaultSyncGroup();  // IPv4 or IPv6 multicast
  // Without an instance, which of IPVS's two daemons run: keepalived's
  // lvs_sync_daemon starts both; ipvsadm --start-daemon/--stop-daemon
  // (through the API) one at a time. With an instance its state decides.
  bool master = true;
  bool backup = true;

  bool operator==(const SyncDaemon&) const = default;
};

struct GlobalDefs {
  std::optional<std::string> routerId;  // unset: the host name
  std::vector<std::string> notificationEmail;
  std::optional<std::string> notificationEmailFrom;
  std::optional<SmtpServer> smtpServer;
  std::optional<std::string> smtpHeloName;
  Duration smtpConnectTimeout = std::chrono::seconds{30};
  std::optional<bool> smtpAlert;
  std::optional<bool> smtpAlertVrrp;     // VRRP's smtp_alert default, before smtpAlert
  std::optional<bool> smtpAlertChecker;  // the health checks' one, before smtpAlert
  std::uint8_t vrrpVersion = 2;  // default for instances that do not say
  std::optional<std::string> scriptUser;
  std::optional<std::string> scriptGroup;
  bool enableScriptSecurity = false;
  std::optional<LvsTimeouts> lvsTimeouts;
  Duration vrrpGarpMasterDelay =
      std::chrono::seconds{5};             // second burst of GARPs after becoming master; 0: none
  std::uint32_t vrrpGarpMasterRepeat = 5;  // GARPs per burst
  Duration vrrpGarpMasterRefresh = std::chrono::seconds{0};  // periodic GARP while master; 0: none
  std::uint32_t vrrpGarpMasterRefreshRepeat = 1;
  Duration vrrpGarpInterval = Duration{0};  // between two GARPs on one port; 0: back to back
  Duration vrrpGnaInterval = Duration{0};   // between two unsolicited NAs on one port; 0: back to back
  wire::IpAddress vrrpMcastGroup4 = defaultVrrpGroup4();
  wire::IpAddress vrrpMcastGroup6 = defaultVrrpGroup6();
  bool vrrpStrict = false;
  std::optional<SyncDaemon> lvsSyncDaemon;  // unset: no connection sync

  bool operator==(const GlobalDefs&) const = default;
};

// ---------------------------------------------------------------- VRRP

struct VrrpScript {
  std::string name;
  std::string script;  // command line
  Duration interval = std::chrono::seconds{1};
  std::optional<Duration> timeout;  // unset: same as interval
  int weight = 0;                   // -253..253; 0: failure means FAULT
  bool weightReverse = false;
  std::uint32_t rise = 1;  // successes needed to become OK
  std::uint32_t fall = 1;  // failures needed to become KO
  std::optional<std::string> user;
  std::optional<std::string> group;
  bool initFail = false;

  bool operator==(const VrrpScript&) const = default;
};

// A `track_script` entry; weight unset means the script's own weight.
struct TrackScript {
  std::string name;
  std::optional<int> weight;
  bool reverse = false;

  bool operator==(const TrackScript&) const = default;
};

// A `track_interface` entry; weight 0 means a down interface is a FAULT.
struct TrackInterface {
  std::string name;
  int weight = 0;
  bool reverse = false;

  bool operator==(const TrackInterface&) const = default;
};

struct NotifyScripts {
  std::optional<ScriptCommand> master;
  std::optional<ScriptCommand> backup;
  std::optional<ScriptCommand> fault;
  std::optional<ScriptCommand> stop;
  std::optional<ScriptCommand> any;  // `notify`: every transition, state as arguments

  bool operator==(const NotifyScripts&) const = default;
};

struct VrrpSyncGroup {
  std::string name;
  std::vector<std::string> instances;
  NotifyScripts notify;
  std::optional<bool> smtpAlert;
  std::vector<TrackScript> trackScripts;
  std::vector<TrackInterface> trackInterfaces;
  std::vector<TrackRef> trackFiles;
  std::vector<TrackRef> trackProcesses;
  std::vector<TrackRef> trackBfds;  // track_bfd { }: bfd_instance names
  // sync_group_tracking_weight: the members' own trackers keep their
  // weights (without it keepalived ignores them, see tracking_weight_rules.h).
  bool trackingWeight = false;

  bool operator==(const VrrpSyncGroup&) const = default;
};

enum class VrrpState : std::uint8_t { kBackup, kMaster };
enum class AuthType : std::uint8_t { kPass, kAh };

struct VrrpAuthentication {
  AuthType type = AuthType::kPass;
  std::string password;  // at most 8 characters are significant on the wire

  bool operator==(const VrrpAuthentication&) const = default;
};

// A `virtual_ipaddress` (or excluded) entry: ADDR[/LEN] [dev IF] [label L] ...
struct VirtualIp {
  IpPrefix address;                // no /LEN given: /32 or /128
  std::optional<std::string> dev;  // unset: the instance's interface
  std::optional<std::string> label;
  std::optional<wire::IpAddress> broadcast;
  std::optional<std::string> scope;
  bool noTrack = false;

  bool operator==(const VirtualIp&) const = default;
};

struct VrrpInstance {
  std::string name;
  VrrpState state = VrrpState::kBackup;
  std::optional<std::string> interface;  // may be unset only with unicast peers
  std::uint8_t virtualRouterId = 0;      // 1-255, required
  std::uint8_t priority = 100;           // 1-255
  std::uint16_t advertIntCs = 100;       // advert interval, centiseconds (VRRPv3 units)
  std::optional<VrrpAuthentication> authentication;
  std::vector<VirtualIp> virtualIpAddresses;
  std::vector<VirtualIp> virtualIpAddressesExcluded;
  std::vector<TrackScript> trackScripts;
  std::vector<TrackInterface> trackInterfaces;
  std::vector<TrackRef> trackFiles;      // track_file { }
  std::vector<TrackRef> trackProcesses;  // track_process { }
  std::vector<TrackRef> trackBfds;       // track_bfd { }: bfd_instance names
  bool nopreempt = false;
  Duration preemptDelay = std::chrono::seconds{0};
  std::optional<Duration> garpMasterDelay;  // unset: global vrrp_garp_master_delay
  std::optional<std::uint32_t> garpMasterRepeat;
  std::optional<Duration> garpMasterRefresh;
  std::optional<std::uint32_t> garpMasterRefreshRepeat;
  NotifyScripts notify;
  std::optional<bool> smtpAlert;
  std::optional<wire::IpAddress> mcastSrcIp;
  std::optional<wire::IpAddress> unicastSrcIp;
  std::vector<wire::IpAddress> unicastPeers;  // empty: multicast
  std::uint8_t version = 2;  // resolved: own `version`, else IPv6 VIPs -> 3, else global vrrp_version
  bool accept = true;        // accept packets to the VIPs when not address owner
  bool dontTrackPrimary = false;
  // use_vmac [NAME] [MAC]: adverts, gratuitous ARPs/NAs and ARP/ND answers
  // for the VIPs come from the virtual MAC (virtualMacOf), which the port
  // accepts too. NAME is keepalived's macvlan; sluice makes no interface.
  bool useVmac = false;
  std::optional<std::string> vmacInterface;
  std::optional<MacAddress> vmacAddress;  // as written (5 octets: + the VRID); unset: RFC 5798's
  bool vmacXmitBase = false;              // vmac_xmit_base: adverts from the port's own MAC

  bool operator==(const VrrpInstance&) const = default;
};

// The virtual MAC an instance with use_vmac speaks from: its MAC as
// written, else RFC 5798's 00:00:5e:00:01:VRID (IPv4) or
// 00:00:5e:00:02:VRID (IPv6, the family of its first VIP); nullopt
// without use_vmac. Thread-safe.
std::optional<MacAddress> virtualMacOf(const VrrpInstance& instance);
// Whether one of the instance's addresses lives on its virtual MAC: with
// use_vmac, those of the instance's family that name no other interface
// (keepalived puts exactly those on its macvlan). Thread-safe.
bool onVirtualMac(const VrrpInstance& instance, const VirtualIp& address);

// ---------------------------------------------------------------- LVS

// One `IP[-RANGE] [PORT]` entry of a virtual_server_group; first == last for
// a single address.
struct AddressRange {
  wire::IpAddress first;
  wire::IpAddress last;
  std::uint16_t port = 0;  // 0: every port (persistent services only)

  bool operator==(const AddressRange&) const = default;
};

struct VirtualServerGroup {
  std::string name;
  std::vector<AddressRange> ranges;
  std::vector<std::uint32_t> fwmarks;

  bool operator==(const VirtualServerGroup&) const = default;
};

// Health check timing as written at one level (virtual server, real server
// or check); what is unset comes from the level above.
struct CheckTiming {
  std::optional<Duration> delayLoop;
  std::optional<Duration> connectTimeout;
  std::optional<std::uint32_t> retry;
  std::optional<Duration> delayBeforeRetry;
  std::optional<Duration> warmup;

  bool operator==(const CheckTiming&) const = default;
};

enum class CheckType : std::uint8_t { kTcp, kHttp, kSsl, kMisc, kDns, kSmtp, kBfd, kUdp, kPing };

struct StatusRange {
  std::uint16_t first = 200;
  std::uint16_t last = 299;

  bool operator==(const StatusRange&) const = default;
};

// One `url { }` of HTTP_GET / SSL_GET.
struct UrlCheck {
  std::string path;
  std::optional<std::string> digest;     // MD5 of the body, lower-case hex
  std::vector<StatusRange> statusCodes;  // never empty: default 200-299
  std::optional<std::string> virtualhost;

  bool operator==(const UrlCheck&) const = default;
};

// One legacy `host { }` block of SMTP_CHECK: where one more SMTP dialogue
// goes. Only while parsing: the real server's grammar makes each host an
// SMTP_CHECK of its own, as keepalived does, so a parsed model has none.
struct SmtpHost {
  std::optional<wire::IpAddress> connectIp;  // unset: the real server's address
  std::optional<std::uint16_t> connectPort;  // unset: the real server's port
  std::optional<wire::IpAddress> bindTo;
  std::optional<std::uint16_t> bindPort;
  std::optional<Duration> connectTimeout;

  bool operator==(const SmtpHost&) const = default;
};

// UDP_CHECK's datagram and the reply it wants, hex as config/hex_octets.h
// writes it (two digits an octet, x an open nibble of the reply).
struct UdpCheck {
  std::string payload;  // empty: keepalived's 32 octets of "keepalived check - "
  bool requireReply = false;
  std::string reply;    // require_reply's pattern: the reply's first octets; empty: any reply
  // The reply's length bounds: keepalived applies them only with a pattern.
  std::uint16_t minReplyLength = 0;
  std::uint16_t maxReplyLength = 255;

  bool operator==(const UdpCheck&) const = default;
};

struct HealthCheck {
  CheckType type = CheckType::kTcp;
  CheckTiming configured;  // as written in this check block

  // Resolved timing: check, else real server, else virtual server, else
  // keepalived's default. A real server is marked down after `fall`
  // consecutive failures (keepalived: 1 + retry) and up after `rise` successes.
  Duration delayLoop = std::chrono::seconds{60};
  Duration connectTimeout = std::chrono::seconds{5};
  std::uint32_t retry = 1;                              // 0 for MISC_CHECK, 3 for DNS_CHECK by default
  Duration delayBeforeRetry = std::chrono::seconds{1};  // 3 s for HTTP_GET/SSL_GET, delay_loop for DNS_CHECK by default
  Duration warmup = std::chrono::seconds{60};           // random start delay up to this; default delay_loop
  std::uint32_t rise = 1;
  std::uint32_t fall = 2;  // always retry + 1

  std::optional<wire::IpAddress> connectIp;        // unset: the real server's address
  std::optional<std::uint16_t> connectPort;  // unset: the real server's port
  std::optional<wire::IpAddress> bindTo;
  std::optional<std::uint16_t> bindPort;

  // HTTP_GET / SSL_GET
  std::vector<UrlCheck> urls;
  std::optional<std::string> virtualhost;
  bool enableSni = false;

  // MISC_CHECK
  std::string miscPath;
  std::optional<Duration> miscTimeout;  // unset: delayLoop
  bool miscDynamic = false;
  std::optional<std::string> user;
  std::optional<std::string> group;

  // DNS_CHECK: one UDP query of dnsType (A, NS, CNAME, SOA, MX, TXT, AAAA,
  // RRSIG, DNSKEY; upper case) for dnsName ("." the root).
  std::string dnsType = "SOA";
  std::string dnsName = ".";

  // SMTP_CHECK: the name sent in HELO; smtpHosts as above.
  std::string heloName = "smtpchecker.keepalived.org";
  std::vector<SmtpHost> smtpHosts;

  // BFD_CHECK: the bfd_instance whose session state is this check's verdict.
  std::string bfdName;
  bool bfdAlpha = false;  // `alpha`: starts down until the session is Up

  UdpCheck udp;  // UDP_CHECK

  bool operator==(const HealthCheck&) const = default;
};

// bfd_instance { }: an RFC 5880/5881 single-hop BFD session with a
// neighbour, tracked by BFD_CHECK and by track_bfd. Timers to the microsecond (keepalived
// reads milliseconds with up to 3 decimals).
struct BfdInstance {
  std::string name;
  wire::IpAddress neighbor;
  std::optional<wire::IpAddress> source;
  std::uint32_t minRxUs = 10'000;
  std::uint32_t minTxUs = 10'000;
  std::uint32_t idleTxUs = 1'000'000;
  std::uint8_t multiplier = 5;
  bool passive = false;
  std::uint8_t ttl = 255;     // sent; resolved: 255 (IPv4) or 64 (IPv6) unless written
  std::uint8_t maxHops = 0;   // received TTL must be at least ttl - maxHops; 255: not checked
  int weight = 0;             // track_bfd's default weight (vrrp)
  bool weightReverse = false;

  bool operator==(const BfdInstance&) const = default;
};

struct RealServer {
  wire::IpAddress address;
  std::uint16_t port = 0;  // resolved to the virtual server's port when not given
  std::uint32_t weight = 1;
  std::optional<ForwardingMethod> method;  // unset: the virtual server's (with its tunnel)
  // With its own `lvs_method TUN`: that line's options (unset: ipip, no
  // checksum). Unset with another method, or when method is unset.
  std::optional<TunnelSpec> tunnel;
  std::optional<bool> inhibitOnFailure;  // unset: the virtual server's
  std::optional<ScriptCommand> notifyUp;
  std::optional<ScriptCommand> notifyDown;
  std::uint32_t upperThreshold = 0;  // 0: no limit
  std::uint32_t lowerThreshold = 0;
  std::optional<std::string> virtualhost;
  std::optional<bool> smtpAlert;
  CheckTiming checkDefaults;  // as written on the real server
  std::vector<HealthCheck> checks;
  std::vector<FileCheck> fileChecks;  // FILE_CHECK { }

  bool operator==(const RealServer&) const = default;
};

struct SorryServer {
  wire::IpAddress address;
  std::uint16_t port = 0;
  bool inhibit = false;
  std::optional<ForwardingMethod> method;  // unset: the virtual server's (with its tunnel)
  std::optional<TunnelSpec> tunnel;        // as RealServer::tunnel, from sorry_server_lvs_method TUN

  bool operator==(const SorryServer&) const = default;
};

enum class VirtualServerKind : std::uint8_t { kAddress, kFwmark, kGroup };

// The IPVS schedulers sluice implements, by keepalived name.
inline constexpr std::string_view kSchedulers[] = {"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
                                                   "sh", "sed", "nq", "mh",  "fo",   "ovf"};

// sluice's per-client limits of a service (keepalived has none): unset
// fields take the dataplane block's, then the defaults (no limit; a
// client is its whole address). Counted per worker, exactly: steering
// keeps each client prefix on one worker.
struct ClientLimits {
  // A worker's connection table holds at most 2^28 entries: a larger
  // connection limit could never be reached. Steering sends a whole
  // client prefix to one worker: shorter prefixes than these would pile a
  // large share of the clients onto one.
  static constexpr std::uint32_t kMaxConnections = 1u << 28;
  static constexpr std::uint32_t kMaxRate = 100'000'000;
  static constexpr std::uint8_t kMinPrefixV4 = 8;
  static constexpr std::uint8_t kMinPrefixV6 = 32;

  std::optional<std::uint32_t> maxConnections;  // live connections per client; 0: no limit
  std::optional<std::uint32_t> maxRate;         // new connections per second per client; 0: no limit
  std::optional<std::uint8_t> prefixV4;         // an IPv4 client is its address masked to this length
  std::optional<std::uint8_t> prefixV6;

  bool operator==(const ClientLimits&) const = default;
};

struct VirtualServer {
  VirtualServerKind kind = VirtualServerKind::kAddress;
  wire::IpAddress address;         // kAddress
  std::uint16_t port = 0;    // kAddress; 0: every port (persistent only)
  std::uint32_t fwmark = 0;  // kFwmark
  std::string group;         // kGroup: a virtual_server_group name
  Protocol protocol = Protocol::kTcp;
  std::string scheduler = "wlc";
  // IPVS's scheduler flags, kSchedFlag1..3 (sched_flags.h): what they mean
  // is the scheduler's (sh-port, mh-fallback, ...).
  std::uint8_t schedFlags = 0;
  // One-packet scheduling (IPVS's ops): every UDP datagram is scheduled on
  // its own and leaves no connection. UDP datagrams only: keepalived drops
  // it from a TCP or SCTP address service; a fwmark service keeps it for
  // the UDP packets its mark covers.
  bool ops = false;
  ForwardingMethod method = ForwardingMethod::kNat;
  // With method kTun: the options of its `lvs_method TUN` (unset: ipip, no
  // checksum). Unset with another method.
  std::optional<TunnelSpec> tunnel;
  std::optional<Duration> persistenceTimeout;          // set: persistent service
  std::optional<std::uint8_t> persistenceGranularity;  // client prefix length
  std::optional<SorryServer> sorryServer;
  std::uint32_t quorum = 1;
  std::uint32_t hysteresis = 0;
  std::optional<ScriptCommand> quorumUp;
  std::optional<ScriptCommand> quorumDown;
  bool inhibitOnFailure = false;
  bool alpha = false;
  bool omega = false;
  bool haSuspend = false;
  std::optional<std::string> virtualhost;
  std::optional<bool> smtpAlert;
  CheckTiming checkDefaults;  // as written on the virtual server
  ClientLimits clientLimits;  // client_max_connections and the others, as written here
  std::vector<RealServer> realServers;

  bool operator==(const VirtualServer&) const = default;
};

// How one real (or sorry) server is reached, resolved: its own lvs_method
// line (method and tunnel options together), else the virtual server's,
// which keepalived copies to a server without a line of its own.
struct Forwarding {
  ForwardingMethod method = ForwardingMethod::kNat;
  TunnelSpec tunnel;  // meaningful with kTun only

  bool operator==(const Forwarding&) const = default;
};

// Thread-safe for readers.
Forwarding forwardingOf(const VirtualServer& vs, const RealServer& rs);
Forwarding forwardingOf(const VirtualServer& vs, const SorryServer& sorry);

// The first value of `limits` out of its range, as "keyword: why", or
// empty when none is: the parser's ranges, for the API. Thread-safe.
std::string clientLimitsProblem(const ClientLimits& limits);

// What breaks keepalived's rules for a tunnel (a port with type gue and
// only with it; no checksum with ipip), or empty when nothing does: the
// parser, the API and the table builder say it the same way. Thread-safe.
std::string tunnelProblem(const TunnelSpec& tunnel);

// ---------------------------------------------------------------- dataplane { }

// A DPDK port standing for the kernel interface name keepalived uses.
struct DataplanePort {
  std::string name;    // e.g. eth0, as in `interface eth0`
  std::string device;  // DPDK device string: PCI address or vdev with args
  std::vector<IpPrefix> addresses;
  std::optional<wire::IpAddress> gateway;
  std::optional<std::uint16_t> queues;
  // A TAP interface of this name carries the router's own traffic to and
  // from the kernel (for ports without a kernel interface of their own).
  std::optional<std::string> exceptionTap;
  // `mtu N`: the MTU sluice assumes for the port's link, the largest IP
  // packet it sends there (tunnel encapsulation is checked against it).
  // sluice does not set the link's or the NIC's MTU. 68-9000; at least
  // 1280 when the port has an IPv6 address.
  std::uint16_t mtu = 1500;

  bool operator==(const DataplanePort&) const = default;
};

struct StaticRoute {
  IpPrefix destination;
  wire::IpAddress via;
  std::string dev;

  bool operator==(const StaticRoute&) const = default;
};

struct StaticNeighbor {
  wire::IpAddress address;
  MacAddress lladdr;
  std::string dev;

  bool operator==(const StaticNeighbor&) const = default;
};

struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;

  bool operator==(const PortRange&) const = default;
};

// `match PREFIX PROTO [PORTS]`: packets to PREFIX with that protocol and a
// destination port in one of the ranges (every port when none) get the mark.
struct FwmarkMatch {
  IpPrefix destination;
  Protocol protocol = Protocol::kTcp;
  std::vector<PortRange> ports;

  bool operator==(const FwmarkMatch&) const = default;
};

struct FwmarkRule {
  std::uint32_t mark = 0;
  std::vector<FwmarkMatch> matches;

  bool operator==(const FwmarkRule&) const = default;
};

struct Dataplane {
  std::vector<std::uint32_t> lcores;  // first: control plane; the rest: workers
  // DPDK's lcore-to-CPU map (`0@0,(1-2)@1`) as written, when lcores used
  // that form; the EAL gets it as --lcores.
  std::optional<std::string> lcoreMap;
  bool noHuge = false;
  // Workers poll their queues without pause even when idle (dedicated
  // cores); without it an idle worker backs off (see docs/dataplane.md).
  bool busyPoll = false;
  std::optional<std::uint32_t> memoryMb;
  std::optional<std::uint32_t> connTableSize;  // per worker
  std::optional<LvsTimeouts> lvsTimeouts;      // overrides global_defs lvs_timeouts
  bool expireNodestConn = false;  // a packet of a connection whose real server left the service expires it
  // The FTP helper of NAT services (ip_vs_ftp, with its `ports`): on by
  // default for port 21; ftpPorts holds 1-8 distinct ports.
  bool ftpHelper = true;
  std::vector<std::uint16_t> ftpPorts{21};
  // IPVS's sync sysctls (net.ipv4.vs.sync_*), with the kernel's defaults. A
  // connection is synced when its packet count modulo syncPeriod equals
  // syncThreshold (period 0: once, at syncThreshold packets).
  std::uint32_t syncThreshold = 3;  // < syncPeriod unless syncPeriod is 0
  std::uint32_t syncPeriod = 50;
  Duration syncRefreshPeriod = std::chrono::seconds{0};  // whole seconds; 0: no timer-based resync
  std::uint8_t syncRetries = 0;                          // 0-3, every syncRefreshPeriod / 8
  // sluice's own: how long a recovering node of higher priority (with
  // preempt) waits for its bulk sync before it takes over anyway.
  Duration syncTakeoverWait = std::chrono::seconds{10};  // 0-3600 s
  std::uint16_t syncBulkPort = 8849;                     // TCP port of the bulk sync between two sluiced
  ClientLimits clientLimits;  // every service's, unless its virtual_server says otherwise
  std::vector<DataplanePort> ports;
  std::vector<StaticRoute> routes;
  std::vector<StaticNeighbor> neighbors;
  std::vector<FwmarkRule> fwmarks;

  // The port called `name`, or null. Thread-safe for readers.
  const DataplanePort* findPort(std::string_view name) const;
  // The fwmark rule for `mark`, or null. Thread-safe for readers.
  const FwmarkRule* findFwmark(std::uint32_t mark) const;

  bool operator==(const Dataplane&) const = default;
};

// ---------------------------------------------------------------- api { }

// sluice's control API listeners (docs/api.md).
struct ApiConfig {
  std::optional<std::string> socket;            // Unix socket path; unset: the default
  std::optional<wire::IpAddress> listenAddress;       // TCP listener address (127.0.0.1 when only a port is given)
  std::optional<std::uint16_t> listenPort;      // set: listen on TCP too
  std::optional<std::string> token;             // bearer token for TCP
  std::optional<std::string> tokenFile;         // or the first line of this file
  std::optional<std::string> tlsCertificate;    // PEM: the TCP listener speaks TLS with it
  std::optional<std::string> tlsKey;            // PEM: its private key
  std::optional<std::string> tlsClientCa;       // PEM: mutual TLS, clients show a certificate it signed
  bool allowPlainTcp = false;                   // plain HTTP on TCP: only when asked for
  std::optional<std::uint32_t> authFailureLimit;  // failures per minute per client; 0: no limit

  bool operator==(const ApiConfig&) const = default;
};

// ---------------------------------------------------------------- the whole

struct Config {
  GlobalDefs globalDefs;
  std::vector<VrrpScript> vrrpScripts;
  std::vector<TrackFile> trackFiles;
  std::vector<TrackProcess> trackProcesses;
  std::vector<VrrpSyncGroup> vrrpSyncGroups;
  std::vector<VrrpInstance> vrrpInstances;
  std::vector<VirtualServerGroup> virtualServerGroups;
  std::vector<VirtualServer> virtualServers;
  std::optional<Dataplane> dataplane;
  std::optional<ApiConfig> api;
  std::vector<BfdInstance> bfdInstances;

  // The bfd_instance called `name`, or null. Thread-safe for readers.
  const BfdInstance* findBfdInstance(std::string_view name) const;
  // The vrrp_script called `name`, or null. Thread-safe for readers.
  const VrrpScript* findVrrpScript(std::string_view name) const;
  // The track_file / vrrp_track_process called `name`, or null. Thread-safe for readers.
  const TrackFile* findTrackFile(std::string_view name) const;
  const TrackProcess* findTrackProcess(std::string_view name) const;
  // The vrrp_instance called `name`, or null. Thread-safe for readers.
  const VrrpInstance* findVrrpInstance(std::string_view name) const;
  // The vrrp_sync_group called `name`, or null. Thread-safe for readers.
  const VrrpSyncGroup* findVrrpSyncGroup(std::string_view name) const;
  // The vrrp_sync_group that lists the vrrp_instance `instance` (the
  // grammar allows at most one), or null. Thread-safe for readers.
  const VrrpSyncGroup* syncGroupOf(std::string_view instance) const;
  // The virtual_server_group called `name`, or null. Thread-safe for readers.
  const VirtualServerGroup* findVirtualServerGroup(std::string_view name) const;

  bool operator==(const Config&) const = default;
};

// keepalived's spelling of enum values ("TCP", "NAT", "MASTER", "PASS",
// "TCP_CHECK", ...). Thread-safe.
std::string_view toString(Protocol p);
std::string_view toString(ForwardingMethod m);
std::string_view toString(TunnelType t);  // keepalived's: "ipip", "gue", "gre"
std::string_view toString(VrrpState s);
std::string_view toString(AuthType t);
std::string_view toString(CheckType t);
std::string_view toString(VirtualServerKind k);

// A virtual server as an operator writes it: "10.0.0.1 80 TCP",
// "fwmark 80", "group NAME TCP". Thread-safe.
std::string describe(const VirtualServer& vs);

}  // namespace sluice::config
