// The log lines of a change in the checks' verdicts: keepalived's words and
// order (a check, its real server, then the quorum and the sorry server),
// one line per change and none without one.
#include "controlplane/health/health_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controlplane/health/monitor.h"
#include "controlplane/health/server_health.h"
#include "tests/accepted_config.h"

namespace sluice::health {
namespace {

// Two real servers of one service, quorum 2 with a sorry server; the
// second server has two checks.
const char* kConfig = R"(
virtual_server 10.0.0.1 80 {
    protocol TCP
    quorum 2
    sorry_server 192.168.1.99 80
    real_server 192.168.1.20 80 {
        TCP_CHECK {
            retry 2
        }
    }
    real_server 192.168.1.21 80 {
        HTTP_GET {
            url {
                path /
            }
        }
        MISC_CHECK {
            misc_path "/usr/local/bin/check web"
            retry 1
        }
    }
}
virtual_server fwmark 7 {
    real_server 2001:db8::20 80 {
        TCP_CHECK {
        }
    }
}
)";

class HealthLogTest : public ::testing::Test {
 protected:
  HealthLogTest() : config(sluice::testing::acceptedConfig(kConfig)) {
    for (const CheckKey& k : checksOf(config)) {
      checks.push_back({.service = k.service, .server = k.server, .type = std::string(config::toString(k.check.type))});
    }
  }

  // The verdicts of `checkers` after `before`.
  tables::HealthState verdicts(const std::vector<CheckerStatus>& checkers, const tables::HealthState& before) const {
    tables::HealthState s;
    s.servers = aggregate(checkers);
    s.quorumLost = quorumLost(config, s.servers, before.quorumLost);
    return s;
  }

  // The lines of going from `checks` to `next`; `next` becomes `checks`.
  std::vector<std::string> step(const std::vector<CheckerStatus>& next) {
    const tables::HealthState after = verdicts(next, state);
    std::vector<std::string> out;
    for (const common::LogLine& l : healthLog(config, checks, next, state, after)) {
      EXPECT_EQ(l.source, common::LogSource::kChecker);
      EXPECT_EQ(l.severity, LOG_INFO);
      out.push_back(l.text);
    }
    checks = next;
    state = after;
    return out;
  }
  std::vector<CheckerStatus> with(std::size_t index, bool up, common::ScriptResult end = {}) const {
    std::vector<CheckerStatus> next = checks;
    next[index].up = up;
    next[index].lastScriptEnd = end;
    return next;
  }

  config::Config config;
  std::vector<CheckerStatus> checks;  // 0: TCP of .20, 1: HTTP of .21, 2: MISC of .21, 3: TCP under fwmark
  tables::HealthState state;
};

using Lines = std::vector<std::string>;

TEST_F(HealthLogTest, AServerDownLosesTheQuorumAndTheSorryServerTakesOver) {
  state = verdicts(checks, {});
  EXPECT_EQ(step(checks), Lines{});  // nothing changed, nothing said
  EXPECT_EQ(step(with(0, false)), (Lines{
                                      "TCP_CHECK on service [192.168.1.20]:tcp:80 failed after 2 retries.",
                                      "Removing service [192.168.1.20]:tcp:80 from VS [10.0.0.1]:tcp:80",
                                      "Lost quorum 2-0=2 > 1 for VS [10.0.0.1]:tcp:80",
                                      "Adding sorry server [192.168.1.99]:tcp:80 to VS [10.0.0.1]:tcp:80",
                                      "Removing alive servers from the pool for VS [10.0.0.1]:tcp:80",
                                  }));
  EXPECT_EQ(step(with(0, true)), (Lines{
                                     "TCP connection to [192.168.1.20]:tcp:80 success.",
                                     "Adding service [192.168.1.20]:tcp:80 to VS [10.0.0.1]:tcp:80",
                                     "Gained quorum 2+0=2 <= 2 for VS [10.0.0.1]:tcp:80",
                                     "Removing sorry server [192.168.1.99]:tcp:80 from VS [10.0.0.1]:tcp:80",
                                     "Adding alive servers to the pool for VS [10.0.0.1]:tcp:80",
                                 }));
}

TEST_F(HealthLogTest, EachCheckIsToldButTheServerLeavesOnceAndReturnsWithItsLastCheck) {
  state = verdicts(checks, {});
  const common::ScriptResult exit1{.end = common::ScriptResult::End::kExited, .code = 1};
  EXPECT_EQ(step(with(1, false)), (Lines{
                                      "HTTP_CHECK on service [192.168.1.21]:tcp:80 failed after 1 retries.",
                                      "Removing service [192.168.1.21]:tcp:80 from VS [10.0.0.1]:tcp:80",
                                      "Lost quorum 2-0=2 > 1 for VS [10.0.0.1]:tcp:80",
                                      "Adding sorry server [192.168.1.99]:tcp:80 to VS [10.0.0.1]:tcp:80",
                                      "Removing alive servers from the pool for VS [10.0.0.1]:tcp:80",
                                  }));
  EXPECT_EQ(step(with(2, false, exit1)),
            Lines{"Misc check for [[192.168.1.21]:tcp:80 VS [10.0.0.1]:tcp:80] by [/usr/local/bin/check] failed after "
                  "1 retry (exited with status 1)."});
  EXPECT_EQ(step(with(1, true)), Lines{"Remote Web server [192.168.1.21]:tcp:80 succeed on service."});
  EXPECT_EQ(step(with(2, true)), (Lines{
                                     "Misc check for [[192.168.1.21]:tcp:80 VS [10.0.0.1]:tcp:80] by "
                                     "[/usr/local/bin/check] succeeded.",
                                     "Adding service [192.168.1.21]:tcp:80 to VS [10.0.0.1]:tcp:80",
                                     "Gained quorum 2+0=2 <= 2 for VS [10.0.0.1]:tcp:80",
                                     "Removing sorry server [192.168.1.99]:tcp:80 from VS [10.0.0.1]:tcp:80",
                                     "Adding alive servers to the pool for VS [10.0.0.1]:tcp:80",
                                 }));
}

TEST_F(HealthLogTest, AFwmarkServiceWithoutQuorumOrSorryServer) {
  state = verdicts(checks, {});
  EXPECT_EQ(step(with(3, false)), (Lines{
                                      "TCP_CHECK on service [2001:db8::20]:none:80 failed after 1 retries.",
                                      "Removing service [2001:db8::20]:none:80 from VS FWM 7",
                                      "Lost quorum 1-0=1 > 0 for VS FWM 7",
                                  }));
  EXPECT_EQ(step(with(3, true)), (Lines{
                                     "TCP connection to [2001:db8::20]:none:80 success.",
                                     "Adding service [2001:db8::20]:none:80 to VS FWM 7",
                                     "Gained quorum 1+0=1 <= 1 for VS FWM 7",
                                 }));
}

TEST_F(HealthLogTest, AnotherMonitorsCheckersGiveOnlyTheServersLines) {
  state = verdicts(checks, {});
  std::vector<CheckerStatus> next = with(3, false);
  const tables::HealthState after = verdicts(next, state);
  next.pop_back();  // not the same list of checks: no check's line
  std::vector<std::string> got;
  for (const common::LogLine& l : healthLog(config, checks, next, state, after)) got.push_back(l.text);
  EXPECT_EQ(got, (Lines{"Removing service [2001:db8::20]:none:80 from VS FWM 7", "Lost quorum 1-0=1 > 0 for VS FWM 7"}));
}

}  // namespace
}  // namespace sluice::health
