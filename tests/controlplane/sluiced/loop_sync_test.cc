// Connection sync in the control loop, on the fake data plane: with
// `lvs_sync_daemon eth1 VI_1` the role follows VRRP instance VI_1 (on
// eth1). As master, the connections the workers pass up leave as IPVS sync
// messages to the group on eth1, 50 ms after the first or at once when a
// message is full; as backup, the group's messages are decoded, matched to
// this router's services and installed in the worker that owns each
// client. What is not ours to take (another sync id, our own datagrams)
// is counted in /v1/sync, and the snapshot's sync.send follows the role.
// A router that starts holds VRRP preemption until its bulk sync is done
// or sync_takeover_wait has passed. No sockets reach a peer here: the
// instance never learns of a master to ask for a bulk sync.
#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "controlplane/connsync/sync_frame.h"
#include "controlplane/failover/driver.h"
#include "dataplane/steering.h"
#include "sync/message.h"
#include "tests/controlplane/failover/failover_test_support.h"
#include "tests/controlplane/sluiced/loop_fixture.h"

namespace sluice::sluiced::testing::loop_sync {

const char* kSyncDaemon = R"(
global_defs {
    lvs_sync_daemon eth1 VI_1
}
)";

std::string instance(int priority) {
  return R"(
vrrp_instance VI_1 {
    interface eth1
    virtual_router_id 51
    priority )" +
         std::to_string(priority) + R"(
    advert_int 1
    virtual_ipaddress {
        10.0.0.10/32 dev eth0
    }
}
)";
}

const char* kServices = R"(
virtual_server 10.0.0.10 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.20 80
    real_server 192.168.1.21 80
}
virtual_server 10.0.0.10 53 {
    lb_algo rr
    lb_kind NAT
    protocol UDP
    real_server 192.168.1.20 53
}
)";

const dp::MacAddr kEth1{{2, 0, 0, 0, 0, 2}};
const dp::MacAddr kPeerMac{{2, 0, 0, 0, 9, 2}};

wire::IpAddress addr(const std::string& text) { return sluice::testing::address(text); }

// A sync message as a peer at 192.168.1.3 sends it to the group.
connsync::Frame peerFrame(const std::vector<sync::Entry>& entries, uint8_t syncId = 51,
                          const dp::MacAddr& mac = kPeerMac, uint16_t port = 8848) {
  sync::MessageBuilder m(syncId, 1472);
  for (const sync::Entry& e : entries) EXPECT_TRUE(m.add(e));
  connsync::SyncFrameHeader h;
  h.srcMac = mac;
  h.source = addr("192.168.1.3");
  h.group = addr("224.0.0.81");
  h.port = port;
  return connsync::syncFrame(h, m.bytes());
}

sync::Entry tcpEntry(const std::string& client, uint16_t cport, const std::string& rs) {
  sync::Entry e;
  e.protocol = 6;
  e.state = 1;  // ESTABLISHED
  e.client = addr(client);
  e.virtualAddress = addr("10.0.0.10");
  e.destination = addr(rs);
  e.clientPort = cport;
  e.virtualPort = 80;
  e.destinationPort = 80;
  e.timeoutSeconds = 900;
  return e;
}

// A decoded sync datagram the loop sent, with the frame's header fields.
struct Sent {
  connsync::UdpDatagram udp;
  uint8_t ttl = 0;
  std::vector<uint8_t> dstMac;
  sync::Message message;
};

class SyncLoopTest : public LoopTest {
 protected:
  // The loop on `dataplaneBlock` instead of the fixture's.
  void startWithDataplane(const std::string& dataplaneBlock, const std::string& text) {
    std::ofstream(configPath()) << dataplaneBlock << text;
    const config::Config config = sluice::testing::acceptedConfig(dataplaneBlock + text);
    kernel = std::make_unique<KernelAddresses>(*config.dataplane, "", common::stderrLog());
    loop = std::make_unique<ControlLoop>(dataplane, config, configPath(), (dir() / "stats.json").string(),
                                         api::ListenOptions{}, *kernel);
    loop->start(now);
  }

  std::string state() { return loop->api().vrrp()["instances"][0]["state"].get<std::string>(); }
  nlohmann::json syncJson() { return loop->api().sync(); }

  // Passes 10 ms apart until VI_1 is MASTER (no peer: Master_Down, 3.6 s).
  void becomeMaster() {
    for (int i = 0; i < 600 && state() != "MASTER"; ++i) runFor(10);
    ASSERT_EQ(state(), "MASTER");
  }

  const dp::Service& service(uint16_t port, uint8_t proto) const {
    for (const dp::Service& s : published().services) {
      if (s.vip == addr("10.0.0.10") && s.port == port && s.proto == proto) return s;
    }
    throw std::runtime_error("no such service");
  }
  uint16_t destId(const dp::Service& s, const std::string& rs) const {
    for (uint32_t i = s.firstServer; i < s.firstServer + s.serverCount; ++i) {
      if (published().servers[i].addr == addr(rs)) return published().servers[i].destId;
    }
    throw std::runtime_error("no such real server");
  }

  // A connection as a worker passes it up.
  dp::ConnRecord record(const std::string& client, uint16_t cport, const std::string& rs,
                        dp::ConnState st = dp::ConnState::kEstablished) const {
    const dp::Service& s = service(80, 6);
    dp::ConnRecord r;
    r.client = sluice::testing::ip(client);
    r.vip = sluice::testing::ip("10.0.0.10");
    r.rs = sluice::testing::ip(rs);
    r.proto = 6;
    r.state = st;
    r.clientPort = cport;
    r.vipPort = 80;
    r.rsPort = 80;
    r.serviceId = s.serviceId;
    r.destId = destId(s, rs);
    r.expiresInMs = 900'000;
    return r;
  }

  // The sync datagrams sent so far (UDP to port 8848 on eth1), decoded.
  std::vector<Sent> syncSent() const {
    std::vector<Sent> out;
    for (const auto& [port, frame] : dataplane.sent) {
      const connsync::ParsedUdp p = connsync::parseUdpFrame(frame);
      if (!p.datagram || p.datagram->destinationPort != 8848) continue;
      EXPECT_EQ(port, 1) << "a sync datagram on another port than eth1";
      Sent s;
      s.udp = *p.datagram;
      s.ttl = frame[14 + 8];
      s.dstMac.assign(frame.begin(), frame.begin() + 6);
      const sync::DecodeResult r = sync::decodeMessage(p.datagram->payload, 51);
      EXPECT_TRUE(r.ok()) << sync::decodeErrorName(r.error);
      s.message = r.message;
      out.push_back(std::move(s));
    }
    return out;
  }

  // One pass `ms` after the last.
  void passAfter(uint64_t ms) {
    now += ms;
    loop->poll(now);
  }
};

// catches: the workers' connections not sent, sent in another form than
// IPVS's (entry fields, the group, its MAC, the TTL, the sync id), sent
// at once instead of being packed, or left waiting past the 50 ms flush.
TEST_F(SyncLoopTest, AsMasterRecordsLeaveAsSyncMessagesAfterTheFlush) {
  startWith(std::string(kSyncDaemon) + instance(100) + kServices);
  becomeMaster();
  EXPECT_TRUE(published().sync.send);
  EXPECT_EQ(syncJson()["role"], "master");
  ASSERT_TRUE(syncSent().empty());

  dataplane.feedSyncRecord(record("10.0.0.101", 40000, "192.168.1.20"));
  dataplane.feedSyncRecord(record("10.0.0.102", 40001, "192.168.1.21", dp::ConnState::kTimeWait));
  passAfter(1);   // the workers' records taken: the first waits from now
  passAfter(49);
  EXPECT_TRUE(syncSent().empty()) << "sent before the 50 ms flush";
  passAfter(1);
  const std::vector<Sent> sent = syncSent();
  ASSERT_EQ(sent.size(), 1u);
  const Sent& s = sent[0];
  EXPECT_EQ(s.udp.srcMac, kEth1);
  EXPECT_EQ(s.dstMac, (std::vector<uint8_t>{0x01, 0x00, 0x5e, 0x00, 0x00, 0x51}));
  EXPECT_EQ(s.udp.source, addr("192.168.1.254"));
  EXPECT_EQ(s.udp.destination, addr("224.0.0.81"));
  EXPECT_EQ(s.udp.sourcePort, 8848);
  EXPECT_EQ(s.ttl, 1);
  EXPECT_EQ(s.message.syncId, 51);  // VI_1's virtual_router_id
  EXPECT_EQ(s.message.version, sync::MessageVersion::kV1);
  sync::Entry first = tcpEntry("10.0.0.101", 40000, "192.168.1.20");
  sync::Entry second = tcpEntry("10.0.0.102", 40001, "192.168.1.21");
  second.state = 5;  // TIME_WAIT
  second.flags = sync::conn_flags::kInactive;
  EXPECT_EQ(s.message.entries, (std::vector<sync::Entry>{first, second}));

  const nlohmann::json j = syncJson();
  EXPECT_EQ(j["sent"]["messages"], 1);
  EXPECT_EQ(j["sent"]["entries"], 2);
  EXPECT_EQ(j["lag_ms"], 0);
  EXPECT_EQ(j["last_sent_ms_ago"], 0);
}

// catches: a full message held back for the flush, or an entry lost when
// it does not fit (it must start the next message).
TEST_F(SyncLoopTest, AFullMessageLeavesAtOnce) {
  // maxlen 188: the header (8) and five IPv4 entries (5 * 36).
  startWith("global_defs {\n    lvs_sync_daemon eth1 VI_1 maxlen 188\n}\n" + instance(100) + kServices);
  becomeMaster();
  for (int i = 0; i < 6; ++i) {
    dataplane.feedSyncRecord(record("10.0.0." + std::to_string(101 + i), static_cast<uint16_t>(40000 + i),
                                    i % 2 ? "192.168.1.21" : "192.168.1.20"));
  }
  passAfter(1);
  std::vector<Sent> sent = syncSent();
  ASSERT_EQ(sent.size(), 1u) << "a full message waits for the flush";
  EXPECT_EQ(sent[0].udp.payload.size(), 188u);
  ASSERT_EQ(sent[0].message.entries.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(sent[0].message.entries[static_cast<std::size_t>(i)].client, addr("10.0.0." + std::to_string(101 + i)));
  }
  EXPECT_EQ(syncJson()["lag_ms"], 0);
  passAfter(30);
  EXPECT_EQ(syncJson()["lag_ms"], 30);  // the sixth waits
  EXPECT_EQ(syncSent().size(), 1u);
  passAfter(20);
  sent = syncSent();
  ASSERT_EQ(sent.size(), 2u);
  ASSERT_EQ(sent[1].message.entries.size(), 1u);
  EXPECT_EQ(sent[1].message.entries[0].client, addr("10.0.0.106"));
  EXPECT_EQ(sent[1].message.entries[0].clientPort, 40005);
  EXPECT_EQ(syncJson()["sent"]["messages"], 2);
  EXPECT_EQ(syncJson()["sent"]["entries"], 6);
}

// catches: a record of a service a reload removed sent with whatever the
// id now means; it is counted as stale instead.
TEST_F(SyncLoopTest, ARecordOfAnUnknownServiceIsStale) {
  startWith(std::string(kSyncDaemon) + instance(100) + kServices);
  becomeMaster();
  dp::ConnRecord r = record("10.0.0.101", 40000, "192.168.1.20");
  r.serviceId = 999;
  dataplane.feedSyncRecord(r);
  passAfter(1);
  passAfter(100);
  EXPECT_TRUE(syncSent().empty());
  EXPECT_EQ(syncJson()["dropped"]["stale"], 1);
}

// catches: a backup that drops the master's connections, installs them in
// a worker that does not own the client (its packets would miss them) or
// with the sender's ids instead of this table's.
TEST_F(SyncLoopTest, AsBackupASyncFrameIsInstalledInTheOwningWorker) {
  startWith(std::string(kSyncDaemon) + instance(100) + kServices);
  ASSERT_EQ(state(), "BACKUP");
  EXPECT_FALSE(published().sync.send);
  EXPECT_EQ(syncJson()["role"], "backup");
  // Two clients that two different workers own.
  std::string clients[2];
  for (int i = 1; i < 250 && (clients[0].empty() || clients[1].empty()); ++i) {
    const std::string c = "10.0.1." + std::to_string(i);
    std::string& slot = clients[dp::clientOwner(published(), sluice::testing::ip(c), false, 2)];
    if (slot.empty()) slot = c;
  }
  ASSERT_FALSE(clients[0].empty());
  ASSERT_FALSE(clients[1].empty());

  sync::Entry udp;
  udp.protocol = 17;
  udp.flags = sync::conn_flags::kInactive;
  udp.client = addr(clients[1]);
  udp.virtualAddress = addr("10.0.0.10");
  udp.destination = addr("192.168.1.20");
  udp.clientPort = 5353;
  udp.virtualPort = 53;
  udp.destinationPort = 53;
  udp.timeoutSeconds = 300;
  dataplane.feedException(1, peerFrame({tcpEntry(clients[0], 40000, "192.168.1.21"), udp}));
  passAfter(10);

  ASSERT_EQ(dataplane.installed.size(), 2u);
  const auto& [w0, tcp] = dataplane.installed[0];
  EXPECT_EQ(w0, 0u);
  EXPECT_EQ(tcp.client, sluice::testing::ip(clients[0]));
  EXPECT_EQ(tcp.vip, sluice::testing::ip("10.0.0.10"));
  EXPECT_EQ(tcp.rs, sluice::testing::ip("192.168.1.21"));
  EXPECT_EQ(tcp.clientPort, 40000);
  EXPECT_EQ(tcp.proto, 6);
  EXPECT_EQ(tcp.state, dp::ConnState::kEstablished);
  EXPECT_EQ(tcp.serviceId, service(80, 6).serviceId);
  EXPECT_EQ(tcp.destId, destId(service(80, 6), "192.168.1.21"));
  EXPECT_EQ(tcp.expiresInMs, 900'000);
  EXPECT_FALSE(tcp.isTemplate);
  const auto& [w1, u] = dataplane.installed[1];
  EXPECT_EQ(w1, 1u);
  EXPECT_EQ(u.client, sluice::testing::ip(clients[1]));
  EXPECT_EQ(u.proto, 17);
  EXPECT_EQ(u.state, dp::ConnState::kUdp);
  EXPECT_EQ(u.serviceId, service(53, 17).serviceId);
  EXPECT_EQ(u.destId, destId(service(53, 17), "192.168.1.20"));
  EXPECT_EQ(u.expiresInMs, 300'000);

  const nlohmann::json j = syncJson();
  EXPECT_EQ(j["received"]["messages"], 1);
  EXPECT_EQ(j["received"]["entries"], 2);
  EXPECT_EQ(j["peer"], "192.168.1.3");
  EXPECT_EQ(j["last_received_ms_ago"], 0);
  EXPECT_EQ(j["instance_state"], "BACKUP");
  EXPECT_EQ(j["syncid"], 51);
  EXPECT_EQ(j["group"], "224.0.0.81");
  EXPECT_EQ(j["backlog"], 0);
  EXPECT_EQ(syncSent().size(), 0u) << "a backup sends nothing";
}

// catches: entries this router cannot forward installed anyway, or counted
// under the wrong reason.
TEST_F(SyncLoopTest, AsBackupUnmatchedEntriesAreCounted) {
  startWith(std::string(kSyncDaemon) + instance(100) + kServices);
  sync::Entry noService = tcpEntry("10.0.1.1", 40000, "192.168.1.20");
  noService.virtualPort = 443;
  const sync::Entry noServer = tcpEntry("10.0.1.2", 40000, "192.168.1.99");
  const sync::Entry good = tcpEntry("10.0.1.3", 40000, "192.168.1.20");
  dataplane.feedException(1, peerFrame({noService, noServer, good}));
  passAfter(10);
  ASSERT_EQ(dataplane.installed.size(), 1u);
  EXPECT_EQ(dataplane.installed[0].second.client, sluice::testing::ip("10.0.1.3"));
  const nlohmann::json j = syncJson();
  EXPECT_EQ(j["received"]["entries"], 3);
  EXPECT_EQ(j["dropped"]["no_service"], 1);
  EXPECT_EQ(j["dropped"]["no_server"], 1);
}

// catches: another sync group's messages (another sync id) applied, our
// own datagrams (seen again on the port) taken as a peer's, and datagrams
// on another port or UDP port taken for sync.
TEST_F(SyncLoopTest, WrongSyncIdOwnMessagesAndOtherPortsAreNotInstalled) {
  startWith(std::string(kSyncDaemon) + instance(100) + kServices);
  const std::vector<sync::Entry> one = {tcpEntry("10.0.1.1", 40000, "192.168.1.20")};
  dataplane.feedException(1, peerFrame(one, 52));
  dataplane.feedException(1, peerFrame(one, 51, kEth1));
  dataplane.feedException(0, peerFrame(one));                     // on eth0
  dataplane.feedException(1, peerFrame(one, 51, kPeerMac, 8849));  // another UDP port
  passAfter(10);
  EXPECT_TRUE(dataplane.installed.empty());
  nlohmann::json j = syncJson();
  EXPECT_EQ(j["dropped"]["refused"]["wrong_syncid"], 1);
  EXPECT_EQ(j["dropped"]["refused"]["bad_size"], 0);
  EXPECT_EQ(j["received"]["own_messages"], 1);
  EXPECT_EQ(j["received"]["messages"], 0);
  EXPECT_EQ(j["received"]["entries"], 0);

  // A damaged datagram (its size field wrong, checksum fixed by the frame).
  sync::MessageBuilder m(51, 1472);
  ASSERT_TRUE(m.add(one[0]));
  std::vector<uint8_t> bad(m.bytes().begin(), m.bytes().end());
  bad[3] ^= 0x01;
  connsync::SyncFrameHeader h;
  h.srcMac = kPeerMac;
  h.source = addr("192.168.1.3");
  h.group = addr("224.0.0.81");
  dataplane.feedException(1, connsync::syncFrame(h, bad));
  passAfter(10);
  EXPECT_TRUE(dataplane.installed.empty());
  j = syncJson();
  EXPECT_EQ(j["dropped"]["refused"]["bad_size"], 1);

  // The right one is taken.
  dataplane.feedException(1, peerFrame(one));
  passAfter(10);
  EXPECT_EQ(dataplane.installed.size(), 1u);
  EXPECT_EQ(syncJson()["received"]["messages"], 1);
}

// catches: a master that installs what it hears on the group (IPVS's
// master daemon ignores it), and its own datagrams not recognised.
TEST_F(SyncLoopTest, AMasterIgnoresTheGroupAndCountsItsOwnDatagrams) {
  startWith(std::string(kSyncDaemon) + instance(100) + kServices);
  becomeMaster();
  dataplane.feedSyncRecord(record("10.0.0.101", 40000, "192.168.1.20"));
  passAfter(1);
  passAfter(50);
  ASSERT_EQ(syncSent().size(), 1u);
  connsync::Frame own;
  for (const auto& [port, frame] : dataplane.sent) {
    const connsync::ParsedUdp p = connsync::parseUdpFrame(frame);
    if (p.datagram && p.datagram->destinationPort == 8848) own = frame;
  }
  dataplane.feedException(1, own);
  dataplane.feedException(1, peerFrame({tcpEntry("10.0.1.1", 40000, "192.168.1.20")}));
  passAfter(10);
  EXPECT_TRUE(dataplane.installed.empty());
  const nlohmann::json j = syncJson();
  EXPECT_EQ(j["received"]["own_messages"], 1);
  EXPECT_EQ(j["received"]["messages"], 0);
}

// catches: the workers told to hand connections over while the instance
// is BACKUP (they would fill the ring for nothing), or not told when it
// becomes MASTER, or not told to stop when a higher priority takes over.
TEST_F(SyncLoopTest, TheSnapshotsSyncSendFollowsTheRole) {
  startWith(std::string(kSyncDaemon) + instance(100) + kServices);
  ASSERT_EQ(state(), "BACKUP");
  EXPECT_FALSE(published().sync.send);
  becomeMaster();
  EXPECT_TRUE(published().sync.send);
  EXPECT_EQ(syncJson()["role"], "master");

  // A peer of priority 150 on eth1 takes over.
  failover::testing::Router peer(instance(150), 3);
  peer.driver.start(vrrp::Millis(now));
  for (int i = 0; i < 600 && state() != "BACKUP"; ++i) {
    now += 10;
    peer.driver.tick(vrrp::Millis(now));
    for (auto& [port, frame] : std::exchange(peer.sent, {})) dataplane.feedException(port, frame);
    loop->poll(now);
  }
  ASSERT_EQ(state(), "BACKUP");
  EXPECT_FALSE(published().sync.send);
  EXPECT_EQ(syncJson()["role"], "backup");
  EXPECT_EQ(syncJson()["instance_state"], "BACKUP");
}

// catches: a sync daemon without an instance that only sends or only
// receives (keepalived starts both of IPVS's daemons then).
TEST_F(SyncLoopTest, WithoutAnInstanceBothSidesRun) {
  startWith("global_defs {\n    lvs_sync_daemon eth1 id 51\n}\n" + instance(100) + kServices);
  EXPECT_TRUE(published().sync.send);
  EXPECT_EQ(syncJson()["role"], "master+backup");
  EXPECT_TRUE(syncJson()["instance"].is_null());
  dataplane.feedException(1, peerFrame({tcpEntry("10.0.1.1", 40000, "192.168.1.20")}));
  dataplane.feedSyncRecord(record("10.0.0.101", 40000, "192.168.1.20"));
  passAfter(1);
  passAfter(50);
  EXPECT_EQ(dataplane.installed.size(), 1u);
  EXPECT_EQ(syncSent().size(), 1u);
  EXPECT_FALSE(syncJson()["bulk"]["holding_preemption"].get<bool>());
  EXPECT_TRUE(loop->api().stats().contains("sync"));
}

// catches: sync running without lvs_sync_daemon (a datagram installed, a
// record sent, the workers told to hand connections over).
TEST_F(SyncLoopTest, WithoutLvsSyncDaemonNothingIsTaken) {
  startWith(instance(100) + kServices);
  EXPECT_EQ(syncJson(), (nlohmann::json{{"enabled", false}}));
  dataplane.feedException(1, peerFrame({tcpEntry("10.0.1.1", 40000, "192.168.1.20")}));
  passAfter(10);
  EXPECT_TRUE(dataplane.installed.empty());
  becomeMaster();
  EXPECT_FALSE(published().sync.send);
  dataplane.feedSyncRecord(record("10.0.0.101", 40000, "192.168.1.20"));
  passAfter(1);
  passAfter(100);
  EXPECT_TRUE(syncSent().empty());
  EXPECT_FALSE(loop->api().stats().contains("sync"));
}

// catches: a starting router that does not hold preemption (it would take
// over before it carries the master's connections), or one that holds it
// for ever when no master is there to ask.
TEST_F(SyncLoopTest, AStartingRouterHoldsPreemptionUntilItIsMaster) {
  startWith(std::string(kSyncDaemon) + instance(100) + kServices);
  nlohmann::json bulk = syncJson()["bulk"];
  EXPECT_TRUE(bulk["holding_preemption"].get<bool>());
  EXPECT_TRUE(bulk["released_by"].is_null());
  EXPECT_EQ(bulk["state"], "idle");  // no master known: nobody to ask
  EXPECT_TRUE(bulk["took_over"].is_null());
  becomeMaster();
  bulk = syncJson()["bulk"];
  EXPECT_FALSE(bulk["holding_preemption"].get<bool>());
  EXPECT_EQ(bulk["released_by"], "became_master");
  EXPECT_EQ(bulk["took_over"], "without_peer");
}

const char* kShortWait = R"(
dataplane {
    lcores 0-2
    sync_takeover_wait 1
    port eth0 {
        device net_null0
        address 10.0.0.2/24
    }
    port eth1 {
        device net_null1
        address 192.168.1.254/24
    }
}
)";

// catches: sync_takeover_wait not ending the hold (a router that never
// gets its bulk sync would never preempt), or the takeover reported as
// something else.
TEST_F(SyncLoopTest, SyncTakeoverWaitEndsTheHold) {
  startWithDataplane(kShortWait, std::string(kSyncDaemon) + instance(100) + kServices);
  runFor(990);
  EXPECT_TRUE(syncJson()["bulk"]["holding_preemption"].get<bool>());
  runFor(20);
  EXPECT_FALSE(syncJson()["bulk"]["holding_preemption"].get<bool>());
  EXPECT_EQ(syncJson()["bulk"]["released_by"], "wait_expired");
  EXPECT_EQ(state(), "BACKUP");
  becomeMaster();
  EXPECT_EQ(syncJson()["bulk"]["took_over"], "after_wait");
}

// catches: a reload that changes sync_takeover_wait (docs/config.md: a
// reload may change it) while the lvs_sync_daemon line stays as it was,
// taken by the configuration but not by the follower's hold.
TEST_F(SyncLoopTest, AReloadChangesSyncTakeoverWait) {
  startWith(std::string(kSyncDaemon) + instance(100) + kServices);  // 10 s
  runFor(500);
  std::ofstream(configPath()) << kShortWait << kSyncDaemon << instance(100) << kServices;
  const nlohmann::json r = loop->api().reload();
  ASSERT_TRUE(r["reloaded"].get<bool>()) << r.dump();
  EXPECT_TRUE(syncJson()["bulk"]["holding_preemption"].get<bool>());
  runFor(520);  // 1 s after the start
  EXPECT_FALSE(syncJson()["bulk"]["holding_preemption"].get<bool>());
  EXPECT_EQ(syncJson()["bulk"]["released_by"], "wait_expired");
  EXPECT_EQ(state(), "BACKUP");
}

const char* kNoEth1Address = R"(
dataplane {
    lcores 0-2
    sync_takeover_wait 30
    sync_bulk_port 9849
    port eth0 {
        device net_null0
        address 10.0.0.2/24
    }
    port eth1 {
        device net_null1
        address fd00:192:168:1::254/64
    }
}
)";

config::Config configOf(const std::string& text) { return sluice::testing::acceptedConfig(text); }

// catches: a sync daemon on a port it cannot send from taken (its
// datagrams would leave from 0.0.0.0 or another family's address).
TEST(ResolveSync, APortWithoutAnAddressOfTheGroupsFamilyIsRefused) {
  FakeDataplane dataplane({{"eth0", dp::MacAddr{{2, 0, 0, 0, 0, 1}}}, {"eth1", kEth1}}, 1);
  try {
    resolveSync(configOf(std::string(kNoEth1Address) + "global_defs {\n lvs_sync_daemon eth1\n}\n"), dataplane);
    ADD_FAILURE() << "taken";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "lvs_sync_daemon: port eth1 has no IPv4 address to send to group 224.0.0.81 from");
  }
  try {
    resolveSync(configOf(std::string(kNoEth1Address) + "global_defs {\n lvs_sync_daemon eth0 group ff02::81\n}\n"),
                dataplane);
    ADD_FAILURE() << "taken";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "lvs_sync_daemon: port eth0 has no IPv6 address to send to group ff02::81 from");
  }
  // The IPv6 group on eth1, which has an IPv6 address.
  const std::optional<SyncSetup> v6 =
      resolveSync(configOf(std::string(kNoEth1Address) + "global_defs {\n lvs_sync_daemon eth1 group ff02::81\n}\n"),
                  dataplane);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->source, addr("fd00:192:168:1::254"));
}

TEST(ResolveSync, APortTheDataPlaneDoesNotHaveIsRefused) {
  FakeDataplane one({{"eth0", dp::MacAddr{{2, 0, 0, 0, 0, 1}}}}, 1);
  EXPECT_THROW(resolveSync(configOf(std::string(kDataplane) + "global_defs {\n lvs_sync_daemon eth1\n}\n"), one),
               std::invalid_argument);
}

// catches: the port, its address and MAC, or the dataplane block's sync
// settings not carried into the setup.
TEST(ResolveSync, TheSetupNamesThePortItsAddressAndTheSettings) {
  FakeDataplane dataplane({{"eth0", dp::MacAddr{{2, 0, 0, 0, 0, 1}}}, {"eth1", kEth1}}, 1);
  EXPECT_FALSE(resolveSync(configOf(kDataplane), dataplane));
  const std::optional<SyncSetup> s =
      resolveSync(configOf(std::string(kDataplane) + "global_defs {\n lvs_sync_daemon eth1 id 9\n}\n"), dataplane);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->port, 1);
  EXPECT_EQ(s->source, addr("192.168.1.254"));
  EXPECT_EQ(s->mac, kEth1);
  EXPECT_EQ(s->daemon.syncId, 9);
  EXPECT_EQ(s->takeoverWaitMs, 10'000u);
  EXPECT_EQ(s->bulkPort, 8849);
  const std::optional<SyncSetup> t = resolveSync(
      configOf(std::string(kNoEth1Address) + "global_defs {\n lvs_sync_daemon eth0\n}\n"), dataplane);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->port, 0);
  EXPECT_EQ(t->takeoverWaitMs, 30'000u);
  EXPECT_EQ(t->bulkPort, 9849);
}

}  // namespace sluice::sluiced::testing::loop_sync
