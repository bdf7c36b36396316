// Shared by the API tests: a parsed starting configuration and a fake
// backend that records what the router asks of the daemon.
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "controlplane/api/api_error.h"
#include "controlplane/api/backend.h"
#include "controlplane/api/config_edit.h"
#include "controlplane/config/parser.h"

namespace sluice::api::testing {

inline constexpr const char* kConfig = R"(
virtual_server 10.0.0.1 80 {
  lb_algo wlc
  protocol TCP
  real_server 192.168.1.20 80 { weight 2 }
  real_server 192.168.1.21 80 { weight 1 }
}
virtual_server 2001:db8::1 80 {
  lb_algo rr
  protocol TCP
  real_server 2001:db8:1::20 80 { }
}
virtual_server fwmark 5 {
  lb_algo rr
  persistence_timeout 60
  real_server 192.168.1.22 { }
}
)";

inline config::Config startConfig() {
  const auto r = config::parseString(kConfig, "api.conf");
  if (!r.ok()) throw std::runtime_error("test config does not parse: " + r.diagnostics.at(0).toString());
  return *r.config;
}

class FakeBackend : public Backend {
 public:
  config::Config running = startConfig();
  int applied = 0;
  std::optional<ApiError> refuseApply;  // set: apply throws it
  std::optional<ApiError> refuseReload;
  std::string lastCursor;
  unsigned lastLimit = 0;
  std::vector<std::string> zeroedServices;  // zeroCounters' arguments ("all" for every service)

  const config::Config& config() const override { return running; }
  void apply(const config::Config& next) override {
    if (refuseApply) throw *refuseApply;
    running = next;
    ++applied;
  }
  nlohmann::json reload() override {
    if (refuseReload) throw *refuseReload;
    return {{"reloaded", true}, {"added", nlohmann::json::array()}};
  }
  nlohmann::json status() const override { return {{"version", "test"}}; }
  nlohmann::json health() const override {
    return {{"running", true},
            {"checkers", {{{"service", "tcp-10.0.0.1-80"}, {"real_server", "192.168.1.20-80"}, {"state", "UP"}}}}};
  }
  nlohmann::json vrrp() const override {
    return {{"running", true},
            {"instances", {{{"name", "RH_EXT"}, {"state", "MASTER"}, {"virtual_router_id", 50}}}}};
  }
  nlohmann::json sync() const override { return {{"enabled", false}}; }
  nlohmann::json stats() const override {
    return {{"services",
             {{{"id", "tcp-10.0.0.1-80"},
               {"conns", 7},
               {"inpkts", 70},
               {"outpkts", 60},
               {"inbytes", 7000},
               {"outbytes", 6000},
               {"activeconns", 1},
               {"inactconns", 2},
               {"real_servers",
                {{{"id", "192.168.1.20-80"}, {"weight", 2}, {"conns", 7}, {"inpkts", 70}, {"outpkts", 60}}}}}}},
            {"drops", {{"no_service", 3}}},
            {"workers", {{{"rx_packets", 100}, {"tx_packets", 90}, {"connections", 4}}}}};
  }
  nlohmann::json configDiff() const override { return {{"file", "test.conf"}, {"same", true}}; }
  void zeroCounters(const std::string& service) override {
    if (!service.empty()) findService(running, service);
    zeroedServices.push_back(service.empty() ? "all" : service);
  }
  nlohmann::json connections(const std::string& cursor, unsigned limit) override {
    lastCursor = cursor;
    lastLimit = limit;
    return {{"connections", nlohmann::json::array()}, {"next_cursor", nullptr}};
  }
};

}  // namespace sluice::api::testing
