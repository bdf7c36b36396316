#include "vrrp/checksum.h"

namespace sluice::vrrp {

uint32_t pseudoHeaderSum(const wire::IpAddress& source, const wire::IpAddress& destination, uint32_t length) {
  uint32_t sum = csumAdd(0, source.view());
  sum = csumAdd(sum, destination.view());
  // The 32-bit IPv6 length and the 16-bit IPv4 one add the same words for a
  // VRRP message (always below 64 KiB), as do the zero bytes before 112.
  sum += length >> 16;
  sum += length & 0xffff;
  sum += kProtocolVrrp;
  return sum;
}

}  // namespace sluice::vrrp
