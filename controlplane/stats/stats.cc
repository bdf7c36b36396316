#include "controlplane/stats/stats.h"

#include <arpa/inet.h>

namespace sluice::stats {
namespace {

using nlohmann::json;

std::string protocolName(uint8_t proto) {
  switch (proto) {
    case dp::kProtoTcp:
      return "tcp";
    case dp::kProtoUdp:
      return "udp";
    case dp::kProtoSctp:
      return "sctp";
    default:
      return std::to_string(proto);
  }
}

std::string methodName(dp::FwdMethod m) {
  switch (m) {
    case dp::FwdMethod::kNat:
      return "masq";
    case dp::FwdMethod::kDr:
      return "route";
    case dp::FwdMethod::kTun:
      return "tunnel";
  }
  return "?";
}

// ipvsadm's counter names, summed over workers.
void addTraffic(json& out, std::span<const dp::WorkerCounters* const> workers,
                const dp::TrafficCounters& (*pick)(const dp::WorkerCounters&, uint16_t), uint16_t id) {
  uint64_t conns = 0, inPkts = 0, outPkts = 0, inBytes = 0, outBytes = 0, active = 0, inactive = 0;
  for (const dp::WorkerCounters* w : workers) {
    const dp::TrafficCounters& c = pick(*w, id);
    conns += c.conns.get();
    inPkts += c.inPkts.get();
    outPkts += c.outPkts.get();
    inBytes += c.inBytes.get();
    outBytes += c.outBytes.get();
    active += c.activeConns.get();
    inactive += c.inactiveConns.get();
  }
  out["conns"] = conns;
  out["inpkts"] = inPkts;
  out["outpkts"] = outPkts;
  out["inbytes"] = inBytes;
  out["outbytes"] = outBytes;
  out["activeconns"] = active;
  out["inactconns"] = inactive;
}

const dp::TrafficCounters& serviceCounters(const dp::WorkerCounters& w, uint16_t id) { return w.services[id]; }
const dp::TrafficCounters& destCounters(const dp::WorkerCounters& w, uint16_t id) { return w.dests[id]; }

json drops(std::span<const dp::WorkerCounters* const> workers) {
  json out = json::object();
  for (std::size_t r = 0; r < dp::kDropReasonCount; ++r) {
    uint64_t n = 0;
    for (const dp::WorkerCounters* w : workers) n += w->drops[r].get();
    if (n != 0) out[std::string(dp::dropReasonName(static_cast<dp::DropReason>(r)))] = n;
  }
  return out;
}

json realServer(const dp::RealServer& rs, std::span<const dp::WorkerCounters* const> workers) {
  json j = {{"address", addressText(rs.addr, rs.v6)},
            {"port", rs.port},
            {"weight", rs.weight},
            {"method", methodName(rs.method)}};
  addTraffic(j, workers, destCounters, rs.destId);
  return j;
}

}  // namespace

std::string addressText(const dp::IpAddr& a, bool v6) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, a.b, buf, sizeof buf);
  return buf;
}

json countersJson(const dp::ForwardingTable& table, std::span<const dp::WorkerCounters* const> workers) {
  json services = json::array();
  for (const dp::Service& s : table.services) {
    json j;
    if (s.byMark) {
      j["fwmark"] = s.mark;
    } else {
      j["protocol"] = protocolName(s.proto);
      j["address"] = addressText(s.vip, s.v6);
      j["port"] = s.port;
    }
    j["scheduler"] = s.scheduler;
    addTraffic(j, workers, serviceCounters, s.serviceId);
    json servers = json::array();
    for (uint32_t i = s.firstServer; i < s.firstServer + s.serverCount; ++i) {
      servers.push_back(realServer(table.servers[i], workers));
    }
    if (s.sorryServer >= 0) {
      json sorry = realServer(table.servers[static_cast<std::size_t>(s.sorryServer)], workers);
      sorry["sorry"] = true;
      servers.push_back(std::move(sorry));
    }
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
                         {"drops", drops(std::span(&w, 1))}});
  }
  return {{"services", std::move(services)}, {"drops", drops(workers)}, {"workers", std::move(perWorker)}};
}

}  // namespace sluice::stats
