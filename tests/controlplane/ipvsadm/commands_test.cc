// What sluice-ipvsadm's commands do to a running sluiced, seen through the
// API and the published tables: the save/clear/restore round trip, -Z,
// --set, drains, refusals that change nothing, and no daemon at all.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dataplane/conn_state.h"
#include "tests/address_text.h"
#include "tests/controlplane/ipvsadm/daemon_fixture.h"

namespace sluice::ipvsadm::testing {
namespace {

using nlohmann::json;

// GET PATH on the daemon's API, as JSON.
json apiGet(IpvsadmDaemon& d, const std::string& path) {
  sluicectl::ApiClient api(d.socket());
  auto got = std::async(std::launch::async, [&] { return api.request("GET", path); });
  EXPECT_TRUE(d.pollUntil([&] { return got.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }));
  const sluicectl::Exchange e = got.get();
  EXPECT_TRUE(e.reply.has_value());
  return e.reply ? json::parse(e.reply->body, nullptr, false) : json();
}

// The services as the API has them, without what the API adds (ids) and
// in a fixed order, so two tables compare as tables.
json servicesOf(IpvsadmDaemon& d) {
  json services = apiGet(d, "/v1/services")["services"];
  for (json& s : services) {
    std::sort(s["real_servers"].begin(), s["real_servers"].end(),
              [](const json& a, const json& b) { return a["id"] < b["id"]; });
  }
  std::sort(services.begin(), services.end(), [](const json& a, const json& b) { return a["id"] < b["id"]; });
  return services;
}

void ok(IpvsadmDaemon& d, const std::string& line, const std::string& input = "") {
  const Result r = d.run(words(line), input);
  EXPECT_EQ(r.status, 0) << "ipvsadm " << line << ": " << r.err;
  EXPECT_EQ(r.err, "") << "ipvsadm " << line;
}

void buildTable(IpvsadmDaemon& d) {
  ok(d, "-A -t 10.0.0.1:80 -s wrr");
  ok(d, "-a -t 10.0.0.1:80 -r 192.168.1.20:80 -m -w 3");
  ok(d, "-a -t 10.0.0.1:80 -r 192.168.1.21:8080 -m -w 1");
  ok(d, "-A -u 10.0.0.1:53 -s sh -p 600 -M 255.255.255.0");
  ok(d, "-a -u 10.0.0.1:53 -r 192.168.1.22 -g -w 2");
  ok(d, "-A -t [2001:db8:1::10]:443 -s lc");
  ok(d, "-a -t [2001:db8:1::10]:443 -r [2001:db8:2::20]:443 -m");
  ok(d, "-A -f 21 -s rr -p 300");
  ok(d, "-a -f 21 -r 192.168.1.23:21 -g -w 5");
  ok(d, "-A -t 10.0.0.1:22 -s mh -b mh-fallback,mh-port");
  ok(d, "-a -t 10.0.0.1:22 -r 192.168.1.24:22 -i --tun-type gue --tun-port 6080 --tun-csum");
  ok(d, "-A -u 10.0.0.1:5060 -s rr -o");
  ok(d, "-a -u 10.0.0.1:5060 -r 192.168.1.25:5060 -m");
}

TEST(IpvsadmCommands, SaveClearRestoreGivesTheSameTable) {
  IpvsadmDaemon d;
  buildTable(d);
  const json before = servicesOf(d);
  ASSERT_EQ(before.size(), 6u);
  const Result listed = d.run({"-Ln"});
  const Result saved = d.run({"-S", "-n"});
  ASSERT_EQ(saved.status, 0) << saved.err;
  EXPECT_NE(saved.out.find("-A -u 10.0.0.1:53 -s sh -p 600 -M 255.255.255.0\n"), std::string::npos) << saved.out;
  EXPECT_NE(saved.out.find("-a -t 10.0.0.1:80 -r 192.168.1.21:8080 -m -w 1\n"), std::string::npos) << saved.out;

  ok(d, "-C");
  EXPECT_EQ(servicesOf(d).size(), 0u);
  EXPECT_EQ(d.dataplane.tables.back()->services.size(), 0u) << "-C reaches the workers";

  ok(d, "-R", saved.out);
  EXPECT_EQ(servicesOf(d), before) << "weights, methods, tunnels, persistence, schedulers, flags and ops come back";
  EXPECT_EQ(d.run({"-Ln"}).out, listed.out);
  EXPECT_EQ(d.dataplane.tables.back()->services.size(), 6u) << "the restored table reaches the workers";
}

TEST(IpvsadmCommands, ZeroClearsOneServiceOrAll) {
  IpvsadmDaemon d;
  buildTable(d);
  const dp::ForwardingTable& t = *d.dataplane.tables.back();
  for (const dp::Service& s : t.services) {
    d.dataplane.workerCounters(0).services[s.serviceId].conns.add(7);
    d.dataplane.workerCounters(1).services[s.serviceId].inPkts.add(70);
    for (uint32_t i = s.firstServer; i < s.firstServer + s.serverCount; ++i) {
      d.dataplane.workerCounters(0).dests[t.servers[i].destId].conns.add(3);
    }
  }
  const std::string one = "TCP  10.0.0.1:80                         7       70        0        0        0\n";
  const std::string oneZeroed = "TCP  10.0.0.1:80                         0        0        0        0        0\n";
  const std::string udp = "UDP  10.0.0.1:53                         7       70        0        0        0\n";
  std::string stats = d.run({"-Ln", "--stats"}).out;
  EXPECT_NE(stats.find(one), std::string::npos) << stats;

  ok(d, "-Z -t 10.0.0.1:80");
  stats = d.run({"-Ln", "--stats"}).out;
  EXPECT_NE(stats.find(oneZeroed), std::string::npos) << stats;
  EXPECT_NE(stats.find("  -> 192.168.1.20:80                     0        0"), std::string::npos) << stats;
  EXPECT_NE(stats.find(udp), std::string::npos) << "other services keep their counters:\n" << stats;

  // Traffic after -Z counts from zero.
  d.dataplane.workerCounters(1).services[t.services[0].serviceId].conns.add(2);
  ok(d, "-Z");
  stats = d.run({"-Ln", "--stats"}).out;
  EXPECT_EQ(stats.find("        7       70"), std::string::npos) << stats;

  const Result missing = d.run(words("-Z -t 10.0.0.9:80"));
  EXPECT_EQ(missing.status, 255);
  EXPECT_EQ(missing.err, "No such service\n");
}

// --persistent-conn: IPVS's persistconns, the persistence templates that
// point at a real server, counted over every worker's table.
TEST(IpvsadmCommands, PersistentConnCountsTemplates) {
  IpvsadmDaemon d;
  buildTable(d);
  const dp::ForwardingTable& t = *d.dataplane.tables.back();
  const auto dns = std::find_if(t.services.begin(), t.services.end(), [](const dp::Service& s) { return s.port == 53; });
  ASSERT_NE(dns, t.services.end());
  const dp::RealServer& rs = t.servers[dns->firstServer];
  const auto templateFrom = [&](const char* client) {
    dp::ConnRecord r;
    r.client = sluice::testing::ip(client);
    r.vip = sluice::testing::ip("10.0.0.1");
    r.rs = sluice::testing::ip("192.168.1.22");
    r.isTemplate = true;
    r.proto = 17;
    r.vipPort = 53;
    r.rsPort = rs.port;
    r.serviceId = dns->serviceId;
    r.destId = rs.destId;
    r.expiresInMs = 600'000;
    return r;
  };
  d.dataplane.setConnections(0, {templateFrom("10.9.0.0")});
  d.dataplane.setConnections(1, {templateFrom("10.9.1.0"), templateFrom("10.9.2.0")});
  const std::string listed = d.run(words("-Ln --persistent-conn -u 10.0.0.1:53")).out;
  EXPECT_NE(listed.find("  -> 192.168.1.22:53              2         3           0          0"), std::string::npos)
      << listed;
}

TEST(IpvsadmCommands, SetTimeoutsReachesTheWorkers) {
  IpvsadmDaemon d;
  EXPECT_EQ(d.run({"-L", "--timeout"}).out, "Timeout (tcp tcpfin udp): 900 120 300\n");
  ok(d, "--set 3600 0 60");
  EXPECT_EQ(d.run({"-L", "--timeout"}).out, "Timeout (tcp tcpfin udp): 3600 120 60\n");
  ASSERT_TRUE(d.dataplane.tables.back()->timeouts.has_value());
  const dp::ConnTimeouts& t = *d.dataplane.tables.back()->timeouts;
  EXPECT_EQ(t.of(dp::ConnState::kEstablished), 3'600'000u);
  EXPECT_EQ(t.of(dp::ConnState::kFinWait), 120'000u);
  EXPECT_EQ(t.of(dp::ConnState::kUdp), 60'000u);
}

TEST(IpvsadmCommands, EditServerWeightZeroDrainsIt) {
  IpvsadmDaemon d;
  buildTable(d);
  ok(d, "-e -t 10.0.0.1:80 -r 192.168.1.20:80 -m -w 0");
  const dp::ForwardingTable& t = *d.dataplane.tables.back();
  bool seen = false;
  for (const dp::RealServer& rs : t.servers) {
    if (rs.port == 80 && rs.weight == 0) seen = true;
  }
  EXPECT_TRUE(seen) << "the workers have 192.168.1.20:80 at weight 0";
  EXPECT_NE(d.run({"-Ln"}).out.find("  -> 192.168.1.20:80              Masq    0      0          0"), std::string::npos);
}

TEST(IpvsadmCommands, RefusalsChangeNothing) {
  IpvsadmDaemon d;
  buildTable(d);
  const json before = servicesOf(d);
  const std::size_t tables = d.dataplane.tables.size();
  struct Case {
    const char* line;
    int status;
    const char* err;
  };
  const Case cases[] = {
      {"-A -t 10.0.0.1:80 -s rr", 255, "Service already exists\n"},
      {"-a -t 10.0.0.9:80 -r 192.168.1.20:80", 255, "Service not defined\n"},
      {"-a -t 10.0.0.1:80 -r 192.168.1.20:80 -m", 255, "Destination already exists\n"},
      {"-d -t 10.0.0.1:80 -r 192.168.1.99:80", 255, "No such destination\n"},
      {"-D -t 10.0.0.9:80", 255, "No such service\n"},
      {"-E -t 10.0.0.1:80 -s nosuch", 255, "Scheduler or persistence engine not found\n"},
      {"-A -t 10.0.0.5:80 -s rr -b sh-port", 2, "incompatible scheduler flag `sh-port'\n"},
      {"-a -t 10.0.0.1:80 -r 192.168.1.30:80 -x 10 -y 50", 255, "Numerical result out of range\n"},
      {"-a -t 10.0.0.1:80 -r 192.168.1.30:80 -w 2147483648", 2, "illegal weight specified\n"},
  };
  for (const Case& c : cases) {
    const Result r = d.run(words(c.line));
    EXPECT_EQ(r.status, c.status) << c.line;
    EXPECT_EQ(r.err, c.err) << c.line;
  }
  EXPECT_EQ(servicesOf(d), before);
  EXPECT_EQ(d.dataplane.tables.size(), tables) << "nothing was published";
}

// ipvsadm's changes are run-time changes, as with keepalived: a reload of
// the file undoes them, and /v1/config/diff (sluicectl config-diff) says
// what they are.
TEST(IpvsadmCommands, RunTimeChangesShowAgainstTheFile) {
  IpvsadmDaemon d("virtual_server 10.0.0.1 80 {\n    lvs_sched rr\n    lvs_method NAT\n    protocol TCP\n"
                  "    real_server 192.168.1.20 80 {\n    }\n}\n");
  EXPECT_EQ(apiGet(d, "/v1/config/diff")["same"], true);
  ok(d, "-A -t 10.0.0.1:443 -s wrr");
  ok(d, "-e -t 10.0.0.1:80 -r 192.168.1.20:80 -m -w 4");
  ok(d, "--set 60 0 0");
  const json diff = apiGet(d, "/v1/config/diff");
  EXPECT_EQ(diff["same"], false);
  EXPECT_EQ(diff["added"], json::array({"tcp-10.0.0.1-443"}));
  EXPECT_EQ(diff["changed"], json::array({"tcp-10.0.0.1-80"}));
  EXPECT_EQ(diff["removed"], json::array());
  EXPECT_EQ(diff["other_settings"], true) << "the timeouts";
  ok(d, "-D -t 10.0.0.1:80");
  EXPECT_EQ(apiGet(d, "/v1/config/diff")["removed"], json::array({"tcp-10.0.0.1-80"}));
}

// --start-daemon/--stop-daemon run the connection sync on a data-plane
// port; -L --daemon lists what runs as ipvsadm does.
TEST(IpvsadmCommands, SyncDaemonsStartAndStop) {
  IpvsadmDaemon d;
  const std::string master = "master sync daemon (mcast=int, syncid=5, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n";
  const std::string backup = "backup sync daemon (mcast=int, syncid=5, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n";
  EXPECT_EQ(d.run({"-L", "--daemon"}).out, "");
  ok(d, "--start-daemon master --mcast-interface int --syncid 5");
  EXPECT_EQ(d.run({"-L", "--daemon"}).out, master);
  EXPECT_EQ(apiGet(d, "/v1/sync")["role"], "master");
  Result r = d.run(words("--start-daemon master --mcast-interface int --syncid 5"));
  EXPECT_EQ(r.err, "Daemon has already run\n");
  EXPECT_EQ(r.status, 255);
  r = d.run(words("--start-daemon backup --mcast-interface int --syncid 7"));
  EXPECT_EQ(r.status, 255) << "one daemon for both states: the same settings";
  EXPECT_NE(r.err.find("one sync daemon"), std::string::npos) << r.err;
  ok(d, "--start-daemon backup --mcast-interface int --syncid 5");
  EXPECT_EQ(d.run({"-L", "--daemon"}).out, master + backup);
  EXPECT_EQ(apiGet(d, "/v1/sync")["role"], "master+backup");
  ok(d, "--stop-daemon master");
  EXPECT_EQ(d.run({"-L", "--daemon"}).out, backup);
  r = d.run(words("--stop-daemon master"));
  EXPECT_EQ(r.err, "No daemon is running\n");
  ok(d, "--stop-daemon backup");
  EXPECT_EQ(apiGet(d, "/v1/sync")["enabled"], false);
  r = d.run(words("--start-daemon master --mcast-interface eth9"));
  EXPECT_EQ(r.err, "No such device\n") << "eth9 is not a port of the dataplane block";
}

TEST(IpvsadmCommands, NoDaemonIsSaidAsIpvsadmSaysNoIpvs) {
  sluicectl::ApiClient api("/tmp/sluice-ipvsadm-test-no-such.sock");
  Runner runner(api, "ipvsadm", namesWithoutDns());
  std::istringstream in;
  std::ostringstream out, err;
  EXPECT_EQ(runner.run({"-Ln"}, in, out, err), 2);
  EXPECT_EQ(err.str().rfind("Can't initialize ipvs: ", 0), 0u) << err.str();
  EXPECT_NE(err.str().find("Are you sure that sluiced is running?"), std::string::npos);
}

}  // namespace
}  // namespace sluice::ipvsadm::testing
