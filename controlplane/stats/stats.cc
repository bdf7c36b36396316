#include "controlplane/stats/stats.h"

#include <cmath>

#include "controlplane/tables/keys.h"

namespace sluice::stats {
namespace {

using nlohmann::json;

Totals totals(Workers workers, const dp::TrafficCounters& (*pick)(const dp::WorkerCounters&, uint16_t), uint16_t id) {
  Totals t;
  for (const dp::WorkerCounters* w : workers) {
    const dp::TrafficCounters& c = pick(*w, id);
    t.conns += c.conns.get();
    t.inPkts += c.inPkts.get();
    t.outPkts += c.outPkts.get();
    t.inBytes += c.inBytes.get();
    t.outBytes += c.outBytes.get();
  }
  return t;
}

const dp::TrafficCounters& serviceCounters(const dp::WorkerCounters& w, uint16_t id) { return w.services[id]; }
const dp::TrafficCounters& destCounters(const dp::WorkerCounters& w, uint16_t id) { return w.dests[id]; }

uint64_t minus(uint64_t now, uint64_t then) { return now >= then ? now - then : 0; }

// The totals since the last -Z of the same service or real server.
Totals sinceZeroed(Totals t, const ZeroBaselines& zeroed, uint64_t key, const std::string& name) {
  const auto it = zeroed.find(key);
  if (it == zeroed.end() || it->second.name != name) return t;
  const Totals& z = it->second.at;
  return {minus(t.conns, z.conns), minus(t.inPkts, z.inPkts), minus(t.outPkts, z.outPkts),
          minus(t.inBytes, z.inBytes), minus(t.outBytes, z.outBytes)};
}

// ipvsadm's counter and rate names; rates rounded as ipvsadm shows them.
void addTraffic(json& out, Workers workers, const dp::TrafficCounters& (*pick)(const dp::WorkerCounters&, uint16_t),
                uint16_t id, const Rates& r, const Totals& t) {
  uint64_t active = 0, inactive = 0;
  for (const dp::WorkerCounters* w : workers) {
    active += pick(*w, id).activeConns.get();
    inactive += pick(*w, id).inactiveConns.get();
  }
  out["conns"] = t.conns;
  out["inpkts"] = t.inPkts;
  out["outpkts"] = t.outPkts;
  out["inbytes"] = t.inBytes;
  out["outbytes"] = t.outBytes;
  out["activeconns"] = active;
  out["inactconns"] = inactive;
  out["cps"] = std::llround(r.cps);
  out["inpps"] = std::llround(r.inPps);
  out["outpps"] = std::llround(r.outPps);
  out["inbps"] = std::llround(r.inBps);
  out["outbps"] = std::llround(r.outBps);
}

json drops(Workers workers) {
  json out = json::object();
  for (std::size_t r = 0; r < dp::kDropReasonCount; ++r) {
    uint64_t n = 0;
    for (const dp::WorkerCounters* w : workers) n += w->drops[r].get();
    if (n != 0) out[std::string(dp::dropReasonName(static_cast<dp::DropReason>(r)))] = n;
  }
  return out;
}

std::string zeroName(const dp::Service& s) { return tables::serviceKey(s); }
std::string zeroName(const dp::Service& s, const dp::RealServer& rs) {
  return tables::serviceKey(s) + "/" + tables::serverKey(rs);
}

json realServer(const dp::Service& s, const dp::RealServer& rs, Workers workers, const RateEstimator& rates,
                const ZeroBaselines& zeroed) {
  json j = {{"id", tables::serverKey(rs)},
            {"address", config::toString(rs.addr)},
            {"port", rs.port},
            {"weight", rs.weight},
            {"method", methodText(rs.method)}};
  if (rs.method == dp::FwdMethod::kTun) {
    j["tunnel"] = {{"type", tunnelTypeText(rs.tunnel.type)}, {"port", rs.tunnel.port}, {"csum", rs.tunnel.csum}};
  }
  const uint64_t key = RateEstimator::destKey(rs.destId);
  addTraffic(j, workers, destCounters, rs.destId, rates.rates(key),
             sinceZeroed(destTotals(workers, rs.destId), zeroed, key, zeroName(s, rs)));
  return j;
}

}  // namespace

const char* methodText(dp::FwdMethod m) {
  switch (m) {
    case dp::FwdMethod::kNat:
      return "NAT";
    case dp::FwdMethod::kDr:
      return "DR";
    case dp::FwdMethod::kTun:
      return "TUN";
  }
  return "?";
}

const char* tunnelTypeText(dp::TunnelType t) {
  switch (t) {
    case dp::TunnelType::kIpip:
      return "ipip";
    case dp::TunnelType::kGue:
      return "gue";
    case dp::TunnelType::kGre:
      return "gre";
  }
  return "?";
}

Totals serviceTotals(Workers workers, uint16_t serviceId) { return totals(workers, serviceCounters, serviceId); }

Totals destTotals(Workers workers, uint16_t destId) { return totals(workers, destCounters, destId); }

void sampleRates(RateEstimator& estimator, const dp::ForwardingTable& table, Workers workers, uint64_t nowMs) {
  for (const dp::Service& s : table.services) {
    estimator.sample(RateEstimator::serviceKey(s.serviceId), serviceTotals(workers, s.serviceId), nowMs);
  }
  for (const dp::RealServer& rs : table.servers) {
    estimator.sample(RateEstimator::destKey(rs.destId), destTotals(workers, rs.destId), nowMs);
  }
}

json countersJson(const dp::ForwardingTable& table, Workers workers, const RateEstimator& rates,
                  const ZeroBaselines& zeroed) {
  json services = json::array();
  for (const dp::Service& s : table.services) {
    json j = {{"id", tables::serviceKey(s)}, {"virtual_server", s.origin}};
    if (s.byMark) {
      j["fwmark"] = s.mark;
    } else {
      j["protocol"] = tables::protocolText(s.proto);
      j["address"] = config::toString(s.vip);
      j["port"] = s.port;
    }
    j["scheduler"] = s.scheduler;
    if (s.persistenceMs != 0) j["persistent"] = (s.persistenceMs + 999) / 1000;
    const uint64_t key = RateEstimator::serviceKey(s.serviceId);
    addTraffic(j, workers, serviceCounters, s.serviceId, rates.rates(key),
               sinceZeroed(serviceTotals(workers, s.serviceId), zeroed, key, zeroName(s)));
    json servers = json::array();
    for (uint32_t i = s.firstServer; i < s.firstServer + s.serverCount; ++i) {
      servers.push_back(realServer(s, table.servers[i], workers, rates, zeroed));
    }
    if (s.sorryServer >= 0) {
      json sorry = realServer(s, table.servers[static_cast<std::size_t>(s.sorryServer)], workers, rates, zeroed);
      sorry["sorry"] = true;
      servers.push_back(std::move(sorry));
    }
    // The data plane counts open connections per real server only (as
    // IPVS does): a service's are its real servers' sum.
    uint64_t active = 0, inactive = 0;
    for (const json& rs : servers) {
      active += rs["activeconns"].get<uint64_t>();
      inactive += rs["inactconns"].get<uint64_t>();
    }
    j["activeconns"] = active;
    j["inactconns"] = inactive;
    j["real_servers"] = std::move(servers);
    services.push_back(std::move(j));
  }
  json perWorker = json::array();
  for (const dp::WorkerCounters* w : workers) {
    perWorker.push_back({{"rx_packets", w->rxPackets.get()},
                         {"tx_packets", w->txPackets.get()},
                         {"exception_packets", w->exceptionPackets.get()},
                         {"connections", w->connections.get()},
                         {"evictions", w->evictions.get()},
                         {"expired", w->expired.get()},
                         {"icmp_too_big", w->icmpTooBig.get()},
                         {"fragments", w->fragments.get()},
                         {"fragments_held", w->fragmentsHeld.get()},
                         {"sync_queued", w->syncQueued.get()},
                         {"sync_dropped", w->syncDropped.get()},
                         {"sync_installed", w->syncInstalled.get()},
                         {"sync_rejected", w->syncRejected.get()},
                         {"ftp_rewrites", w->ftpRewrites.get()},
                         {"ftp_data_entries", w->ftpDataEntries.get()},
                         {"ftp_malformed", w->ftpMalformed.get()},
                         {"client_limit_table_full", w->clientLimitTableFull.get()},
                         {"drops", drops(std::span(&w, 1))}});
  }
  return {{"services", std::move(services)}, {"drops", drops(workers)}, {"workers", std::move(perWorker)}};
}

std::size_t zeroCounters(const dp::ForwardingTable& table, Workers workers, const std::string& origin,
                         ZeroBaselines& zeroed, RateEstimator& rates) {
  std::size_t count = 0;
  for (const dp::Service& s : table.services) {
    if (!origin.empty() && s.origin != origin) continue;
    ++count;
    const uint64_t key = RateEstimator::serviceKey(s.serviceId);
    zeroed[key] = {zeroName(s), serviceTotals(workers, s.serviceId)};
    rates.reset(key);
    const auto zero = [&](const dp::RealServer& rs) {
      const uint64_t destKey = RateEstimator::destKey(rs.destId);
      zeroed[destKey] = {zeroName(s, rs), destTotals(workers, rs.destId)};
      rates.reset(destKey);
    };
    for (uint32_t i = s.firstServer; i < s.firstServer + s.serverCount; ++i) zero(table.servers[i]);
    if (s.sorryServer >= 0) zero(table.servers[static_cast<std::size_t>(s.sorryServer)]);
  }
  return count;
}

}  // namespace sluice::stats
