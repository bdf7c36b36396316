// The fragments of IP datagrams, per worker: a datagram's fragments follow
// the decision made for its first one (the only one with ports), without
// reassembly. The first fragment goes through the ordinary packet path; the
// table remembers what became of it, keyed by the datagram's identity
// (source, destination, identification, IPv4's protocol), and applies that
// to the fragments after it. Fragments that come before their first one
// wait here, a few per datagram, until it comes or the datagram times out.
//
// Each datagram's pieces are tracked (offset ranges): the same piece again
// is a duplicate, dropped; a piece overlapping another poisons the datagram
// (RFC 5722), whose fragments are dropped from then on, held ones included.
//
// Bounded: a fixed number of datagrams in a set-associative array (a new
// datagram evicts the one of its set that expires first), a fixed number
// of pieces per datagram and of held fragments per worker, and a timeout.
// Pure (no DPDK): the worker owns the held frames; the table names them by
// slot. Not thread-safe: one table per worker; never allocates after
// construction.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "dataplane/drop_reason.h"
#include "dataplane/flow.h"
#include "dataplane/parse.h"

namespace sluice::dp {

struct FragmentKey {
  IpAddr src;
  IpAddr dst;
  uint32_t id = 0;
  uint8_t proto = 0;  // IPv4's protocol field; 0 for IPv6 (its identification alone names a datagram)
  bool v6 = false;

  static FragmentKey of(const ParsedPacket& p) {
    return {p.tuple.src, p.tuple.dst, p.fragId, p.tuple.v6 ? uint8_t{0} : p.tuple.proto, p.tuple.v6};
  }
  friend bool operator==(const FragmentKey&, const FragmentKey&) = default;
};

// What became of a datagram's first fragment, for the fragments after it.
struct FragmentDecision {
  enum class Action : uint8_t { kNone, kToServer, kToClient, kException, kDrop };
  Action action = Action::kNone;
  uint8_t method = 0;  // kToServer, kToClient: the connection's FwdMethod
  bool vrrp = false;   // kException: for the VRRP ring
  DropReason reason = DropReason::kNotForUs;  // kDrop
  uint16_t serviceId = 0;
  uint16_t destId = 0;
  IpAddr rs{};      // kToServer: the real server
  IpAddr vip{};     // kToClient: the source a NAT reply gets
  IpAddr client{};  // kToClient: where it goes
};

// A held fragment the worker must act on: send it through the decision
// (replay) or free it (a drop of `reason`, which the worker counts).
struct HeldOutcome {
  uint16_t slot;
  bool replay;
  DropReason reason;
};

class FragmentTable {
 public:
  static constexpr unsigned kWays = 4;          // datagrams per set
  static constexpr unsigned kMaxPieces = 48;    // fragments per datagram: 64 KiB in 1,500-byte frames
  static constexpr unsigned kMaxHeld = 8;       // fragments of one datagram waiting for its first
  static constexpr uint16_t kNoSlot = 0xFFFF;

  enum class State : uint8_t { kFree, kWaiting, kDecided, kPoisoned };
  enum class Piece : uint8_t { kAdded, kDuplicate, kOverlap, kTooMany, kPoisoned };

  struct Range {
    uint16_t begin;
    uint16_t end;  // exclusive; up to 65535
  };
  struct Entry {
    FragmentKey key;
    uint32_t expires = 0;
    State state = State::kFree;
    uint8_t pieces = 0;
    uint8_t held = 0;
    uint8_t replaying = 0;   // held fragments handed out for replay, not yet replayed
    uint32_t covered = 0;    // bytes of the datagram seen
    uint32_t total = 0;      // the datagram's length once its last fragment came; 0 before
    FragmentDecision decision;
    std::array<uint16_t, kMaxHeld> heldSlots{};
    std::array<Range, kMaxPieces> ranges{};
  };

  // sets: a power of two. holdSlots: frames held at once (at most kNoSlot).
  FragmentTable(uint32_t sets, uint16_t holdSlots, uint32_t timeoutMs)
      : mask_(sets - 1),
        timeoutMs_(timeoutMs),
        entries_(new Entry[std::size_t{sets} * kWays]),
        freeSlots_(new uint16_t[holdSlots]),
        outbox_(new HeldOutcome[holdSlots]) {
    for (uint16_t i = 0; i < holdSlots; ++i) freeSlots_[i] = static_cast<uint16_t>(holdSlots - 1 - i);
    freeCount_ = holdSlots;
  }

  // The live entry of `key`, or a new one (evicting, if its set is full,
  // the entry that expires first; its held fragments go to the outbox as
  // drops). Never fails.
  Entry& acquire(const FragmentKey& key, uint32_t now) {
    Entry* set = setOf(key);
    for (unsigned w = 0; w < kWays; ++w) {
      Entry& e = set[w];
      if (e.state != State::kFree && clockPassed(now, e.expires)) release(e, DropReason::kFragmentTimeout);
      if (e.state != State::kFree && e.key == key) return e;
    }
    Entry* victim = &set[0];
    for (unsigned w = 0; w < kWays && victim->state != State::kFree; ++w) {
      if (set[w].state == State::kFree || clockBefore(set[w].expires, victim->expires)) victim = &set[w];
    }
    if (victim->state != State::kFree) release(*victim, DropReason::kFragmentEvicted);
    Entry& e = *victim;
    e.key = key;
    e.expires = now + timeoutMs_;
    e.state = State::kWaiting;
    e.pieces = 0;
    e.held = 0;
    e.replaying = 0;
    e.covered = 0;
    e.total = 0;
    e.decision = {};
    return e;
  }

  // The live entry of `key`, or nullptr (replays find theirs this way).
  Entry* find(const FragmentKey& key) {
    Entry* set = setOf(key);
    for (unsigned w = 0; w < kWays; ++w) {
      if (set[w].state != State::kFree && set[w].key == key) return &set[w];
    }
    return nullptr;
  }

  // Records the piece [begin, end) of e's datagram; last: it has no
  // fragment after it. A piece that overlaps another, or runs past the
  // datagram's known end, poisons the datagram (its held fragments go to
  // the outbox as drops).
  Piece addPiece(Entry& e, uint16_t begin, uint32_t end, bool last) {
    if (e.state == State::kPoisoned) return Piece::kPoisoned;
    for (unsigned i = 0; i < e.pieces; ++i) {
      const Range r = e.ranges[i];
      if (r.begin == begin && r.end == end) return Piece::kDuplicate;
      if (begin < r.end && r.begin < end) return poison(e, Piece::kOverlap);
    }
    if ((e.total != 0 && (end > e.total || last)) || (last && e.covered != 0 && end < maxEnd(e))) {
      return poison(e, Piece::kOverlap);
    }
    if (e.pieces == kMaxPieces) return poison(e, Piece::kTooMany);
    e.ranges[e.pieces++] = Range{begin, static_cast<uint16_t>(end)};
    e.covered += end - begin;
    if (last) e.total = end;
    return Piece::kAdded;
  }

  // Holds a fragment of e's datagram until its first one is decided: its
  // slot, or kNoSlot when none is free or the datagram holds kMaxHeld.
  uint16_t hold(Entry& e) {
    if (e.held == kMaxHeld || freeCount_ == 0) return kNoSlot;
    const uint16_t slot = freeSlots_[--freeCount_];
    e.heldSlots[e.held++] = slot;
    return slot;
  }

  // e's first fragment was decided: its held fragments go to the outbox
  // for replay.
  void decide(Entry& e, const FragmentDecision& d) {
    e.decision = d;
    e.state = State::kDecided;
    e.replaying = e.held;
    for (unsigned i = 0; i < e.held; ++i) pushOutcome(e.heldSlots[i], true, DropReason::kNotForUs);
    e.held = 0;
    freeIfDone(e);
  }

  // A held fragment of e was replayed.
  void replayed(Entry& e) {
    if (e.replaying != 0) --e.replaying;
    freeIfDone(e);
  }

  // A decided datagram whose every byte went through leaves the table.
  void freeIfDone(Entry& e) {
    if (e.state == State::kDecided && e.total != 0 && e.covered == e.total && e.replaying == 0) {
      e.state = State::kFree;
    }
  }

  // Frees up to `budget` sets' expired entries, from where the last sweep
  // stopped; their held fragments go to the outbox as timeouts.
  void sweep(uint32_t now, uint32_t budget) {
    const uint32_t sets = mask_ + 1;
    for (uint32_t n = 0; n < budget && n < sets; ++n) {
      Entry* set = &entries_[std::size_t{cursor_} * kWays];
      for (unsigned w = 0; w < kWays; ++w) {
        if (set[w].state != State::kFree && clockPassed(now, set[w].expires)) {
          release(set[w], DropReason::kFragmentTimeout);
        }
      }
      cursor_ = (cursor_ + 1) & mask_;
    }
  }

  // What the worker must do with held fragments, since the last clear.
  std::span<const HeldOutcome> outbox() const { return {outbox_.get(), outboxCount_}; }
  void clearOutbox() { outboxCount_ = 0; }

  // The slot of a held fragment the worker has let go of (after a replay or
  // a drop): free for the next one.
  void freeSlot(uint16_t slot) { freeSlots_[freeCount_++] = slot; }

 private:
  static bool clockPassed(uint32_t now, uint32_t t) { return static_cast<int32_t>(now - t) >= 0; }
  static bool clockBefore(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) < 0; }

  Entry* setOf(const FragmentKey& k) {
    uint64_t a, b, c, d;
    std::memcpy(&a, k.src.b, 8);
    std::memcpy(&b, k.src.b + 8, 8);
    std::memcpy(&c, k.dst.b, 8);
    std::memcpy(&d, k.dst.b + 8, 8);
    uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ull) ^ (c * 0xC2B2AE3D27D4EB4Full) ^ (d << 7)) +
                 (uint64_t{k.id} << 8 | k.proto);
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    return &entries_[std::size_t(h & mask_) * kWays];
  }

  static uint32_t maxEnd(const Entry& e) {
    uint32_t m = 0;
    for (unsigned i = 0; i < e.pieces; ++i) m = e.ranges[i].end > m ? e.ranges[i].end : m;
    return m;
  }

  Piece poison(Entry& e, Piece why) {
    for (unsigned i = 0; i < e.held; ++i) {
      pushOutcome(e.heldSlots[i], false, why == Piece::kTooMany ? DropReason::kFragmentTooMany
                                                                 : DropReason::kFragmentOverlap);
    }
    e.held = 0;
    e.state = State::kPoisoned;
    return why;
  }

  void release(Entry& e, DropReason why) {
    for (unsigned i = 0; i < e.held; ++i) pushOutcome(e.heldSlots[i], false, why);
    e.held = 0;
    e.state = State::kFree;
  }

  // Every slot is in at most one place (an entry or the outbox), so the
  // outbox, as large as the slots, never overflows.
  void pushOutcome(uint16_t slot, bool replay, DropReason why) { outbox_[outboxCount_++] = {slot, replay, why}; }

  uint32_t mask_;
  uint32_t timeoutMs_;
  std::unique_ptr<Entry[]> entries_;
  std::unique_ptr<uint16_t[]> freeSlots_;
  std::unique_ptr<HeldOutcome[]> outbox_;
  uint16_t freeCount_ = 0;
  uint32_t outboxCount_ = 0;
  uint32_t cursor_ = 0;
};

}  // namespace sluice::dp
