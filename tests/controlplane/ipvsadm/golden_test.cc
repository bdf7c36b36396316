// sluice-ipvsadm against the real ipvsadm: every case of cases.txt, in
// order, on one sluiced, must print what ipvsadm 1.31 printed on Linux's
// IPVS (golden.txt, made by generate_goldens.sh in the reference VM):
// stdout, stderr and exit status, byte for byte. A case where sluice
// differs on purpose is listed in differences.txt with the reason (and
// which occurrence of its line it is); a listed case that matches fails
// too, so the list stays true.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/controlplane/ipvsadm/daemon_fixture.h"

namespace sluice::ipvsadm::testing {
namespace {

struct Golden {
  std::string line;  // as written in cases.txt
  Result expected;
};

std::string dataDir() {
  const char* dir = std::getenv("IPVSADM_TEST_DIR");
  return dir != nullptr ? dir : "tests/controlplane/ipvsadm";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// golden.txt: "=== LINE", then "1|" stdout and "2|" stderr lines ("1\" /
// "2\": the line before had no newline), then "exit N".
std::vector<Golden> readGoldens(const std::string& text) {
  std::vector<Golden> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("=== ", 0) == 0) {
      out.push_back({line.substr(4), {}});
      continue;
    }
    if (out.empty()) continue;  // the header's comments
    Result& r = out.back().expected;
    if (line.rfind("1|", 0) == 0) {
      r.out += line.substr(2) + "\n";
    } else if (line.rfind("2|", 0) == 0) {
      r.err += line.substr(2) + "\n";
    } else if (line == "1\\") {
      if (!r.out.empty()) r.out.pop_back();
    } else if (line == "2\\") {
      if (!r.err.empty()) r.err.pop_back();
    } else if (line.rfind("exit ", 0) == 0) {
      r.status = std::atoi(line.c_str() + 5);
    }
  }
  return out;
}

// differences.txt: "[N] LINE ## why", a case per line, keyed "N LINE"
// (N: the line's occurrence in cases.txt, 1 when left out).
std::map<std::string, std::string> readDifferences(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto sep = line.find(" ## ");
    if (sep == std::string::npos) {
      ADD_FAILURE() << "differences.txt: no ' ## reason' in: " << line;
      continue;
    }
    std::string which = line.substr(0, sep);
    std::string nth = "1";
    if (which.size() > 2 && which[0] == '[') {
      const auto close = which.find("] ");
      nth = which.substr(1, close - 1);
      which = which.substr(close + 2);
    }
    out[nth + " " + which] = line.substr(sep + 4);
  }
  return out;
}

std::string shown(const Result& r) {
  return "--- stdout\n" + r.out + "--- stderr\n" + r.err + "--- exit " + std::to_string(r.status) + "\n";
}

TEST(IpvsadmGolden, EveryCaseMatchesTheRealIpvsadm) {
  const std::string dir = dataDir();
  const std::vector<Golden> goldens = readGoldens(slurp(dir + "/golden.txt"));
  std::map<std::string, std::string> differences = readDifferences(slurp(dir + "/differences.txt"));
  ASSERT_GE(goldens.size(), 100u);
  IpvsadmDaemon daemon;
  int matched = 0;
  std::map<std::string, int> seen;  // occurrences of each line so far
  for (const Golden& g : goldens) {
    std::string args = g.line;
    std::string input;
    if (const auto lt = args.find(" < "); lt != std::string::npos) {
      input = slurp(dir + "/" + args.substr(lt + 3));
      args.resize(lt);
    }
    const Result got = daemon.run(args == "@none" ? std::vector<std::string>{} : words(args), input);
    const bool same = got.out == g.expected.out && got.err == g.expected.err && got.status == g.expected.status;
    const auto listed = differences.find(std::to_string(++seen[g.line]) + " " + g.line);
    if (listed != differences.end()) {
      EXPECT_FALSE(same) << "ipvsadm " << g.line << ": listed in differences.txt (" << listed->second
                         << ") but matches ipvsadm now: take it off the list";
      differences.erase(listed);
      continue;
    }
    if (same) {
      ++matched;
      continue;
    }
    ADD_FAILURE() << "ipvsadm " << g.line << "\nipvsadm printed:\n"
                  << shown(g.expected) << "sluice-ipvsadm printed:\n"
                  << shown(got);
  }
  for (const auto& [line, why] : differences) ADD_FAILURE() << "differences.txt names a case not in golden.txt: " << line;
  std::cout << matched << " of " << goldens.size() << " cases byte for byte as ipvsadm\n";
}

}  // namespace
}  // namespace sluice::ipvsadm::testing
