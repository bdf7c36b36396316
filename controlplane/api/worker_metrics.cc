// Per-worker packets, connection tables, the FTP helper and the client limit table in /metrics.
#include "controlplane/api/metric_family.h"
#include "controlplane/api/metric_sections.h"
#include "dataplane/conn_capacity.h"

namespace sluice::api::metrics {

using nlohmann::json;

void writeWorkers(const json& stats, uint32_t connTableSize, std::ostream& out) {
  Family rx("sluice_worker_rx_packets_total", "counter", "Packets received by each worker.");
  Family tx("sluice_worker_tx_packets_total", "counter", "Packets transmitted by each worker.");
  Family conns("sluice_worker_connections", "gauge",
               "Entries in each worker's connection tables (IPv4 and IPv6 together).");
  Family size("sluice_worker_connection_table_size", "gauge",
              "Entries each worker's connection table holds at most, by address family (conn_table_size).");
  Family evictions("sluice_worker_connection_evictions_total", "counter",
                   "Embryonic connections evicted to make room in a full connection table.");
  Family ftpRewrites("sluice_worker_ftp_rewrites_total", "counter",
                     "FTP passive replies whose address each worker rewrote to the VIP.");
  Family ftpEntries("sluice_worker_ftp_data_entries_total", "counter",
                    "Connection entries each worker made for FTP data connections.");
  Family ftpMalformed("sluice_worker_ftp_malformed_total", "counter",
                      "FTP replies and commands each worker could not read, or refused (PORT for another host).");
  Family limitFull("sluice_worker_client_limit_table_full_total", "counter",
                   "New connections of services with per-client limits admitted untracked: no free entry in the "
                   "worker's client limit table.");
  const json noArray = json::array();
  const json& workers = member(stats, "workers", noArray);
  for (std::size_t w = 0; w < workers.size(); ++w) {
    Labels labels{{"worker", std::to_string(w)}};
    rx.add(labels, count(workers[w], "rx_packets"));
    tx.add(labels, count(workers[w], "tx_packets"));
    conns.add(labels, count(workers[w], "connections"));
    evictions.add(labels, count(workers[w], "evictions"));
    ftpRewrites.add(labels, count(workers[w], "ftp_rewrites"));
    ftpEntries.add(labels, count(workers[w], "ftp_data_entries"));
    ftpMalformed.add(labels, count(workers[w], "ftp_malformed"));
    limitFull.add(labels, count(workers[w], "client_limit_table_full"));
    if (connTableSize != 0) {
      labels.emplace_back("family", "ipv4");
      size.add(labels, connTableSize);
      labels.back().second = "ipv6";
      size.add(labels, dp::ipv6ConnCapacity(connTableSize));
    }
  }
  for (const Family* f : {&rx, &tx, &conns, &size, &evictions, &ftpRewrites, &ftpEntries, &ftpMalformed,
                          &limitFull}) {
    f->writeTo(out);
  }
}

}  // namespace sluice::api::metrics
