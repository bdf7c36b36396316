#include "controlplane/api/metrics.h"

#include <sstream>
#include <vector>

namespace sluice::api {
namespace {

using nlohmann::json;

// A label value with \, " and newlines escaped, as the format requires.
std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

using Labels = std::vector<std::pair<std::string, std::string>>;

// One metric family: HELP and TYPE once, then its samples.
class Family {
 public:
  Family(std::string name, std::string type, std::string help)
      : name_(std::move(name)), type_(std::move(type)), help_(std::move(help)) {}

  void add(const Labels& labels, uint64_t value) {
    samples_ << name_;
    if (!labels.empty()) {
      samples_ << '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        samples_ << (i ? "," : "") << labels[i].first << "=\"" << escape(labels[i].second) << '"';
      }
      samples_ << '}';
    }
    samples_ << ' ' << value << '\n';
  }

  void writeTo(std::ostream& out) const {
    out << "# HELP " << name_ << ' ' << help_ << "\n# TYPE " << name_ << ' ' << type_ << '\n' << samples_.str();
  }

 private:
  std::string name_, type_, help_;
  std::ostringstream samples_;
};

uint64_t count(const json& j, const char* key) { return j.value(key, uint64_t{0}); }

// j[key] when present, else an empty value of the same kind.
const json& member(const json& j, const char* key, const json& empty) {
  const auto it = j.find(key);
  return it == j.end() ? empty : *it;
}

// The ipvsadm counters of a service or real server, as families named
// sluice_<what>_...: conns, packets and bytes by direction, gauges.
struct TrafficFamilies {
  Family conns, packets, bytes, active, inactive;

  explicit TrafficFamilies(const std::string& what)
      : conns("sluice_" + what + "_connections_total", "counter", "Connections scheduled (ipvsadm Conns)."),
        packets("sluice_" + what + "_packets_total", "counter", "Packets by direction (ipvsadm InPkts/OutPkts)."),
        bytes("sluice_" + what + "_bytes_total", "counter", "Bytes by direction (ipvsadm InBytes/OutBytes)."),
        active("sluice_" + what + "_active_connections", "gauge", "Active connections (ipvsadm ActiveConn)."),
        inactive("sluice_" + what + "_inactive_connections", "gauge",
                 "Inactive connections (ipvsadm InActConn).") {}

  void add(Labels labels, const json& j) {
    conns.add(labels, count(j, "conns"));
    active.add(labels, count(j, "activeconns"));
    inactive.add(labels, count(j, "inactconns"));
    labels.emplace_back("direction", "in");
    packets.add(labels, count(j, "inpkts"));
    bytes.add(labels, count(j, "inbytes"));
    labels.back().second = "out";
    packets.add(labels, count(j, "outpkts"));
    bytes.add(labels, count(j, "outbytes"));
  }

  void writeTo(std::ostream& out) const {
    for (const Family* f : {&conns, &packets, &bytes, &active, &inactive}) f->writeTo(out);
  }
};

}  // namespace

std::string prometheusText(const json& stats) {
  TrafficFamilies service("service"), server("real_server");
  Family weight("sluice_real_server_weight", "gauge", "Configured weight (0: drained or quiescent).");
  const json noArray = json::array(), noObject = json::object();
  for (const json& s : member(stats, "services", noArray)) {
    const std::string sid = s.value("id", "");
    service.add({{"service", sid}}, s);
    for (const json& rs : member(s, "real_servers", noArray)) {
      const Labels labels{{"service", sid}, {"real_server", rs.value("id", "")}};
      server.add(labels, rs);
      weight.add(labels, static_cast<uint64_t>(std::max<int64_t>(rs.value("weight", int64_t{0}), 0)));
    }
  }
  Family drops("sluice_drops_total", "counter", "Packets dropped by the data plane, by reason.");
  for (const auto& [reason, n] : member(stats, "drops", noObject).items()) drops.add({{"reason", reason}}, n);
  Family rx("sluice_worker_rx_packets_total", "counter", "Packets received by each worker.");
  Family tx("sluice_worker_tx_packets_total", "counter", "Packets transmitted by each worker.");
  Family conns("sluice_worker_connections", "gauge", "Entries in each worker's connection table.");
  const json& workers = member(stats, "workers", noArray);
  for (std::size_t w = 0; w < workers.size(); ++w) {
    const Labels labels{{"worker", std::to_string(w)}};
    rx.add(labels, count(workers[w], "rx_packets"));
    tx.add(labels, count(workers[w], "tx_packets"));
    conns.add(labels, count(workers[w], "connections"));
  }
  // The control plane's counters that tell of a fault an operator must see.
  Family steering("sluice_xdp_steering_failures_total", "counter",
                  "Addresses the XDP steering maps could not take (a full map): their traffic stays in the kernel.");
  const json& control = member(stats, "control", noObject);
  if (control.contains("xdp_steering_failures")) steering.add({}, count(control, "xdp_steering_failures"));
  // Connection sync (/v1/sync, in stats["sync"] when lvs_sync_daemon is set).
  Family syncMaster("sluice_sync_master", "gauge", "1 while this router sends its connections (sync master).");
  Family syncMessages("sluice_sync_messages_total", "counter", "Connection sync messages, by direction.");
  Family syncEntries("sluice_sync_entries_total", "counter", "Connection sync entries, by direction.");
  Family syncDropped("sluice_sync_dropped_total", "counter",
                     "Connection sync entries or messages dropped, by reason (refused_*: received datagrams).");
  Family syncLag("sluice_sync_lag_milliseconds", "gauge", "How long the oldest connection not yet sent has waited.");
  const json& sync = member(stats, "sync", noObject);
  if (sync.value("enabled", false)) {
    syncMaster.add({}, sync.value("role", "").starts_with("master") ? 1 : 0);
    for (const char* direction : {"sent", "received"}) {
      const json& d = member(sync, direction, noObject);
      syncMessages.add({{"direction", direction}}, count(d, "messages"));
      syncEntries.add({{"direction", direction}}, count(d, "entries"));
    }
    for (const auto& [reason, n] : member(sync, "dropped", noObject).items()) {
      if (reason != "refused") syncDropped.add({{"reason", reason}}, n);
    }
    for (const auto& [reason, n] : member(member(sync, "dropped", noObject), "refused", noObject).items()) {
      syncDropped.add({{"reason", "refused_" + reason}}, n);
    }
    syncLag.add({}, count(sync, "lag_ms"));
  }
  std::ostringstream out;
  service.writeTo(out);
  server.writeTo(out);
  weight.writeTo(out);
  for (const Family* f : {&drops, &rx, &tx, &conns, &steering, &syncMaster, &syncMessages, &syncEntries, &syncDropped,
                         &syncLag}) {
    f->writeTo(out);
  }
  return out.str();
}

}  // namespace sluice::api
