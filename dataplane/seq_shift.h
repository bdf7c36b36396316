// TCP sequence shifts of a NAT connection whose payload the router resized
// (the FTP helper writing the VIP into a passive-mode reply): IPVS's
// struct ip_vs_seq, which its sync protocol carries as IPVS_OPT_SEQ_DATA.
//
// One SeqShift per direction. A resized segment that starts at sequence
// number S (as its sender numbered it) and grew by d bytes makes every
// later byte of that direction d further on: segments after S move by
// `delta`, those at or before S (retransmissions of what came first) by
// `previousDelta`. Acknowledgements coming back, in the receiver's
// numbering, move back by the same amounts.
//
// Pure: the forwarder keeps one pair per connection that needs one.
#pragma once

#include <cstdint>

namespace sluice::dp {

struct SeqShift {
  uint32_t initSeq = 0;        // the sender's sequence number of the last resized segment
  uint32_t delta = 0;          // the shift after it (two's complement: a shrink is negative)
  uint32_t previousDelta = 0;  // the shift up to it

  friend bool operator==(const SeqShift&, const SeqShift&) = default;
};

// a comes after b on the 32-bit sequence circle.
inline bool seqAfter(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

// A sequence number of the resized direction, as its receiver sees it.
inline uint32_t shiftSeq(const SeqShift& s, uint32_t seq) {
  return seq + (seqAfter(seq, s.initSeq) ? s.delta : s.previousDelta);
}

// An acknowledgement (or SACK edge) of the resized direction, coming back
// from its receiver, as the sender numbered it. The receiver's numbering
// of the resized segment's first byte is initSeq + previousDelta: an
// acknowledgement up to there predates the resize. (IPVS compares with
// initSeq + delta, which misplaces that edge when the segment shrank.)
inline uint32_t unshiftAck(const SeqShift& s, uint32_t ack) {
  return ack - (seqAfter(ack, s.initSeq + s.previousDelta) ? s.delta : s.previousDelta);
}

// Records that the segment starting at `seq` (the sender's numbering)
// changed length by `diff`. `used` says whether the shift holds a resize
// already; a retransmission of the last resized segment (or of anything
// before it) changes nothing, as its bytes were counted the first time.
inline void recordResize(SeqShift& s, bool& used, uint32_t seq, int32_t diff) {
  if (used && !seqAfter(seq, s.initSeq)) return;
  s.previousDelta = s.delta;
  s.delta += static_cast<uint32_t>(diff);
  s.initSeq = seq;
  used = true;
}

// Both directions of one connection: `in` for the client's segments (which
// sluice never resizes, but a sync peer may send), `out` for the real
// server's.
struct SeqShifts {
  SeqShift in;
  SeqShift out;
  bool inUsed = false;
  bool outUsed = false;

  friend bool operator==(const SeqShifts&, const SeqShifts&) = default;
};

}  // namespace sluice::dp
