#include "vrrp/checksum.h"

#include "vrrp/bytes.h"

namespace sluice::vrrp {

uint32_t checksumAdd(uint32_t sum, std::span<const uint8_t> bytes) {
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += loadBe16(&bytes[i]);
  if (i < bytes.size()) sum += uint32_t{bytes[i]} << 8;
  return sum;
}

uint16_t checksumFold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

uint32_t pseudoHeaderSum(const IpAddress& source, const IpAddress& destination, uint32_t length) {
  uint32_t sum = checksumAdd(0, source.view());
  sum = checksumAdd(sum, destination.view());
  // The 32-bit IPv6 length and the 16-bit IPv4 one add the same words for a
  // VRRP message (always below 64 KiB), as do the zero bytes before 112.
  sum += length >> 16;
  sum += length & 0xffff;
  sum += kProtocolVrrp;
  return sum;
}

}  // namespace sluice::vrrp
