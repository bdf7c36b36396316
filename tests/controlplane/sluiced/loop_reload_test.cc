// Reloads on a fake data plane: what a reload publishes, and that a refused
// one publishes nothing.
#include <gtest/gtest.h>

#include "controlplane/api/api_error.h"
#include "tests/controlplane/sluiced/loop_fixture.h"

namespace sluice::sluiced::testing {
namespace {

const char* kBefore = R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    lb_algo rr
    real_server 192.168.1.1 80
    real_server 192.168.1.2 80
}
virtual_server 10.0.0.11 80 {
    protocol TCP
    real_server 192.168.1.3 80
}
)";

// 10.0.0.10:80 changes (.2 leaves, .4 joins), 10.0.0.11:80 goes, 10.0.0.12:443 comes.
const char* kAfter = R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    lb_algo rr
    real_server 192.168.1.1 80
    real_server 192.168.1.4 80
}
virtual_server 10.0.0.12 443 {
    protocol TCP
    real_server 192.168.1.5 443
}
)";

// catches: a reload that does not publish, publishes the old services, or
// publishes more than one table for one reload.
TEST_F(LoopTest, AReloadPublishesExactlyTheNewTables) {
  startWith(kBefore);
  ASSERT_EQ(dataplane.tables.size(), 1u);
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80", "192.168.1.2:80"}},
                                               {"10.0.0.11:80", {"192.168.1.3:80"}}}));
  runFor(50);
  ASSERT_EQ(dataplane.tables.size(), 1u);  // nothing changed, nothing published

  writeConfig(kAfter);
  const nlohmann::json r = loop->api().reload();
  EXPECT_EQ(r["added"].size(), 1u);
  EXPECT_EQ(r["removed"].size(), 1u);
  EXPECT_EQ(r["changed"].size(), 1u);
  ASSERT_EQ(dataplane.tables.size(), 2u);
  EXPECT_EQ(servicesOf(published()), (Services{{"10.0.0.10:80", {"192.168.1.1:80", "192.168.1.4:80"}},
                                               {"10.0.0.12:443", {"192.168.1.5:443"}}}));
  EXPECT_EQ(published().version, dataplane.tables[0]->version + 1);
  runFor(50);
  EXPECT_EQ(dataplane.tables.size(), 2u);
}

// catches: a reload of a file that does not parse publishing anything (or
// changing the running configuration).
TEST_F(LoopTest, ARefusedReloadPublishesNothing) {
  startWith(kBefore);
  runFor(50);
  const std::size_t tables = dataplane.tables.size(), neighbours = dataplane.neighbourSets.size();
  writeConfig(std::string(kAfter) + "virtual_server 10.0.0.13 {\n");  // unbalanced brace, no port
  try {
    loop->api().reload();
    ADD_FAILURE() << "the reload was accepted";
  } catch (const api::ApiError& e) {
    EXPECT_EQ(e.status(), 422);
  }
  runFor(50);
  EXPECT_EQ(dataplane.tables.size(), tables);
  EXPECT_EQ(dataplane.neighbourSets.size(), neighbours);
  EXPECT_EQ(loop->api().config().virtualServers.size(), 2u);
  EXPECT_EQ(servicesOf(published()).count("10.0.0.11:80"), 1u);
}

}  // namespace
}  // namespace sluice::sluiced::testing
