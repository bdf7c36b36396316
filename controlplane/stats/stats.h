// The counters of every worker summed per virtual service and real server,
// as `ipvsadm -Ln --stats` and `--rate` show them, plus drops by reason per
// worker and in all. Read while the workers run (see worker_counters.h).
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <unordered_map>

#include "controlplane/stats/estimator.h"
#include "dataplane/forwarding_table.h"
#include "dataplane/worker_counters.h"

namespace sluice::stats {

using Workers = std::span<const dp::WorkerCounters* const>;

// ipvsadm -Z: what a service's or real server's totals were when zeroed,
// by RateEstimator key, with the name of what the key meant then (ids are
// reused after a reload; a baseline only applies to the same service or
// real server). Shown counters are the totals minus the baseline.
struct Zeroed {
  std::string name;
  Totals at;
};
using ZeroBaselines = std::unordered_map<uint64_t, Zeroed>;

// The totals of one service or real server over every worker.
Totals serviceTotals(Workers workers, uint16_t serviceId);
Totals destTotals(Workers workers, uint16_t destId);

// Gives the estimator the totals of every service and real server of the
// table (call it about every RateEstimator::kIntervalMs).
void sampleRates(RateEstimator& estimator, const dp::ForwardingTable& table, Workers workers, uint64_t nowMs);

// Snapshot of the counters as JSON (control path), the API's /v1/stats:
//   services: [{id, virtual_server, protocol, address, port | fwmark,
//               scheduler, persistent?, conns, inpkts, outpkts, inbytes,
//               outbytes, activeconns, inactconns, cps, inpps, outpps,
//               inbps, outbps,
//               real_servers: [{id, address, port, weight, method,
//                               tunnel? {type, port, csum} (TUN), sorry?,
//                               ...the same counters and rates}]}]
//   drops: {reason: count}      (all workers, non-zero reasons)
//   workers: [{rx_packets, tx_packets, exception_packets, connections,
//              evictions, expired, drops: {...}}]
nlohmann::json countersJson(const dp::ForwardingTable& table, Workers workers, const RateEstimator& rates,
                            const ZeroBaselines& zeroed = {});

// Zeroes the services whose API name (the virtual_server they come from)
// is `origin`, or every service when it is empty, and their real servers:
// records their baselines and resets their rates. Returns how many
// services it zeroed.
std::size_t zeroCounters(const dp::ForwardingTable& table, Workers workers, const std::string& origin,
                         ZeroBaselines& zeroed, RateEstimator& rates);

// The forwarding method as keepalived writes it: NAT, DR, TUN.
const char* methodText(dp::FwdMethod m);

// A tunnel's type as keepalived writes it: ipip, gue, gre.
const char* tunnelTypeText(dp::TunnelType t);

}  // namespace sluice::stats
