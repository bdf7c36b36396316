// The scheduler interface: how a virtual service picks a real server for a
// new connection. Pure C++ (no DPDK), one implementation file per IPVS
// algorithm, created by its keepalived name (lb_algo / lvs_sched).
//
// Thread-safety: a Scheduler instance is not thread-safe; each data-plane
// worker owns its own instance per service (shared nothing), the way DPVS
// keeps per-lcore state.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "wire/ip_address.h"

namespace sluice::sched {

// What a scheduler sees of one real server. The caller owns the array and
// keeps weight, the connection counters and the overload flag current.
struct Destination {
  wire::IpAddress addr;
  uint16_t port = 0;          // host byte order
  int32_t weight = 1;         // 0: takes no new connections (quiesced)
  uint32_t activeConns = 0;   // ESTABLISHED (TCP) connections
  uint32_t inactiveConns = 0; // every other state
  bool overloaded = false;    // see updateOverload()
};

// The new flow being scheduled (addresses in network order, ports host order).
struct FlowKey {
  wire::IpAddress src;
  wire::IpAddress dst;
  uint16_t srcPort = 0;
  uint16_t dstPort = 0;
  uint8_t protocol = 0;
};

// Per-service scheduler options (ipvsadm's scheduler flags and sysctls).
struct SchedulerOptions {
  bool fallback = false;        // sh/mh: try another server when the hashed one is unavailable
  bool hashPort = false;        // sh/mh: include the source port in the hash
  uint32_t mhTableSize = 4093;  // mh: lookup table size, a prime below 2^24 (IPVS's default)
  uint64_t lblcExpirationMs = 24ull * 3600 * 1000; // lblc: unused entry lifetime
  // lblcr: set shrink period and unused entry lifetime; IPVS uses its one
  // sysctl lblcr_expiration (default one day) for both.
  uint64_t lblcrExpirationMs = 24ull * 3600 * 1000;
  // lblc/lblcr: entries preallocated per scheduler (IPVS: 1024 buckets, at
  // most 16 entries each); when full, the least recently used one of a
  // bucket is replaced. 1 to 2^24.
  uint32_t lblcTableEntries = 1024 * 16;
};

inline constexpr int kNoDestination = -1;

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  // Recomputes per-service state after the list, order or weights of the
  // destinations changed (IPVS's update_service). Called on the control path
  // (may allocate). Call it once before the first pick(); pick() expects the
  // list given to the last update(), with only counters and overload flags
  // changed since.
  virtual void update(std::span<const Destination> dests) = 0;

  // Returns the index in dests of the server for a new flow, or
  // kNoDestination when none may take it. nowMs is a monotonic clock in
  // milliseconds (lblc/lblcr age their entries by it). Never allocates.
  virtual int pick(std::span<const Destination> dests, const FlowKey& flow, uint64_t nowMs) = 0;

  // The keepalived name this scheduler was created under ("wrr", ...).
  virtual std::string_view name() const = 0;
};

// Creates the scheduler registered under a keepalived name (rr, wrr, lc, wlc,
// lblc, lblcr, dh, sh, sed, nq, mh, fo, ovf); nullptr for an unknown name or
// options it cannot use (mh: mhTableSize not a prime below 2^24; lblc/lblcr:
// lblcTableEntries not in 1..2^24). Thread-safe.
std::unique_ptr<Scheduler> makeScheduler(std::string_view name, const SchedulerOptions& options = {});

// True when name is a registered scheduler. Thread-safe.
bool isKnownScheduler(std::string_view name);

// Every registered name, in registration order. Thread-safe.
std::span<const std::string_view> schedulerNames();

// IPVS's overload hysteresis: a server becomes overloaded when its total
// connections reach upper (uthreshold, 0 = no limit) and stops being so when
// they fall below lower (lthreshold), or below 3/4 of upper when lower is 0.
bool updateOverload(bool wasOverloaded, uint32_t totalConns, uint32_t upper, uint32_t lower);

}  // namespace sluice::sched
