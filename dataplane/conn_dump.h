// A page of a worker's connection tables, copied out for the control plane
// (`ipvsadm -Lnc`). The worker owns its tables without locks, so it copies
// the page itself, between bursts, when asked: the control plane posts a
// request, the worker fills it and marks it done. The scan of one request
// is bounded, so a listing never stalls forwarding for long.
#pragma once

#include <atomic>
#include <cstdint>

#include "dataplane/conn_state.h"
#include "dataplane/flow.h"
#include "dataplane/seq_shift.h"

namespace sluice::dp {

struct ConnRecord {
  IpAddr client{};
  IpAddr vip{};
  IpAddr rs{};
  bool v6 = false;
  bool isTemplate = false;  // a persistence template (client network -> real server)
  uint8_t proto = 0;
  uint8_t method = 0;       // FwdMethod
  ConnState state = ConnState::kNone;
  uint16_t clientPort = 0;  // host order
  uint16_t vipPort = 0;
  uint16_t rsPort = 0;
  uint16_t serviceId = 0;
  uint16_t destId = 0;
  int64_t expiresInMs = 0;  // negative: expired, not swept yet
  // A NAT connection whose payload was resized (FTP): its sequence shifts,
  // which sync carries as IPVS_OPT_SEQ_DATA.
  bool hasSeq = false;
  SeqShifts seq{};
};

// The tables in listing order; a cursor is (table << 32 | slot).
inline constexpr uint32_t kDumpTables = 4;  // connections v4, v6, templates v4, v6
inline constexpr uint64_t kDumpEnd = uint64_t{kDumpTables} << 32;

struct ConnDumpRequest {
  // In: where to start, room in `out`, and how many slots to visit at most.
  uint64_t cursor = 0;
  ConnRecord* out = nullptr;
  uint32_t capacity = 0;
  uint32_t slotBudget = 16384;
  // Out: records written and where the next page starts (kDumpEnd: done).
  uint32_t count = 0;
  uint64_t next = kDumpEnd;
  std::atomic<bool> done{false};
};

}  // namespace sluice::dp
