// Counters one worker keeps and the control plane reads while it runs.
// Only the owning worker writes (a relaxed load and store, i.e. plain
// moves on x86-64, no locked instruction); readers use relaxed loads, which
// is enough because each counter is read on its own and only grows (active
// and inactive connection gauges may be read a moment stale).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include "dataplane/cache_line.h"
#include "dataplane/drop_reason.h"
#include "dataplane/forwarding_table.h"

namespace sluice::dp {

class Counter {
 public:
  void add(uint64_t n) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void sub(uint64_t n) { v_.store(v_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed); }
  uint64_t get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// ipvsadm --stats per service and per real server, plus the connection
// gauges ipvsadm -Ln shows.
struct TrafficCounters {
  Counter conns;     // connections scheduled
  Counter inPkts;    // client -> real server
  Counter outPkts;   // real server -> client (NAT only)
  Counter inBytes;
  Counter outBytes;
  Counter activeConns;
  Counter inactiveConns;

  // One packet of `bytes`, from the real server (out) or the client (in).
  void countPacket(bool out, uint64_t bytes) {
    (out ? outPkts : inPkts).add(1);
    (out ? outBytes : inBytes).add(bytes);
  }
};

// One per worker, written by that worker alone: aligned so that two
// workers' counters never share a cache line.
struct alignas(kCacheLine) WorkerCounters {
  std::array<Counter, kDropReasonCount> drops;
  Counter rxPackets;
  Counter txPackets;
  Counter exceptionPackets;
  Counter evictions;        // embryonic connections evicted from a full table
  Counter icmpTooBig;       // ICMP "fragmentation needed" / "packet too big" sent for TUN
  Counter fragments;        // IP fragments received (each follows its datagram's first)
  Counter fragmentsHeld;    // ... of them, held until their datagram's first one came
  Counter expired;          // connections removed by the sweep
  Counter connections;      // live entries (both families)
  Counter syncQueued;       // connections handed to the control plane to sync
  Counter syncDropped;      // ... not handed over: the sync ring was full
  Counter syncInstalled;    // connections a sync peer sent, installed
  Counter syncRejected;     // ... refused: no such service or real server here, or the table full
  Counter ftpRewrites;      // FTP passive replies whose address was rewritten to the VIP
  Counter ftpDataEntries;   // entries made for FTP data connections (passive and active)
  Counter ftpMalformed;     // FTP replies or commands not read (unreadable, or PORT/EPRT for another address)
  Counter clientLimitTableFull;  // new connections of limited services admitted untracked: no per-client entry free
  std::unique_ptr<TrafficCounters[]> services{new TrafficCounters[kMaxServices]};
  std::unique_ptr<TrafficCounters[]> dests{new TrafficCounters[kMaxDests]};

  void drop(DropReason r) { drops[static_cast<std::size_t>(r)].add(1); }
};
static_assert(alignof(WorkerCounters) == kCacheLine && sizeof(WorkerCounters) % kCacheLine == 0);

}  // namespace sluice::dp
