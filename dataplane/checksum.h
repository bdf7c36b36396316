// Internet checksum helpers: the full sum (header verification, headers the
// data plane builds) and the incremental update of RFC 1624, eqn. 3:
//   HC' = ~(~HC + ~m + m')
// which NAT uses when it rewrites addresses and ports, so a rewrite costs a
// few additions whatever the payload size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "dataplane/bytes.h"
#include "wire/checksum.h"

namespace sluice::dp {

using wire::csumAdd;
using wire::csumFinish;
using wire::csumFold;

// The accumulated change of a set of 16-bit words, applied to any number of
// checksums that cover them (RFC 1624): one delta serves, say, both the IPv4
// header checksum and the TCP pseudo-header.
struct CsumDelta {
  uint32_t sum = 0;

  // Records that n bytes (n even) at `from` become those at `to`. Addresses
  // (n = 4 or 16) go 32 bits at a time in native order (see csumAdd).
  void add(const uint8_t* from, const uint8_t* to, std::size_t n) {
    uint64_t acc = 0;
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
      uint32_t f, t;
      std::memcpy(&f, from + i, 4);
      std::memcpy(&t, to + i, 4);
      acc += uint64_t{~f} + t;
    }
    for (; i < n; i += 2) {
      uint16_t f, t;
      std::memcpy(&f, from + i, 2);
      std::memcpy(&t, to + i, 2);
      acc += uint64_t{static_cast<uint16_t>(~f)} + t;
    }
    sum += wire::csumFromNative(acc);
  }

  void add16(uint16_t from, uint16_t to) {
    sum += static_cast<uint16_t>(~from);
    sum += to;
  }

  void add(const CsumDelta& other) { sum += csumFold(other.sum); }

  // The new value of a checksum field (host order) that covered the old words.
  uint16_t apply(uint16_t check) const {
    return static_cast<uint16_t>(~csumFold(static_cast<uint16_t>(~check) + csumFold(sum)));
  }

  // Applies to a big-endian checksum field in place.
  void applyAt(uint8_t* field) const { storeBe16(field, apply(loadBe16(field))); }
};

}  // namespace sluice::dp
