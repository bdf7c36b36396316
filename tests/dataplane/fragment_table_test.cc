#include "dataplane/fragment_table.h"

#include <gtest/gtest.h>

namespace sluice::dp {
namespace {

using Piece = FragmentTable::Piece;

FragmentKey keyOf(uint32_t id) {
  FragmentKey k;
  k.src.b[0] = 10;
  k.dst.b[0] = 11;
  k.id = id;
  k.proto = kProtoUdp;
  return k;
}

TEST(FragmentTable, PiecesAddDuplicateOrOverlap) {
  FragmentTable t(16, 32, 2000);
  FragmentTable::Entry& e = t.acquire(keyOf(1), 0);
  EXPECT_EQ(t.addPiece(e, 1480, 2960, false), Piece::kAdded);
  EXPECT_EQ(t.addPiece(e, 1480, 2960, false), Piece::kDuplicate);
  EXPECT_EQ(t.addPiece(e, 2960, 3000, true), Piece::kAdded);
  EXPECT_EQ(t.addPiece(e, 0, 1480, false), Piece::kAdded);
  EXPECT_EQ(e.covered, e.total);

  // A second "last" piece, one past the end, one overlapping: poisoned.
  FragmentTable::Entry& a = t.acquire(keyOf(2), 0);
  EXPECT_EQ(t.addPiece(a, 1480, 2000, true), Piece::kAdded);
  EXPECT_EQ(t.addPiece(a, 2000, 2008, false), Piece::kOverlap);
  EXPECT_EQ(t.addPiece(a, 0, 8, false), Piece::kPoisoned);
  FragmentTable::Entry& b = t.acquire(keyOf(3), 0);
  EXPECT_EQ(t.addPiece(b, 0, 1480, false), Piece::kAdded);
  EXPECT_EQ(t.addPiece(b, 1472, 2000, true), Piece::kOverlap);
  FragmentTable::Entry& c = t.acquire(keyOf(4), 0);
  EXPECT_EQ(t.addPiece(c, 2000, 2008, false), Piece::kAdded);
  EXPECT_EQ(t.addPiece(c, 1000, 1008, true), Piece::kOverlap);  // ends before a piece already seen
}

TEST(FragmentTable, HeldFragmentsAreReplayedOnceDecidedOrDroppedWhenTheDatagramGoes) {
  FragmentTable t(1, 4, 2000);  // one set of four datagrams, four slots
  FragmentTable::Entry& e = t.acquire(keyOf(1), 0);
  const uint16_t s0 = t.hold(e);
  const uint16_t s1 = t.hold(e);
  ASSERT_NE(s0, FragmentTable::kNoSlot);
  ASSERT_NE(s1, FragmentTable::kNoSlot);
  t.decide(e, {});
  ASSERT_EQ(t.outbox().size(), 2u);
  EXPECT_TRUE(t.outbox()[0].replay);
  EXPECT_EQ(t.outbox()[1].slot, s1);
  t.clearOutbox();
  t.freeSlot(s0);
  t.freeSlot(s1);

  // Four waiting datagrams fill the set; a fifth evicts the oldest, whose
  // held fragment is dropped as evicted.
  for (uint32_t id = 10; id < 14; ++id) t.hold(t.acquire(keyOf(id), id));
  EXPECT_EQ(t.hold(t.acquire(keyOf(99), 20)), FragmentTable::kNoSlot);  // every slot held
  ASSERT_EQ(t.outbox().size(), 1u);
  EXPECT_FALSE(t.outbox()[0].replay);
  EXPECT_EQ(t.outbox()[0].reason, DropReason::kFragmentEvicted);
  EXPECT_EQ(t.find(keyOf(10)), nullptr);
  t.freeSlot(t.outbox()[0].slot);
  t.clearOutbox();

  // The timeout: every held fragment dropped by the sweep.
  t.sweep(5000, 1);
  EXPECT_EQ(t.outbox().size(), 3u);
  for (const HeldOutcome& o : t.outbox()) EXPECT_EQ(o.reason, DropReason::kFragmentTimeout);
}

}  // namespace
}  // namespace sluice::dp
