#include "controlplane/api/auth_guard.h"

#include <gtest/gtest.h>

namespace sluice::api {
namespace {

constexpr const char* kGuardToken = "guard-test-token-0123";

struct GuardTest : ::testing::Test {
  uint64_t nowMs = 1000;
  AuthLimits limits{.failuresPerWindow = 2, .windowMs = 1000, .sessionMs = 500, .maxSessions = 2};
  AuthGuard guard{kGuardToken, limits, [this] { return nowMs; }};
};

TEST_F(GuardTest, TheBearerHeaderAndTheFormMatchOnlyTheWholeToken) {
  EXPECT_TRUE(guard.bearerMatches(std::string("Bearer ") + kGuardToken));
  EXPECT_FALSE(guard.bearerMatches(kGuardToken));
  EXPECT_FALSE(guard.bearerMatches(std::string("Bearer ") + kGuardToken + "x"));
  EXPECT_FALSE(guard.bearerMatches("Bearer guard-test-token-0124"));
  EXPECT_TRUE(guard.tokenMatches(kGuardToken));
  EXPECT_FALSE(guard.tokenMatches("guard-test-token-012"));
  EXPECT_THROW(AuthGuard("", limits), std::invalid_argument);
}

TEST_F(GuardTest, FailuresAreCountedByReasonAndLimitedPerAddressAndWindow) {
  guard.fail(AuthFailure::kWrongToken, "192.0.2.1");
  EXPECT_FALSE(guard.limited("192.0.2.1"));
  guard.fail(AuthFailure::kPlainHttp, "192.0.2.1");
  EXPECT_TRUE(guard.limited("192.0.2.1"));
  EXPECT_FALSE(guard.limited("192.0.2.2"));  // another address is not held back
  EXPECT_EQ(guard.failures(AuthFailure::kWrongToken), 1u);
  EXPECT_EQ(guard.failures(AuthFailure::kPlainHttp), 1u);
  EXPECT_EQ(guard.rateLimited(), 1u);
  nowMs += 1000;  // the window has ended
  EXPECT_FALSE(guard.limited("192.0.2.1"));
  guard.fail(AuthFailure::kWrongToken, "192.0.2.1");
  EXPECT_FALSE(guard.limited("192.0.2.1"));  // a new window, one failure in it
}

TEST_F(GuardTest, NoLimitWhenTheLimitIsZero) {
  AuthGuard open(kGuardToken, AuthLimits{.failuresPerWindow = 0}, [this] { return nowMs; });
  for (int i = 0; i < 100; ++i) open.fail(AuthFailure::kMissingToken, "192.0.2.1");
  EXPECT_FALSE(open.limited("192.0.2.1"));
  EXPECT_EQ(open.failures(AuthFailure::kMissingToken), 100u);
}

TEST_F(GuardTest, SessionsExpireAndTheOldestIsForgottenFirst) {
  const std::string a = guard.openSession();
  EXPECT_EQ(a.size(), 64u);
  nowMs += 100;
  const std::string b = guard.openSession();
  EXPECT_NE(a, b);
  EXPECT_TRUE(guard.sessionValid(a));
  EXPECT_TRUE(guard.sessionValid(b));
  EXPECT_FALSE(guard.sessionValid("nonsense"));
  nowMs += 100;
  const std::string c = guard.openSession();  // a third: the oldest (a) goes
  EXPECT_FALSE(guard.sessionValid(a));
  EXPECT_TRUE(guard.sessionValid(b));
  EXPECT_TRUE(guard.sessionValid(c));
  nowMs += 500;  // b has lived 600 ms, c 500 ms: both over
  EXPECT_FALSE(guard.sessionValid(b));
  EXPECT_FALSE(guard.sessionValid(c));
}

}  // namespace
}  // namespace sluice::api
