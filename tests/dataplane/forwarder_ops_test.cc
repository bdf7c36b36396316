// One-packet scheduling (IPVS's ops): every UDP datagram of such a service
// is scheduled on its own and leaves no connection behind.
#include <gtest/gtest.h>

#include <vector>

#include "dataplane/forwarder.h"
#include "tests/dataplane/packet_builder.h"
#include "tests/dataplane/test_table.h"

namespace sluice::dp {
namespace {

using testing::buildFrame;
using testing::checkChecksums;
using testing::ip;
using testing::Lab;

ParsedPacket sendTo(Forwarder& f, std::vector<uint8_t> frame, Verdict* verdict = nullptr, uint32_t now = 1000) {
  const Verdict v = f.process(frame.data(), static_cast<uint32_t>(frame.size()), now);
  if (verdict != nullptr) *verdict = v;
  EXPECT_EQ(checkChecksums(frame), "");
  return parsePacket(frame.data(), static_cast<uint32_t>(frame.size()));
}

std::vector<uint8_t> datagram(uint16_t clientPort, const char* client = "10.0.0.101") {
  return buildFrame({.src = {client, clientPort}, .dst = {"10.0.0.1", 53}, .proto = kProtoUdp});
}

TEST(ForwarderOps, EachDatagramOfAFlowIsScheduledAnewAndLeavesNoConnection) {
  Lab lab;
  lab.addService("10.0.0.1", 53, kProtoUdp, {1, 1}).onePacket = true;
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);

  Verdict v;
  const ParsedPacket first = sendTo(f, datagram(40000), &v);
  ASSERT_EQ(v.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(first.tuple.dst, ip("192.168.1.20"));  // NAT still rewrites it
  const ParsedPacket second = sendTo(f, datagram(40000), &v);
  ASSERT_EQ(v.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(second.tuple.dst, ip("192.168.1.21"));
  EXPECT_EQ(sendTo(f, datagram(40000)).tuple.dst, ip("192.168.1.20"));

  EXPECT_EQ(f.counters().connections.get(), 0u);
  // Each datagram counts as a connection of its server, as IPVS counts its
  // one-packet connections; none stays open.
  EXPECT_EQ(f.counters().services[0].conns.get(), 3u);
  EXPECT_EQ(f.counters().dests[0].conns.get(), 2u);
  EXPECT_EQ(f.counters().dests[0].inPkts.get(), 2u);
  EXPECT_EQ(f.counters().dests[1].conns.get(), 1u);
  EXPECT_EQ(f.counters().dests[0].inactiveConns.get(), 0u);
  EXPECT_EQ(f.counters().dests[0].activeConns.get(), 0u);
}

TEST(ForwarderOps, WithoutOpsADatagramFlowSticks) {
  Lab lab;
  lab.addService("10.0.0.1", 53, kProtoUdp, {1, 1});
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);
  EXPECT_EQ(sendTo(f, datagram(40000)).tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(sendTo(f, datagram(40000)).tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(f.counters().connections.get(), 1u);
  EXPECT_EQ(f.counters().services[0].conns.get(), 1u);
}

TEST(ForwarderOps, ANatReplyFindsNoConnectionAndIsDroppedByName) {
  Lab lab;
  lab.addService("10.0.0.1", 53, kProtoUdp, {1}).onePacket = true;
  lab.table->ownedVips = {testing::prefix("10.0.0.1", 32)};
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);
  sendTo(f, datagram(40000));
  Verdict v;
  sendTo(f, buildFrame({.src = {"192.168.1.20", 53}, .dst = {"10.0.0.101", 40000}, .proto = kProtoUdp}), &v);
  EXPECT_EQ(v.kind, Verdict::Kind::kDrop);
  EXPECT_EQ(v.reason, DropReason::kOpsReply);
  // From another port of that server: a stray like any other.
  sendTo(f, buildFrame({.src = {"192.168.1.20", 54}, .dst = {"10.0.0.101", 40000}, .proto = kProtoUdp}), &v);
  EXPECT_EQ(v.reason, DropReason::kNotForUs);
}

TEST(ForwarderOps, PersistenceStillHoldsTheClientToItsServer) {
  Lab lab;
  Service& s = lab.addService("10.0.0.1", 53, kProtoUdp, {1, 1});
  s.onePacket = true;
  s.persistenceMs = 60'000;
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);
  EXPECT_EQ(sendTo(f, datagram(40000)).tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(sendTo(f, datagram(40001), nullptr, 2000).tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(sendTo(f, datagram(40000, "10.0.0.102"), nullptr, 3000).tuple.dst, ip("192.168.1.21"));
  EXPECT_EQ(f.counters().connections.get(), 0u);
  // The template's timer restarts with each datagram, as IPVS's does.
  EXPECT_EQ(sendTo(f, datagram(40002), nullptr, 61'500).tuple.dst, ip("192.168.1.20"));
  // Unrefreshed, templates expire and the scheduler picks again: rr's
  // next server for the second client, then the one after for the first.
  EXPECT_EQ(sendTo(f, datagram(40003, "10.0.0.102"), nullptr, 200'000).tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(sendTo(f, datagram(40003), nullptr, 200'000).tuple.dst, ip("192.168.1.21"));
}

TEST(ForwarderOps, ASyncMasterSendsTheTemplateAndNoConnection) {
  Lab lab;
  Service& s = lab.addService("10.0.0.1", 53, kProtoUdp, {1, 1});
  s.onePacket = true;
  s.persistenceMs = 60'000;
  lab.table->sync.send = true;
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);
  std::vector<ConnRecord> due;
  for (uint16_t i = 0; i < 60; ++i) {
    sendTo(f, datagram(static_cast<uint16_t>(40000 + i)), nullptr, 1000 + i);
    for (const ConnRecord& r : f.syncRecords()) due.push_back(r);
    f.clearSyncRecords();
  }
  ASSERT_EQ(due.size(), 2u);  // the 3rd datagram and, a sync_period later, the 53rd
  for (const ConnRecord& r : due) {
    EXPECT_TRUE(r.isTemplate);
    EXPECT_EQ(r.client, ip("10.0.0.101"));
    EXPECT_EQ(r.rs, ip("192.168.1.20"));
  }
  EXPECT_EQ(f.counters().connections.get(), 0u);
}

TEST(ForwarderOps, TcpOfAnOpsServiceKeepsItsConnection) {
  // A fwmark service with ops may see TCP too: IPVS applies ops to UDP only.
  Lab lab;
  lab.addService("10.0.0.1", 80, kProtoTcp, {1, 1}).onePacket = true;
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);
  Verdict v;
  sendTo(f, buildFrame({.src = {"10.0.0.101", 40000}, .dst = {"10.0.0.1", 80}, .tcpFlags = kTcpSyn}), &v);
  EXPECT_EQ(v.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(v.port, testing::kInt);
  EXPECT_EQ(f.counters().connections.get(), 1u);
}

}  // namespace
}  // namespace sluice::dp
