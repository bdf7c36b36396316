// The expected tables were produced by ipvsadm's printf formats (ipvsadm.c)
// applied to the same numbers; the first ones are docs' examples verbatim.
#include "controlplane/sluicectl/format.h"

#include <gtest/gtest.h>

namespace sluice::sluicectl {
namespace {

using nlohmann::json;

// Two services as GET /v1/stats gives them, the fwmark one first: the
// output is in ipvsadm's order, not the daemon's.
const json kTwoServices = json::parse(R"({
  "services": [
    {"id": "fwmark-80", "virtual_server": "fwmark-80", "fwmark": 80, "scheduler": "wlc", "persistent": 300,
     "conns": 0, "inpkts": 0, "outpkts": 0, "inbytes": 0, "outbytes": 0, "activeconns": 1, "inactconns": 0,
     "cps": 0, "inpps": 0, "outpps": 0, "inbps": 0, "outbps": 0,
     "real_servers": [
       {"id": "192.168.1.21-80", "address": "192.168.1.21", "port": 80, "weight": 3, "method": "DR",
        "conns": 0, "inpkts": 0, "outpkts": 0, "inbytes": 0, "outbytes": 0, "activeconns": 1, "inactconns": 0,
        "cps": 0, "inpps": 0, "outpps": 0, "inbps": 0, "outbps": 0}]},
    {"id": "tcp-10.0.0.1-80", "virtual_server": "tcp-10.0.0.1-80", "protocol": "TCP", "address": "10.0.0.1",
     "port": 80, "scheduler": "rr",
     "conns": 20, "inpkts": 120, "outpkts": 80, "inbytes": 8000, "outbytes": 12000, "activeconns": 1,
     "inactconns": 3, "cps": 1, "inpps": 10, "outpps": 8, "inbps": 800, "outbps": 1200,
     "real_servers": [
       {"id": "192.168.1.20-80", "address": "192.168.1.20", "port": 80, "weight": 1, "method": "NAT",
        "conns": 5, "inpkts": 30, "outpkts": 20, "inbytes": 2000, "outbytes": 3000, "activeconns": 0,
        "inactconns": 0, "cps": 0, "inpps": 0, "outpps": 0, "inbps": 0, "outbps": 0}]}
  ],
  "drops": {"no_service": 3},
  "workers": [{"rx_packets": 1, "tx_packets": 1, "exception_packets": 0, "connections": 4, "evictions": 0,
               "expired": 0, "drops": {}}]
})");

TEST(SluicectlFormat, ListIsIpvsadmLn) {
  EXPECT_EQ(formatServices(kTwoServices, Columns::kConnections),
            "sluice (IPVS-compatible) services=2\n"
            "Prot LocalAddress:Port Scheduler Flags\n"
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
            "TCP  10.0.0.1:80 rr\n"
            "  -> 192.168.1.20:80              Masq    1      0          0\n"
            "FWM  80 wlc persistent 300\n"
            "  -> 192.168.1.21:80              Route   3      1          0\n");
}

TEST(SluicectlFormat, StatsIsIpvsadmLnStats) {
  EXPECT_EQ(formatServices(kTwoServices, Columns::kStats),
            "sluice (IPVS-compatible) services=2\n"
            "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
            "  -> RemoteAddress:Port\n"
            "TCP  10.0.0.1:80                        20      120       80     8000    12000\n"
            "  -> 192.168.1.20:80                     5       30       20     2000     3000\n"
            "FWM  80                                  0        0        0        0        0\n"
            "  -> 192.168.1.21:80                     0        0        0        0        0\n");
}

TEST(SluicectlFormat, NoServicesStillPrintsTheTitles) {
  EXPECT_EQ(formatServices(json::parse(R"({"services": []})"), Columns::kConnections),
            "sluice (IPVS-compatible) services=0\n"
            "Prot LocalAddress:Port Scheduler Flags\n"
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
}

// Services and real servers in the daemon's order, which is not ipvsadm's.
const json kMixed = json::parse(R"({"services": [
  {"id": "fwmark-7", "fwmark": 7, "scheduler": "rr", "real_servers": []},
  {"id": "tcp-2001:db8::1-80", "protocol": "TCP", "address": "2001:db8::1", "port": 80, "scheduler": "sh",
   "real_servers": [{"address": "2001:db8::20", "port": 80, "weight": 1, "method": "NAT"}]},
  {"id": "udp-10.0.0.2-53", "protocol": "UDP", "address": "10.0.0.2", "port": 53, "scheduler": "wrr",
   "real_servers": [{"address": "192.168.1.20", "port": 53, "weight": 100, "method": "DR",
                     "activeconns": 10, "inactconns": 20}]},
  {"id": "tcp-10.0.0.9-80", "protocol": "TCP", "address": "10.0.0.9", "port": 80, "scheduler": "lc",
   "cps": 12, "inpps": 99999999, "outpps": 100000000, "inbps": 1234567890, "outbps": 123456789012345,
   "real_servers": [
     {"address": "192.168.1.20", "port": 80, "weight": 2, "method": "NAT"},
     {"address": "192.168.1.3", "port": 80, "weight": 0, "method": "TUN", "activeconns": 2, "inactconns": 3,
      "sorry": true, "cps": 5, "inpps": 123456789, "outpps": 7, "inbps": 123456789, "outbps": 1000}]}
]})");

TEST(SluicectlFormat, ListSortsLikeIpvsadmAndBracketsIpv6) {
  // Address services before fwmarks; IPv4 before IPv6; TCP before UDP;
  // addresses by value (192.168.1.3 before 192.168.1.20).
  EXPECT_EQ(formatServices(kMixed, Columns::kConnections),
            "sluice (IPVS-compatible) services=4\n"
            "Prot LocalAddress:Port Scheduler Flags\n"
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
            "TCP  10.0.0.9:80 lc\n"
            "  -> 192.168.1.3:80               Tunnel  0      2          3          sorry\n"
            "  -> 192.168.1.20:80              Masq    2      0          0\n"
            "UDP  10.0.0.2:53 wrr\n"
            "  -> 192.168.1.20:53              Route   100    10         20\n"
            "TCP  [2001:db8::1]:80 sh\n"
            "  -> [2001:db8::20]:80            Masq    1      0          0\n"
            "FWM  7 rr\n");
}

TEST(SluicectlFormat, RateScalesLargeNumbersLikeIpvsadm) {
  // Exact below 100 million, then K, M, G, T; a real server's first three
  // rates are never scaled (ipvsadm prints them with %8u).
  const std::string out = formatServices(kMixed, Columns::kRate);
  EXPECT_EQ(out,
            "sluice (IPVS-compatible) services=4\n"
            "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n"
            "  -> RemoteAddress:Port\n"
            "TCP  10.0.0.9:80                        12 99999999  100000K    1234M     123T\n"
            "  -> 192.168.1.3:80                      5 123456789        7  123456K     1000\n"
            "  -> 192.168.1.20:80                     0        0        0        0        0\n"
            "UDP  10.0.0.2:53                         0        0        0        0        0\n"
            "  -> 192.168.1.20:53                     0        0        0        0        0\n"
            "TCP  [2001:db8::1]:80                    0        0        0        0        0\n"
            "  -> [2001:db8::20]:80                   0        0        0        0        0\n"
            "FWM  7                                   0        0        0        0        0\n");
}

TEST(SluicectlFormat, MissingFieldsPrintAsDashOrZero) {
  const json odd = json::parse(R"({"services": [{"id": "group-web", "protocol": "TCP", "scheduler": null,
      "real_servers": [{"address": "10.1.1.1", "port": 80, "method": "XYZ", "weight": "heavy"}]}]})");
  EXPECT_EQ(formatServices(odd, Columns::kConnections),
            "sluice (IPVS-compatible) services=1\n"
            "Prot LocalAddress:Port Scheduler Flags\n"
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
            "TCP  group-web -\n"
            "  -> 10.1.1.1:80                  XYZ     0      0          0\n");
  EXPECT_EQ(formatServices(json("not an object"), Columns::kConnections),
            "sluice (IPVS-compatible) services=0\n"
            "Prot LocalAddress:Port Scheduler Flags\n"
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
}

TEST(SluicectlFormat, ConnectionsAreIpvsadmLnc) {
  const json conns = json::parse(R"([
    {"worker": 0, "protocol": "TCP", "state": "ESTABLISHED", "expires_ms": 899000, "template": false,
     "client_address": "10.0.0.100", "client_port": 40000, "virtual_address": "10.0.0.1", "virtual_port": 80,
     "server_address": "192.168.1.20", "server_port": 80, "method": "NAT", "service": "tcp-10.0.0.1-80"},
    {"worker": 1, "protocol": "TCP", "state": "NONE", "expires_ms": 300999, "template": true,
     "client_address": "10.0.0.100", "client_port": 0, "virtual_address": "10.0.0.1", "virtual_port": 0,
     "server_address": "192.168.1.20", "server_port": 0, "method": "NAT", "service": "tcp-10.0.0.1-80"},
    {"worker": 1, "protocol": "UDP", "state": "UDP", "expires_ms": 6123456, "template": false,
     "client_address": "2001:db8::100", "client_port": 5353, "virtual_address": "2001:db8::1", "virtual_port": 53,
     "server_address": "2001:db8::20", "server_port": 53, "method": "DR", "service": "udp-2001:db8::1-53"}
  ])");
  EXPECT_EQ(formatConnections(conns),
            "IPVS connection entries\n"
            "pro expire state       source             virtual            destination\n"
            "TCP 14:59  ESTABLISHED 10.0.0.100:40000   10.0.0.1:80        192.168.1.20:80\n"
            "TCP 05:00  NONE        10.0.0.100:0       10.0.0.1:0         192.168.1.20:0\n"
            "UDP 102:03 UDP         [2001:db8::100]:5353 [2001:db8::1]:53   [2001:db8::20]:53\n");
  // Later pages follow the first without the titles.
  EXPECT_EQ(formatConnections(json::array({conns[0]}), /*withTitle=*/false),
            "TCP 14:59  ESTABLISHED 10.0.0.100:40000   10.0.0.1:80        192.168.1.20:80\n");
  EXPECT_EQ(formatConnections(json::array()),
            "IPVS connection entries\n"
            "pro expire state       source             virtual            destination\n");
}

TEST(SluicectlFormat, VrrpTable) {
  const json vrrp = json::parse(R"({"running": true, "instances": [
    {"name": "VI_1", "interface": "eth0", "virtual_router_id": 51, "state": "MASTER", "priority": 100,
     "effective_priority": 100, "master_address": "10.0.0.2", "transitions": 1,
     "virtual_ipaddresses": ["10.0.0.1"], "counters": {}},
    {"name": "VI_SECOND", "interface": "eth1", "virtual_router_id": 7, "state": "BACKUP", "priority": 90,
     "effective_priority": 80, "master_address": null, "transitions": 0, "virtual_ipaddresses": [], "counters": {}}
  ]})");
  EXPECT_EQ(formatVrrp(vrrp),
            "Name       Interface  VRID  State   Prio  EffPrio  Master\n"
            "VI_1       eth0       51    MASTER  100   100      10.0.0.2\n"
            "VI_SECOND  eth1       7     BACKUP  90    80       -\n");
}

TEST(SluicectlFormat, VrrpNotRunningIsSaidFirst) {
  const json vrrp = json::parse(R"({"running": false, "instances": [
    {"name": "VI_1", "interface": "eth0", "virtual_router_id": 51, "state": "DISABLED", "priority": 100,
     "effective_priority": 100, "master_address": null}]})");
  EXPECT_EQ(formatVrrp(vrrp),
            "vrrp: not running\n"
            "Name  Interface  VRID  State     Prio  EffPrio  Master\n"
            "VI_1  eth0       51    DISABLED  100   100      -\n");
}

TEST(SluicectlFormat, HealthTable) {
  const json health = json::parse(R"({"running": true, "checkers": [
    {"service": "tcp-10.0.0.1-80", "real_server": "192.168.1.20-80", "type": "TCP_CHECK", "state": "UP",
     "last_error": null, "weight": 1},
    {"service": "tcp-10.0.0.1-80", "real_server": "192.168.1.21-80", "type": "HTTP_GET", "state": "DOWN",
     "last_error": "connect: Connection refused", "weight": 1}]})");
  EXPECT_EQ(formatHealth(health),
            "Service          RealServer       Check      State  LastError\n"
            "tcp-10.0.0.1-80  192.168.1.20-80  TCP_CHECK  UP     -\n"
            "tcp-10.0.0.1-80  192.168.1.21-80  HTTP_GET   DOWN   connect: Connection refused\n");
  EXPECT_EQ(formatHealth(json::parse(R"({"running": false, "checkers": []})")),
            "health checks: not running\n"
            "Service  RealServer  Check  State  LastError\n");
}

TEST(SluicectlFormat, StatusAsKeyValueLines) {
  // docs/api.md's example, with the "..." filled in.
  const json status = json::parse(R"({"version": "0.1.0", "pid": 2811, "uptime_s": 42,
    "config_file": "/etc/keepalived/keepalived.conf", "table_version": 3, "workers": 2,
    "worker_loops": [{"loops": 81234567}, {"loops": 5}],
    "ports": [{"name": "eth0", "mac": "02:00:00:00:01:01", "link": "up"},
              {"name": "eth1", "mac": "02:00:00:00:01:02", "link": "down"}],
    "last_reload": {"ok": true, "uptime_s": 30, "added": 0, "removed": 0, "changed": 1},
    "control": {"arp_answered": 12, "nd_answered": 3},
    "a_new_key": ["x", "y"]})");
  EXPECT_EQ(formatStatus(status),
            "version: 0.1.0\n"
            "pid: 2811\n"
            "uptime_s: 42\n"
            "config_file: /etc/keepalived/keepalived.conf\n"
            "table_version: 3\n"
            "workers: 2\n"
            "worker_loops:\n"
            "  0: loops=81234567\n"
            "  1: loops=5\n"
            "ports:\n"
            "  eth0 02:00:00:00:01:01 link up\n"
            "  eth1 02:00:00:00:01:02 link down\n"
            "last_reload:\n"
            "  added: 0\n"
            "  changed: 1\n"
            "  ok: true\n"
            "  removed: 0\n"
            "  uptime_s: 30\n"
            "control:\n"
            "  arp_answered: 12\n"
            "  nd_answered: 3\n"
            "a_new_key: x, y\n");
  EXPECT_EQ(formatStatus(json::parse(R"({"version": "0.1.0", "last_reload": null, "ports": []})")),
            "version: 0.1.0\n"
            "ports:\n"
            "last_reload: -\n");
}

TEST(SluicectlFormat, ReloadCountsTheChangesAndShowsWarningsAndNotes) {
  EXPECT_EQ(formatReload(json::parse(R"({"reloaded": true, "added": ["tcp-10.0.0.1-80", "fwmark-1"], "removed": [],
                                         "changed": ["x"], "diagnostics": [], "notes": []})")),
            "reloaded: 2 added, 0 removed, 1 changed\n");
  EXPECT_EQ(formatReload(json::parse(R"({"reloaded": true, "added": [], "removed": ["udp-10.0.0.1-53"],
      "changed": [], "diagnostics": ["k.conf:4: warning: unknown keyword 'foo'"],
      "notes": ["api block changes take effect at the next start"]})")),
            "reloaded: 0 added, 1 removed, 0 changed\n"
            "k.conf:4: warning: unknown keyword 'foo'\n"
            "api block changes take effect at the next start\n");
}

TEST(SluicectlFormat, ConfigDiffSaysWhatChangedAtRunTime) {
  EXPECT_EQ(formatConfigDiff(json::parse(R"({"file": "/etc/k.conf", "same": true})")),
            "the running configuration is /etc/k.conf's\n");
  EXPECT_EQ(formatConfigDiff(json::parse(R"({"file": "/etc/k.conf", "same": false, "added": ["tcp-10.0.0.1-443"],
      "removed": [], "changed": ["tcp-10.0.0.1-80", "fwmark-1"], "other_settings": true})")),
            "changed at run time (a reload of /etc/k.conf undoes it):\n"
            "  added tcp-10.0.0.1-443\n"
            "  changed tcp-10.0.0.1-80\n"
            "  changed fwmark-1\n"
            "  changed settings outside virtual_server blocks (such as timeouts)\n");
}

TEST(SluicectlFormat, RefusalNamesTheErrorTheFieldAndTheDiagnostics) {
  EXPECT_EQ(formatRefusal(400, R"({"error": "json: 'weight': -3 is out of range", "field": "weight"})"),
            "sluicectl: json: 'weight': -3 is out of range (field: weight)\n");
  EXPECT_EQ(formatRefusal(404, R"({"error": "no service tcp-10.0.0.1-81"})"),
            "sluicectl: no service tcp-10.0.0.1-81\n");
  EXPECT_EQ(formatRefusal(422, R"({"error": "configuration refused: 2 errors",
                                   "diagnostics": ["k.conf:3: error: x", "k.conf:9: error: y"]})"),
            "sluicectl: configuration refused: 2 errors\n"
            "k.conf:3: error: x\n"
            "k.conf:9: error: y\n");
}

TEST(SluicectlFormat, RefusalWithoutTheApisErrorObjectShowsTheStatus) {
  EXPECT_EQ(formatRefusal(502, "Bad Gateway\nmore"), "sluicectl: sluiced answered HTTP 502: Bad Gateway\n");
  EXPECT_EQ(formatRefusal(404, ""), "sluicectl: sluiced answered HTTP 404\n");
}

}  // namespace
}  // namespace sluice::sluicectl
