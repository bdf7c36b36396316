#include "controlplane/common/run_paths.h"

#include <gtest/gtest.h>

namespace sluice::paths {
namespace {

TEST(RunPaths, PidFileAndSocketShareTheNamespaceSuffix) {
  const std::string suffix = namespaceSuffix();
  EXPECT_EQ(defaultPidFile(), "/run/sluice/sluiced" + suffix + ".pid");
  EXPECT_EQ(defaultApiSocket(), "/run/sluice/sluice" + suffix + ".sock");
  EXPECT_EQ(namespaceSuffix(), suffix);  // the same answer each time
  if (!suffix.empty()) {
    EXPECT_EQ(suffix[0], '-');
  }
}

}  // namespace
}  // namespace sluice::paths
