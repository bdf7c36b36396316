// Health checks on a fake data plane: a MISC_CHECK script that fails takes
// its real server out of the next published table, and one that succeeds
// again brings it back.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/controlplane/sluiced/loop_fixture.h"

namespace sluice::sluiced::testing {
namespace {

// catches: a check going down (or up again) that does not reach the
// published tables, e.g. followHealth not marking the tables due.
TEST_F(LoopTest, ACheckGoingDownRemovesTheServerAndItsRiseBringsItBack) {
  const std::string flag = (dir() / "healthy").string();
  const std::string script = (dir() / "check.sh").string();
  std::ofstream(script) << "#!/bin/sh\ntest -e " << flag << "\n";
  ::chmod(script.c_str(), 0755);
  std::ofstream{flag};
  startWith(R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    real_server 192.168.1.1 80 {
        MISC_CHECK {
            misc_path ")" + script + R"("
            misc_timeout 2
            delay_loop 0.05
        }
    }
    real_server 192.168.1.2 80
}
)");
  const Services both{{"10.0.0.10:80", {"192.168.1.1:80", "192.168.1.2:80"}}};
  const Services one{{"10.0.0.10:80", {"192.168.1.2:80"}}};
  EXPECT_EQ(servicesOf(published()), both);

  std::filesystem::remove(flag);
  ASSERT_TRUE(pollUntil([&] { return servicesOf(published()) == one; })) << "the server stayed in the tables";
  EXPECT_EQ(loop->api().health()["checkers"][0]["state"], "DOWN");

  std::ofstream{flag};
  ASSERT_TRUE(pollUntil([&] { return servicesOf(published()) == both; })) << "the server did not come back";
  EXPECT_EQ(loop->api().health()["checkers"][0]["state"], "UP");
}

}  // namespace
}  // namespace sluice::sluiced::testing
