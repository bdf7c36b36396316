// Connection states and per-state timeouts as IPVS keeps them, and the TCP
// state machine driven by the flags of each segment (RST > SYN > FIN > ACK).
// The table has three views: segments from the client (input), from the
// real server (output, NAT only: the router sees replies) and input-only
// (DR/TUN, where replies bypass the router).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace sluice::dp {

enum class ConnState : uint8_t {
  kNone,
  kEstablished,
  kSynSent,
  kSynRecv,
  kFinWait,
  kTimeWait,
  kClose,
  kCloseWait,
  kLastAck,
  kListen,
  kSynAck,
  kUdp,   // UDP and other datagram flows: one state
  kCount
};

inline constexpr std::size_t kConnStateCount = static_cast<std::size_t>(ConnState::kCount);

// The name ipvsadm -Lnc shows for a state.
inline constexpr std::string_view connStateName(ConnState s) {
  constexpr std::array<std::string_view, kConnStateCount> kNames = {
      "NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT",
      "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK", "UDP"};
  return kNames[static_cast<std::size_t>(s)];
}

// Timeouts in milliseconds by state; defaults are IPVS's, i.e. what
// `ipvsadm --set 900 120 300` sets for tcp, tcpfin and udp.
struct ConnTimeouts {
  std::array<uint32_t, kConnStateCount> ms = {
      2'000, 900'000, 120'000, 60'000, 120'000, 120'000, 10'000, 60'000, 30'000, 120'000, 120'000, 300'000};

  uint32_t of(ConnState s) const { return ms[static_cast<std::size_t>(s)]; }

  // keepalived's lvs_timeouts / ipvsadm --set: tcp (ESTABLISHED), tcpfin
  // (FIN_WAIT), udp, in seconds; 0 leaves a value as it is.
  void set(uint32_t tcpSeconds, uint32_t tcpFinSeconds, uint32_t udpSeconds) {
    if (tcpSeconds) ms[static_cast<std::size_t>(ConnState::kEstablished)] = tcpSeconds * 1000;
    if (tcpFinSeconds) ms[static_cast<std::size_t>(ConnState::kFinWait)] = tcpFinSeconds * 1000;
    if (udpSeconds) ms[static_cast<std::size_t>(ConnState::kUdp)] = udpSeconds * 1000;
  }
};

enum class SegmentFrom : uint8_t { kClient, kRealServer, kClientOnly };

namespace conn_state_detail {
using S = ConnState;
constexpr S NO = S::kNone, ES = S::kEstablished, SS = S::kSynSent, SR = S::kSynRecv, FW = S::kFinWait,
            TW = S::kTimeWait, CL = S::kClose, CW = S::kCloseWait, LA = S::kLastAck, LI = S::kListen,
            SA = S::kSynAck;
using Row = std::array<S, 11>;  // indexed by the current state (kNone .. kSynAck)
// [view][event: syn fin ack rst]
constexpr std::array<std::array<Row, 4>, 3> kTcpTable = {{
    {{  // from the client
        Row{SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR},
        Row{CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, TW},
        Row{ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES},
        Row{CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, SR},
    }},
    {{  // from the real server
        Row{SS, ES, SS, SR, SS, SS, SS, SS, SS, LI, SR},
        Row{TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW},
        Row{ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES},
        Row{CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL},
    }},
    {{  // from the client, replies unseen
        Row{SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR},
        Row{CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW},
        Row{ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES},
        Row{CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL},
    }},
}};
}  // namespace conn_state_detail

inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpAck = 0x10;

// The state after a TCP segment with `flags`; a segment with none of
// SYN/FIN/ACK/RST leaves the state as it is. Thread-safe (pure).
inline ConnState nextTcpState(ConnState current, uint8_t flags, SegmentFrom from) {
  int event;
  if (flags & kTcpRst) event = 3;
  else if (flags & kTcpSyn) event = 0;
  else if (flags & kTcpFin) event = 1;
  else if (flags & kTcpAck) event = 2;
  else return current;
  if (current >= ConnState::kUdp) return current;
  return conn_state_detail::kTcpTable[static_cast<std::size_t>(from)][static_cast<std::size_t>(event)]
                                     [static_cast<std::size_t>(current)];
}

// IPVS counts a connection as active only while ESTABLISHED.
inline bool isActiveState(ConnState s) { return s == ConnState::kEstablished; }

// Embryonic connections are what a full table evicts first (SYN floods).
inline bool isEmbryonicState(ConnState s) {
  return s == ConnState::kSynRecv || s == ConnState::kSynSent || s == ConnState::kSynAck || s == ConnState::kNone;
}

}  // namespace sluice::dp
