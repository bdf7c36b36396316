// sluice's dataplane { } block and its cross-checks with the VRRP part.
#include <gtest/gtest.h>

#include "controlplane/config/parser.h"
#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

using std::chrono::seconds;
using testing::errorsOf;
using testing::warningsOf;
using Lines = std::vector<std::string>;

const char* kFull = R"(dataplane {
    lcores 0-1                 # EAL core list: the first is the control plane
    no_huge                    # optional: run without hugepages
    memory 1024
    conn_table_size 1048576
    lvs_timeouts tcp 900 tcpfin 120 udp 300
    expire_nodest_conn         # optional: drop connections of a removed real server
    port eth0 {
        device net_af_packet0,iface=veth0
        address 10.0.0.2/24
        address fd00::2/64
        gateway 10.0.0.254
        queues 2
    }
    port eth1 {
        device 0000:03:00.1
        address 192.168.1.254/24
    }
    route 172.16.0.0/16 via 192.168.1.1 dev eth1
    neighbor 192.168.1.20 lladdr 02:00:00:00:00:20 dev eth1
    fwmark 80 {
        match 10.0.0.1/32 tcp 80,443
        match 10.0.0.1/32 tcp 10000-20000
        match fd00::1/128 udp
    }
}
vrrp_instance RH_EXT {
    interface eth0
    virtual_router_id 50
    virtual_ipaddress {
        10.0.0.1 dev eth0
    }
}
virtual_server fwmark 80 {
    real_server 192.168.1.20
}
)";

TEST(Dataplane, FullBlock) {
  const auto r = parseString(kFull, "d.conf");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  EXPECT_TRUE(warningsOf(r).empty()) << ::testing::PrintToString(warningsOf(r));
  ASSERT_TRUE(r.config->dataplane);
  const Dataplane& dp = *r.config->dataplane;
  EXPECT_EQ(dp.lcores, (std::vector<std::uint32_t>{0, 1}));
  EXPECT_TRUE(dp.noHuge);
  EXPECT_EQ(dp.memoryMb, 1024u);
  EXPECT_EQ(dp.connTableSize, 1048576u);
  ASSERT_TRUE(dp.lvsTimeouts);
  EXPECT_EQ(dp.lvsTimeouts->tcp, seconds{900});
  EXPECT_EQ(dp.lvsTimeouts->tcpFin, seconds{120});
  EXPECT_EQ(dp.lvsTimeouts->udp, seconds{300});
  EXPECT_TRUE(dp.expireNodestConn);

  ASSERT_EQ(dp.ports.size(), 2u);
  const DataplanePort& eth0 = dp.ports[0];
  EXPECT_EQ(eth0.name, "eth0");
  EXPECT_EQ(eth0.device, "net_af_packet0,iface=veth0");
  ASSERT_EQ(eth0.addresses.size(), 2u);
  EXPECT_EQ(eth0.addresses[0].toString(), "10.0.0.2/24");
  EXPECT_EQ(eth0.addresses[1].toString(), "fd00::2/64");
  EXPECT_EQ(config::toString(*eth0.gateway), "10.0.0.254");
  EXPECT_EQ(eth0.queues, 2);
  EXPECT_EQ(eth0.mtu, 1500);  // the default
  EXPECT_EQ(dp.ports[1].device, "0000:03:00.1");
  EXPECT_FALSE(dp.ports[1].gateway);
  EXPECT_EQ(dp.findPort("eth1"), &dp.ports[1]);
  EXPECT_EQ(dp.findPort("eth9"), nullptr);

  ASSERT_EQ(dp.routes.size(), 1u);
  EXPECT_EQ(dp.routes[0].destination.toString(), "172.16.0.0/16");
  EXPECT_EQ(config::toString(dp.routes[0].via), "192.168.1.1");
  EXPECT_EQ(dp.routes[0].dev, "eth1");
  ASSERT_EQ(dp.neighbors.size(), 1u);
  EXPECT_EQ(dp.neighbors[0].lladdr.toString(), "02:00:00:00:00:20");
  EXPECT_EQ(dp.neighbors[0].dev, "eth1");

  ASSERT_EQ(dp.fwmarks.size(), 1u);
  const FwmarkRule& rule = dp.fwmarks[0];
  EXPECT_EQ(rule.mark, 80u);
  ASSERT_EQ(rule.matches.size(), 3u);
  EXPECT_EQ(rule.matches[0].destination.toString(), "10.0.0.1/32");
  EXPECT_EQ(rule.matches[0].protocol, Protocol::kTcp);
  EXPECT_EQ(rule.matches[0].ports, (std::vector<PortRange>{{80, 80}, {443, 443}}));
  EXPECT_EQ(rule.matches[1].ports, (std::vector<PortRange>{{10000, 20000}}));
  EXPECT_EQ(rule.matches[2].protocol, Protocol::kUdp);
  EXPECT_TRUE(rule.matches[2].ports.empty());
  EXPECT_EQ(dp.findFwmark(80), &rule);
}

TEST(Dataplane, LcoreLists) {
  auto lcores = [](const std::string& spec) {
    const auto r = parseString("dataplane {\n lcores " + spec + "\n port p { device d }\n}\n", "d.conf");
    EXPECT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
    return r.config ? r.config->dataplane->lcores : std::vector<std::uint32_t>{};
  };
  EXPECT_EQ(lcores("0,2,4"), (std::vector<std::uint32_t>{0, 2, 4}));
  EXPECT_EQ(lcores("1-3,8"), (std::vector<std::uint32_t>{1, 2, 3, 8}));
  EXPECT_EQ(lcores("0 5"), (std::vector<std::uint32_t>{0, 5}));
}

// catches: DPDK's lcore-to-CPU map refused, or its lcores misread (two
// workers on one CPU is how a 2-CPU machine runs more than one worker).
TEST(Dataplane, LcoreMaps) {
  const auto r = parseString("dataplane {\n lcores 0@0,(1-2)@1\n busy_poll\n port p { device d }\n}\n", "d.conf");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(errorsOf(r));
  const Dataplane& dp = *r.config->dataplane;
  EXPECT_EQ(dp.lcores, (std::vector<std::uint32_t>{0, 1, 2}));
  EXPECT_EQ(dp.lcoreMap, "0@0,(1-2)@1");
  EXPECT_TRUE(dp.busyPoll);
  const auto plain = parseString("dataplane {\n lcores 0-1\n port p { device d }\n}\n", "d.conf");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain.config->dataplane->lcoreMap);
  EXPECT_FALSE(plain.config->dataplane->busyPoll);
  const auto groups = parseString("dataplane {\n lcores 0@(0,1) (1,3)@1\n port p { device d }\n}\n", "d.conf");
  ASSERT_TRUE(groups.ok()) << ::testing::PrintToString(errorsOf(groups));
  EXPECT_EQ(groups.config->dataplane->lcores, (std::vector<std::uint32_t>{0, 1, 3}));
}

// catches: a malformed lcore map passed on to the EAL, which then fails
// with a message about its own arguments.
TEST(Dataplane, BadLcoreMaps) {
  auto error = [](const std::string& spec) {
    const auto r = parseString("dataplane {\n lcores " + spec + "\n port p { device d }\n}\n", "d.conf");
    const Lines e = errorsOf(r);
    return e.empty() ? std::string() : e[0];
  };
  EXPECT_EQ(error("0@0,(1-2@1"),
            "d.conf:2: lcores '(1-2@1' is not a core list like 0-3 or 0,2,4, or an lcore map like 0@0,(1-2)@1 "
            "(lcores and CPUs 0-1023)");
  EXPECT_EQ(error("0@x,1@1"),
            "d.conf:2: lcores '0@x' is not a core list like 0-3 or 0,2,4, or an lcore map like 0@0,(1-2)@1 "
            "(lcores and CPUs 0-1023)");
  EXPECT_EQ(error("0@0,(0-1)@1"), "d.conf:2: lcores lists lcore 0 twice");
  EXPECT_EQ(error("0@0,1@2000"),
            "d.conf:2: lcores '1@2000' is not a core list like 0-3 or 0,2,4, or an lcore map like 0@0,(1-2)@1 "
            "(lcores and CPUs 0-1023)");
}

// catches: an af_packet port whose second fanout socket no worker reads,
// which loses half its packets without a counter.
TEST(Dataplane, AfPacketQpairsNeedAsManyQueues) {
  const auto bad = parseString(
      "dataplane {\n lcores 0-2\n port eth0 {\n  device net_af_packet0,iface=eth0,qpairs=2\n }\n}\n", "d.conf");
  ASSERT_FALSE(errorsOf(bad).empty());
  EXPECT_EQ(errorsOf(bad)[0], "d.conf:3: port 'eth0': net_af_packet with qpairs=2 spreads the packets over 2 "
                              "queues; give the port `queues 2` so that every queue is read");
  const auto good = parseString(
      "dataplane {\n lcores 0-2\n port eth0 {\n  device net_af_packet0,iface=eth0,qpairs=2\n  queues 2\n }\n}\n",
      "d.conf");
  EXPECT_TRUE(good.ok()) << ::testing::PrintToString(errorsOf(good));
}

TEST(Dataplane, NeedsAWorkerCore) {
  const auto r = parseString("dataplane {\n lcores 0\n port p { device d }\n}\n", "d.conf");
  EXPECT_EQ(errorsOf(r), Lines{"d.conf:2: lcores needs at least two cores: the first runs the control plane, "
                               "the others are workers"});
}

TEST(Dataplane, BadValues) {
  const auto r = parseString(R"(dataplane {
  lcores 0-1,1
  port eth0 {
    address 10.0.0.2
    gateway 10.9.9.9
  }
  port eth1 {
    device x
    address 10.1.0.2/24
    gateway 10.9.9.9
    queues 0
  }
  route 172.16.0.0/16 via 192.168.1.1
  neighbor 192.168.1.20 lladdr 02:00:00:00:20 dev eth1
  fwmark 5 {
    match 10.0.0.1/32 icmp
  }
  fwmark 6 {
    match 10.0.0.1/32 tcp 0-10
  }
})",
                             "d.conf");
  EXPECT_EQ(
      errorsOf(r),
      (Lines{"d.conf:2: lcores lists lcore 1 twice",
             "d.conf:4: address '10.0.0.2' needs a prefix length, e.g. 10.0.0.2/24",
             "d.conf:3: port 'eth0' needs a device (a PCI address or a DPDK vdev string)",
             "d.conf:11: queues 0 is out of range 1-128",
             "d.conf:7: gateway 10.9.9.9 is not inside any address of port 'eth1'",
             "d.conf:13: route needs the form: route PREFIX via ADDRESS dev PORT",
             "d.conf:14: lladdr '02:00:00:00:20' is not a MAC address like 02:00:00:00:00:20",
             "d.conf:16: match 'icmp' is not one of tcp, udp, sctp", "d.conf:15: fwmark 5 has no match line",
             "d.conf:19: ports '0-10' is not a port list like 80,443 or 10000-20000",
             "d.conf:18: fwmark 6 has no match line"}));
}

// `mtu N`: the MTU sluice assumes for the port's link.
TEST(Dataplane, PortMtu) {
  auto port = [](const std::string& lines) {
    return parseString("dataplane {\n lcores 0-1\n port eth0 {\n  device net_ring0\n" + lines + " }\n}\n", "d.conf");
  };
  auto mtuOf = [&](const std::string& lines) -> int {
    const auto r = port(lines);
    EXPECT_TRUE(r.ok()) << lines << ::testing::PrintToString(errorsOf(r));
    return r.ok() ? r.config->dataplane->ports.at(0).mtu : -1;
  };
  EXPECT_EQ(mtuOf("  address 10.0.0.2/24\n"), 1500);
  EXPECT_EQ(mtuOf("  address 10.0.0.2/24\n  mtu 9000\n"), 9000);
  EXPECT_EQ(mtuOf("  mtu 68\n  address 10.0.0.2/24\n"), 68);
  EXPECT_EQ(mtuOf("  mtu 1280\n  address fd00::2/64\n"), 1280);
  EXPECT_EQ(mtuOf("  address 10.0.0.2/24\n  mtu 1400\n  mtu 1480\n"), 1480);  // the last one
  EXPECT_EQ(errorsOf(port("  mtu 67\n")), Lines{"d.conf:5: mtu 67 is out of range 68-9000"});
  EXPECT_EQ(errorsOf(port("  mtu 9001\n")), Lines{"d.conf:5: mtu 9001 is out of range 68-9000"});
  EXPECT_EQ(errorsOf(port("  mtu jumbo\n")), Lines{"d.conf:5: mtu 'jumbo' is not a whole number"});
  EXPECT_EQ(errorsOf(port("  mtu\n")), Lines{"d.conf:5: 'mtu' needs a value"});
  // IPv6 needs 1280 (RFC 8200), wherever the address comes in the block.
  EXPECT_EQ(errorsOf(port("  mtu 1279\n  address 10.0.0.2/24\n  address fd00::2/64\n")),
            Lines{"d.conf:3: port 'eth0': mtu 1279 is below 1280, the least IPv6 allows, and the port has the IPv6 "
                  "address fd00::2/64"});
}

// ftp_helper / ftp_ports: ip_vs_ftp and its `ports`, on for 21 by default.
TEST(Dataplane, FtpHelper) {
  auto parseFtp = [](const std::string& lines) {
    return parseString("dataplane {\n lcores 0-1\n port eth0 { device net_ring0 }\n" + lines + "}\n", "d.conf");
  };
  auto ok = [&](const std::string& lines) {
    const auto r = parseFtp(lines);
    EXPECT_TRUE(r.ok()) << lines << ::testing::PrintToString(errorsOf(r));
    return r.ok() ? *r.config->dataplane : Dataplane{};
  };
  const Dataplane byDefault = ok("");
  EXPECT_TRUE(byDefault.ftpHelper);
  EXPECT_EQ(byDefault.ftpPorts, (std::vector<std::uint16_t>{21}));
  const Dataplane two = ok(" ftp_ports 21 2121\n");
  EXPECT_EQ(two.ftpPorts, (std::vector<std::uint16_t>{21, 2121}));
  EXPECT_FALSE(ok(" ftp_helper off\n").ftpHelper);
  EXPECT_TRUE(ok(" ftp_helper\n").ftpHelper);
  EXPECT_EQ(errorsOf(parseFtp(" ftp_ports 21 21\n")), Lines{"d.conf:4: ftp_ports lists 21 twice"});
  EXPECT_EQ(errorsOf(parseFtp(" ftp_ports 1\n")), Lines{"d.conf:4: ftp_ports 1 is out of range 2-65535"});
  EXPECT_EQ(errorsOf(parseFtp(" ftp_ports 65536\n")), Lines{"d.conf:4: ftp_ports 65536 is out of range 2-65535"});
  EXPECT_EQ(errorsOf(parseFtp(" ftp_ports 1 2 3 4 5 6 7 8 9\n")).size(), 1u);
  EXPECT_EQ(errorsOf(parseFtp(" ftp_ports\n")), Lines{"d.conf:4: 'ftp_ports' needs a value"});
  EXPECT_EQ(errorsOf(parseFtp(" ftp_helper maybe\n")).size(), 1u);
}

TEST(Dataplane, ExceptionTap) {
  const auto ok = parseString(
      "dataplane {\n lcores 0-1\n port eth0 {\n  device 0000:03:00.0\n  exception_tap sl-eth0\n }\n"
      " port eth1 { device net_ring0 }\n}\n",
      "d.conf");
  ASSERT_TRUE(ok.ok()) << ::testing::PrintToString(errorsOf(ok));
  EXPECT_EQ(ok.config->dataplane->ports[0].exceptionTap, "sl-eth0");
  EXPECT_EQ(ok.config->dataplane->ports[1].exceptionTap, std::nullopt);

  const auto bad = parseString(
      "dataplane {\n lcores 0-1\n port eth0 {\n  device d0\n  exception_tap a-name-too-long-for-linux\n }\n"
      " port eth1 {\n  device d1\n  exception_tap t0\n }\n port eth2 {\n  device d2\n  exception_tap t0\n }\n}\n",
      "d.conf");
  const Lines errors = errorsOf(bad);
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);
  EXPECT_EQ(errors[0],
            "d.conf:5: exception_tap 'a-name-too-long-for-linux' is not an interface name (1-15 characters, no '/', ',', "
            "':', '=')");
  EXPECT_EQ(errors[1], "d.conf:11: exception_tap t0 is taken by port 'eth1'");
}

TEST(Dataplane, DevicesMustNameDeclaredPorts) {
  const auto r = parseString(R"(vrrp_instance A {
  interface eth0
  virtual_router_id 1
  virtual_ipaddress {
    10.0.0.1 dev eth2
  }
  track_interface {
    eth3
  }
}
dataplane {
  lcores 0-1
  port eth1 {
    device net_null0
  }
  route 10.9.0.0/16 via 10.0.0.1 dev eth5
  neighbor 10.0.0.1 lladdr 02:00:00:00:00:01 dev eth6
}
)",
                             "d.conf");
  EXPECT_EQ(errorsOf(r), (Lines{"d.conf:2: interface 'eth0' is not a port of the dataplane block",
                                "d.conf:5: virtual_ipaddress dev 'eth2' is not a port of the dataplane block",
                                "d.conf:16: route dev 'eth5' is not a port of the dataplane block",
                                "d.conf:17: neighbor dev 'eth6' is not a port of the dataplane block"}));
  EXPECT_EQ(warningsOf(r), Lines{"d.conf:8: track_interface 'eth3' is not a port of the dataplane block"});
}

TEST(Dataplane, WithoutADataplaneBlockInterfacesAreNotChecked) {
  const auto r = parseString(
      "vrrp_instance A {\n interface ens3\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1 dev ens4\n "
      "}\n}\n",
      "d.conf");
  EXPECT_TRUE(r.ok());
}

TEST(Dataplane, TwoBlocksAreAnError) {
  const auto r = parseString(
      "dataplane {\n lcores 0-1\n port p { device d }\n}\ndataplane {\n lcores 0-1\n port q { device d "
      "}\n}\n",
      "d.conf");
  EXPECT_EQ(errorsOf(r), Lines{"d.conf:5: a second dataplane block (first at d.conf:1)"});
}

}  // namespace
}  // namespace sluice::config
