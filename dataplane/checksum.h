// Internet checksum helpers: the full sum (header verification, headers the
// data plane builds) and the incremental update of RFC 1624, eqn. 3:
//   HC' = ~(~HC + ~m + m')
// which NAT uses when it rewrites addresses and ports, so a rewrite costs a
// few additions whatever the payload size.
#pragma once

#include <cstddef>
#include <cstdint>

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

  // Records that n bytes (n even) at `from` become those at `to`.
  void add(const uint8_t* from, const uint8_t* to, std::size_t n) {
    for (std::size_t i = 0; i < n; i += 2) {
      sum += static_cast<uint16_t>(~loadBe16(from + i));
      sum += loadBe16(to + i);
    }
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
