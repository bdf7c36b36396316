#include "controlplane/sluicectl/top_model.h"

#include <map>
#include <utility>

#include "controlplane/sluicectl/format.h"
#include "controlplane/sluicectl/json_fields.h"

namespace sluice::sluicectl::top {
namespace {

using nlohmann::json;

Traffic totalsOf(const json& entry) {
  return {static_cast<double>(counter(entry, "conns")), static_cast<double>(counter(entry, "inpkts")),
          static_cast<double>(counter(entry, "outpkts")), static_cast<double>(counter(entry, "inbytes")),
          static_cast<double>(counter(entry, "outbytes"))};
}

// The estimator's rates (docs/api.md), when the reply has them.
std::optional<Traffic> apiRatesOf(const json& entry) {
  if (!field(entry, "cps").is_number()) return std::nullopt;
  return Traffic{static_cast<double>(counter(entry, "cps")), static_cast<double>(counter(entry, "inpps")),
                 static_cast<double>(counter(entry, "outpps")), static_cast<double>(counter(entry, "inbps")),
                 static_cast<double>(counter(entry, "outbps"))};
}

// "3d 04:05:06" or "04:05:06", as top's uptime.
std::string uptimeText(const json& seconds) {
  if (!seconds.is_number_unsigned()) return "-";
  std::uint64_t s = seconds.get<std::uint64_t>();
  const auto two = [](std::uint64_t n) { return (n < 10 ? "0" : "") + std::to_string(n); };
  const std::uint64_t days = s / 86400;
  s %= 86400;
  const std::string clock = two(s / 3600) + ":" + two(s / 60 % 60) + ":" + two(s % 60);
  return days ? std::to_string(days) + "d " + clock : clock;
}

// A real server's checks summed up: DOWN if any is down, else UP; "-" without one.
using HealthByServer = std::map<std::pair<std::string, std::string>, std::string>;

HealthByServer healthOf(const json& health) {
  HealthByServer out;
  for (const auto& c : list(health, "checkers")) {
    auto& state = out[{text(c, "service"), text(c, "real_server")}];
    const std::string s = text(c, "state");
    if (state.empty() || (state == "UP" && s != "UP")) state = s;
  }
  return out;
}

// Sums every number in obj, nested objects too (sync's "refused" reasons).
std::uint64_t sumOf(const json& obj) {
  std::uint64_t n = 0;
  if (!obj.is_object()) return 0;
  for (const auto& [key, value] : obj.items()) n += value.is_object() ? sumOf(value) : counter(obj, key);
  return n;
}

SyncInfo syncOf(const json& sync) {
  SyncInfo s;
  s.enabled = field(sync, "enabled") == true;
  if (!s.enabled) return s;
  s.role = text(sync, "role");
  s.peer = text(sync, "peer");
  s.sentMessages = counter(field(sync, "sent"), "messages");
  s.receivedMessages = counter(field(sync, "received"), "messages");
  s.dropped = sumOf(field(sync, "dropped"));
  s.backlog = counter(sync, "backlog");
  s.lagMs = counter(sync, "lag_ms");
  return s;
}

// Per second, from two readings dt seconds apart; none when the counter went back.
std::optional<double> rate(double before, double now, double dt) {
  if (now < before) return std::nullopt;
  return (now - before) / dt;
}

std::optional<Traffic> trafficRate(const Traffic& before, const Traffic& now, double dt) {
  const auto c = rate(before.conns, now.conns, dt);
  const auto ip = rate(before.inpkts, now.inpkts, dt);
  const auto op = rate(before.outpkts, now.outpkts, dt);
  const auto ib = rate(before.inbytes, now.inbytes, dt);
  const auto ob = rate(before.outbytes, now.outbytes, dt);
  if (!c || !ip || !op || !ib || !ob) return std::nullopt;
  return Traffic{*c, *ip, *op, *ib, *ob};
}

template <typename Row>
const Row* byId(const std::vector<Row>& rows, const std::string& id) {
  for (const auto& r : rows) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

}  // namespace

Sample readSample(const json& stats, const json& health, const json& vrrp, const json& sync, const json& status,
                  std::uint64_t atMs) {
  Sample s;
  s.atMs = atMs;
  s.version = text(status, "version");
  s.uptime = uptimeText(field(status, "uptime_s"));
  const HealthByServer serverHealth = healthOf(health);
  std::vector<std::string> quorumLost;
  for (const auto& id : list(health, "quorum_lost")) quorumLost.push_back(cellText(id));
  for (const json* svc : ipvsOrder(list(stats, "services"))) {
    ServiceRow row;
    row.id = text(*svc, "id");
    row.name = serviceName(*svc);
    row.scheduler = text(*svc, "scheduler");
    row.totals = totalsOf(*svc);
    row.rates = apiRatesOf(*svc);
    row.active = counter(*svc, "activeconns");  // its real servers' sum
    row.inactive = counter(*svc, "inactconns");
    // Health and quorum belong to the configured virtual_server (a group's
    // addresses share its checks).
    const std::string configured = field(*svc, "virtual_server").is_string() ? text(*svc, "virtual_server") : row.id;
    for (const auto& id : quorumLost) row.quorumLost = row.quorumLost || id == configured;
    for (const json* rs : ipvsOrder(list(*svc, "real_servers"))) {
      ServerRow r;
      r.id = text(*rs, "id");
      r.name = endpointName(*rs, "address", "port");
      r.method = text(*rs, "method");
      r.weight = counter(*rs, "weight");
      r.active = counter(*rs, "activeconns");
      r.inactive = counter(*rs, "inactconns");
      r.totals = totalsOf(*rs);
      r.rates = apiRatesOf(*rs);
      const auto h = serverHealth.find({configured, r.id});
      r.health = h == serverHealth.end() ? "-" : h->second;
      row.servers.push_back(std::move(r));
    }
    s.services.push_back(std::move(row));
  }
  const json& drops = field(stats, "drops");
  if (drops.is_object()) {
    for (const auto& [reason, n] : drops.items()) s.drops.push_back({reason, counter(drops, reason), std::nullopt});
  }
  for (const auto& w : list(stats, "workers")) {
    s.workers.push_back({counter(w, "rx_packets"), counter(w, "tx_packets"), counter(w, "connections"),
                         std::nullopt, std::nullopt});
  }
  s.vrrpRunning = field(vrrp, "running") == true;
  for (const auto& i : list(vrrp, "instances")) {
    s.vrrp.push_back({text(i, "name"), text(i, "interface"), text(i, "virtual_router_id"), text(i, "state"),
                      text(i, "priority"), text(i, "effective_priority"), text(i, "master_address"),
                      counter(i, "transitions")});
  }
  s.sync = syncOf(sync);
  for (const auto& c : list(health, "checkers")) {
    ++s.checks;
    if (text(c, "state") != "UP") ++s.checksDown;
  }
  return s;
}

Sample withRates(const Sample* previous, Sample current) {
  if (!previous || current.atMs <= previous->atMs) return current;
  const double dt = static_cast<double>(current.atMs - previous->atMs) / 1000.0;
  for (auto& svc : current.services) {
    const ServiceRow* before = byId(previous->services, svc.id);
    if (!before) continue;
    if (auto r = trafficRate(before->totals, svc.totals, dt)) svc.rates = r;
    for (auto& rs : svc.servers) {
      const ServerRow* b = byId(before->servers, rs.id);
      if (!b) continue;
      if (auto r = trafficRate(b->totals, rs.totals, dt)) rs.rates = r;
    }
  }
  for (auto& d : current.drops) {
    // A reason missing before had not happened yet: it counted from 0.
    double before = 0;
    for (const auto& p : previous->drops) {
      if (p.reason == d.reason) before = static_cast<double>(p.total);
    }
    d.rate = rate(before, static_cast<double>(d.total), dt);
  }
  for (std::size_t i = 0; i < current.workers.size() && i < previous->workers.size(); ++i) {
    auto& w = current.workers[i];
    const auto& p = previous->workers[i];
    w.rxRate = rate(static_cast<double>(p.rxPackets), static_cast<double>(w.rxPackets), dt);
    w.txRate = rate(static_cast<double>(p.txPackets), static_cast<double>(w.txPackets), dt);
  }
  if (current.sync.enabled && previous->sync.enabled) {
    current.sync.sentRate = rate(static_cast<double>(previous->sync.sentMessages),
                                 static_cast<double>(current.sync.sentMessages), dt);
    current.sync.receivedRate = rate(static_cast<double>(previous->sync.receivedMessages),
                                     static_cast<double>(current.sync.receivedMessages), dt);
  }
  return current;
}

}  // namespace sluice::sluicectl::top
