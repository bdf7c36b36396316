// When a sync master sends a connection to its backups: IPVS's rules
// (ip_vs_sync.c, ip_vs_sync_conn_needed, with the sysctls of
// Documentation/networking/ipvs-sysctl.rst), so that a sluice master loads
// its peers as a kernel master would. Checked per packet from the client,
// whose count is the connection's `pkts`:
//
//   * TCP only in the states a backup needs (ESTABLISHED, FIN_WAIT, CLOSE,
//     CLOSE_WAIT, TIME_WAIT); a change to any but ESTABLISHED is sent at
//     once. UDP and other one-state protocols, and templates, always pass
//     this step.
//   * With sync_refresh_period > 0, not again within min(the period,
//     max(half the timeout, 10 s)) of the last send, but for up to
//     sync_retries resends spaced by an eighth of the period.
//   * With sync_threshold's period > 0: when pkts % period == threshold
//     (templates: always); with period 0 and no refresh period: when
//     pkts == threshold, i.e. once.
//
// So by default (3 50, no refresh) a TCP connection is sent at its third
// packet, once it is ESTABLISHED, then every 50 packets, and on closing.
// Pure and allocation-free: the forwarder asks per packet.
#pragma once

#include <cstdint>

#include "dataplane/conn_state.h"

namespace sluice::dp {

// The master's settings, from the dataplane block; send is false on a
// router that is not the sync master now (the snapshot changes with it).
struct SyncSettings {
  bool send = false;
  uint32_t threshold = 3;
  uint32_t period = 50;
  uint32_t refreshMs = 0;  // sync_refresh_period in ms; 0: off
  uint8_t retries = 0;     // sync_retries (0-3)
};

// What a connection remembers of its last send.
struct SyncMark {
  ConnState state = ConnState::kCount;  // the state last sent; kCount: never
  uint32_t atMs = 0;                     // when (the worker's ms clock)
  uint8_t retries = 0;                   // resends within the refresh window
};

// True when the connection is to be sent now; updates `mark` when it is.
inline bool syncDue(const SyncSettings& s, ConnState state, bool tcp, bool isTemplate, uint32_t pkts,
                    uint32_t timeoutMs, uint32_t nowMs, SyncMark& mark) {
  if (!isTemplate && tcp) {
    const bool wanted = state == ConnState::kEstablished || state == ConnState::kFinWait ||
                        state == ConnState::kClose || state == ConnState::kCloseWait || state == ConnState::kTimeWait;
    if (!wanted) return false;
    if (state != mark.state && state != ConnState::kEstablished) {
      mark = SyncMark{state, nowMs, 0};
      return true;
    }
  }
  uint8_t retries = 0;
  if (s.refreshMs > 0 && mark.state != ConnState::kCount) {
    const uint32_t halfTimeout = timeoutMs / 2 > 10'000 ? timeoutMs / 2 : 10'000;
    const uint32_t window = s.refreshMs < halfTimeout ? s.refreshMs : halfTimeout;
    const uint32_t since = nowMs - mark.atMs;
    if (since < window) {
      if (mark.retries >= s.retries) return false;
      if (since < s.refreshMs / 8) return false;
      retries = static_cast<uint8_t>(mark.retries + 1);
    }
  }
  if (s.period > 0) {
    if (!isTemplate && pkts % s.period != s.threshold) return false;
  } else if (s.refreshMs == 0 && pkts != s.threshold) {
    return false;
  }
  mark = SyncMark{state, nowMs, retries};
  return true;
}

}  // namespace sluice::dp
