// countersJson and the totals: every worker's counters summed per service
// and real server under the API's names, drops by reason (non-zero only),
// and the per-worker block.
#include "controlplane/stats/stats.h"

#include <gtest/gtest.h>

#include <array>

namespace sluice::stats {
namespace {

using nlohmann::json;

// One NAT TCP service 10.0.0.10:80 (id 3, persistence 1.5 s) with real
// servers 192.168.1.1:80 (dest 5) and 192.168.1.2:80 (dest 6, weight 0),
// and the sorry server 192.168.1.9:80 (dest 7).
dp::ForwardingTable statsTable() {
  dp::ForwardingTable t;
  dp::Service s;
  s.serviceId = 3;
  s.vip = wire::IpAddress::fromV4(0x0A00000A);
  s.port = 80;
  s.proto = 6;
  s.persistenceMs = 1500;
  s.scheduler = "rr";
  s.origin = "10.0.0.10 80";
  s.firstServer = 0;
  s.serverCount = 2;
  s.sorryServer = 2;
  t.services.push_back(s);
  t.servers.push_back(dp::RealServer{.destId = 5, .addr = wire::IpAddress::fromV4(0xC0A80101), .port = 80});
  t.servers.push_back(dp::RealServer{.destId = 6, .addr = wire::IpAddress::fromV4(0xC0A80102), .port = 80, .weight = 0});
  t.servers.push_back(dp::RealServer{.destId = 7, .addr = wire::IpAddress::fromV4(0xC0A80109), .port = 80});
  return t;
}

// catches: one worker's counters left out of the sums (only the first or
// the last worker counted), or a service's counters read by the wrong id.
TEST(StatsTotals, SumEveryWorkerByServiceAndRealServer) {
  dp::WorkerCounters a, b;
  a.services[3].conns.add(2);
  b.services[3].conns.add(5);
  a.services[3].countPacket(false, 100);
  b.services[3].countPacket(true, 40);
  a.services[4].conns.add(1000);  // another service
  b.dests[5].conns.add(7);
  const std::array<const dp::WorkerCounters*, 2> workers{&a, &b};
  const Totals s = serviceTotals(workers, 3);
  EXPECT_EQ(s.conns, 7u);
  EXPECT_EQ(s.inPkts, 1u);
  EXPECT_EQ(s.inBytes, 100u);
  EXPECT_EQ(s.outPkts, 1u);
  EXPECT_EQ(s.outBytes, 40u);
  EXPECT_EQ(destTotals(workers, 5).conns, 7u);
  EXPECT_EQ(destTotals(workers, 6).conns, 0u);
}

// catches: the /v1/stats document losing or renaming a field the API,
// sluicectl and the Prometheus output read: service and real server ids,
// the sorry server's flag, persistence in whole seconds rounded up,
// connection gauges, drops by reason (zero reasons left out) in all and
// per worker.
TEST(StatsJson, CountersJsonNamesAndSumsEverything) {
  const dp::ForwardingTable table = statsTable();
  dp::WorkerCounters a, b;
  a.services[3].conns.add(1);
  b.services[3].conns.add(2);
  // Open connections are counted per real server; a service's are their sum.
  a.dests[5].activeConns.add(1);
  b.dests[6].inactiveConns.add(1);
  a.dests[7].inactiveConns.add(1);
  a.dests[5].countPacket(false, 60);
  b.dests[5].countPacket(false, 40);
  a.drop(dp::DropReason::kNoConnection);
  b.drop(dp::DropReason::kNoConnection);
  b.drop(dp::DropReason::kNotForUs);
  a.rxPackets.add(10);
  b.txPackets.add(4);
  b.connections.add(3);
  const std::array<const dp::WorkerCounters*, 2> workers{&a, &b};
  const json j = countersJson(table, workers, RateEstimator{});

  ASSERT_EQ(j["services"].size(), 1u);
  const json& s = j["services"][0];
  EXPECT_EQ(s["id"], "tcp-10.0.0.10-80");
  EXPECT_EQ(s["virtual_server"], "10.0.0.10 80");
  EXPECT_EQ(s["protocol"], "TCP");
  EXPECT_EQ(s["address"], "10.0.0.10");
  EXPECT_EQ(s["port"], 80);
  EXPECT_EQ(s["scheduler"], "rr");
  EXPECT_EQ(s["persistent"], 2);
  EXPECT_EQ(s["conns"], 3u);
  EXPECT_EQ(s["activeconns"], 1u);
  EXPECT_EQ(s["inactconns"], 2u);
  EXPECT_EQ(s["cps"], 0);

  ASSERT_EQ(s["real_servers"].size(), 3u);
  const json& rs = s["real_servers"][0];
  EXPECT_EQ(rs["id"], "192.168.1.1-80");
  EXPECT_EQ(rs["method"], "NAT");
  EXPECT_EQ(rs["weight"], 1);
  EXPECT_EQ(rs["inpkts"], 2u);
  EXPECT_EQ(rs["inbytes"], 100u);
  EXPECT_EQ(rs["activeconns"], 1u);
  EXPECT_EQ(s["real_servers"][1]["inactconns"], 1u);
  EXPECT_FALSE(rs.contains("sorry"));
  EXPECT_FALSE(rs.contains("tunnel"));  // NAT
  EXPECT_EQ(s["real_servers"][1]["weight"], 0);
  EXPECT_EQ(s["real_servers"][2]["id"], "192.168.1.9-80");
  EXPECT_EQ(s["real_servers"][2]["sorry"], true);

  EXPECT_EQ(j["drops"], (json{{"no_connection", 2}, {"not_for_us", 1}}));
  ASSERT_EQ(j["workers"].size(), 2u);
  EXPECT_EQ(j["workers"][0]["rx_packets"], 10u);
  EXPECT_EQ(j["workers"][0]["drops"], (json{{"no_connection", 1}}));
  EXPECT_EQ(j["workers"][1]["tx_packets"], 4u);
  EXPECT_EQ(j["workers"][1]["connections"], 3u);
}

// catches: a TUN real server listed without how it is reached.
TEST(StatsJson, TunRealServersShowTheirTunnel) {
  dp::ForwardingTable table = statsTable();
  table.servers[0].method = dp::FwdMethod::kTun;
  table.servers[0].tunnel = dp::Tunnel{.type = dp::TunnelType::kGue, .port = 6080, .csum = true};
  table.servers[1].method = dp::FwdMethod::kTun;  // ipip
  const std::array<const dp::WorkerCounters*, 0> none{};
  const json j = countersJson(table, none, RateEstimator{});
  const json& servers = j["services"][0]["real_servers"];
  EXPECT_EQ(servers[0]["method"], "TUN");
  EXPECT_EQ(servers[0]["tunnel"], (json{{"type", "gue"}, {"port", 6080}, {"csum", true}}));
  EXPECT_EQ(servers[1]["tunnel"], (json{{"type", "ipip"}, {"port", 0}, {"csum", false}}));
  EXPECT_FALSE(servers[2].contains("tunnel"));
}

}  // namespace
}  // namespace sluice::stats
