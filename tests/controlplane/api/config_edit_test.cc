#include "controlplane/api/config_edit.h"

#include <gtest/gtest.h>

#include "api_test_support.h"
#include "controlplane/api/api_error.h"
#include "controlplane/config/json.h"

namespace sluice::api {
namespace {

using nlohmann::json;
using testing::startConfig;

// The status and field of the ApiError `edit` throws.
template <class Edit>
std::pair<int, std::string> refusal(Edit&& edit) {
  try {
    edit();
  } catch (const ApiError& e) {
    return {e.status(), e.field()};
  }
  return {0, "accepted"};
}

TEST(ConfigEdit, AddsAServiceWithItsRealServersAndDefaults) {
  const config::Config c = startConfig();
  const config::Config next = addService(c, json::parse(R"({"address": "10.0.0.9", "port": 443, "lvs_sched": "rr",
      "real_servers": [{"address": "192.168.1.30"}]})"));
  ASSERT_EQ(next.virtualServers.size(), c.virtualServers.size() + 1);
  const config::VirtualServer& vs = next.virtualServers.back();
  EXPECT_EQ(vs.protocol, config::Protocol::kTcp);
  EXPECT_EQ(vs.realServers.at(0).port, 443);  // the service's port, as keepalived
  EXPECT_EQ(&findService(next, "tcp-10.0.0.9-443"), &vs);
  EXPECT_EQ(c.virtualServers.size(), 3u);  // the input is untouched
}

TEST(ConfigEdit, RefusesBadServicesNamingTheField) {
  const config::Config c = startConfig();
  auto add = [&](const char* body) { return refusal([&] { addService(c, json::parse(body)); }); };
  EXPECT_EQ(add(R"({"address": "10.0.0.1", "port": 80})"), std::pair(409, std::string()));
  EXPECT_EQ(add(R"({"address": "10.0.0.9", "port": 80, "lb_algo": "rr"})"), std::pair(400, std::string("lb_algo")));
  EXPECT_EQ(add(R"({"address": "10.0.0.9", "port": 80, "lvs_sched": "fastest"})"),
            std::pair(400, std::string("lvs_sched")));
  EXPECT_EQ(add(R"({"address": "10.0.0.9", "port": 70000})"), std::pair(400, std::string("port")));
  EXPECT_EQ(add(R"({"address": "10.0.0.9"})"), std::pair(400, std::string("port")));  // port 0 needs persistence
  EXPECT_EQ(add(R"({"port": 80})"), std::pair(400, std::string("address")));
  EXPECT_EQ(add(R"({"address": "10.0.0.9", "port": 80, "persistence_timeout": 1500})"),
            std::pair(400, std::string("persistence_timeout")));
  EXPECT_EQ(add(R"({"address": "10.0.0.9", "port": 80, "quorum": 1, "hysteresis": 1})"),
            std::pair(400, std::string("hysteresis")));
  EXPECT_EQ(add(R"({"kind": "group", "group": "nosuch"})"), std::pair(400, std::string("group")));
  EXPECT_EQ(add(R"({"address": "10.0.0.9", "port": 80, "real_servers": [{"address": "2001:db8::5"}]})"),
            std::pair(400, std::string("address")));
  EXPECT_EQ(add(R"({"address": "10.0.0.9", "port": 80,
                    "real_servers": [{"address": "192.168.1.5"}, {"address": "192.168.1.5"}]})"),
            std::pair(409, std::string("real_servers")));
  EXPECT_EQ(add(R"([1, 2])").first, 400);
}

// catches: the API taking per-client limits the parser would refuse, or
// refusing good ones.
TEST(ConfigEdit, ClientLimitsKeepTheParsersRanges) {
  const config::Config c = startConfig();
  auto add = [&](const char* limits) {
    return refusal([&] {
      addService(c, json::parse(std::string(R"({"address": "10.0.0.9", "port": 80, "client_limits": )") + limits +
                                "}"));
    });
  };
  EXPECT_EQ(add(R"({"client_max_connections": 10, "client_max_rate": 5, "client_prefix_v4": 24})"),
            std::pair(0, std::string("accepted")));
  EXPECT_EQ(add(R"({"client_prefix_v4": 33})"), std::pair(400, std::string("client_prefix_v4")));
  EXPECT_EQ(add(R"({"client_prefix_v6": 16})"), std::pair(400, std::string("client_prefix_v6")));
  EXPECT_EQ(add(R"({"client_max_rate": 100000001})"), std::pair(400, std::string("client_max_rate")));
  EXPECT_EQ(add(R"({"client_max_connections": 268435457})"), std::pair(400, std::string("client_max_connections")));
}

TEST(ConfigEdit, PatchesAServiceButNotItsIdentity) {
  const config::Config c = startConfig();
  const config::Config next =
      updateService(c, "tcp-10.0.0.1-80", json::parse(R"({"lvs_sched": "rr", "persistence_timeout": 300000})"));
  const config::VirtualServer& vs = findService(next, "tcp-10.0.0.1-80");
  EXPECT_EQ(vs.scheduler, "rr");
  EXPECT_EQ(vs.persistenceTimeout->count(), 300000);
  EXPECT_EQ(vs.realServers.size(), 2u);  // kept
  // null resets an optional field.
  const config::Config back = updateService(next, "tcp-10.0.0.1-80", json::parse(R"({"persistence_timeout": null})"));
  EXPECT_FALSE(findService(back, "tcp-10.0.0.1-80").persistenceTimeout);
  auto patch = [&](const char* id, const char* body) { return refusal([&] { updateService(c, id, json::parse(body)); }); };
  EXPECT_EQ(patch("tcp-10.0.0.1-80", R"({"port": 81})"), std::pair(400, std::string("port")));
  EXPECT_EQ(patch("tcp-10.0.0.1-80", R"({"real_servers": []})"), std::pair(400, std::string("real_servers")));
  EXPECT_EQ(patch("tcp-10.0.0.1-80", R"({})").first, 400);
  EXPECT_EQ(patch("tcp-10.0.0.1-80", R"({"lvs_method": "IPIP"})"), std::pair(400, std::string("lvs_method")));
  EXPECT_EQ(patch("tcp-10.0.0.9-80", R"({"lvs_sched": "rr"})").first, 404);
}

TEST(ConfigEdit, RealServersAreAddedChangedDrainedAndRemoved) {
  const config::Config c = startConfig();
  config::Config next = addServer(c, "tcp-10.0.0.1-80", json::parse(R"({"address": "192.168.1.25", "weight": 4})"));
  EXPECT_EQ(findServer(findService(next, "tcp-10.0.0.1-80"), "192.168.1.25-80").weight, 4u);
  next = updateServer(next, "tcp-10.0.0.1-80", "192.168.1.25-80", json::parse(R"({"weight": 7})"));
  EXPECT_EQ(findServer(findService(next, "tcp-10.0.0.1-80"), "192.168.1.25-80").weight, 7u);
  next = drainServer(next, "tcp-10.0.0.1-80", "192.168.1.20-80");
  EXPECT_EQ(findServer(findService(next, "tcp-10.0.0.1-80"), "192.168.1.20-80").weight, 0u);
  next = removeServer(next, "tcp-10.0.0.1-80", "192.168.1.21-80");
  EXPECT_EQ(findService(next, "tcp-10.0.0.1-80").realServers.size(), 2u);
  next = removeService(next, "fwmark-5");
  EXPECT_EQ(next.virtualServers.size(), 2u);

  EXPECT_EQ(refusal([&] { addServer(c, "tcp-10.0.0.1-80", json::parse(R"({"address": "192.168.1.20"})")); }),
            std::pair(409, std::string("real_servers")));
  EXPECT_EQ(refusal([&] { addServer(c, "tcp-10.0.0.1-80", json::parse(R"({"weight": 1})")); }),
            std::pair(400, std::string("address")));
  EXPECT_EQ(refusal([&] { addServer(c, "tcp-10.0.0.1-80", json::parse(R"({"address": "192.168.1.9", "weight": 2147483648})")); }),
            std::pair(400, std::string("weight")));
  EXPECT_EQ(refusal([&] { updateServer(c, "tcp-10.0.0.1-80", "192.168.1.20-80", json::parse(R"({"address": "192.168.1.9"})")); }),
            std::pair(400, std::string("address")));
  EXPECT_EQ(refusal([&] { updateServer(c, "tcp-10.0.0.1-80", "192.168.1.20-80", json::parse(R"({"lthreshold": 5, "uthreshold": 2})")); }),
            std::pair(400, std::string("lthreshold")));
  EXPECT_EQ(refusal([&] { removeServer(c, "tcp-10.0.0.1-80", "192.168.1.99-80"); }).first, 404);
  EXPECT_EQ(refusal([&] { drainServer(c, "udp-10.0.0.1-80", "192.168.1.20-80"); }).first, 404);
}

TEST(ConfigEdit, TunnelsFollowKeepalivedsRulesAndGoWithTheirMethod) {
  const config::Config c = startConfig();
  const char* svc = "tcp-10.0.0.1-80";
  const char* rs = "192.168.1.20-80";
  config::Config next = updateServer(
      c, svc, rs, json::parse(R"({"lvs_method": "TUN", "tunnel": {"type": "gue", "port": 6080, "csum": true}})"));
  const config::RealServer& tun = findServer(findService(next, svc), rs);
  ASSERT_TRUE(tun.tunnel);
  EXPECT_EQ(tun.tunnel->type, config::TunnelType::kGue);
  EXPECT_EQ(tun.tunnel->port, 6080);
  EXPECT_TRUE(tun.tunnel->checksum);
  // Another field leaves the tunnel; TUN again keeps it.
  next = updateServer(next, svc, rs, json::parse(R"({"weight": 3, "lvs_method": "TUN"})"));
  EXPECT_EQ(findServer(findService(next, svc), rs).tunnel->port, 6080);
  // Off TUN, the tunnel goes with the method; back to TUN alone is ipip.
  next = updateServer(next, svc, rs, json::parse(R"({"lvs_method": "DR"})"));
  EXPECT_FALSE(findServer(findService(next, svc), rs).tunnel);
  next = updateServer(next, svc, rs, json::parse(R"({"lvs_method": "TUN"})"));
  EXPECT_EQ(config::forwardingOf(findService(next, svc), findServer(findService(next, svc), rs)).tunnel,
            config::TunnelSpec{});
  // The service's own.
  next = updateService(next, svc, json::parse(R"({"lvs_method": "TUN", "tunnel": {"type": "gre"}})"));
  EXPECT_EQ(findService(next, svc).tunnel->type, config::TunnelType::kGre);
  next = updateService(next, svc, json::parse(R"({"lvs_method": "NAT"})"));
  EXPECT_FALSE(findService(next, svc).tunnel);

  auto patch = [&](const char* body) { return refusal([&] { updateServer(c, svc, rs, json::parse(body)); }); };
  const std::pair<int, std::string> badTunnel{400, "tunnel"};
  EXPECT_EQ(patch(R"({"lvs_method": "TUN", "tunnel": {"type": "gue"}})"), badTunnel);
  EXPECT_EQ(patch(R"({"lvs_method": "TUN", "tunnel": {"type": "gre", "port": 6080}})"), badTunnel);
  EXPECT_EQ(patch(R"({"lvs_method": "TUN", "tunnel": {"type": "ipip", "csum": true}})"), badTunnel);
  EXPECT_EQ(patch(R"({"lvs_method": "NAT", "tunnel": {"type": "gre"}})"), badTunnel);
  EXPECT_EQ(patch(R"({"tunnel": {"type": "gre"}})"), badTunnel);  // no method of its own
  EXPECT_EQ(patch(R"({"lvs_method": "TUN", "tunnel": {"type": "vxlan"}})"), std::pair(400, std::string("type")));
  EXPECT_EQ(patch(R"({"lvs_method": "TUN", "tunnel": {"type": "gue", "port": 1, "remcsum": true}})").first, 400);
  EXPECT_EQ(refusal([&] {
              addService(c, json::parse(R"({"address": "10.0.0.9", "port": 80, "lvs_method": "DR",
                                            "tunnel": {"type": "gre"}})"));
            }),
            badTunnel);
  EXPECT_EQ(refusal([&] {
              addService(c, json::parse(R"({"address": "10.0.0.9", "port": 80, "sorry_server": {"address":
                  "192.168.1.9", "lvs_method": "TUN", "tunnel": {"type": "gue"}}})"));
            }),
            badTunnel);
}

TEST(ConfigEdit, SchedulerFlagsAreNamedForTheScheduler) {
  const config::Config c = startConfig();
  const config::Config next = addService(c, json::parse(R"({"address": "10.0.0.9", "port": 53, "protocol": "UDP",
      "lvs_sched": "sh", "sched_flags": ["sh-port", "flag-1"], "ops": true})"));
  const config::VirtualServer& vs = findService(next, "udp-10.0.0.9-53");
  EXPECT_EQ(vs.schedFlags, 3);
  EXPECT_TRUE(vs.ops);
  EXPECT_EQ(json(vs).at("sched_flags"), json::parse(R"(["sh-fallback", "sh-port"])"));

  auto add = [&](const char* body) { return refusal([&] { addService(c, json::parse(body)); }); };
  EXPECT_EQ(add(R"({"address": "10.0.0.9", "port": 80, "lvs_sched": "rr", "sched_flags": ["sh-port"]})"),
            std::pair(400, std::string("sched_flags")));
  EXPECT_EQ(add(R"({"address": "10.0.0.9", "port": 80, "lvs_sched": "sh", "sched_flags": ["mh-fallback"]})"),
            std::pair(400, std::string("sched_flags")));
  EXPECT_EQ(add(R"({"address": "10.0.0.9", "port": 80, "sched_flags": ["fallback"]})"),
            std::pair(400, std::string("sched_flags")));
  // keepalived drops ops from a TCP service; the API refuses it.
  EXPECT_EQ(add(R"({"address": "10.0.0.9", "port": 80, "ops": true})"), std::pair(400, std::string("ops")));
  EXPECT_EQ(refusal([&] { addService(c, json::parse(R"({"kind": "fwmark", "fwmark": 9, "ops": true})")); }),
            std::pair(0, std::string("accepted")));

  // A patch of the flags alone reads them against the service's scheduler.
  auto patch = [&](const config::Config& from, const char* body) {
    return updateService(from, "udp-10.0.0.9-53", json::parse(body));
  };
  EXPECT_EQ(findService(patch(next, R"({"sched_flags": ["flag-3"]})"), "udp-10.0.0.9-53").schedFlags, 4);
  EXPECT_EQ(refusal([&] { patch(next, R"({"sched_flags": ["mh-port"]})"); }),
            std::pair(400, std::string("sched_flags")));
  // A new scheduler without sched_flags keeps the bits under its names.
  const config::Config mh = patch(next, R"({"lvs_sched": "mh"})");
  EXPECT_EQ(findService(mh, "udp-10.0.0.9-53").schedFlags, 3);
  EXPECT_EQ(json(findService(mh, "udp-10.0.0.9-53")).at("sched_flags"),
            json::parse(R"(["mh-fallback", "mh-port"])"));
  EXPECT_EQ(findService(patch(next, R"({"lvs_sched": "rr", "sched_flags": []})"), "udp-10.0.0.9-53").schedFlags, 0);
  EXPECT_FALSE(findService(patch(next, R"({"ops": false})"), "udp-10.0.0.9-53").ops);
}

}  // namespace
}  // namespace sluice::api
