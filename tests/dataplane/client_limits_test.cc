// The per-worker client limit table on its own: entries per (service,
// client prefix), windows, and what happens when a set is full.
#include "dataplane/client_limits.h"

#include <gtest/gtest.h>

namespace sluice::dp {
namespace {

IpAddr clientNumber(uint32_t n) { return IpAddr::fromV4(0x0A000000u + n); }

// catches: two clients or two services sharing an entry.
TEST(ClientLimitTable, OneEntryPerServiceAndClient) {
  ClientLimitTable t(16);
  const uint16_t a = t.acquire(1, clientNumber(1), false, 0);
  ASSERT_NE(a, 0);
  EXPECT_EQ(t.acquire(1, clientNumber(1), false, 5), a);
  EXPECT_NE(t.acquire(2, clientNumber(1), false, 5), a);
  EXPECT_NE(t.acquire(1, clientNumber(2), false, 5), a);
  t.opened(a, true);
  t.opened(a, true);
  EXPECT_EQ(t.admits(a, 2, 0, 10), ClientLimitTable::Admit::kConnections);
  t.closed(a);
  EXPECT_EQ(t.admits(a, 2, 0, 10), ClientLimitTable::Admit::kYes);
  EXPECT_EQ(t.live(a), 1u);
}

// catches: a full set overwriting a client that still holds connections,
// or never freeing entries whose clients left.
TEST(ClientLimitTable, AFullSetTracksNoMoreUntilAnEntryIsIdle) {
  ClientLimitTable t(1);  // one set: every client lands in it
  std::vector<uint16_t> refs;
  for (uint32_t n = 0; n < ClientLimitTable::kWays; ++n) {
    refs.push_back(t.acquire(7, clientNumber(n), false, 0));
    ASSERT_NE(refs.back(), 0);
    t.opened(refs.back(), true);
  }
  EXPECT_EQ(t.acquire(7, clientNumber(100), false, 5000), 0);
  t.closed(refs[3]);
  // Idle, but its window (one connection at 0) is not over yet.
  EXPECT_EQ(t.acquire(7, clientNumber(100), false, 999), 0);
  const uint16_t reused = t.acquire(7, clientNumber(100), false, 1000);
  EXPECT_EQ(reused, refs[3]);
  EXPECT_EQ(t.live(reused), 0u);
  EXPECT_EQ(t.acquire(7, clientNumber(0), false, 1000), refs[0]);  // the others kept
}

// catches: the window not counting what was opened in it, or not restarting.
TEST(ClientLimitTable, TheRateWindowIsOneSecond) {
  ClientLimitTable t(4);
  const uint16_t a = t.acquire(1, clientNumber(1), false, 100);
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(t.admits(a, 0, 2, 100), ClientLimitTable::Admit::kYes);
    t.opened(a, false);
  }
  EXPECT_EQ(t.admits(a, 0, 2, 1099), ClientLimitTable::Admit::kRate);
  EXPECT_EQ(t.admits(a, 0, 2, 1100), ClientLimitTable::Admit::kYes);
  EXPECT_EQ(t.live(a), 0u);
}

}  // namespace
}  // namespace sluice::dp
