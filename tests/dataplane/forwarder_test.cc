#include "dataplane/forwarder.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/dataplane/packet_builder.h"
#include "tests/dataplane/test_table.h"

namespace sluice::dp {
namespace {

using testing::buildFrame;
using testing::buildIcmpError;
using testing::checkChecksums;
using testing::FrameSpec;
using testing::address;
using testing::ip;
using testing::kExt;
using testing::kInt;
using testing::Lab;
using testing::prefix;

struct Sent {
  Verdict verdict;
  std::vector<uint8_t> frame;
  ParsedPacket parsed;
};

Sent send(Forwarder& f, std::vector<uint8_t> frame, uint32_t now = 1000) {
  Sent s;
  s.verdict = f.process(frame.data(), static_cast<uint32_t>(frame.size()), now);
  s.frame = std::move(frame);
  s.parsed = parsePacket(s.frame.data(), static_cast<uint32_t>(s.frame.size()));
  return s;
}

std::vector<uint8_t> syn(const char* client, uint16_t cport, const char* vip = "10.0.0.1", uint16_t vport = 80) {
  return buildFrame({.src = {client, cport}, .dst = {vip, vport}, .tcpFlags = kTcpSyn});
}

uint64_t drops(const Forwarder& f, DropReason r) { return f.counters().drops[static_cast<std::size_t>(r)].get(); }

TEST(Forwarder, NatSchedulesRoundRobinAndRewritesBothWays) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1, 1});
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);

  Sent a = send(f, syn("10.0.0.101", 40000));
  ASSERT_EQ(a.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(a.verdict.port, kInt);
  EXPECT_EQ(a.parsed.tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(a.parsed.tuple.src, ip("10.0.0.101"));
  EXPECT_EQ(a.frame[5], 0x20);   // destination MAC: the real server
  EXPECT_EQ(a.frame[11], 0xE1);  // source MAC: the internal port
  EXPECT_EQ(checkChecksums(a.frame), "");

  Sent b = send(f, syn("10.0.0.102", 40000));
  EXPECT_EQ(b.parsed.tuple.dst, ip("192.168.1.21"));

  // The first real server answers; the client sees the VIP.
  Sent r = send(f, buildFrame({.src = {"192.168.1.20", 80}, .dst = {"10.0.0.101", 40000},
                               .tcpFlags = kTcpSyn | kTcpAck}));
  ASSERT_EQ(r.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(r.verdict.port, kExt);
  EXPECT_EQ(r.parsed.tuple.src, ip("10.0.0.1"));
  EXPECT_EQ(r.parsed.tuple.srcPort, 80);
  EXPECT_EQ(r.frame[5], 0x65);
  EXPECT_EQ(checkChecksums(r.frame), "");

  // The client's ACK completes the handshake: one active connection.
  send(f, buildFrame({.src = {"10.0.0.101", 40000}, .dst = {"10.0.0.1", 80}, .tcpFlags = kTcpAck}));
  const TrafficCounters& rs0 = f.counters().dests[0];
  EXPECT_EQ(rs0.conns.get(), 1u);
  EXPECT_EQ(rs0.activeConns.get(), 1u);
  EXPECT_EQ(rs0.inactiveConns.get(), 0u);
  EXPECT_EQ(rs0.inPkts.get(), 2u);
  EXPECT_EQ(rs0.outPkts.get(), 1u);
  EXPECT_EQ(f.counters().dests[1].inactiveConns.get(), 1u);  // still SYN_RECV
  EXPECT_EQ(f.counters().services[0].conns.get(), 2u);
}

TEST(Forwarder, StrayAckAndUnknownPortsAreDroppedAndCounted) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1});
  lab.table->ownedVips = {prefix("10.0.0.1", 32)};
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);

  Sent ack = send(f, buildFrame({.src = {"10.0.0.101", 1}, .dst = {"10.0.0.1", 80}, .tcpFlags = kTcpAck}));
  EXPECT_EQ(ack.verdict.kind, Verdict::Kind::kDrop);
  EXPECT_EQ(drops(f, DropReason::kNoConnection), 1u);
  EXPECT_EQ(f.counters().dests[0].conns.get(), 0u);  // no scheduling on a stray ACK

  send(f, syn("10.0.0.101", 2, "10.0.0.1", 81));
  EXPECT_EQ(drops(f, DropReason::kNoService), 1u);
  send(f, syn("10.0.0.101", 2, "10.0.0.9", 80));
  EXPECT_EQ(drops(f, DropReason::kNotForUs), 1u);
  send(f, buildIcmpError("10.0.0.254", "10.0.0.1", 3, 3,
                         buildFrame({.src = {"10.0.0.1", 80}, .dst = {"10.0.0.77", 9}})));
  EXPECT_EQ(drops(f, DropReason::kIcmpError), 1u);
}

// use_vmac: a port takes frames to its VRRP virtual MACs as its own; a
// frame to any other host's MAC is still not ours.
TEST(Forwarder, FramesToAVirtualMacOfThePortAreForwarded) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1});
  const MacAddr vmac{{0x00, 0x00, 0x5e, 0x00, 0x01, 0x32}};
  lab.table->ports[kExt].virtualMacs = {vmac};
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  auto toMac = [&](const MacAddr& dst, uint16_t cport) {
    std::vector<uint8_t> frame = syn("10.0.0.101", cport);
    std::copy(dst.b.begin(), dst.b.end(), frame.begin());
    return f.process(frame.data(), static_cast<uint32_t>(frame.size()), 1000, kExt);
  };
  EXPECT_EQ(toMac(vmac, 1).kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(toMac(lab.table->ports[kExt].mac, 2).kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(toMac(MacAddr{{0x00, 0x00, 0x5e, 0x00, 0x01, 0x33}}, 3).kind, Verdict::Kind::kDrop);
  EXPECT_EQ(drops(f, DropReason::kOtherHost), 1u);
}

TEST(Forwarder, ExceptionPathGetsArpVrrpAndTrafficToTheRouter) {
  Lab lab;
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  std::vector<uint8_t> arp(42, 0);
  arp[12] = 0x08;
  arp[13] = 0x06;
  EXPECT_EQ(send(f, arp).verdict.kind, Verdict::Kind::kException);
  EXPECT_EQ(send(f, buildFrame({.src = {"10.0.0.101", 7}, .dst = {"10.0.0.2", 0}, .proto = kProtoIcmp})).verdict.kind,
            Verdict::Kind::kException);
  EXPECT_EQ(send(f, buildFrame({.src = {"10.0.0.3", 0}, .dst = {"224.0.0.18", 0}, .proto = kProtoVrrp})).verdict.kind,
            Verdict::Kind::kException);
  EXPECT_EQ(f.counters().exceptionPackets.get(), 3u);
}

TEST(Forwarder, UnresolvedNextHopAsksForResolution) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1});
  lab.neighbours.clear();
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  const Sent s = send(f, syn("10.0.0.101", 1));
  EXPECT_EQ(s.verdict.kind, Verdict::Kind::kDrop);
  EXPECT_EQ(s.verdict.reason, DropReason::kNeighbourUnresolved);
  EXPECT_TRUE(s.verdict.resolve);
  EXPECT_EQ(s.verdict.resolveAddr, ip("192.168.1.20"));
  EXPECT_EQ(s.verdict.resolvePort, kInt);
}

TEST(Forwarder, DirectRoutingRewritesOnlyMacs) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1}, "rr", FwdMethod::kDr);
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  const auto in = syn("10.0.0.101", 1);
  const Sent s = send(f, in);
  ASSERT_EQ(s.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(s.verdict.port, kInt);
  EXPECT_EQ(s.frame[5], 0x20);
  EXPECT_EQ(s.frame[11], 0xE1);
  EXPECT_TRUE(std::equal(in.begin() + 12, in.end(), s.frame.begin() + 12));  // L3 and up untouched
}

TEST(Forwarder, WeightedRoundRobinSplitsExactly) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1, 2, 3}, "wrr");
  Forwarder f(0, 4096, ConnTimeouts{});
  lab.attach(f);
  std::map<uint8_t, int> perServer;
  for (uint16_t i = 0; i < 600; ++i) ++perServer[send(f, syn("10.0.0.101", static_cast<uint16_t>(1000 + i))).frame[5]];
  EXPECT_EQ(perServer[0x20], 100);
  EXPECT_EQ(perServer[0x21], 200);
  EXPECT_EQ(perServer[0x22], 300);
}

TEST(Forwarder, WeightZeroTakesNothingAndSorryServerCatchesTheRest) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {0, 0});
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  EXPECT_EQ(send(f, syn("10.0.0.101", 1)).verdict.reason, DropReason::kNoDestination);

  Lab lab2;
  Service& s2 = lab2.addService("10.0.0.1", 80, kProtoTcp, {0, 0});
  RealServer sorry;
  sorry.destId = 50;
  sorry.addr = address("192.168.1.23");
  sorry.port = 8080;
  lab2.table->servers.push_back(sorry);
  s2.sorryServer = static_cast<int32_t>(lab2.table->servers.size() - 1);
  Forwarder f2(0, 64, ConnTimeouts{});
  lab2.attach(f2);
  const Sent r = send(f2, syn("10.0.0.101", 1));
  ASSERT_EQ(r.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(r.parsed.tuple.dst, ip("192.168.1.23"));
  EXPECT_EQ(r.parsed.tuple.dstPort, 8080);
}

TEST(Forwarder, PersistenceKeepsAClientNetworkOnOneServer) {
  Lab lab;
  Service& s = lab.addService("10.0.0.1", 80, kProtoTcp, {1, 1, 1}, "rr");
  s.persistenceMs = 300'000;
  s.persistencePrefix = 24;
  Forwarder f(0, 256, ConnTimeouts{});
  lab.attach(f);
  const uint8_t first = send(f, syn("10.0.0.101", 1000)).frame[5];
  for (uint16_t p = 1001; p < 1010; ++p) EXPECT_EQ(send(f, syn("10.0.0.101", p)).frame[5], first);
  EXPECT_EQ(send(f, syn("10.0.0.102", 5)).frame[5], first);  // same /24
  // After the template expires (no connection left on it), rr moves on.
  f.sweep(1000 + 900'001, 1 << 20);
  f.sweep(1000 + 900'001 + 300'001, 1 << 20);
  EXPECT_NE(send(f, syn("10.0.0.101", 2000), 1000 + 1'300'000).frame[5], first);
}

TEST(Forwarder, TemplateOutlivesItsTimeoutWhileAConnectionUsesIt) {
  Lab lab;
  Service& s = lab.addService("10.0.0.1", 80, kProtoTcp, {1, 1, 1}, "rr");
  s.persistenceMs = 60'000;
  Forwarder f(0, 256, ConnTimeouts{});
  lab.attach(f);
  const uint8_t first = send(f, syn("10.0.0.101", 1000), 0).frame[5];
  send(f, buildFrame({.src = {"10.0.0.101", 1000}, .dst = {"10.0.0.1", 80}, .tcpFlags = kTcpAck}), 0);
  send(f, syn("10.0.0.102", 1), 0);  // moves rr on
  // Twice the persistence timeout later the established connection is
  // still open (900 s timeout), so its template must still hold.
  f.sweep(120'000, 1 << 20);
  EXPECT_EQ(send(f, syn("10.0.0.101", 1001), 120'000).frame[5], first);
}

TEST(Forwarder, FwmarkGroupsPortsOnOneServer) {
  Lab lab;
  Service& s = lab.addService("10.0.0.1", 0, 0, {1, 1}, "rr");
  s.byMark = true;
  s.mark = 80;
  s.persistenceMs = 60'000;
  lab.table->servers[0].port = 0;
  lab.table->servers[1].port = 0;
  lab.table->fwmarkRules = {FwmarkRule{prefix("10.0.0.1", 32), kProtoTcp, 80, 80, 80},
                            FwmarkRule{prefix("10.0.0.1", 32), kProtoTcp, 443, 443, 80}};
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  const Sent http = send(f, syn("10.0.0.101", 1000, "10.0.0.1", 80));
  const Sent https = send(f, syn("10.0.0.101", 1001, "10.0.0.1", 443));
  EXPECT_EQ(http.parsed.tuple.dst, https.parsed.tuple.dst);
  EXPECT_EQ(https.parsed.tuple.dstPort, 443);  // port 0 keeps the packet's port
  EXPECT_EQ(send(f, syn("10.0.0.101", 1002, "10.0.0.1", 22)).verdict.kind, Verdict::Kind::kDrop);
}

// `real_server IP 0` on a fwmark NAT service: only the address changes on
// the way in, and only the address is restored on the way out, each
// connection on the port its client chose.
TEST(Forwarder, PortZeroServerKeepsEachPortThroughNat) {
  Lab lab;
  Service& s = lab.addService("10.0.0.1", 0, 0, {1}, "rr");
  s.byMark = true;
  s.mark = 80;
  lab.table->servers[0].port = 0;
  lab.table->fwmarkRules = {FwmarkRule{prefix("10.0.0.1", 32), kProtoTcp, 80, 80, 80},
                            FwmarkRule{prefix("10.0.0.1", 32), kProtoTcp, 443, 443, 80}};
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  for (const uint16_t port : {uint16_t{80}, uint16_t{443}}) {
    SCOPED_TRACE(port);
    const Sent in = send(f, syn("10.0.0.101", 2000, "10.0.0.1", port));
    ASSERT_EQ(in.verdict.kind, Verdict::Kind::kTransmit);
    EXPECT_EQ(in.parsed.tuple.dst, ip("192.168.1.20"));
    EXPECT_EQ(in.parsed.tuple.dstPort, port);
    EXPECT_EQ(in.parsed.tuple.srcPort, 2000);
    EXPECT_EQ(checkChecksums(in.frame), "");
    const Sent back = send(f, buildFrame({.src = {"192.168.1.20", port}, .dst = {"10.0.0.101", 2000},
                                          .tcpFlags = kTcpSyn | kTcpAck}));
    ASSERT_EQ(back.verdict.kind, Verdict::Kind::kTransmit);
    EXPECT_EQ(back.verdict.port, kExt);
    EXPECT_EQ(back.parsed.tuple.src, ip("10.0.0.1"));
    EXPECT_EQ(back.parsed.tuple.srcPort, port);
    EXPECT_EQ(back.parsed.tuple.dstPort, 2000);
    EXPECT_EQ(checkChecksums(back.frame), "");
  }
  // A reply from a port no connection went to is not the service's.
  const Sent stray = send(f, buildFrame({.src = {"192.168.1.20", 8443}, .dst = {"10.0.0.101", 2000},
                                         .tcpFlags = kTcpSyn | kTcpAck}));
  EXPECT_FALSE(stray.verdict.kind == Verdict::Kind::kTransmit && stray.parsed.tuple.src == ip("10.0.0.1"));
}

TEST(Forwarder, UdpAndIpv6Services) {
  Lab lab;
  lab.addService("10.0.0.1", 53, kProtoUdp, {1, 1});
  lab.addService("fd00:10::1", 80, kProtoTcp, {1});
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  const Sent u = send(f, buildFrame({.src = {"10.0.0.101", 4000}, .dst = {"10.0.0.1", 53}, .proto = kProtoUdp}));
  ASSERT_EQ(u.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(checkChecksums(u.frame), "");
  const Sent v6 = send(f, syn("fd00:10::101", 4000, "fd00:10::1", 80));
  ASSERT_EQ(v6.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(v6.parsed.tuple.dst, ip("fd00:192:168:1::20"));
  EXPECT_EQ(checkChecksums(v6.frame), "");
  const Sent back = send(f, buildFrame({.src = {"fd00:192:168:1::20", 80}, .dst = {"fd00:10::101", 4000},
                                        .tcpFlags = kTcpSyn | kTcpAck}));
  ASSERT_EQ(back.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(back.parsed.tuple.src, ip("fd00:10::1"));
}

TEST(Forwarder, IcmpErrorFromTheRealServerFollowsItsConnection) {
  Lab lab;
  lab.addService("10.0.0.1", 53, kProtoUdp, {1});
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  const Sent q = send(f, buildFrame({.src = {"10.0.0.101", 4000}, .dst = {"10.0.0.1", 53}, .proto = kProtoUdp}));
  const Sent e = send(f, buildIcmpError("192.168.1.20", "10.0.0.101", 3, 3, q.frame));
  ASSERT_EQ(e.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(e.verdict.port, kExt);
  EXPECT_EQ(e.parsed.tuple.src, ip("10.0.0.1"));
  EXPECT_EQ(checkChecksums(e.frame), "");
}

TEST(Forwarder, ConnectionsSurviveANewSnapshot) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1});
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  send(f, syn("10.0.0.101", 1));

  // The new table adds a second real server and changes the weight.
  Lab next;
  next.addService("10.0.0.1", 80, kProtoTcp, {5, 1});
  next.attach(f);
  const Sent ack = send(f, buildFrame({.src = {"10.0.0.101", 1}, .dst = {"10.0.0.1", 80}, .tcpFlags = kTcpAck}));
  ASSERT_EQ(ack.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(ack.parsed.tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(f.counters().dests[0].activeConns.get(), 1u);
}

TEST(Forwarder, ANewSnapshotKeepsTheSchedulersOfUnchangedServices) {
  Forwarder f(0, 64, ConnTimeouts{});
  auto dstOf = [&](uint16_t port) { return send(f, syn("10.0.0.101", port)).parsed.tuple.dst; };
  Lab first;
  first.addService("10.0.0.1", 80, kProtoTcp, {1, 1, 1, 1});
  first.addService("10.0.0.1", 81, kProtoTcp, {1});
  first.attach(f);
  EXPECT_EQ(dstOf(1), ip("192.168.1.20"));
  EXPECT_EQ(dstOf(2), ip("192.168.1.21"));

  // Another service changes: round robin on port 80 goes on where it was.
  Lab second;
  second.addService("10.0.0.1", 80, kProtoTcp, {1, 1, 1, 1});
  second.addService("10.0.0.1", 81, kProtoTcp, {2});
  second.attach(f);
  EXPECT_EQ(dstOf(3), ip("192.168.1.22"));

  // Its own weights change: a fresh scheduler, from the first server.
  Lab third;
  third.addService("10.0.0.1", 80, kProtoTcp, {1, 1, 1, 2});
  third.addService("10.0.0.1", 81, kProtoTcp, {2});
  third.attach(f);
  EXPECT_EQ(dstOf(4), ip("192.168.1.20"));
}

TEST(Forwarder, ANewSnapshotCarriesNewTimeouts) {
  Forwarder f(0, 64, ConnTimeouts{});  // UDP: 300 s
  Lab first;
  first.addService("10.0.0.1", 53, kProtoUdp, {1, 1});
  first.attach(f);
  const auto q = buildFrame({.src = {"10.0.0.101", 4000}, .dst = {"10.0.0.1", 53}, .proto = kProtoUdp});
  EXPECT_EQ(send(f, q, 0).parsed.tuple.dst, ip("192.168.1.20"));
  // A reload sets lvs_timeouts udp 10: the next packet refreshes the flow
  // with the new timeout, which then expires it.
  Lab second;
  second.addService("10.0.0.1", 53, kProtoUdp, {1, 1});
  second.table->timeouts = ConnTimeouts{};
  second.table->timeouts->set(0, 0, 10);
  second.attach(f);
  EXPECT_EQ(send(f, q, 1'000).parsed.tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(send(f, q, 20'000).parsed.tuple.dst, ip("192.168.1.21"));  // expired: rr (kept) goes on
  EXPECT_EQ(f.counters().expired.get(), 1u);
}

// The table after a real server (192.168.1.20, destId 0) left the service
// of two: only 192.168.1.21 (destId 1) is left.
std::unique_ptr<Lab> withoutFirstServer(bool expireNodestConn) {
  auto next = std::make_unique<Lab>();
  next->addService("10.0.0.1", 80, kProtoTcp, {1, 1});
  next->table->servers.erase(next->table->servers.begin());
  next->table->services[0].serverCount = 1;
  next->table->expireNodestConn = expireNodestConn;
  return next;
}

TEST(Forwarder, ConnectionsToARemovedServerFinishByDefault) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1, 1});
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  ASSERT_EQ(send(f, syn("10.0.0.101", 40000)).parsed.tuple.dst, ip("192.168.1.20"));
  auto next = withoutFirstServer(false);
  next->attach(f);
  const auto ack = buildFrame({.src = {"10.0.0.101", 40000}, .dst = {"10.0.0.1", 80}, .tcpFlags = kTcpAck});
  const Sent open = send(f, ack);
  ASSERT_EQ(open.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(open.parsed.tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(drops(f, DropReason::kNodestConn), 0u);
  EXPECT_EQ(f.counters().connections.get(), 1u);
}

TEST(Forwarder, ExpireNodestConnDropsAndFreesConnectionsOfARemovedServer) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1, 1});
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  ASSERT_EQ(send(f, syn("10.0.0.101", 40000)).parsed.tuple.dst, ip("192.168.1.20"));
  ASSERT_EQ(send(f, syn("10.0.0.102", 40000)).parsed.tuple.dst, ip("192.168.1.21"));
  EXPECT_EQ(f.counters().dests[0].inactiveConns.get(), 1u);
  auto next = withoutFirstServer(true);
  next->attach(f);

  // The client's next packet to the removed server: dropped, entry freed.
  const auto ack = buildFrame({.src = {"10.0.0.101", 40000}, .dst = {"10.0.0.1", 80}, .tcpFlags = kTcpAck});
  const Sent gone = send(f, ack);
  EXPECT_EQ(gone.verdict.kind, Verdict::Kind::kDrop);
  EXPECT_EQ(gone.verdict.reason, DropReason::kNodestConn);
  EXPECT_EQ(drops(f, DropReason::kNodestConn), 1u);
  EXPECT_EQ(f.counters().connections.get(), 1u);
  EXPECT_EQ(f.counters().dests[0].inactiveConns.get(), 0u);
  // Freed: a retransmission finds no connection, and the client's new SYN
  // goes to the server that is left.
  send(f, ack);
  EXPECT_EQ(drops(f, DropReason::kNoConnection), 1u);
  EXPECT_EQ(drops(f, DropReason::kNodestConn), 1u);
  EXPECT_EQ(send(f, syn("10.0.0.101", 40000)).parsed.tuple.dst, ip("192.168.1.21"));

  // The server still in the table keeps its connection.
  const Sent kept = send(f, buildFrame({.src = {"10.0.0.102", 40000}, .dst = {"10.0.0.1", 80}, .tcpFlags = kTcpAck}));
  ASSERT_EQ(kept.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(kept.parsed.tuple.dst, ip("192.168.1.21"));
}

TEST(Forwarder, ExpiredFlowsAreRescheduled) {
  Lab lab;
  lab.addService("10.0.0.1", 53, kProtoUdp, {1, 1});
  ConnTimeouts timeouts;
  timeouts.set(0, 0, 10);
  Forwarder f(0, 64, timeouts);
  lab.attach(f);
  const auto q = buildFrame({.src = {"10.0.0.101", 4000}, .dst = {"10.0.0.1", 53}, .proto = kProtoUdp});
  EXPECT_EQ(send(f, q, 0).parsed.tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(send(f, q, 9'000).parsed.tuple.dst, ip("192.168.1.20"));   // refreshed
  EXPECT_EQ(send(f, q, 30'000).parsed.tuple.dst, ip("192.168.1.21"));  // expired: scheduled anew
  EXPECT_EQ(f.counters().expired.get(), 1u);
  EXPECT_EQ(f.counters().dests[0].inactiveConns.get(), 0u);
}

}  // namespace
}  // namespace sluice::dp

namespace sluice::dp {
namespace {

// A VRRP backup keeps its services on standby: new connections to them are
// dropped under their own counter; one already open keeps forwarding.
TEST(Forwarder, AStandbyServiceTakesNoNewConnections) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1});
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  ASSERT_EQ(send(f, syn("10.0.0.101", 40000)).verdict.kind, Verdict::Kind::kTransmit);

  Lab standby;
  standby.addService("10.0.0.1", 80, kProtoTcp, {1}).standby = true;
  standby.attach(f);
  const Sent fresh = send(f, syn("10.0.0.102", 40000));
  EXPECT_EQ(fresh.verdict.kind, Verdict::Kind::kDrop);
  EXPECT_EQ(drops(f, DropReason::kVipNotHeld), 1u);
  const Sent open = send(f, buildFrame({.src = {"10.0.0.101", 40000}, .dst = {"10.0.0.1", 80}, .tcpFlags = kTcpAck}));
  EXPECT_EQ(open.verdict.kind, Verdict::Kind::kTransmit);
}

}  // namespace
}  // namespace sluice::dp

namespace sluice::dp {
namespace {

// VRRP and AH go to the control plane's priority ring; other exceptions do not.
TEST(Forwarder, VrrpAndAhAreMarkedForThePriorityRing) {
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1});
  Forwarder f(0, 64, ConnTimeouts{});
  lab.attach(f);
  for (const uint8_t proto : {kProtoVrrp, kProtoAh}) {
    std::vector<uint8_t> frame = buildFrame({.src = {"10.0.0.3", 0}, .dst = {"224.0.0.18", 0}, .proto = proto});
    const Verdict v = f.process(frame.data(), static_cast<uint32_t>(frame.size()), 1000);
    EXPECT_EQ(v.kind, Verdict::Kind::kException);
    EXPECT_TRUE(v.vrrp);
  }
  std::vector<uint8_t> ping = buildFrame({.src = {"10.0.0.101", 0}, .dst = {"10.0.0.2", 0}, .proto = kProtoIcmp});
  const Verdict v = f.process(ping.data(), static_cast<uint32_t>(ping.size()), 1000);
  EXPECT_FALSE(v.vrrp);
}

}  // namespace
}  // namespace sluice::dp
