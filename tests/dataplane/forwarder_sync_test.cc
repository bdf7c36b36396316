// The forwarder's side of connection sync: which connections a master's
// worker hands over and when, and how a backup's worker installs what a
// peer sent so that the flow goes on through it.
#include <gtest/gtest.h>

#include <vector>

#include "dataplane/forwarder.h"
#include "tests/dataplane/packet_builder.h"
#include "tests/dataplane/test_table.h"

namespace sluice::dp {
namespace {

using testing::buildFrame;
using testing::ip;
using testing::kExt;
using testing::kInt;
using testing::Lab;

Verdict sendSynced(Forwarder& f, std::vector<uint8_t> frame, uint32_t now = 1000) {
  return f.process(frame.data(), static_cast<uint32_t>(frame.size()), now);
}

std::vector<uint8_t> tcp(const char* src, uint16_t sport, const char* dst, uint16_t dport, uint8_t flags) {
  return buildFrame({.src = {src, sport}, .dst = {dst, dport}, .tcpFlags = flags});
}

// A master's lab: an rr NAT service on 10.0.0.1:80 over two servers.
struct Master {
  Lab lab;
  Forwarder f{0, 1024, ConnTimeouts{}};
  explicit Master(uint32_t persistenceMs = 0) {
    Service& s = lab.addService("10.0.0.1", 80, kProtoTcp, {1, 1});
    s.persistenceMs = persistenceMs;
    lab.table->sync.send = true;
    lab.attach(f);
  }
  // The handshake and `data` more packets from the client; the records due.
  std::vector<ConnRecord> connect(const char* client, uint16_t port, unsigned data) {
    std::vector<ConnRecord> due;
    auto take = [&] {
      for (const ConnRecord& r : f.syncRecords()) due.push_back(r);
      f.clearSyncRecords();
    };
    sendSynced(f, tcp(client, port, "10.0.0.1", 80, kTcpSyn));
    take();
    sendSynced(f, tcp("192.168.1.20", 80, client, port, kTcpSyn | kTcpAck));
    take();
    for (unsigned i = 0; i <= data; ++i) {
      sendSynced(f, tcp(client, port, "10.0.0.1", 80, kTcpAck));
      take();
    }
    return due;
  }
};

TEST(ForwarderSync, AnEstablishedConnectionIsHandedOverAtItsThirdPacket) {
  Master m;
  const std::vector<ConnRecord> due = m.connect("10.0.0.101", 40000, 1);  // SYN, ACK, one data packet
  ASSERT_EQ(due.size(), 1u);
  const ConnRecord& r = due[0];
  EXPECT_FALSE(r.isTemplate);
  EXPECT_EQ(r.state, ConnState::kEstablished);
  EXPECT_EQ(r.client, ip("10.0.0.101"));
  EXPECT_EQ(r.clientPort, 40000);
  EXPECT_EQ(r.vip, ip("10.0.0.1"));
  EXPECT_EQ(r.rs, ip("192.168.1.20"));
  EXPECT_EQ(r.rsPort, 80);
  EXPECT_EQ(r.method, static_cast<uint8_t>(FwdMethod::kNat));
  EXPECT_EQ(r.expiresInMs, 900'000);
  // 49 more packets: nothing; the 53rd: again.
  EXPECT_TRUE(m.connect("10.0.0.101", 40000, 0).empty());  // a SYN on it changes nothing due
  std::vector<ConnRecord> later;
  for (int i = 0; i < 50; ++i) {
    sendSynced(m.f, tcp("10.0.0.101", 40000, "10.0.0.1", 80, kTcpAck));
    for (const ConnRecord& x : m.f.syncRecords()) later.push_back(x);
    m.f.clearSyncRecords();
  }
  EXPECT_EQ(later.size(), 1u);
}

TEST(ForwarderSync, ClosingIsHandedOverAtOnce) {
  Master m;
  m.connect("10.0.0.101", 40000, 1);
  sendSynced(m.f, tcp("10.0.0.101", 40000, "10.0.0.1", 80, kTcpFin | kTcpAck));
  ASSERT_EQ(m.f.syncRecords().size(), 1u);
  EXPECT_EQ(m.f.syncRecords()[0].state, ConnState::kCloseWait);
}

TEST(ForwarderSync, NothingIsHandedOverUnlessTheSnapshotSaysSend) {
  Master m;
  m.lab.table->sync.send = false;
  EXPECT_TRUE(m.connect("10.0.0.101", 40000, 60).empty());
  EXPECT_EQ(m.f.counters().syncQueued.get(), 0u);
}

TEST(ForwarderSync, ATemplateGoesBeforeTheConnectionItControls) {
  Master m(300'000);
  const std::vector<ConnRecord> due = m.connect("10.0.0.101", 40000, 1);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_TRUE(due[0].isTemplate);
  EXPECT_EQ(due[0].client, ip("10.0.0.101"));
  EXPECT_EQ(due[0].clientPort, 0);
  EXPECT_EQ(due[0].vipPort, 80);
  EXPECT_EQ(due[0].rs, ip("192.168.1.20"));
  EXPECT_EQ(due[0].expiresInMs, 300'000);
  EXPECT_EQ(due[0].state, ConnState::kEstablished);  // ASSURED: a connection under it is established
  EXPECT_FALSE(due[1].isTemplate);
}

TEST(ForwarderSync, AFullOutboxCountsWhatItDrops) {
  Lab lab;
  lab.addService("10.0.0.1", 53, kProtoUdp, {1});
  lab.table->sync.send = true;
  lab.table->sync.period = 0;
  lab.table->sync.threshold = 1;  // every new UDP flow at once
  Forwarder f(0, 1024, ConnTimeouts{});
  lab.attach(f);
  for (uint16_t p = 0; p < Forwarder::kSyncOutbox + 5; ++p) {
    sendSynced(f, buildFrame({.src = {"10.0.0.101", static_cast<uint16_t>(1000 + p)}, .dst = {"10.0.0.1", 53}, .proto = kProtoUdp}));
  }
  EXPECT_EQ(f.syncRecords().size(), Forwarder::kSyncOutbox);
  EXPECT_EQ(f.counters().syncDropped.get(), 5u);
}

// A backup with the same services installs what the master handed over;
// the client's next packet and the server's reply then go through it.
TEST(ForwarderSync, ABackupCarriesAnInstalledNatConnectionBothWays) {
  Master m(300'000);
  const std::vector<ConnRecord> due = m.connect("10.0.0.101", 40000, 1);
  ASSERT_EQ(due.size(), 2u);

  Lab backupLab;
  backupLab.addService("10.0.0.1", 80, kProtoTcp, {1, 1}).persistenceMs = 300'000;
  Forwarder b(0, 1024, ConnTimeouts{});
  backupLab.attach(b);
  for (const ConnRecord& r : due) EXPECT_TRUE(b.installSynced(r, 5000));
  EXPECT_EQ(b.counters().syncInstalled.get(), 2u);
  EXPECT_EQ(b.counters().dests[0].activeConns.get(), 1u);

  // A mid-stream ACK (no SYN: it would be dropped without the entry).
  std::vector<uint8_t> ack = tcp("10.0.0.101", 40000, "10.0.0.1", 80, kTcpAck);
  Verdict v = b.process(ack.data(), static_cast<uint32_t>(ack.size()), 6000);
  ASSERT_EQ(v.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(v.port, kInt);
  EXPECT_EQ(testing::parseFrame(ack).tuple.dst, ip("192.168.1.20"));
  std::vector<uint8_t> reply = tcp("192.168.1.20", 80, "10.0.0.101", 40000, kTcpAck);
  v = b.process(reply.data(), static_cast<uint32_t>(reply.size()), 6000);
  ASSERT_EQ(v.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(v.port, kExt);
  EXPECT_EQ(testing::parseFrame(reply).tuple.src, ip("10.0.0.1"));

  // The template was installed and holds the client: a new connection of
  // the same client reaches the same server although rr would move on.
  std::vector<uint8_t> second = tcp("10.0.0.101", 40001, "10.0.0.1", 80, kTcpSyn);
  ASSERT_EQ(b.process(second.data(), static_cast<uint32_t>(second.size()), 6000).kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(testing::parseFrame(second).tuple.dst, ip("192.168.1.20"));
}

TEST(ForwarderSync, AnUpdateMovesTheStateAndARecordOfAGoneServerIsRefused) {
  Master m;
  std::vector<ConnRecord> due = m.connect("10.0.0.101", 40000, 1);
  ASSERT_EQ(due.size(), 1u);
  Lab backupLab;
  backupLab.addService("10.0.0.1", 80, kProtoTcp, {1, 1});
  Forwarder b(0, 1024, ConnTimeouts{});
  backupLab.attach(b);
  ASSERT_TRUE(b.installSynced(due[0], 5000));
  ConnRecord closing = due[0];
  closing.state = ConnState::kFinWait;
  closing.expiresInMs = 120'000;
  ASSERT_TRUE(b.installSynced(closing, 5000));
  EXPECT_EQ(b.counters().dests[0].activeConns.get(), 0u);
  EXPECT_EQ(b.counters().dests[0].inactiveConns.get(), 1u);
  EXPECT_EQ(b.counters().connections.get(), 1u);

  ConnRecord stray = due[0];
  stray.destId = 77;  // not in this table
  EXPECT_FALSE(b.installSynced(stray, 5000));
  stray = due[0];
  stray.serviceId = 9;
  EXPECT_FALSE(b.installSynced(stray, 5000));
  EXPECT_EQ(b.counters().syncRejected.get(), 2u);
}

}  // namespace
}  // namespace sluice::dp
