// The bulk sync stream over loopback TCP: a BulkServer on the fake data
// plane (its workers holding connections and templates) and a BulkClient,
// both polled in one bounded loop as the control loop polls them. The
// client receives every connection with a live timer, templates first, in
// the workers' order, and the end marker's count; a server that goes away
// mid-stream, a peer that is not sluiced, a wrong count or sync id, and a
// refused connection all end in kFailed with the reason.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "controlplane/sluiced/bulk_sync.h"
#include "controlplane/tables/table_builder.h"
#include "tests/accepted_config.h"
#include "tests/address_text.h"
#include "tests/controlplane/sluiced/fake_dataplane.h"

namespace sluice::sluiced::testing::bulk_sync {

constexpr uint8_t kSyncId = 51;
constexpr int kMaxPasses = 2000;  // each pass moves what loopback holds; a stream takes a few

const char* kConfig = R"(
dataplane {
    lcores 0-2
    port eth0 {
        device net_null0
        address 10.0.0.2/24
        address fd00:10::2/64
    }
    port eth1 {
        device net_null1
        address 192.168.1.254/24
        address fd00:192:168:1::254/64
    }
}
virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.20 80
    real_server 192.168.1.21 80
}
virtual_server 10.0.0.1 7 {
    lb_algo rr
    lb_kind NAT
    persistence_timeout 60
    protocol TCP
    real_server 192.168.1.20 7
    real_server 192.168.1.21 7
}
virtual_server fd00:10::1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server fd00:192:168:1::20 80
}
)";

const wire::IpAddress kLoopback = wire::IpAddress::v4(127, 0, 0, 1);

// A TCP socket on 127.0.0.1, bound to a port the kernel picks; listening
// when asked. Closed with the value.
struct LocalSocket {
  explicit LocalSocket(bool listening) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), len), 0);
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
    port = ntohs(sa.sin_port);
    if (listening) {
      EXPECT_EQ(::listen(fd, 4), 0);
    }
  }
  ~LocalSocket() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int fd = -1;
  uint16_t port = 0;
};

// A listener that sends `bytes` to whoever connects, then closes.
struct RawPeer {
  RawPeer() : listener(true) {}
  // Accepts and sends; true once done.
  bool serve(const std::vector<uint8_t>& bytes) {
    const int c = ::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return false;
    std::size_t at = 0;
    while (at < bytes.size()) {
      const ssize_t n = ::send(c, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
      if (n <= 0) break;
      at += static_cast<std::size_t>(n);
    }
    ::close(c);
    return true;
  }
  LocalSocket listener;
};

std::string key(const sync::Entry& e) {
  return std::to_string(e.protocol) + " " + std::to_string(e.flags) + " " + std::to_string(e.state) + " " +
         sluice::testing::str(e.client) + ":" + std::to_string(e.clientPort) + " " +
         sluice::testing::str(e.virtualAddress) + ":" + std::to_string(e.virtualPort) + " " +
         sluice::testing::str(e.destination) + ":" + std::to_string(e.destinationPort) + " " +
         std::to_string(e.timeoutSeconds);
}

class BulkSyncTest : public ::testing::Test {
 protected:
  BulkSyncTest() {
    const config::Config c = sluice::testing::acceptedConfig(kConfig);
    const std::vector<dp::MacAddr> macs = {dp::MacAddr{{2, 0, 0, 0, 0, 1}}, dp::MacAddr{{2, 0, 0, 0, 0, 2}}};
    auto table = tables::buildTable(c, macs, ids_);
    table->version = 1;
    EXPECT_TRUE(dataplane.publish(std::move(table)));
    dataplane.startWorkers();
    mapper.use(*dataplane.table());
  }

  const dp::Service& service(const std::string& vip, uint16_t port) const {
    for (const dp::Service& s : dataplane.table()->services) {
      if (s.vip == sluice::testing::address(vip) && s.port == port) return s;
    }
    throw std::runtime_error("no such service");
  }

  dp::ConnRecord conn(const std::string& vip, uint16_t vport, const std::string& client, uint16_t cport,
                      bool isTemplate = false) const {
    const dp::Service& s = service(vip, vport);
    const dp::RealServer& rs = dataplane.table()->servers[s.firstServer];
    dp::ConnRecord r;
    r.v6 = vip.find(':') != std::string::npos;
    r.client = sluice::testing::ip(client);
    r.vip = sluice::testing::ip(vip);
    r.rs = dp::IpAddr::of(rs.addr);
    r.isTemplate = isTemplate;
    r.proto = isTemplate ? 0xFF : 6;  // a worker's template protocol
    r.state = isTemplate ? dp::ConnState::kNone : dp::ConnState::kEstablished;
    r.clientPort = isTemplate ? 0 : cport;
    r.vipPort = vport;
    r.rsPort = rs.port;
    r.serviceId = s.serviceId;
    r.destId = rs.destId;
    r.expiresInMs = isTemplate ? 60'000 : 900'000;
    return r;
  }

  // A BulkServer listening on a free loopback port.
  uint16_t listen(BulkServer& server) {
    for (int i = 0; i < 20; ++i) {
      uint16_t port;
      {
        LocalSocket probe(false);
        port = probe.port;
      }
      if (server.listen(kLoopback, port)) return port;
    }
    ADD_FAILURE() << "no free loopback port: " << server.error();
    return 0;
  }

  // Polls server (if any) and client until the client is done.
  void run(BulkServer* server, BulkClient& client) {
    for (int i = 0; i < kMaxPasses && !done(client); ++i) {
      if (server != nullptr) server->poll(mapper, kSyncId, sync::MessageBuilder::kMaxMaxLength);
      client.poll(now, kSyncId, onMessage);
      ++now;
      if (!done(client)) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  static bool done(const BulkClient& c) {
    return c.state() == BulkClient::State::kComplete || c.state() == BulkClient::State::kFailed;
  }

  tables::IdRegistry ids_{dp::kMaxServices, dp::kMaxDests};
  FakeDataplane dataplane{{{"eth0", dp::MacAddr{{2, 0, 0, 0, 0, 1}}}, {"eth1", dp::MacAddr{{2, 0, 0, 0, 0, 2}}}}, 2};
  connsync::EntryMapper mapper;
  uint64_t now = 5'000;
  std::vector<sync::Message> messages;
  BulkClient::OnMessage onMessage = [this](const sync::Message& m) { messages.push_back(m); };
};

// catches: connections missing from the stream (a page, a worker or a
// table skipped), templates after the connections they control (a backup
// could not join them), expired or stale records sent, or an end count
// that does not match what was sent.
TEST_F(BulkSyncTest, TheClientReceivesEveryConnectionTemplatesFirst) {
  // Worker 0: more connections than a page (1024) and than a message
  // (255 entries), templates and IPv6 ones; an expired connection and one
  // of a service no longer in the table, which are not sent.
  std::vector<dp::ConnRecord> w0, w1;
  for (int i = 0; i < 1500; ++i) {
    w0.push_back(conn("10.0.0.1", 80, "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1),
                      static_cast<uint16_t>(20000 + i)));
  }
  for (int i = 0; i < 3; ++i) w0.push_back(conn("10.0.0.1", 7, "10.2.0." + std::to_string(i + 1), 0, true));
  w0.push_back(conn("fd00:10::1", 80, "fd00:10::101", 40000));
  w0.push_back(conn("fd00:10::1", 80, "fd00:10::102", 40001));
  dp::ConnRecord expired = conn("10.0.0.1", 80, "10.3.0.1", 1000);
  expired.expiresInMs = 0;
  w0.push_back(expired);
  dp::ConnRecord stale = conn("10.0.0.1", 80, "10.3.0.2", 1001);
  stale.serviceId = 999;
  w0.push_back(stale);
  // Worker 1: templates and the connections under them.
  for (int i = 0; i < 2; ++i) w1.push_back(conn("10.0.0.1", 7, "10.2.1." + std::to_string(i + 1), 0, true));
  for (int i = 0; i < 100; ++i) w1.push_back(conn("10.0.0.1", 7, "10.2.1." + std::to_string(i % 2 + 1), 30000 + i));
  dataplane.setConnections(0, w0);
  dataplane.setConnections(1, w1);

  // The order a worker lists them in (conn_dump.h): connections v4, v6,
  // templates v4, v6; the server sends every worker's templates first.
  std::vector<sync::Entry> want;
  auto add = [&](const std::vector<dp::ConnRecord>& records, bool templates, bool v6) {
    for (const dp::ConnRecord& r : records) {
      if (r.isTemplate != templates || r.v6 != v6 || r.expiresInMs <= 0) continue;
      if (std::optional<sync::Entry> e = mapper.toEntry(r)) want.push_back(*e);
    }
  };
  for (const auto* w : {&w0, &w1}) {
    add(*w, true, false);
    add(*w, true, true);
  }
  for (const auto* w : {&w0, &w1}) {
    add(*w, false, false);
    add(*w, false, true);
  }
  ASSERT_EQ(want.size(), 1500u + 3 + 2 + 2 + 100);

  BulkServer server(dataplane);
  const uint16_t port = listen(server);
  ASSERT_NE(port, 0);
  EXPECT_TRUE(server.listening());
  BulkClient client;
  client.start(kLoopback, port, now);
  EXPECT_EQ(client.state(), BulkClient::State::kConnecting);
  run(&server, client);

  const nlohmann::json j = client.json(now);
  ASSERT_EQ(client.state(), BulkClient::State::kComplete) << j.dump();
  std::vector<sync::Entry> got;
  for (const sync::Message& m : messages) {
    EXPECT_EQ(m.syncId, kSyncId);
    EXPECT_EQ(m.version, sync::MessageVersion::kV1);
    EXPECT_LE(m.entries.size(), 255u);
    got.insert(got.end(), m.entries.begin(), m.entries.end());
  }
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(key(got[i]), key(want[i])) << "entry " << i;
    ASSERT_EQ(got[i], want[i]) << "entry " << i;
  }
  // Templates first: the first 5 and only they.
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].isTemplate(), i < 5) << "entry " << i;
  EXPECT_GE(messages.size(), 7u);  // 1500 connections of one worker need six messages at least
  EXPECT_EQ(j["state"], "complete");
  EXPECT_EQ(j["entries"], want.size());
  EXPECT_EQ(j["expected"], want.size());
  EXPECT_EQ(j["messages"], messages.size());
  EXPECT_EQ(j["peer"], "127.0.0.1");
  EXPECT_TRUE(j["error"].is_null());
  ASSERT_TRUE(client.finishedAt());
  EXPECT_EQ(server.served(), 1u);
  EXPECT_EQ(server.entries(), want.size());

  // Another client gets the same again.
  messages.clear();
  BulkClient second;
  second.start(kLoopback, port, now);
  run(&server, second);
  ASSERT_EQ(second.state(), BulkClient::State::kComplete);
  std::size_t n = 0;
  for (const sync::Message& m : messages) n += m.entries.size();
  EXPECT_EQ(n, want.size());
  EXPECT_EQ(server.served(), 2u);
  EXPECT_EQ(server.entries(), 2 * want.size());
}

// catches: an empty table that never ends its stream (the backup would
// hold preemption until sync_takeover_wait).
TEST_F(BulkSyncTest, AnEmptyTableEndsWithACountOfZero) {
  BulkServer server(dataplane);
  const uint16_t port = listen(server);
  ASSERT_NE(port, 0);
  BulkClient client;
  client.start(kLoopback, port, now);
  run(&server, client);
  ASSERT_EQ(client.state(), BulkClient::State::kComplete) << client.json(now).dump();
  EXPECT_TRUE(messages.empty());
  EXPECT_EQ(client.json(now)["expected"], 0);
}

// catches: a stream cut short taken as complete (the backup would end its
// preemption hold with a partial copy).
TEST_F(BulkSyncTest, AServerClosedMidStreamFailsTheClient) {
  std::vector<dp::ConnRecord> w0, w1;
  for (int i = 0; i < 3000; ++i) {
    w0.push_back(conn("10.0.0.1", 80, "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1),
                      static_cast<uint16_t>(20000 + i)));
  }
  w0.push_back(conn("10.0.0.1", 7, "10.2.0.1", 0, true));
  w1.push_back(conn("10.0.0.1", 80, "10.4.0.1", 1234));
  dataplane.setConnections(0, w0);
  dataplane.setConnections(1, w1);
  BulkServer server(dataplane);
  const uint16_t port = listen(server);
  ASSERT_NE(port, 0);
  BulkClient client;
  client.start(kLoopback, port, now);
  // Until the first message is in: the server copies a page per pass, so
  // the stream is far from its end then.
  for (int i = 0; i < kMaxPasses && messages.empty() && !done(client); ++i) {
    server.poll(mapper, kSyncId, sync::MessageBuilder::kMaxMaxLength);
    client.poll(now++, kSyncId, onMessage);
    if (messages.empty()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  ASSERT_FALSE(messages.empty());
  ASSERT_EQ(client.state(), BulkClient::State::kReceiving);
  server.close();
  EXPECT_FALSE(server.listening());
  run(nullptr, client);
  const nlohmann::json j = client.json(now);
  ASSERT_EQ(client.state(), BulkClient::State::kFailed) << j.dump();
  EXPECT_EQ(j["error"], "the peer closed the stream before its end marker");
  EXPECT_TRUE(j["expected"].is_null());
  EXPECT_LT(j["entries"].get<std::size_t>(), 3002u);
  EXPECT_EQ(server.served(), 0u);
}

// catches: a closed port not reported (the backup retries every second).
TEST_F(BulkSyncTest, NobodyListeningFailsTheClient) {
  // A port bound but not listening: refused, and nobody else can take it.
  LocalSocket unused(false);
  BulkClient client;
  client.start(kLoopback, unused.port, now);
  run(nullptr, client);
  ASSERT_EQ(client.state(), BulkClient::State::kFailed);
  EXPECT_EQ(client.json(now)["error"], "connect: Connection refused");
}

// What a peer sends, and how the client ends.
struct Case {
  std::vector<uint8_t> bytes;
  std::string error;
};

std::vector<uint8_t> oneEntryMessage(uint8_t syncId) {
  sync::MessageBuilder m(syncId);
  sync::Entry e;
  e.client = wire::IpAddress::v4(10, 0, 0, 101);
  e.virtualAddress = wire::IpAddress::v4(10, 0, 0, 1);
  e.destination = wire::IpAddress::v4(192, 168, 1, 20);
  e.state = 1;
  e.clientPort = 40000;
  e.virtualPort = 80;
  e.destinationPort = 80;
  e.timeoutSeconds = 900;
  EXPECT_TRUE(m.add(e));
  return {m.bytes().begin(), m.bytes().end()};
}

// catches: a peer that is not sluiced, a count that does not match what
// came, or another sync group's messages taken as a complete bulk sync.
TEST_F(BulkSyncTest, ABadStreamFailsTheClientWithItsReason) {
  std::vector<Case> cases;
  {
    const std::string http = "HTTP/1.0 400 Bad Request\r\n\r\n";
    cases.push_back({std::vector<uint8_t>(http.begin(), http.end()), "not a bulk sync frame (type 72, length 5526608)"});
  }
  {
    std::vector<uint8_t> s;
    connsync::appendBulkHello(s);
    connsync::appendBulkMessage(s, oneEntryMessage(kSyncId));
    connsync::appendBulkEnd(s, 2);
    cases.push_back({s, "the end marker counts 2 entries, 1 came"});
  }
  {
    std::vector<uint8_t> s;
    connsync::appendBulkHello(s);
    connsync::appendBulkMessage(s, oneEntryMessage(kSyncId + 1));
    connsync::appendBulkEnd(s, 1);
    cases.push_back({s, "a message refused: wrong_syncid"});
  }
  {
    std::vector<uint8_t> s;
    connsync::appendBulkMessage(s, oneEntryMessage(kSyncId));
    cases.push_back({s, "the peer does not speak sluice's bulk sync"});
  }
  {
    std::vector<uint8_t> s;
    connsync::appendBulkHello(s);
    connsync::appendBulkMessage(s, oneEntryMessage(kSyncId));
    cases.push_back({s, "the peer closed the stream before its end marker"});
  }
  {
    // The right stream, for contrast.
    std::vector<uint8_t> s;
    connsync::appendBulkHello(s);
    connsync::appendBulkMessage(s, oneEntryMessage(kSyncId));
    connsync::appendBulkEnd(s, 1);
    cases.push_back({s, ""});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.error);
    RawPeer peer;
    BulkClient client;
    messages.clear();
    client.start(kLoopback, peer.listener.port, now);
    bool served = false;
    for (int i = 0; i < kMaxPasses && !done(client); ++i) {
      if (!served) served = peer.serve(c.bytes);
      client.poll(now++, kSyncId, onMessage);
      if (!done(client)) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    ASSERT_TRUE(served);
    const nlohmann::json j = client.json(now);
    if (c.error.empty()) {
      EXPECT_EQ(client.state(), BulkClient::State::kComplete) << j.dump();
      EXPECT_EQ(messages.size(), 1u);
      EXPECT_EQ(j["expected"], 1);
    } else {
      EXPECT_EQ(client.state(), BulkClient::State::kFailed) << j.dump();
      EXPECT_EQ(j["error"], c.error);
    }
  }
}

// catches: a listen failure not reported (sluiced logs it and goes on).
TEST_F(BulkSyncTest, ListeningOnAnAddressNotHereFails) {
  BulkServer server(dataplane);
  EXPECT_FALSE(server.listen(wire::IpAddress::v4(192, 0, 2, 1), 8849));
  EXPECT_FALSE(server.listening());
  EXPECT_EQ(server.error().rfind("cannot listen on 192.0.2.1 port 8849: ", 0), 0u) << server.error();
}

}  // namespace sluice::sluiced::testing::bulk_sync
