#include "controlplane/api/router.h"

#include <gtest/gtest.h>

#include "api_test_support.h"

namespace sluice::api {
namespace {

using nlohmann::json;
using testing::FakeBackend;

Response call(Backend& b, const std::string& method, const std::string& path, const std::string& body = "",
              std::map<std::string, std::string> query = {}) {
  return handle(b, Request{method, path, std::move(query), body});
}

json bodyOf(const Response& r) { return json::parse(r.body); }

TEST(Router, ReadsServicesAndRealServersByName) {
  FakeBackend b;
  const Response list = call(b, "GET", "/v1/services");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(bodyOf(list)["services"].size(), 3u);
  EXPECT_EQ(bodyOf(list)["services"][2]["id"], "fwmark-5");
  const json one = bodyOf(call(b, "GET", "/v1/services/tcp-2001:db8::1-80"));
  EXPECT_EQ(one["lvs_sched"], "rr");
  EXPECT_EQ(one["real_servers"][0]["id"], "2001:db8:1::20-80");
  EXPECT_EQ(bodyOf(call(b, "GET", "/v1/services/tcp-10.0.0.1-80/servers"))["real_servers"].size(), 2u);
  EXPECT_EQ(bodyOf(call(b, "GET", "/v1/services/tcp-10.0.0.1-80/servers/192.168.1.20-80"))["weight"], 2);
  EXPECT_EQ(b.applied, 0);
}

TEST(Router, ChangesGoThroughApplyAndAnswerWithTheResult) {
  FakeBackend b;
  Response r = call(b, "POST", "/v1/services", R"({"address": "10.0.0.7", "port": 25, "lvs_sched": "sh"})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(bodyOf(r)["id"], "tcp-10.0.0.7-25");
  r = call(b, "POST", "/v1/services/tcp-10.0.0.7-25/servers", R"({"address": "192.168.1.40"})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(bodyOf(r)["id"], "192.168.1.40-25");
  r = call(b, "PATCH", "/v1/services/tcp-10.0.0.7-25/servers/192.168.1.40-25", R"({"weight": 5})");
  EXPECT_EQ(bodyOf(r)["weight"], 5);
  r = call(b, "POST", "/v1/services/tcp-10.0.0.7-25/servers/192.168.1.40-25/drain");
  EXPECT_EQ(bodyOf(r)["weight"], 0);
  r = call(b, "PATCH", "/v1/services/tcp-10.0.0.7-25", R"({"lvs_sched": "wrr"})");
  EXPECT_EQ(bodyOf(r)["lvs_sched"], "wrr");
  r = call(b, "DELETE", "/v1/services/tcp-10.0.0.7-25/servers/192.168.1.40-25");
  EXPECT_EQ(r.status, 200);
  r = call(b, "DELETE", "/v1/services/tcp-10.0.0.7-25");
  EXPECT_EQ(bodyOf(r)["deleted"], "tcp-10.0.0.7-25");
  EXPECT_EQ(b.applied, 7);
  EXPECT_EQ(b.running, testing::startConfig());
}

// Port 0 is "the port the client used" on a fwmark service, and "the
// service's port" on a service by address, as with ipvsadm -a -r IP:0.
TEST(Router, RealServersWithPortZero) {
  FakeBackend b;
  Response r = call(b, "POST", "/v1/services/fwmark-5/servers", R"({"address": "192.168.1.40", "port": 0})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(bodyOf(r)["id"], "192.168.1.40-0");
  EXPECT_EQ(bodyOf(r)["port"], 0);
  const json listed = bodyOf(call(b, "GET", "/v1/services/fwmark-5/servers/192.168.1.40-0"));
  EXPECT_EQ(listed["port"], 0);
  EXPECT_EQ(listed["address"], "192.168.1.40");
  // The same server again, with or without the 0, is a duplicate.
  EXPECT_EQ(call(b, "POST", "/v1/services/fwmark-5/servers", R"({"address": "192.168.1.40"})").status, 409);
  r = call(b, "POST", "/v1/services/tcp-10.0.0.1-80/servers", R"({"address": "192.168.1.41", "port": 0})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(bodyOf(r)["id"], "192.168.1.41-80");
  EXPECT_EQ(call(b, "DELETE", "/v1/services/fwmark-5/servers/192.168.1.40-0").status, 200);
  EXPECT_EQ(call(b, "DELETE", "/v1/services/tcp-10.0.0.1-80/servers/192.168.1.41-80").status, 200);
  EXPECT_EQ(b.running, testing::startConfig());
}

TEST(Router, ARefusedApplyChangesNothing) {
  FakeBackend b;
  b.refuseApply = ApiError(503, "a worker has not taken the previous tables yet");
  const Response r = call(b, "PATCH", "/v1/services/tcp-10.0.0.1-80", R"({"lvs_sched": "rr"})");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(bodyOf(r)["error"], "a worker has not taken the previous tables yet");
  EXPECT_EQ(b.running, testing::startConfig());
}

TEST(Router, MalformedRequestsGetTheirStatusAndNameTheField) {
  FakeBackend b;
  auto expect = [&](Response r, int status, const char* field) {
    EXPECT_EQ(r.status, status) << r.body;
    const json j = bodyOf(r);
    EXPECT_TRUE(j.contains("error")) << r.body;
    if (field != nullptr) {
      EXPECT_EQ(j.value("field", ""), field) << r.body;
    }
  };
  expect(call(b, "POST", "/v1/services", "{not json"), 400, nullptr);
  expect(call(b, "POST", "/v1/services", ""), 400, nullptr);
  expect(call(b, "PATCH", "/v1/services/tcp-10.0.0.1-80/servers/192.168.1.20-80", R"({"weight": "heavy"})"), 400,
         "weight");
  expect(call(b, "PATCH", "/v1/services/tcp-10.0.0.1-80/servers/192.168.1.20-80", R"({"wieght": 1})"), 400,
         "wieght");
  expect(call(b, "PATCH", "/v1/services/tcp-10.0.0.1-80", R"({"sched_flags": ["sh-port"]})"), 400, "sched_flags");
  expect(call(b, "GET", "/v1/services/tcp-10.9.9.9-80"), 404, nullptr);
  expect(call(b, "GET", "/v1/services/tcp-10.0.0.1-80/servers/1.2.3.4-80"), 404, nullptr);
  expect(call(b, "GET", "/v1/nothing"), 404, nullptr);
  expect(call(b, "GET", "/v2/services"), 404, nullptr);
  expect(call(b, "GET", "/v1/services/tcp-10.0.0.1-80/servers/192.168.1.20-80/drain"), 405, nullptr);
  expect(call(b, "PUT", "/v1/services"), 405, nullptr);
  expect(call(b, "DELETE", "/v1/stats"), 405, nullptr);
  expect(call(b, "GET", "/v1/stats", "", {{"verbose", "1"}}), 400, "verbose");
  expect(call(b, "GET", "/v1/connections", "", {{"limit", "0"}}), 400, "limit");
  expect(call(b, "GET", "/v1/connections", "", {{"limit", "12abc"}}), 400, "limit");
  expect(call(b, "GET", "/v1/connections", "", {{"limit", "10001"}}), 400, "limit");
  EXPECT_EQ(b.applied, 0);
  EXPECT_EQ(b.running, testing::startConfig());
}

TEST(Router, ConnectionsPassLimitAndCursor) {
  FakeBackend b;
  EXPECT_EQ(call(b, "GET", "/v1/connections").status, 200);
  EXPECT_EQ(b.lastLimit, 1000u);
  EXPECT_EQ(b.lastCursor, "");
  call(b, "GET", "/v1/connections", "", {{"limit", "50"}, {"cursor", "0:1:7"}});
  EXPECT_EQ(b.lastLimit, 50u);
  EXPECT_EQ(b.lastCursor, "0:1:7");
}

TEST(Router, ReloadRefusalCarriesDiagnostics) {
  FakeBackend b;
  b.refuseReload = ApiError(422, "reload refused", "", {{"diagnostics", {"k.conf:3: unknown keyword"}}});
  const Response r = call(b, "POST", "/v1/config/reload");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(bodyOf(r)["diagnostics"][0], "k.conf:3: unknown keyword");
  EXPECT_EQ(call(b, "GET", "/v1/config/reload").status, 405);
}

TEST(Router, ReadOnlyResourcesHaveTheirShape) {
  FakeBackend b;
  const json vrrp = bodyOf(call(b, "GET", "/v1/vrrp"));
  EXPECT_EQ(vrrp["running"], true);
  EXPECT_EQ(vrrp["instances"][0]["state"], "MASTER");
  const json health = bodyOf(call(b, "GET", "/v1/health"));
  EXPECT_EQ(health["checkers"][0]["state"], "UP");
  EXPECT_EQ(bodyOf(call(b, "GET", "/v1/config"))["virtual_servers"].size(), 3u);
  EXPECT_EQ(bodyOf(call(b, "GET", "/v1/status"))["version"], "test");
  const Response metrics = call(b, "GET", "/metrics");
  EXPECT_EQ(metrics.contentType, "text/plain; version=0.0.4");
  EXPECT_NE(metrics.body.find("sluice_drops_total{reason=\"no_service\"} 3"), std::string::npos);
  // Not only the stats: the VRRP and status documents too.
  EXPECT_NE(metrics.body.find("sluice_vrrp_state{vrrp_instance=\"RH_EXT\",state=\"MASTER\"} 1"), std::string::npos);
  EXPECT_NE(metrics.body.find("sluice_build_info{version=\"test\"} 1"), std::string::npos);
}

TEST(Router, TheConfigNeverShowsTheToken) {
  FakeBackend b;
  b.running.api = config::ApiConfig{};
  b.running.api->token = "0123456789abcdef-secret";
  const std::string body = call(b, "GET", "/v1/config").body;
  EXPECT_EQ(body.find("secret"), std::string::npos);
  EXPECT_NE(body.find("(set)"), std::string::npos);
}

}  // namespace
}  // namespace sluice::api
