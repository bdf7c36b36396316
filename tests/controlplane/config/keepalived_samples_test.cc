// keepalived is the judge of what a configuration means.
//  - keepalived's own sample configurations: `sluiced -t -f SAMPLE [-i ID]`
//    accepts exactly the ones `keepalived -t` accepts, except where the
//    golden file (keepalived_samples.golden) says why not. keepalived's
//    verdicts are pinned there (they depend on the host's interfaces).
//  - sluice's own corpus (judge/*.conf: the configuration language, every
//    checker, VRRP and LVS keywords, valid and invalid): keepalived -t runs
//    live, in a network namespace of its own holding eth0 and eth1, and
//    sluiced -t must agree unless the file says why not.
//  - every warning sluiced -t gives for either is pinned in
//    keepalived_warnings.golden: one more, one fewer or one reworded fails.
//    SLUICE_UPDATE_GOLDEN=1 rewrites that file instead (review its diff).
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <algorithm>
#include <fstream>
#include <map>
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

// The warnings in sluiced's output, each as "NAME:LINE: warning: TEXT"
// with the file's directory left out.
std::vector<std::string> warningsIn(const std::string& output, const std::string& dir, const std::string& name) {
  std::vector<std::string> found;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(": warning: ") == std::string::npos) continue;
    if (line.rfind(dir + "/", 0) == 0) line.erase(0, dir.size() + 1);
    found.push_back(name + line.substr(line.find(':')));
  }
  return found;
}

// Every warning of every run, keyed by run ("SAMPLE" or "SAMPLE -i ID"):
// compared with keepalived_warnings.golden once all tests ran.
std::map<std::string, std::vector<std::string>>& warningsSeen() {
  static std::map<std::string, std::vector<std::string>> seen;
  return seen;
}

std::string runName(const std::string& file, const std::string& id) {
  return id.empty() || id == "-" ? file : file + " -i " + id;
}

// sluiced -t on `path`: true when accepted; its warnings are recorded.
bool sluicedAccepts(const std::string& dir, const std::string& file, const std::string& id) {
  testing::TempDir tmp;
  const std::string log = tmp.path() + "/out";
  const std::string args =
      "-t -f '" + dir + "/" + file + "'" + (id.empty() || id == "-" ? "" : " -i '" + id + "'");
  const int status = sluiced(args, log);
  const std::string out = slurp(log);
  EXPECT_TRUE(status == 0 || status == 1) << "sluiced " << args << " exited " << status << "\n" << out;
  warningsSeen()[runName(file, id)] = warningsIn(out, dir, file);
  return status == 0;
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

  for (const auto& r : rows) {
    SCOPED_TRACE(std::string(golden) + ":" + std::to_string(r.lineNo) + ": " + r.sample + " -i " + r.id);
    ASSERT_TRUE(fs::is_regular_file(dir + "/" + r.sample)) << r.sample;
    const bool sluiceAccepts = sluicedAccepts(dir, r.sample, r.id);
    EXPECT_EQ(sluiceAccepts, r.sluice == "accept");
    // A row agrees with keepalived unless it says why not; one that says
    // why must still differ, so stale reasons do not linger.
    const bool keepalivedAccepts = r.keepalivedStatus == 0;
    if (r.reason.empty()) {
      EXPECT_EQ(sluiceAccepts, keepalivedAccepts) << "differs from keepalived without a reason";
    } else {
      EXPECT_NE(sluiceAccepts, keepalivedAccepts) << "agrees with keepalived; drop the reason";
    }
  }
}

// The value of a "# NAME: value" header line of a corpus file, or "".
std::string header(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  const std::string prefix = "# " + name + ": ";
  while (std::getline(in, line) && line.rfind('#', 0) == 0) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "";
}

// keepalived -t on `path` in a network namespace of its own with two
// veth interfaces, eth0 and eth1 (keepalived -t refuses interfaces the
// host lacks): its exit status, its messages in `log`.
int keepalivedStatus(const std::string& path, const std::string& id, const std::string& log) {
  const std::string cmd =
      "unshare --net sh -c 'ip link add eth0 type veth peer name peer0 && ip link add eth1 type veth peer name "
      "peer1 && exec keepalived -t -l -f \"$0\" \"$@\"' '" +
      path + "'" + (id.empty() ? "" : " -i '" + id + "'") + " >'" + log + "' 2>&1";
  const int raw = std::system(cmd.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

TEST(KeepalivedJudge, SluicedAgreesWithKeepalivedOnTheCorpus) {
  if (geteuid() != 0 || std::system("command -v keepalived unshare ip >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "needs root, keepalived (Debian package keepalived), unshare and ip";
  }
  const char* dirEnv = std::getenv("SLUICE_JUDGE_CORPUS");
  ASSERT_NE(dirEnv, nullptr) << "SLUICE_JUDGE_CORPUS must name the corpus directory";
  const std::string dir = dirEnv;
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".conf") files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty());
  testing::TempDir tmp;
  const std::string log = tmp.path() + "/keepalived";
  for (const auto& file : files) {
    SCOPED_TRACE(dir + "/" + file);
    const std::string text = slurp(dir + "/" + file);
    const std::string id = header(text, "config-id");
    const std::string differs = header(text, "sluice differs");
    const int status = keepalivedStatus(dir + "/" + file, id, log);
    ASSERT_NE(status, -1) << slurp(log);
    const bool keepalivedAccepts = status == 0;
    const bool sluiceAccepts = sluicedAccepts(dir, file, id);
    if (differs.empty()) {
      EXPECT_EQ(sluiceAccepts, keepalivedAccepts) << "keepalived -t exited " << status << ":\n" << slurp(log);
    } else {
      EXPECT_NE(sluiceAccepts, keepalivedAccepts) << "agrees with keepalived; drop 'sluice differs'";
    }
  }
}

// Runs after the tests above (gtest runs them in the order written).
TEST(KeepalivedWarnings, EveryWarningIsPinned) {
  const char* golden = std::getenv("SLUICE_WARNINGS_GOLDEN");
  ASSERT_NE(golden, nullptr) << "SLUICE_WARNINGS_GOLDEN must name the golden file";
  if (warningsSeen().empty()) GTEST_SKIP() << "no configuration was run";
  std::vector<std::string> seen;
  for (const auto& [run, lines] : warningsSeen()) {
    for (const auto& l : lines) seen.push_back(run + ": " + l.substr(l.find(':') + 1));
  }
  const char* update = std::getenv("SLUICE_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream out(golden);
    out << "# Every warning `sluiced -t` gives for keepalived's samples and for\n"
           "# judge/*.conf, as RUN: LINE: warning: TEXT (written by\n"
           "# SLUICE_UPDATE_GOLDEN=1 meson test config_keepalived_samples).\n";
    for (const auto& l : seen) out << l << "\n";
    GTEST_SKIP() << "rewrote " << golden;
  }
  std::vector<std::string> pinned;
  std::istringstream in(slurp(golden));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') pinned.push_back(line);
  }
  // Only the runs made here: without root the corpus was not run.
  std::erase_if(pinned, [](const std::string& l) {
    const std::string run = l.substr(0, l.find(": "));
    return warningsSeen().count(run) == 0;
  });
  EXPECT_EQ(seen, pinned);
}

}  // namespace
}  // namespace sluice::config
