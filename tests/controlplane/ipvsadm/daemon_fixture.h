// sluice-ipvsadm against a real control plane: a ControlLoop on a fake
// data plane (no DPDK) serving its API on a Unix socket in a fresh
// directory. Each command runs on a thread of its own while the test's
// thread polls the loop, as sluiced's main loop would.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "controlplane/ipvsadm/commands.h"
#include "controlplane/sluiced/control_loop.h"
#include "controlplane/sluiced/kernel_addresses.h"
#include "tests/accepted_config.h"
#include "tests/controlplane/sluiced/fake_dataplane.h"

namespace sluice::ipvsadm::testing {

// Ports as a router has them (clients on ext, real servers on int), both
// families, and a connection table of IPVS's default size (4096), so that
// the header of -L matches the kernel's. The port named lo is where the
// goldens run the sync daemon (the reference VM has no NIC, so they use its
// loopback); there is no eth0, ipvsadm's default sync interface, as in the
// VM.
inline const char* kDataplane = R"(
dataplane {
    lcores 0-2
    conn_table_size 4096
    port ext {
        device net_null0
        address 10.0.0.2/24
        address 2001:db8:1::2/64
        gateway 10.0.0.254
    }
    port int {
        device net_null1
        address 192.168.1.254/24
        address 2001:db8:2::254/64
    }
    port lo {
        device net_null2
        address 192.0.2.2/24
    }
}
)";

struct Result {
  std::string out;
  std::string err;
  int status = -1;
};

// No reverse DNS (as on the reference VM, which has no resolver), the C
// library's service names (the VM has this machine's /etc/services).
inline Names namesWithoutDns() {
  Names n = systemNames();
  n.host = [](int, const std::string&) -> std::optional<std::string> { return std::nullopt; };
  return n;
}

class IpvsadmDaemon {
 public:
  explicit IpvsadmDaemon(const std::string& config = "") {
    char tmpl[] = "/tmp/sluice-ipvsadm-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    const std::string text = std::string(kDataplane) + config;
    std::ofstream(dir_ / "keepalived.conf") << text;
    const config::Config parsed = sluice::testing::acceptedConfig(text);
    kernel_ = std::make_unique<sluiced::KernelAddresses>(*parsed.dataplane, "", common::stderrLog());
    api::ListenOptions listen;
    listen.socketPath = socket();
    loop_ = std::make_unique<sluiced::ControlLoop>(dataplane, parsed, (dir_ / "keepalived.conf").string(),
                                                   (dir_ / "stats.json").string(), listen, *kernel_);
    loop_->api().listen();
    loop_->start(now_);
  }
  ~IpvsadmDaemon() {
    loop_->stop(now_);
    loop_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  IpvsadmDaemon(const IpvsadmDaemon&) = delete;
  IpvsadmDaemon& operator=(const IpvsadmDaemon&) = delete;

  std::string socket() const { return (dir_ / "api.sock").string(); }

  // Passes of the loop, 2 ms apart, until `done` or 10 s.
  template <typename Done>
  bool pollUntil(Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      now_ += 2;
      loop_->poll(now_);
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }

  // `ipvsadm ARGS < input`, as sluice-ipvsadm runs it.
  Result run(const std::vector<std::string>& args, const std::string& input = "") {
    sluicectl::ApiClient api(socket());
    Runner runner(api, "ipvsadm", namesWithoutDns());
    auto result = std::async(std::launch::async, [&] {
      std::istringstream in(input);
      std::ostringstream out, err;
      Result r;
      r.status = runner.run(args, in, out, err);
      r.out = out.str();
      r.err = err.str();
      return r;
    });
    const bool done = pollUntil([&] { return result.wait_for(std::chrono::seconds(0)) == std::future_status::ready; });
    EXPECT_TRUE(done) << "sluice-ipvsadm did not finish within 10 s";
    return result.get();
  }

  sluiced::testing::FakeDataplane dataplane{
      {{"ext", dp::MacAddr{{2, 0, 0, 0, 0, 1}}},
       {"int", dp::MacAddr{{2, 0, 0, 0, 0, 2}}},
       {"lo", dp::MacAddr{{2, 0, 0, 0, 0, 3}}}},
      2};

 private:
  std::filesystem::path dir_;
  std::unique_ptr<sluiced::KernelAddresses> kernel_;
  std::unique_ptr<sluiced::ControlLoop> loop_;
  uint64_t now_ = 1'000'000;
};

// "-A -t 10.0.0.1:80 -s rr" as words; single quotes keep spaces.
inline std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  bool quoted = false, any = false;
  for (const char c : line) {
    if (c == '\'') {
      quoted = !quoted;
      any = true;
    } else if (c == ' ' && !quoted) {
      if (any) out.push_back(word);
      word.clear();
      any = false;
    } else {
      word += c;
      any = true;
    }
  }
  if (any) out.push_back(word);
  return out;
}

}  // namespace sluice::ipvsadm::testing
