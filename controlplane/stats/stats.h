// The counters of every worker summed per virtual service and real server,
// as `ipvsadm -Ln --stats` shows them, plus drops by reason per worker and
// in all. Read while the workers run (see worker_counters.h).
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "dataplane/forwarding_table.h"
#include "dataplane/worker_counters.h"

namespace sluice::stats {

// Snapshot of the counters as JSON (control path):
//   services: [{protocol, address, port | fwmark, scheduler, conns, inpkts,
//               outpkts, inbytes, outbytes, activeconns, inactconns,
//               real_servers: [{address, port, weight, method, sorry?, ...same counters}]}]
//   drops: {reason: count}      (all workers, non-zero reasons)
//   workers: [{rx_packets, tx_packets, exception_packets, connections,
//              evictions, expired, drops: {...}}]
nlohmann::json countersJson(const dp::ForwardingTable& table, std::span<const dp::WorkerCounters* const> workers);

// An address as text (dotted quad or RFC 5952 IPv6).
std::string addressText(const dp::IpAddr& a, bool v6);

}  // namespace sluice::stats
