#include "perf/sluice_bench/frame.h"

#include <cstring>

#include "wire/bytes.h"
#include "wire/checksum.h"

namespace sluice::bench {
namespace {

using wire::csumAdd;
using wire::csumFinish;
using wire::loadBe16;
using wire::storeBe16;
using wire::storeBe32;

constexpr uint32_t kIp = kEthHeader;
constexpr uint32_t kIpHeader = 20;
constexpr uint32_t kL4 = kIp + kIpHeader;

}  // namespace

FrameTemplate::FrameTemplate(const FrameSpec& s)
    : len_(s.frameSize - kFcs), l4_(kL4), l4Check_(kL4 + (s.tcp ? 16 : 6)), tcp_(s.tcp) {
  uint8_t* f = bytes_.data();
  std::memcpy(f, s.dstMac, 6);
  std::memcpy(f + 6, s.srcMac, 6);
  storeBe16(f + 12, 0x0800);
  const uint32_t l4Len = len_ - kL4;
  uint8_t* ip = f + kIp;
  ip[0] = 0x45;
  storeBe16(ip + 2, static_cast<uint16_t>(len_ - kIp));
  ip[8] = 64;
  ip[9] = s.tcp ? 6 : 17;
  storeBe32(ip + 16, s.dstIp);
  uint8_t* l4 = f + kL4;
  storeBe16(l4 + 2, s.dstPort);
  if (s.tcp) {
    const bool syn = (s.tcpFlags & 0x02) != 0;
    storeBe32(l4 + 4, syn ? 1000 : 1001);  // sequence
    storeBe32(l4 + 8, syn ? 0 : 1);        // acknowledgment
    l4[12] = 5 << 4;
    l4[13] = s.tcpFlags;
    storeBe16(l4 + 14, 65535);
  } else {
    storeBe16(l4 + 4, static_cast<uint16_t>(l4Len));
  }
  const uint32_t payload = kL4 + (s.tcp ? 20 : 8);
  // Everything but the per-packet words (id, checksum, source address).
  ipSum_ = csumAdd(0, ip, 4) + csumAdd(0, ip + 6, 4);
  ipSum_ = csumAdd(ipSum_, ip + 16, 4);
  // Pseudo-header without the source, then the segment without the source
  // port, the checksum and the stamp.
  l4Sum_ = csumAdd(0, ip + 16, 4) + ip[9] + l4Len;
  l4Sum_ = csumAdd(l4Sum_, l4 + 2, l4Check_ - kL4 - 2);
  l4Sum_ = csumAdd(l4Sum_, f + l4Check_ + 2, payload - l4Check_ - 2);
  l4Sum_ = csumAdd(l4Sum_, f + payload + kStampBytes, len_ - payload - kStampBytes);
}

void FrameTemplate::write(uint8_t* out, uint32_t srcIp, uint16_t srcPort, Phase phase, uint64_t tsc) const {
  std::memcpy(out, bytes_.data(), len_);
  uint8_t* ip = out + kIp;
  const uint16_t id = static_cast<uint16_t>(phase);
  storeBe16(ip + 4, id);
  storeBe32(ip + 12, srcIp);
  const uint32_t srcWords = (srcIp >> 16) + (srcIp & 0xFFFF);
  storeBe16(ip + 10, csumFinish(ipSum_ + id + srcWords));
  storeBe16(out + l4_, srcPort);
  uint8_t* stamp = out + l4_ + (tcp_ ? 20 : 8);
  storeBe16(stamp, static_cast<uint16_t>(tsc >> 32));
  storeBe32(stamp + 2, static_cast<uint32_t>(tsc));
  uint32_t sum = l4Sum_ + srcWords + srcPort;
  sum += static_cast<uint32_t>((tsc >> 32) & 0xFFFF) + static_cast<uint32_t>((tsc >> 16) & 0xFFFF) +
         static_cast<uint32_t>(tsc & 0xFFFF);
  uint16_t check = csumFinish(sum);
  if (!tcp_ && check == 0) check = 0xFFFF;  // UDP: 0 means no checksum
  storeBe16(out + l4Check_, check);
}

bool readStamp(const uint8_t* d, uint32_t len, uint16_t& phase, uint64_t& stamp) {
  uint32_t ip = kEthHeader;
  if (len < ip + 20) return false;
  uint16_t type = loadBe16(d + 12);
  if (type == 0x8100) {
    type = loadBe16(d + 16);
    ip += 4;
    if (len < ip + 20) return false;
  }
  if (type != 0x0800 || (d[ip] >> 4) != 4) return false;
  const uint32_t l4 = ip + (d[ip] & 0x0F) * 4u;
  uint32_t payload;
  if (d[ip + 9] == 6) {
    if (len < l4 + 20) return false;
    payload = l4 + (d[l4 + 12] >> 4) * 4u;
  } else if (d[ip + 9] == 17) {
    payload = l4 + 8;
  } else {
    return false;
  }
  if (len < payload + kStampBytes) return false;
  phase = loadBe16(d + ip + 4);
  stamp = uint64_t{loadBe16(d + payload)} << 32 | wire::loadBe32(d + payload + 2);
  return true;
}

}  // namespace sluice::bench
