// Publishes a worker cannot take yet (its ring full, told to the fake): an
// API change is refused at once with nothing changed; a change of the
// loop's own (VRRP here) waits and goes through at a later pass.
#include <gtest/gtest.h>

#include <chrono>

#include "controlplane/api/api_error.h"
#include "tests/controlplane/sluiced/loop_fixture.h"

namespace sluice::sluiced::testing {
namespace {

using Services = std::map<std::string, std::set<std::string>>;

const char* kOne = R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    real_server 192.168.1.1 80
}
)";

const char* kTwo = R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    real_server 192.168.1.1 80
    real_server 192.168.1.2 80
}
)";

// catches: waiting (sleeping) for the worker on the control thread, or a
// refused publish that still changes the running configuration.
TEST_F(LoopTest, ARefusedApiChangeAnswers503AtOnceAndChangesNothing) {
  startWith(kOne);
  const config::Config next = sluice::testing::acceptedConfig(std::string(kDataplane) + kTwo);
  dataplane.refuseNext(1);
  const auto before = std::chrono::steady_clock::now();
  try {
    loop->apply(next);
    ADD_FAILURE() << "the change was accepted";
  } catch (const api::ApiError& e) {
    EXPECT_EQ(e.status(), 503);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(50));
  EXPECT_EQ(dataplane.refused, 1u);
  EXPECT_EQ(dataplane.tables.size(), 1u);
  EXPECT_EQ(loop->config().virtualServers[0].realServers.size(), 1u);
  runFor(50);
  EXPECT_EQ(dataplane.tables.size(), 1u);  // the refused change is the client's to retry

  loop->apply(next);
  ASSERT_EQ(dataplane.tables.size(), 2u);
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80", "192.168.1.2:80"}}}));
}

// catches: a table change the loop made itself (here: VRRP ownership) that
// is dropped when the publish fails instead of retried.
TEST_F(LoopTest, ARefusedVrrpChangeIsRetriedUntilPublished) {
  startWith(std::string(R"(
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.10
    }
}
)") + kOne);
  runFor(3'000);  // alone: MASTER after Master_Down, 3.6 s
  ASSERT_FALSE(ownsVip(published(), "10.0.0.10"));
  const std::size_t tables = dataplane.tables.size();
  dataplane.refuseNext(5);
  runFor(2'000);
  EXPECT_EQ(dataplane.refused, 5u);
  ASSERT_EQ(dataplane.tables.size(), tables + 1);
  EXPECT_TRUE(ownsVip(published(), "10.0.0.10"));
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80"}}}));
}

}  // namespace
}  // namespace sluice::sluiced::testing
