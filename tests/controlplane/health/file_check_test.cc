// FILE_CHECK: keepalived's rules for a real server's weight and state from
// a track_file's value, and the monitor following the file as it changes
// (written, deleted) and aggregating it with the server's other checks.
#include "controlplane/health/file_check.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "controlplane/health/monitor.h"
#include "controlplane/health/server_health.h"
#include "tests/accepted_config.h"

namespace sluice::health {
namespace {

TEST(FileCheck, KeepalivedsAdjustment) {
  EXPECT_EQ(fileCheckAdjustment(0, 0, false), 0);
  EXPECT_EQ(fileCheckAdjustment(5, 0, false), std::nullopt);  // weight 0: non-zero is down
  EXPECT_EQ(fileCheckAdjustment(0, 0, true), std::nullopt);   // reverse: zero is down
  EXPECT_EQ(fileCheckAdjustment(5, 0, true), 0);
  EXPECT_EQ(fileCheckAdjustment(3, 10, false), 30);
  EXPECT_EQ(fileCheckAdjustment(3, 10, true), -30);
  EXPECT_EQ(fileCheckAdjustment(-2147483648LL, 1, false), std::nullopt);  // at -2^31: down
  EXPECT_EQ(fileCheckAdjustment(2147483648LL, 2, false), 2147483647);
}

const char* kFileChecks = R"(
track_file a { file %DIR%/a
  weight 3 }
track_file down { file %DIR%/down
  weight 0 }
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 10.0.1.1 80 {
    weight 10
    FILE_CHECK { track_file a }
    FILE_CHECK { track_file a
      weight -1 reverse }
  }
  real_server 10.0.1.2 80 {
    FILE_CHECK { track_file down }
  }
}
)";

std::string fileCheckConfig(const std::string& dir) {
  std::string text = kFileChecks;
  for (auto at = text.find("%DIR%"); at != std::string::npos; at = text.find("%DIR%")) text.replace(at, 5, dir);
  return text;
}

TEST(FileCheck, VerdictSumsTheChecksOfAServer) {
  const config::Config c = sluice::testing::acceptedConfig(fileCheckConfig("/nonexistent"));
  const config::RealServer& rs = c.virtualServers.at(0).realServers.at(0);
  // 10 + 3*2 + 1*2 (reverse of -1): both checks read a.
  FileVerdict v = fileVerdict(c, rs, {{"a", 2}});
  EXPECT_TRUE(v.up);
  EXPECT_EQ(v.weight, 18u);
  v = fileVerdict(c, rs, {{"a", -10}});
  EXPECT_EQ(v.weight, 0u);  // kept at 0: IPVS weights are not negative
  const config::RealServer& other = c.virtualServers.at(0).realServers.at(1);
  v = fileVerdict(c, other, {{"down", 4}});
  EXPECT_FALSE(v.up);
  EXPECT_EQ(v.why, "track_file down is 4");
  EXPECT_FALSE(v.weight);  // weight 0 checks leave the weight alone
  EXPECT_TRUE(fileVerdict(c, other, {}).up);
}

class FileDir {
 public:
  FileDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-filecheck-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~FileDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path_ + "/" + name) << text; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Polls the monitor's FILE_CHECK of `server` (at most 5 s).
template <class Want>
bool fileStatusBecomes(const HealthMonitor& m, const std::string& server, Want want) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    for (const CheckerStatus& s : m.snapshot()) {
      if (s.type == "FILE_CHECK" && s.server == server && want(s)) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

TEST(FileCheck, MonitorFollowsTheFile) {
  const FileDir dir;
  ASSERT_FALSE(dir.path().empty());
  dir.write("a", "1\n");
  dir.write("down", "0\n");
  const config::Config c = sluice::testing::acceptedConfig(fileCheckConfig(dir.path()));
  const HealthMonitor m(c);
  const std::vector<CheckerStatus> start = m.snapshot();
  ASSERT_EQ(start.size(), 2u);  // one FILE_CHECK status per real server
  EXPECT_TRUE(start[0].up);
  EXPECT_EQ(start[0].weight, 14u);  // read before the monitor runs: 10 + 3 + 1
  EXPECT_EQ(m.trackFileValues().at("a"), 1);

  const uint64_t seen = m.generation();
  dir.write("down", "1\n");
  EXPECT_TRUE(fileStatusBecomes(m, "10.0.1.2-80", [](const CheckerStatus& s) { return !s.up; }));
  EXPECT_GT(m.generation(), seen);
  EXPECT_FALSE(aggregate(m.snapshot()).at({"tcp-10.0.0.1-80", "10.0.1.2-80"}).up);
  std::filesystem::remove(dir.path() + "/down");  // gone reads 0: up again
  EXPECT_TRUE(fileStatusBecomes(m, "10.0.1.2-80", [](const CheckerStatus& s) { return s.up; }));

  dir.write("a", "5\n");
  EXPECT_TRUE(fileStatusBecomes(m, "10.0.1.1-80", [](const CheckerStatus& s) { return s.weight == 30u; }));
}

TEST(FileCheck, ChecksOfAConfigNameTheirFiles) {
  const config::Config c = sluice::testing::acceptedConfig(fileCheckConfig("/one"));
  const config::Config moved = sluice::testing::acceptedConfig(fileCheckConfig("/two"));
  EXPECT_EQ(checksOf(c).size(), 2u);
  // A reload that moves a file builds a new monitor.
  EXPECT_NE(checksOf(c), checksOf(moved));
}

}  // namespace
}  // namespace sluice::health
