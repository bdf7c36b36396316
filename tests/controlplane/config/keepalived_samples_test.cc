// keepalived's own sample configurations: `sluiced -t -f SAMPLE [-i ID]`
// accepts exactly the ones `keepalived -t` accepts, except where the golden
// file (keepalived_samples.golden) says why not. keepalived's verdicts are
// pinned there, so the test needs only sluiced and the samples.
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/controlplane/config/test_util.h"

namespace sluice::config {
namespace {

namespace fs = std::filesystem;

struct Row {
  int lineNo = 0;
  std::string sample;
  std::string id;  // "-": no -i
  int keepalivedStatus = 0;
  std::string sluice;  // accept | refuse
  std::string reason;  // why the two differ; empty when they agree
};

std::vector<Row> readGolden(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<Row> rows;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    Row r;
    r.lineNo = n;
    ss >> r.sample >> r.id >> r.keepalivedStatus >> r.sluice;
    std::getline(ss >> std::ws, r.reason);
    EXPECT_TRUE(r.sluice == "accept" || r.sluice == "refuse") << path << ":" << n << ": " << line;
    rows.push_back(r);
  }
  return rows;
}

// The exit status of sluiced with `args`; its output goes to `log`.
int sluiced(const std::string& args, const std::string& log) {
  const char* bin = std::getenv("SLUICED");
  EXPECT_NE(bin, nullptr) << "SLUICED must point at the sluiced binary";
  const std::string cmd = std::string("'") + (bin ? bin : "sluiced") + "' " + args + " >'" + log + "' 2>&1";
  const int raw = std::system(cmd.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(KeepalivedSamples, SluicedAcceptsWhatKeepalivedAccepts) {
  const char* dirEnv = std::getenv("SLUICE_KEEPALIVED_SAMPLES");
  const std::string dir = dirEnv != nullptr ? dirEnv : "/usr/share/doc/keepalived/samples";
  if (!fs::is_directory(dir)) {
    GTEST_SKIP() << "keepalived's sample configurations are not installed (" << dir
                 << "; Debian package keepalived, see scripts/setup)";
  }
  const char* golden = std::getenv("SLUICE_SAMPLES_GOLDEN");
  ASSERT_NE(golden, nullptr) << "SLUICE_SAMPLES_GOLDEN must name the golden file";
  const auto rows = readGolden(golden);
  ASSERT_FALSE(rows.empty());

  // Every sample has a verdict: a new one must be looked at, not skipped.
  std::set<std::string> listed;
  for (const auto& r : rows) listed.insert(r.sample);
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("keepalived.conf.", 0) == 0) {
      EXPECT_EQ(listed.count(name), 1u) << name << " has no row in " << golden;
    }
  }

  testing::TempDir tmp;
  const std::string log = tmp.path() + "/out";
  for (const auto& r : rows) {
    SCOPED_TRACE(std::string(golden) + ":" + std::to_string(r.lineNo) + ": " + r.sample + " -i " + r.id);
    const std::string path = dir + "/" + r.sample;
    ASSERT_TRUE(fs::is_regular_file(path)) << path;
    const std::string args = "-t -f '" + path + "'" + (r.id == "-" ? "" : " -i '" + r.id + "'");
    const int status = sluiced(args, log);
    EXPECT_EQ(status, r.sluice == "accept" ? 0 : 1) << slurp(log);
    // A row agrees with keepalived unless it says why not; one that says
    // why must still differ, so stale reasons do not linger.
    const bool keepalivedAccepts = r.keepalivedStatus == 0;
    const bool sluiceAccepts = r.sluice == "accept";
    if (r.reason.empty()) {
      EXPECT_EQ(sluiceAccepts, keepalivedAccepts) << "differs from keepalived without a reason";
    } else {
      EXPECT_NE(sluiceAccepts, keepalivedAccepts) << "agrees with keepalived; drop the reason";
    }
  }
}

}  // namespace
}  // namespace sluice::config
