// diffServices: what a reload adds, removes and changes, by the API's
// service names (config::serviceKey), as /v1/config/reload reports it.
#include "controlplane/sluiced/config_diff.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/accepted_config.h"

namespace sluice::sluiced {
namespace {

using Keys = std::vector<std::string>;

config::Config diffConfig(const std::string& text) { return sluice::testing::acceptedConfig(text); }

const char* kDiffBase = R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    real_server 192.168.1.1 80
}
virtual_server 10.0.0.11 53 {
    protocol UDP
    real_server 192.168.1.2 53
}
)";

// catches: an identical configuration reported as changed (every reload
// would say every service changed).
TEST(ConfigDiff, TheSameConfigurationChangesNothing) {
  const ServiceDiff d = diffServices(diffConfig(kDiffBase), diffConfig(kDiffBase));
  EXPECT_TRUE(d.empty());
}

// catches: added and removed swapped, or a service found by position
// instead of by its key.
TEST(ConfigDiff, AServiceOnlyInTheNewConfigIsAddedOneOnlyInTheOldIsRemoved) {
  const ServiceDiff d = diffServices(diffConfig(kDiffBase), diffConfig(R"(
virtual_server 10.0.0.11 53 {
    protocol UDP
    real_server 192.168.1.2 53
}
virtual_server fwmark 7 {
    real_server 192.168.1.3 80
}
)"));
  EXPECT_EQ(d.added, (Keys{"fwmark-7"}));
  EXPECT_EQ(d.removed, (Keys{"tcp-10.0.0.10-80"}));
  EXPECT_TRUE(d.changed.empty());
  EXPECT_FALSE(d.empty());
}

// catches: a change of the real servers or of a service's settings not
// counted as a change (the reload would report nothing for it).
TEST(ConfigDiff, ADifferentRealServerOrSettingIsAChange) {
  const ServiceDiff servers = diffServices(diffConfig(kDiffBase), diffConfig(R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    real_server 192.168.1.1 80
    real_server 192.168.1.9 80
}
virtual_server 10.0.0.11 53 {
    protocol UDP
    real_server 192.168.1.2 53
}
)"));
  EXPECT_EQ(servers.changed, (Keys{"tcp-10.0.0.10-80"}));
  EXPECT_TRUE(servers.added.empty());
  EXPECT_TRUE(servers.removed.empty());

  const ServiceDiff settings = diffServices(diffConfig(kDiffBase), diffConfig(R"(
virtual_server 10.0.0.10 80 {
    protocol TCP
    persistence_timeout 60
    real_server 192.168.1.1 80
}
virtual_server 10.0.0.11 53 {
    protocol UDP
    real_server 192.168.1.2 53
}
)"));
  EXPECT_EQ(settings.changed, (Keys{"tcp-10.0.0.10-80"}));
}

// catches: a group service compared by its own block only, so a changed
// virtual_server_group (new addresses) goes unreported.
TEST(ConfigDiff, AGroupServiceChangesWithItsGroup) {
  const char* before = R"(
virtual_server_group web { 10.0.0.5 80 }
virtual_server group web {
    protocol TCP
    real_server 192.168.1.20 80
}
)";
  const char* after = R"(
virtual_server_group web {
    10.0.0.5 80
    10.0.0.6 80
}
virtual_server group web {
    protocol TCP
    real_server 192.168.1.20 80
}
)";
  const ServiceDiff d = diffServices(diffConfig(before), diffConfig(after));
  EXPECT_EQ(d.changed, (Keys{"group-web"}));
  EXPECT_TRUE(d.added.empty());
  EXPECT_TRUE(d.removed.empty());
  EXPECT_TRUE(diffServices(diffConfig(before), diffConfig(before)).empty());
}

}  // namespace
}  // namespace sluice::sluiced
