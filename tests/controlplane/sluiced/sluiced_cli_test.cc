// Runs the built sluiced binary like an operator would: `sluiced -t -f FILE`.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/controlplane/config/test_util.h"

namespace sluice::sluiced {
namespace {

using config::testing::seedsDir;
using config::testing::TempDir;

struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs sluiced with `args` (already shell-quoted where needed).
RunResult sluiced(const std::string& args) {
  const char* bin = std::getenv("SLUICED");
  EXPECT_NE(bin, nullptr) << "SLUICED must point at the sluiced binary";
  TempDir dir;
  const std::string out = dir.path() + "/out";
  const std::string err = dir.path() + "/err";
  const std::string cmd = std::string("'") + (bin ? bin : "sluiced") + "' " + args + " >" + out + " 2>" + err;
  const int raw = std::system(cmd.c_str());
  RunResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

TEST(SluicedCli, EverySeedPasses) {
  struct Expect {
    const char* file;
    const char* counts;
  };

  for (const auto& e :
       {Expect{"lb1_nat.conf", "virtual servers: 1, real servers: 4, health checks: 4"},
        Expect{"lb2_nat.conf", "virtual servers: 1, real servers: 4, health checks: 4"},
        Expect{"dr_master.conf", "virtual servers: 1, real servers: 3, health checks: 3"},
        Expect{"dr_backup.conf", "virtual servers: 1, real servers: 3, health checks: 3"},
        Expect{"haproxy_keepalived.conf", "virtual servers: 0, real servers: 0, health checks: 0"}}) {
    SCOPED_TRACE(e.file);
    const RunResult r = sluiced("-t -f '" + seedsDir() + "/" + e.file + "'");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("is valid"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(e.counts), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("dataplane: absent"), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");
  }
  const RunResult nat = sluiced("-t -f '" + seedsDir() + "/lb1_nat.conf'");
  EXPECT_NE(nat.out.find("vrrp instances: 2 (sync groups: 1, scripts: 0)"), std::string::npos) << nat.out;
}

TEST(SluicedCli, BrokenFileExitsOneWithEveryError) {
  TempDir dir;
  const auto path = dir.write("bad.conf",
                              "vrrp_instance VI_1 {\n"
                              "    interface eth0\n"
                              "    virtual_router_id 51\n"
                              "    priority 300\n"
                              "    frobnicate yes\n"
                              "    virtual_ipaddress {\n"
                              "        10.0.0.1\n"
                              "    }\n"
                              "}\n"
                              "virtual_server 10.0.0.1 80 {\n"
                              "    protocol TCP\n"
                              "    lb_algo best\n"
                              "}\n");
  const RunResult r = sluiced("-t -f '" + path + "'");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(path + ":4: priority 300 is out of range 1-255"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path + ":12: unknown lb_algo 'best'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(path + ":5: warning: unknown keyword 'frobnicate'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("refused: 2 error(s)"), std::string::npos) << r.err;
}

TEST(SluicedCli, WarningsGoToStderrButTheConfigPasses) {
  TempDir dir;
  const auto path = dir.write("warn.conf", "static_routes {\n  10.9.0.0/16 via 10.0.0.254\n}\n");
  const RunResult r = sluiced("-t -f '" + path + "'");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.err, path + ":1: warning: static_routes is not supported by sluice: sluice does not change the "
                          "host's addresses, routes or rules; skipped\n");
  EXPECT_NE(r.out.find("warnings: 1"), std::string::npos) << r.out;
}

// keepalived -t fails on an unknown keyword though keepalived runs without
// it: -t does the same, so a check written for keepalived keeps its meaning.
TEST(SluicedCli, UnknownKeywordFailsTheTestAsInKeepalived) {
  TempDir dir;
  const auto path = dir.write("warn.conf", "global_defs {\n  frobnicate 1\n}\n");
  const RunResult r = sluiced("-t -f '" + path + "'");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, path + ":2: warning: unknown keyword 'frobnicate'\nsluiced: configuration " + path +
                       " refused: 1 warning(s) keepalived -t counts as errors (sluiced -f runs without what they "
                       "name)\n");
}

TEST(SluicedCli, DumpJsonPrintsTheModel) {
  const RunResult r = sluiced("-t --dump-json -f '" + seedsDir() + "/dr_master.conf'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("virtual_servers").at(0).at("persistence_timeout"), 9600000);
  EXPECT_NE(r.err.find("is valid"), std::string::npos);  // the summary moves to stderr
}

TEST(SluicedCli, DataplaneIsReported) {
  TempDir dir;
  const auto path =
      dir.write("dp.conf", "dataplane {\n lcores 0-2\n port eth0 {\n  device net_null0\n }\n}\n");
  const RunResult r = sluiced("-t -f '" + path + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("dataplane: present (ports: 1, workers: 2)"), std::string::npos) << r.out;
}

TEST(SluicedCli, ConnectionSyncIsReported) {
  TempDir dir;
  const auto path = dir.write("sync.conf",
                              "global_defs {\n lvs_sync_daemon eth0 VI_1\n}\n"
                              "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n"
                              " virtual_ipaddress {\n  10.0.0.1\n }\n}\n"
                              "dataplane {\n lcores 0-1\n port eth0 {\n  device net_null0\n  address 10.0.0.2/24\n }\n}\n");
  const RunResult r = sluiced("-t -f '" + path + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("connection sync: on eth0, following vrrp_instance VI_1, sync id 51"), std::string::npos)
      << r.out;
}

TEST(SluicedCli, RunningWithoutDataplaneBlockIsAClearError) {
  // The guide's config as printed names no DPDK ports: sluiced cannot run it.
  const RunResult good = sluiced("-f '" + seedsDir() + "/lb1_nat.conf'");
  EXPECT_EQ(good.status, 1);
  EXPECT_EQ(good.err, "sluiced: " + seedsDir() +
                          "/lb1_nat.conf has no dataplane block: it names the ports sluice forwards on "
                          "(see docs/config.md)\n");

  const RunResult missing = sluiced("-f /nonexistent/keepalived.conf");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("/nonexistent/keepalived.conf: cannot open configuration file"),
            std::string::npos);
}

TEST(SluicedCli, BadCommandLinesExitTwo) {
  const RunResult unknown = sluiced("--bogus");
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("sluiced: unknown option '--bogus'"), std::string::npos) << unknown.err;
  EXPECT_EQ(sluiced("-f").status, 2);
  const RunResult help = sluiced("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("Usage: sluiced"), std::string::npos);
}

}  // namespace
}  // namespace sluice::sluiced
