// Publishes a worker cannot take yet (its ring full, told to the fake): an
// API change or a reload is refused at once (503) with nothing changed, and
// an API request is run again at later passes for up to 200 ms; a change of
// the loop's own (VRRP, learned neighbours) waits and goes through at a
// later pass.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "controlplane/api/api_error.h"
#include "controlplane/api/metrics.h"
#include "tests/controlplane/sluiced/loop_fixture.h"

namespace sluice::sluiced::testing {
namespace {

const char* kOne = R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    real_server 192.168.1.1 80
}
)";

const char* kTwo = R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    real_server 192.168.1.1 80
    real_server 192.168.1.2 80
}
)";

// catches: waiting (sleeping) for the worker on the control thread, or a
// refused publish that still changes the running configuration.
TEST_F(LoopTest, ARefusedApiChangeAnswers503AtOnceAndChangesNothing) {
  startWith(kOne);
  const config::Config next = sluice::testing::acceptedConfig(std::string(kDataplane) + kTwo);
  dataplane.refuseNext(1);
  const auto before = std::chrono::steady_clock::now();
  try {
    loop->api().apply(next);
    ADD_FAILURE() << "the change was accepted";
  } catch (const api::ApiError& e) {
    EXPECT_EQ(e.status(), 503);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(50));
  EXPECT_EQ(dataplane.refused, 1u);
  EXPECT_EQ(dataplane.tables.size(), 1u);
  EXPECT_EQ(loop->api().config().virtualServers[0].realServers.size(), 1u);
  runFor(50);
  EXPECT_EQ(dataplane.tables.size(), 1u);  // the refused change is the client's to retry

  loop->api().apply(next);
  ASSERT_EQ(dataplane.tables.size(), 2u);
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80", "192.168.1.2:80"}}}));
}

// catches: a reload refused for a worker behind reported as the file's
// fault (422) or half applied, or the loop waiting for the worker.
TEST_F(LoopTest, AReloadAWorkerCannotTakeYetAnswers503AndGoesThroughLater) {
  startWith(kOne);
  writeConfig(kTwo);
  dataplane.refuseNext(1);
  try {
    loop->api().reload();
    ADD_FAILURE() << "the reload was accepted";
  } catch (const api::ApiError& e) {
    EXPECT_EQ(e.status(), 503);
  }
  EXPECT_EQ(dataplane.tables.size(), 1u);
  EXPECT_EQ(loop->api().config().virtualServers[0].realServers.size(), 1u);
  EXPECT_EQ(loop->api().status()["last_reload"]["ok"], false);

  loop->api().reload();
  ASSERT_EQ(dataplane.tables.size(), 2u);
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80", "192.168.1.2:80"}}}));
}

// catches: an API request a worker cannot take yet answered 503 at once
// (instead of run again at later passes), or never answered.
TEST_F(LoopTest, AnApiRequestAWorkerCannotTakeYetIsRunAgainAtLaterPasses) {
  startWith(kOne);
  writeConfig(kTwo);
  const api::Request reload{"POST", "/v1/config/reload", {}, ""};
  dataplane.refuseNext(2);
  EXPECT_FALSE(loop->api().answer(reload));  // put off: nothing changed
  EXPECT_EQ(loop->api().config().virtualServers[0].realServers.size(), 1u);
  runFor(10);
  EXPECT_FALSE(loop->api().answer(reload));
  runFor(10);
  const std::optional<api::Response> r = loop->api().answer(reload);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  ASSERT_EQ(dataplane.tables.size(), 2u);
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80", "192.168.1.2:80"}}}));
  // Run three times, counted once.
  EXPECT_EQ(loop->api().status()["reloads"], (nlohmann::json{{"applied", 1}, {"refused", 0}}));
  EXPECT_EQ(loop->api().status()["config_version"], 2);
}

// catches: an API request put off for ever while a worker stays behind.
TEST_F(LoopTest, AnApiRequestAWorkerStaysBehindOnIsAnswered503After200Ms) {
  startWith(kOne);
  writeConfig(kTwo);
  const api::Request reload{"POST", "/v1/config/reload", {}, ""};
  dataplane.refuseNext(1000);
  EXPECT_FALSE(loop->api().answer(reload));
  runFor(190);
  EXPECT_FALSE(loop->api().answer(reload));
  runFor(20);
  const std::optional<api::Response> r = loop->api().answer(reload);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(dataplane.tables.size(), 1u);
  EXPECT_EQ(loop->api().config().virtualServers[0].realServers.size(), 1u);
  EXPECT_EQ(loop->api().status()["reloads"], (nlohmann::json{{"applied", 0}, {"refused", 1}}));
  EXPECT_EQ(loop->api().status()["config_version"], 1);
}

// catches: a table change the loop made itself (here: VRRP ownership) that
// is dropped when the publish fails instead of retried.
TEST_F(LoopTest, ARefusedVrrpChangeIsRetriedUntilPublished) {
  startWith(std::string(R"(
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.10
    }
}
)") + kOne);
  runFor(3'000);  // alone: MASTER after Master_Down, 3.6 s
  ASSERT_FALSE(ownsVip(published(), "10.0.0.10"));
  const std::size_t tables = dataplane.tables.size();
  dataplane.refuseNext(5);
  runFor(2'000);
  EXPECT_EQ(dataplane.refused, 5u);
  ASSERT_EQ(dataplane.tables.size(), tables + 1);
  EXPECT_TRUE(ownsVip(published(), "10.0.0.10"));
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80"}}}));
}

// An ARP reply from 192.168.1.1 (MAC 02:00:00:00:01:01) to the router's
// 192.168.1.254 on eth1, byte by byte.
FakeDataplane::Frame arpReplyFromServer() {
  FakeDataplane::Frame f = {2, 0, 0, 0, 0, 2,  2, 0, 0, 0, 1, 1,  0x08, 0x06,  // Ethernet
                            0, 1, 0x08, 0, 6, 4, 0, 2,                     // ARP reply
                            2, 0, 0, 0, 1, 1, 192, 168, 1, 1,              // sender
                            2, 0, 0, 0, 0, 2, 192, 168, 1, 254};           // target
  f.resize(60);  // Ethernet minimum
  return f;
}

// ARP requests for `target` sent on `port` (read from the bytes).
std::size_t arpRequestsFor(const FakeDataplane& dataplane, uint16_t port, const std::string& target) {
  const dp::IpAddr ip = sluice::testing::ip(target);
  std::size_t n = 0;
  for (const auto& [p, f] : dataplane.sent) {
    if (p == port && f.size() >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 1 &&
        std::equal(ip.b, ip.b + 4, f.begin() + 38)) {
      ++n;
    }
  }
  return n;
}

// catches: real servers' next hops not asked for through the data plane,
// or a learned neighbour lost when its publish is refused.
TEST_F(LoopTest, ALearnedNeighbourRefusedAtFirstIsPublishedLater) {
  startWith(kOne);
  runFor(20);
  EXPECT_GE(arpRequestsFor(dataplane, 1, "192.168.1.1"), 1u);
  ASSERT_EQ(dataplane.neighbours()->find(sluice::testing::address("192.168.1.1"), 1), nullptr);
  const std::size_t sets = dataplane.neighbourSets.size();
  dataplane.refuseNext(3);
  dataplane.feedException(1, arpReplyFromServer());
  runFor(100);
  EXPECT_EQ(dataplane.refused, 3u);
  EXPECT_EQ(dataplane.neighbourSets.size(), sets + 1);
  const dp::Neighbour* n = dataplane.neighbours()->find(sluice::testing::address("192.168.1.1"), 1);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->mac, (dp::MacAddr{{2, 0, 0, 0, 1, 1}}));
  EXPECT_EQ(dataplane.tables.size(), 1u);  // neighbours alone: the schedulers keep their state
}

// catches: an API change answered while the workers still forward with the
// old tables (a client's next request after a DELETE met the deleted
// service), held for ever when a worker does not take them, or left half
// applied (answered 503 but kept) when a worker does not take them in time.
TEST_F(LoopTest, AnApiChangeIsAnsweredOnceTheWorkersTookItsTablesOrRolledBack) {
  startWith(kOne);
  writeConfig(kTwo);
  const api::Request reload{"POST", "/v1/config/reload", {}, ""};
  dataplane.taken = false;
  EXPECT_FALSE(loop->api().answer(reload));  // applied, the answer held
  ASSERT_EQ(dataplane.tables.size(), 2u);
  runFor(50);
  EXPECT_FALSE(loop->api().answer(reload));
  EXPECT_EQ(dataplane.tables.size(), 2u);  // asked again: not applied twice
  dataplane.taken = true;
  const std::optional<api::Response> r = loop->api().answer(reload);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;

  // A worker that does not take them within 200 ms: the answer is 503 and
  // the change is undone, the tables of before published again.
  writeConfig(kOne);
  dataplane.taken = false;
  EXPECT_FALSE(loop->api().answer(reload));
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80"}}}));
  runFor(190);
  EXPECT_FALSE(loop->api().answer(reload));
  runFor(20);
  const std::optional<api::Response> late = loop->api().answer(reload);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->status, 503) << late->body;
  EXPECT_EQ(loop->api().config().virtualServers[0].realServers.size(), 2u);
  runFor(10);
  ASSERT_EQ(dataplane.tables.size(), 4u);
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80", "192.168.1.2:80"}}}));
  // The rolled-back reload is refused; the change and its undo are two versions.
  EXPECT_EQ(loop->api().status()["reloads"], (nlohmann::json{{"applied", 1}, {"refused", 1}}));
  EXPECT_EQ(loop->api().status()["config_version"], 4);
}

// catches: a request that changed nothing answered 503 (or rolling a
// change back) because a worker had not yet taken an older change.
TEST_F(LoopTest, AReadWaitingBehindAnOlderChangeIsAnsweredWithoutARollback) {
  startWith(kTwo);
  dataplane.taken = false;
  const api::Request status{"GET", "/v1/status", {}, ""};
  EXPECT_FALSE(loop->api().answer(status));
  runFor(210);
  const std::optional<api::Response> r = loop->api().answer(status);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  runFor(10);
  EXPECT_EQ(dataplane.tables.size(), 1u);
  EXPECT_EQ(loop->api().config().virtualServers[0].realServers.size(), 2u);
}

// catches: the XDP steering map failures the data plane counts (and logs)
// no longer reaching /v1/status, where an operator sees them.
TEST_F(LoopTest, StatusReportsTheDataPlanesSteeringFailures) {
  startWith(kOne);
  EXPECT_EQ(loop->api().status()["control"]["xdp_steering_failures"], 0u);
  dataplane.steeringFailuresCount = 3;
  EXPECT_EQ(loop->api().status()["control"]["xdp_steering_failures"], 3u);
}

// catches: /metrics without the daemon's start time or the size of the
// connection tables the workers were started with.
TEST_F(LoopTest, StatusAndMetricsGiveTheStartTimeAndTheTableSize) {
  const auto before = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  startWith(kOne);
  const nlohmann::json status = loop->api().status();
  EXPECT_GE(status["start_time_unix"].get<int64_t>(), before);
  EXPECT_LE(status["start_time_unix"].get<int64_t>(), before + 60);
  EXPECT_EQ(status["conn_table_size"], 1u << 20);  // the dataplane block sets none
  EXPECT_EQ(api::metricsSources(loop->api()).connTableSize, 1u << 20);
  const std::optional<api::Response> metrics = loop->api().answer(api::Request{"GET", "/metrics", {}, ""});
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("\nsluice_worker_connection_table_size{worker=\"0\",family=\"ipv4\"} 1048576\n"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("\nsluice_start_time_seconds " + std::to_string(status["start_time_unix"].get<int64_t>())),
            std::string::npos);
}

}  // namespace
}  // namespace sluice::sluiced::testing
