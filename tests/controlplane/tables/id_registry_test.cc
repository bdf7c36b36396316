// IdRegistry: the numeric ids counters and connections use for services
// and real servers.
#include "controlplane/tables/id_registry.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace sluice::tables {
namespace {

TEST(IdRegistry, NewKeysGetTheNextIdAndKnownKeysKeepTheirs) {
  IdRegistry ids(10, 10);
  EXPECT_EQ(ids.service("TCP 10.0.0.1 80"), 0);
  EXPECT_EQ(ids.service("TCP 10.0.0.1 443"), 1);
  EXPECT_EQ(ids.service("fwmark 7"), 2);
  EXPECT_EQ(ids.service("TCP 10.0.0.1 80"), 0);
  EXPECT_EQ(ids.service("fwmark 7"), 2);
  EXPECT_EQ(ids.service("UDP 10.0.0.1 80"), 3);  // another protocol is another service
}

TEST(IdRegistry, ServicesAndRealServersAreSeparateSpaces) {
  IdRegistry ids(10, 10);
  EXPECT_EQ(ids.service("same"), 0);
  EXPECT_EQ(ids.dest("same"), 0);
  EXPECT_EQ(ids.dest("other"), 1);
  EXPECT_EQ(ids.service("other"), 1);
  EXPECT_EQ(ids.dest("same"), 0);
}

TEST(IdRegistry, RunningOutOfIdsThrowsNamingTheLimit) {
  IdRegistry ids(2, 3);
  ids.service("a");
  ids.service("b");
  EXPECT_EQ(ids.service("a"), 0);  // known keys still resolve at the limit
  try {
    ids.service("c");
    FAIL() << "no length_error";
  } catch (const std::length_error& e) {
    EXPECT_EQ(std::string(e.what()), "more than 2 virtual services");
  }
  EXPECT_EQ(ids.service("b"), 1);  // the failure registered nothing

  ids.dest("x");
  ids.dest("y");
  ids.dest("z");
  try {
    ids.dest("w");
    FAIL() << "no length_error";
  } catch (const std::length_error& e) {
    EXPECT_EQ(std::string(e.what()), "more than 3 real servers");
  }
}

}  // namespace
}  // namespace sluice::tables
