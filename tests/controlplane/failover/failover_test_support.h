// Shared by the failover tests: VRRP routers (a Driver on made-up ports)
// whose frames are kept, wired to each other through a simulated segment
// with a millisecond clock.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "controlplane/config/parser.h"
#include "tests/accepted_config.h"
#include "controlplane/failover/driver.h"

namespace sluice::failover::testing {

using namespace std::chrono_literals;

inline config::Config parse(const std::string& text) { return sluice::testing::acceptedConfig(text); }

inline wire::IpAddress addr(const char* text) { return *config::parseAddress(text); }

// One router with ports eth0 (10.0.0.R/24) and eth1 (192.168.1.R/24).
struct Router {
  Router(const std::string& conf, uint8_t r)
      : config(parse(conf)),
        driver(config,
               {PortInfo{"eth0", dp::MacAddr{{0x02, 0, 0, 0, r, 1}},
                         {*config::IpPrefix::parse("10.0.0." + std::to_string(r) + "/24")}},
                PortInfo{"eth1", dp::MacAddr{{0x02, 0, 0, 0, r, 2}},
                         {*config::IpPrefix::parse("192.168.1." + std::to_string(r) + "/24")}}},
               Io{[this](uint16_t port, const Frame& f) {
                    sent.emplace_back(port, f);
                    log.emplace_back(port, f);
                  },
                  [](uint16_t, const wire::IpAddress&) { return dp::MacAddr{{0x02, 0, 0, 0, 9, 9}}; },
                  [this](const common::LogLine& line) { told.push_back(line.text); }}) {}

  bool holds(const char* vip) const { return driver.ownership().holds(addr(vip)); }
  std::string state(std::size_t instance = 0) const {
    return std::string(vrrp::stateName(driver.instances()[instance]->machine.state()));
  }
  // Frames sent so far that are VRRP adverts (not ARP / NA).
  std::vector<std::pair<uint16_t, Frame>> adverts() const {
    std::vector<std::pair<uint16_t, Frame>> out;
    for (const auto& s : log) {
      if (parseAdvertFrame(s.second)) out.push_back(s);
    }
    return out;
  }

  config::Config config;
  std::vector<std::pair<uint16_t, Frame>> sent;  // not yet delivered
  std::vector<std::pair<uint16_t, Frame>> log;   // everything sent
  std::vector<std::string> told;                 // the lines it logged
  Driver driver;
};

// Routers on shared segments (a frame sent on port P reaches every other
// router's port P), stepped 10 ms at a time. A router that is `down`
// neither sends nor hears.
struct Segment {
  std::vector<Router*> routers;
  std::vector<bool> down;
  vrrp::Millis now{0};

  explicit Segment(std::vector<Router*> rs) : routers(std::move(rs)), down(routers.size(), false) {}

  void start() {
    for (Router* r : routers) r->driver.start(now);
    deliver();
  }
  void deliver() {
    for (std::size_t i = 0; i < routers.size(); ++i) {
      auto frames = std::exchange(routers[i]->sent, {});
      if (down[i]) continue;
      for (const auto& [port, frame] : frames) {
        for (std::size_t j = 0; j < routers.size(); ++j) {
          if (j != i && !down[j]) routers[j]->driver.handleFrame(port, frame, now);
        }
      }
    }
  }
  void runFor(vrrp::Millis span) {
    const vrrp::Millis end = now + span;
    while (now < end) {
      now += 10ms;
      for (std::size_t i = 0; i < routers.size(); ++i) {
        if (!down[i]) routers[i]->driver.tick(now);
      }
      deliver();
    }
  }
};

}  // namespace sluice::failover::testing
