// Shared by the control loop tests: a ControlLoop on a FakeDataplane with
// two ports (eth0 10.0.0.2/24 toward clients, eth1 192.168.1.254/24 toward
// the real servers), its config file in a fresh directory, and a
// millisecond clock the test moves.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "controlplane/sluiced/control_loop.h"
#include "tests/accepted_config.h"
#include "tests/address_text.h"
#include "tests/controlplane/sluiced/fake_dataplane.h"

namespace sluice::sluiced::testing {

inline const char* kDataplane = R"(
dataplane {
    lcores 0-2
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

// A table as text: "VIP:PORT" -> its real servers "RS:PORT" (and
// " standby" when it takes no new connections).
using Services = std::map<std::string, std::set<std::string>>;

inline Services servicesOf(const dp::ForwardingTable& t) {
  Services out;
  for (const dp::Service& s : t.services) {
    std::set<std::string>& servers = out[sluice::testing::str(s.vip) + ":" + std::to_string(s.port)];
    for (uint32_t i = s.firstServer; i < s.firstServer + s.serverCount; ++i) {
      const dp::RealServer& rs = t.servers[i];
      servers.insert(sluice::testing::str(rs.addr) + ":" + std::to_string(rs.port));
    }
    if (s.standby) servers.insert("standby");
  }
  return out;
}

inline bool ownsVip(const dp::ForwardingTable& t, const std::string& vip) {
  for (const dp::Prefix& p : t.ownedVips) {
    if (p.addr.isV4() && sluice::testing::str(p.addr) == vip) return true;
  }
  return false;
}

class LoopTest : public ::testing::Test {
 protected:
  LoopTest() {
    char tmpl[] = "/tmp/sluice-loop-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~LoopTest() override {
    if (loop) loop->stop(now);
    loop.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Writes `text` (after the dataplane block) as the config file.
  void writeConfig(const std::string& text) { std::ofstream(configPath()) << kDataplane << text; }

  // Starts a loop on `text` (after the dataplane block).
  void startWith(const std::string& text) {
    writeConfig(text);
    const config::Config config = sluice::testing::acceptedConfig(kDataplane + text);
    kernel = std::make_unique<KernelAddresses>(*config.dataplane, "", common::stderrLog());
    loop = std::make_unique<ControlLoop>(dataplane, config, configPath(), (dir_ / "stats.json").string(),
                                         api::ListenOptions{}, *kernel);
    loop->start(now);
  }

  // Passes of the loop every `step` ms for `span` ms of the test's clock.
  void runFor(uint64_t span, uint64_t step = 10) {
    for (const uint64_t end = now + span; now < end;) {
      now += step;
      loop->poll(now);
    }
  }

  // Passes of the loop, 5 ms apart in real time (health checks run on
  // their own thread, in real time) until `done` or 5 s have passed.
  template <typename Done>
  bool pollUntil(Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      now += 5;
      loop->poll(now);
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  std::string configPath() const { return (dir_ / "keepalived.conf").string(); }
  const std::filesystem::path& dir() const { return dir_; }
  const dp::ForwardingTable& published() const { return *dataplane.tables.back(); }

  FakeDataplane dataplane{{{"eth0", dp::MacAddr{{2, 0, 0, 0, 0, 1}}}, {"eth1", dp::MacAddr{{2, 0, 0, 0, 0, 2}}}}, 2};
  std::unique_ptr<KernelAddresses> kernel;
  std::unique_ptr<ControlLoop> loop;
  uint64_t now = 1'000'000;

 private:
  std::filesystem::path dir_;
};

}  // namespace sluice::sluiced::testing
