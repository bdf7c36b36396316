// The numbers of the IPVS connection-sync protocol: message and entry
// sizes, option types, the IP_VS_CONN_F_* connection flags, the protocols
// IPVS keeps connections for and their state numbers, as the Linux kernel
// defines them (include/uapi/linux/ip_vs.h, include/net/ip_vs.h,
// net/netfilter/ipvs/ip_vs_sync.c). docs/sync.md draws the layouts.
//
// Thread-safety: constants and pure functions only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::sync {

// --- Messages ----------------------------------------------------------------

// The sync group and port a kernel master sends to by default.
inline constexpr std::array<uint8_t, 4> kDefaultGroupV4 = {224, 0, 0, 81};
inline constexpr uint16_t kDefaultPort = 8848;

inline constexpr std::size_t kHeaderSizeV1 = 8;  // reserved, syncid, size, count, version, spare
inline constexpr std::size_t kHeaderSizeV0 = 4;  // count, syncid, size
inline constexpr int8_t kProtocolVersion = 1;   // the header's version byte

// The kernel's default message length: a 1500-byte MTU less the IPv4 and
// UDP headers. ipvsadm --sync-maxlen sets another.
inline constexpr std::size_t kDefaultMaxLength = 1472;
// The entry count is one byte.
inline constexpr std::size_t kMaxEntriesPerMessage = 255;

// --- Entries (version 1) --------------------------------------------------------

inline constexpr std::size_t kEntrySizeV4 = 36;  // fixed part: 24 bytes + 3 IPv4 addresses
inline constexpr std::size_t kEntrySizeV6 = 72;  // fixed part: 24 bytes + 3 IPv6 addresses
inline constexpr std::size_t kEntryFieldsSize = 24;  // type .. timeout, before the addresses
inline constexpr uint8_t kEntryTypeInet6 = 0x01;     // the type byte's only defined bit
inline constexpr uint16_t kEntrySizeMask = 0x0fff;   // ver_size: low 12 bits the size,
inline constexpr unsigned kEntryVersionShift = 12;   // top 4 the entry version (0)
inline constexpr std::size_t kEntryAlignment = 4;    // the next entry starts on 4 bytes

// Options after an entry's addresses: type, length (of the data), data.
inline constexpr uint8_t kOptionSeqData = 1;   // struct ip_vs_sync_conn_options
inline constexpr uint8_t kOptionPeData = 2;    // persistence engine data (SIP Call-ID)
inline constexpr uint8_t kOptionPeName = 3;    // persistence engine name ("sip")
// A type with this bit set is optional: a receiver that does not know it
// skips it; an unknown type without it is mandatory.
inline constexpr uint8_t kOptionOptional = 0x40;
inline constexpr std::size_t kSeqDataSize = 24;       // two ip_vs_seq of three u32 each
inline constexpr std::size_t kOptionHeaderSize = 2;
inline constexpr std::size_t kSeqOptionSize = kOptionHeaderSize + kSeqDataSize;  // 26
inline constexpr std::size_t kMaxPeNameSize = 16;     // IP_VS_PENAME_MAXLEN
inline constexpr std::size_t kMaxPeDataSize = 255;    // IP_VS_PEDATA_MAXLEN

// The largest entry this library encodes: IPv6 with sequence data.
inline constexpr std::size_t kMaxEncodedEntrySize = kEntrySizeV6 + kSeqOptionSize;  // 98

// --- Entries (version 0, IPv4 only, decoded only) ----------------------------

inline constexpr std::size_t kEntrySizeV0 = 24;
inline constexpr std::size_t kSeqDataSizeV0 = 24;  // follows when the flags carry kSeqMask

// --- Connection flags (IP_VS_CONN_F_*) -------------------------------------------

namespace conn_flags {
inline constexpr uint32_t kForwardMask = 0x0007;  // the forwarding method, below
inline constexpr uint32_t kSync = 0x0020;         // entry created by sync (receiver side)
inline constexpr uint32_t kHashed = 0x0040;       // in the hash table (never sent by the kernel)
inline constexpr uint32_t kNoOutput = 0x0080;     // no output packets
inline constexpr uint32_t kInactive = 0x0100;     // not established
inline constexpr uint32_t kOutSeq = 0x0200;       // output sequence adjustment
inline constexpr uint32_t kInSeq = 0x0400;        // input sequence adjustment
inline constexpr uint32_t kSeqMask = 0x0600;
inline constexpr uint32_t kNoClientPort = 0x0800; // client port not known yet
inline constexpr uint32_t kTemplate = 0x1000;     // persistence template, not a connection
inline constexpr uint32_t kOnePacket = 0x2000;    // one-packet scheduling (never synced)
// What a kernel backup keeps of a received entry's flags.
inline constexpr uint32_t kBackupMask = kForwardMask | kNoOutput | kInactive | kSeqMask | kNoClientPort | kTemplate;
}  // namespace conn_flags

// The forwarding method: the low three bits of the flags.
enum class ForwardMethod : uint8_t {
  kMasquerade = 0,   // NAT
  kLocalNode = 1,
  kTunnel = 2,
  kDirectRoute = 3,
  kBypass = 4,
};

constexpr ForwardMethod forwardMethod(uint32_t flags) {
  return static_cast<ForwardMethod>(flags & conn_flags::kForwardMask);
}

// --- Protocols and states --------------------------------------------------------

namespace ip_protocol {
inline constexpr uint8_t kIp = 0;     // templates of firewall-mark services
inline constexpr uint8_t kTcp = 6;
inline constexpr uint8_t kUdp = 17;
inline constexpr uint8_t kEsp = 50;
inline constexpr uint8_t kAh = 51;
inline constexpr uint8_t kSctp = 132;
}  // namespace ip_protocol

// IPVS's TCP states (not the TCP stack's): what entries carry for TCP.
enum class TcpState : uint16_t {
  kNone = 0,
  kEstablished = 1,
  kSynSent = 2,
  kSynRecv = 3,
  kFinWait = 4,
  kTimeWait = 5,
  kClose = 6,
  kCloseWait = 7,
  kLastAck = 8,
  kListen = 9,
  kSynAck = 10,
};
inline constexpr uint16_t kTcpStateCount = 11;
inline constexpr uint16_t kUdpStateNormal = 0;  // UDP's one state
inline constexpr uint16_t kUdpStateCount = 1;
inline constexpr uint16_t kSctpStateCount = 14;  // NONE .. CLOSED
inline constexpr uint16_t kAhEspStateCount = 1;
// Templates: NONE until a connection under it is established, then ASSURED.
inline constexpr uint16_t kTemplateStateNone = 0;
inline constexpr uint16_t kTemplateStateAssured = 1;
inline constexpr uint16_t kTemplateStateCount = 2;

// How many states IPVS defines for a connection of `protocol`; 0 for a
// protocol IPVS keeps no connections of.
constexpr uint16_t stateCount(uint8_t protocol) {
  switch (protocol) {
    case ip_protocol::kTcp: return kTcpStateCount;
    case ip_protocol::kUdp: return kUdpStateCount;
    case ip_protocol::kSctp: return kSctpStateCount;
    case ip_protocol::kAh:
    case ip_protocol::kEsp: return kAhEspStateCount;
    default: return 0;
  }
}

// The state column of `ipvsadm -Lnc` (the kernel's ip_vs_state_name): for
// a template "NONE" or "ASSURED"; for TCP "ESTABLISHED", "SYN_RECV",
// "FIN_WAIT", "TIME_WAIT", ...; for UDP "UDP"; "ERR!" for a state out of
// range or a protocol without names (AH, ESP), "NONE" for protocol 0.
std::string_view stateName(uint8_t protocol, uint16_t state, bool isTemplate);

// TCP's names alone ("ERR!" out of range).
std::string_view tcpStateName(uint16_t state);

// The pro column of `ipvsadm -Lnc` (the kernel's ip_vs_proto_name): "TCP",
// "UDP", "SCTP", "IP", "ICMP", "ICMPv6", else "IP_<number>".
std::string protocolName(uint8_t protocol);

}  // namespace sluice::sync
