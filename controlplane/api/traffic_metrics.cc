// Services, real servers, drops and XDP steering failures in /metrics.
#include <algorithm>

#include "controlplane/api/metric_family.h"
#include "controlplane/api/metric_sections.h"

namespace sluice::api::metrics {
namespace {

using nlohmann::json;

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

void writeTraffic(const json& stats, std::ostream& out) {
  TrafficFamilies service("service"), server("real_server");
  Family weight("sluice_real_server_weight", "gauge", "Configured weight (0: drained or quiescent).");
  const json noArray = json::array(), noObject = json::object();
  for (const json& s : member(stats, "services", noArray)) {
    const std::string sid = text(s, "id");
    service.add({{"service", sid}}, s);
    for (const json& rs : member(s, "real_servers", noArray)) {
      const Labels labels{{"service", sid}, {"real_server", text(rs, "id")}};
      server.add(labels, rs);
      const auto w = rs.find("weight");  // signed: a negative one reads 0
      const int64_t configured = w != rs.end() && w->is_number() ? w->get<int64_t>() : 0;
      weight.add(labels, static_cast<uint64_t>(std::max<int64_t>(configured, 0)));
    }
  }
  Family drops("sluice_drops_total", "counter", "Packets dropped by the data plane, by reason.");
  for (const auto& [reason, n] : member(stats, "drops", noObject).items()) {
    drops.add({{"reason", reason}}, n.is_number() ? n.get<uint64_t>() : 0);
  }
  // The control plane's counters that tell of a fault an operator must see.
  Family steering("sluice_xdp_steering_failures_total", "counter",
                  "Addresses the XDP steering maps could not take (a full map): their traffic stays in the kernel.");
  const json& control = member(stats, "control", noObject);
  if (control.contains("xdp_steering_failures")) steering.add({}, count(control, "xdp_steering_failures"));
  service.writeTo(out);
  server.writeTo(out);
  for (const Family* f : {&weight, &drops, &steering}) f->writeTo(out);
}

}  // namespace sluice::api::metrics
