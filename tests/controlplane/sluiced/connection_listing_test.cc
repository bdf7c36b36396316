// GET /v1/connections' paging (connection_listing.h) over a fake data
// plane whose workers hold the connections each test gives them.
#include "controlplane/sluiced/connection_listing.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "controlplane/api/api_error.h"
#include "tests/address_text.h"
#include "tests/controlplane/sluiced/fake_dataplane.h"

namespace sluice::sluiced {
namespace {

using nlohmann::json;
using sluice::testing::ip;
using testing::FakeDataplane;

// Two workers (the workers run) under one service, tcp 10.0.0.1:80 over
// 192.168.1.20:8080, so that listed connections have a service name.
class ConnectionListingTest : public ::testing::Test {
 protected:
  ConnectionListingTest() : dp_({{"eth0", {}, true}}, 2) {
    auto table = std::make_unique<dp::ForwardingTable>();
    dp::Service s;
    s.serviceId = 7;
    s.vip = wire::IpAddress::v4(10, 0, 0, 1);
    s.port = 80;
    s.proto = dp::kProtoTcp;
    s.scheduler = "rr";
    s.serverCount = 1;
    table->services.push_back(s);
    dp::RealServer rs;
    rs.addr = wire::IpAddress::v4(192, 168, 1, 20);
    rs.port = 8080;
    table->servers.push_back(rs);
    EXPECT_TRUE(dp_.publish(std::move(table)));
    dp_.startWorkers();
  }

  // A connection of the service from client 10.1.0.N:(1000 + N), or from
  // fd00:1::N when `v6`; a persistence template when `isTemplate`.
  static dp::ConnRecord conn(unsigned n, bool v6 = false, bool isTemplate = false) {
    dp::ConnRecord c;
    c.v6 = v6;
    c.isTemplate = isTemplate;
    c.client = ip((v6 ? "fd00:1::" : "10.1.0.") + std::to_string(n));
    c.vip = ip(v6 ? "fd00:10::1" : "10.0.0.1");
    c.rs = ip(v6 ? "fd00:192:168:1::20" : "192.168.1.20");
    c.proto = dp::kProtoTcp;
    c.state = dp::ConnState::kEstablished;
    c.clientPort = static_cast<uint16_t>(1000 + n);
    c.vipPort = 80;
    c.rsPort = 8080;
    c.serviceId = 7;
    return c;
  }

  // "worker/client address" of each listed connection, in order.
  static std::vector<std::string> listed(const json& page) {
    std::vector<std::string> out;
    for (const json& c : page.at("connections")) {
      out.push_back(std::to_string(c.at("worker").get<unsigned>()) + "/" + c.at("client_address").get<std::string>());
    }
    return out;
  }

  // The listing's ApiError for `cursor`; fails the test when it throws none.
  api::ApiError refusal(const std::string& cursor, unsigned limit = 10) {
    try {
      listConnections(dp_, cursor, limit);
    } catch (const api::ApiError& e) {
      return e;
    }
    ADD_FAILURE() << "listing from '" << cursor << "' was not refused";
    return api::ApiError(0, "");
  }

  FakeDataplane dp_;
};

// Catches: an empty data plane answered with a cursor (clients would page forever) or an error.
TEST_F(ConnectionListingTest, EmptyTablesGiveAnEmptyLastPage) {
  const json page = listConnections(dp_, "", 10);
  EXPECT_TRUE(page.at("connections").empty());
  EXPECT_TRUE(page.at("next_cursor").is_null());
}

// Catches: a record's fields or its service's name lost on the way to JSON.
TEST_F(ConnectionListingTest, ListsEachWorkersConnectionsWithTheirService) {
  dp_.setConnections(0, {conn(1)});
  dp_.setConnections(1, {conn(2, true)});
  const json page = listConnections(dp_, "", 10);
  EXPECT_EQ(listed(page), (std::vector<std::string>{"0/10.1.0.1", "1/fd00:1::2"}));
  const json& first = page.at("connections").at(0);
  EXPECT_EQ(first.at("client_port"), 1001);
  EXPECT_EQ(first.at("virtual_address"), "10.0.0.1");
  EXPECT_EQ(first.at("server_address"), "192.168.1.20");
  EXPECT_EQ(first.at("server_port"), 8080);
  EXPECT_EQ(first.at("service"), "tcp-10.0.0.1-80");
  EXPECT_TRUE(page.at("next_cursor").is_null());
}

// Catches: a page longer than the limit, or a cursor that skips or repeats the connection after the page.
// Catches: a template listed with the table's own key protocol, or as "IP",
// where Linux's ipvsadm -Lnc shows its service's protocol ("TCP 00:57
// ASSURED 10.0.0.101:0 ..." in tests/sync/vectors/kernel_v1.json).
TEST_F(ConnectionListingTest, ATemplateShowsItsServicesProtocolAndAssured) {
  dp::ConnRecord t = conn(1, false, true);
  t.proto = 0xFF;
  t.clientPort = 0;
  dp_.setConnections(0, {t});
  const json page = listConnections(dp_, "", 10);
  ASSERT_EQ(page.at("connections").size(), 1u);
  EXPECT_EQ(page["connections"][0]["protocol"], "TCP");
  EXPECT_EQ(page["connections"][0]["state"], "ASSURED");
  EXPECT_EQ(page["connections"][0]["template"], true);
}

TEST_F(ConnectionListingTest, StopsAtTheLimitAndGoesOnFromItsCursor) {
  dp_.setConnections(0, {conn(1), conn(2), conn(3), conn(4), conn(5)});
  const json first = listConnections(dp_, "", 3);
  EXPECT_EQ(listed(first), (std::vector<std::string>{"0/10.1.0.1", "0/10.1.0.2", "0/10.1.0.3"}));
  EXPECT_EQ(first.at("next_cursor"), "0:0:3");
  const json rest = listConnections(dp_, first.at("next_cursor"), 3);
  EXPECT_EQ(listed(rest), (std::vector<std::string>{"0/10.1.0.4", "0/10.1.0.5"}));
  EXPECT_TRUE(rest.at("next_cursor").is_null());
}

// Catches: a page that ends at a worker's last connection without going on to the next worker.
TEST_F(ConnectionListingTest, FillsAPageFromTheNextWorker) {
  dp_.setConnections(0, {conn(1), conn(2)});
  dp_.setConnections(1, {conn(3), conn(4)});
  const json first = listConnections(dp_, "", 3);
  EXPECT_EQ(listed(first), (std::vector<std::string>{"0/10.1.0.1", "0/10.1.0.2", "1/10.1.0.3"}));
  EXPECT_EQ(first.at("next_cursor"), "1:0:1");
  const json rest = listConnections(dp_, first.at("next_cursor"), 3);
  EXPECT_EQ(listed(rest), (std::vector<std::string>{"1/10.1.0.4"}));
  EXPECT_TRUE(rest.at("next_cursor").is_null());
}

// Catches: a cursor that loses the table part (templates or IPv6 listed twice or never).
TEST_F(ConnectionListingTest, CursorsWalkEveryTableOfEveryWorkerOnce) {
  dp_.setConnections(0, {conn(1), conn(2), conn(3, false, true), conn(4, true)});
  dp_.setConnections(1, {conn(5, true, true), conn(6)});
  std::vector<std::string> all, cursors;
  std::string cursor;
  for (int pages = 0; pages < 10; ++pages) {
    const json page = listConnections(dp_, cursor, 2);
    const auto some = listed(page);
    all.insert(all.end(), some.begin(), some.end());
    if (page.at("next_cursor").is_null()) break;
    cursor = page.at("next_cursor");
    cursors.push_back(cursor);
  }
  // Worker 0: v4 connections (table 0), v6 (1), the v4 template (2); worker 1: v4, then the v6 template (3).
  EXPECT_EQ(all, (std::vector<std::string>{"0/10.1.0.1", "0/10.1.0.2", "0/fd00:1::4", "0/10.1.0.3", "1/10.1.0.6",
                                           "1/fd00:1::5"}));
  EXPECT_EQ(cursors, (std::vector<std::string>{"0:1:0", "1:0:0"}));
}

// Catches: a cursor the daemon never gave read as some other position (or crashing the parse).
TEST_F(ConnectionListingTest, RefusesACursorItDidNotGive) {
  for (const std::string bad : {"x", "0:0", "2:0:0", "0:4:0", "0:0:4294967296", "0:0:1x", "-1:0:0"}) {
    SCOPED_TRACE(bad);
    const api::ApiError e = refusal(bad);
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.field(), "cursor");
    EXPECT_NE(std::string(e.what()).find("'" + bad + "'"), std::string::npos) << e.what();
  }
}

// Catches: a stuck worker's part silently left out of the listing (or the call hanging).
TEST_F(ConnectionListingTest, AWorkerThatDoesNotAnswerFailsTheListing) {
  dp_.setConnections(0, {conn(1)});
  dp_.setConnections(1, {conn(2)});
  dp_.silence(1);
  const api::ApiError e = refusal("");
  EXPECT_EQ(e.status(), 503);
  EXPECT_NE(std::string(e.what()).find("worker 1"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace sluice::sluiced
