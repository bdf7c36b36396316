// The last step of the data plane's table hashes: MurmurHash3's 64-bit
// finaliser, which spreads every input bit over the whole word, so that
// the low bits a table masks with are as good as the high ones.
#pragma once

#include <cstdint>

namespace sluice::dp {

constexpr uint64_t finalMix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ull;
  x ^= x >> 33;
  return x;
}

}  // namespace sluice::dp
