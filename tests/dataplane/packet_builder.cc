#include "tests/dataplane/packet_builder.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "dataplane/bytes.h"
#include "dataplane/checksum.h"
#include "dataplane/crc32c.h"

namespace sluice::dp::testing {
namespace {

bool isV6(const std::string& a) { return a.find(':') != std::string::npos; }

void put16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(static_cast<uint8_t>(x >> 8));
  v.push_back(static_cast<uint8_t>(x));
}

uint32_t pseudoSum(const uint8_t* src, const uint8_t* dst, bool v6, uint8_t proto, uint32_t len) {
  uint32_t sum = csumAdd(0, src, v6 ? 16 : 4);
  sum = csumAdd(sum, dst, v6 ? 16 : 4);
  sum += proto;
  sum += len & 0xFFFF;
  sum += len >> 16;
  return sum;
}

// Fills the L4 checksum of the datagram at `l4` (length len).
void fillL4(uint8_t* l4, uint32_t len, uint8_t proto, const uint8_t* src, const uint8_t* dst, bool v6, bool udpZero) {
  if (proto == 132) {
    sctpUpdateChecksum(l4, len);
    return;
  }
  uint32_t off = proto == 6 ? 16 : proto == 17 ? 6 : 2;
  storeBe16(l4 + off, 0);
  if (proto == 17 && udpZero && !v6) return;
  uint32_t sum = (proto == 1) ? 0 : pseudoSum(src, dst, v6, proto, len);
  uint16_t c = csumFinish(csumAdd(sum, l4, len));
  if (proto == 17 && c == 0) c = 0xFFFF;
  storeBe16(l4 + off, c);
}

std::vector<uint8_t> ipDatagram(const IpAddr& s, const IpAddr& d, bool v6, uint8_t proto, uint8_t ttl,
                                const std::vector<uint8_t>& l4, const std::vector<uint8_t>& options, bool hbh) {
  std::vector<uint8_t> out;
  if (!v6) {
    const uint32_t ihl = 20 + static_cast<uint32_t>(options.size());
    out.resize(ihl);
    out[0] = static_cast<uint8_t>(0x40 | (ihl / 4));
    storeBe16(&out[2], static_cast<uint16_t>(ihl + l4.size()));
    storeBe16(&out[4], 0x1234);
    out[8] = ttl;
    out[9] = proto;
    std::memcpy(&out[12], s.b, 4);
    std::memcpy(&out[16], d.b, 4);
    std::copy(options.begin(), options.end(), out.begin() + 20);
    storeBe16(&out[10], csumFinish(csumAdd(0, out.data(), ihl)));
  } else {
    const uint32_t ext = hbh ? 8 : 0;
    out.resize(40 + ext);
    out[0] = 0x60;
    storeBe16(&out[4], static_cast<uint16_t>(ext + l4.size()));
    out[6] = hbh ? 0 : proto;
    out[7] = ttl;
    std::memcpy(&out[8], s.b, 16);
    std::memcpy(&out[24], d.b, 16);
    if (hbh) {
      out[40] = proto;
      out[41] = 0;
      out[42] = 1;  // PadN option filling the header
      out[43] = 4;
    }
  }
  out.insert(out.end(), l4.begin(), l4.end());
  return out;
}

std::vector<uint8_t> ethernet(bool v6, const std::vector<uint8_t>& ip, bool vlan, uint16_t tci) {
  std::vector<uint8_t> f = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02};
  if (vlan) {
    put16(f, 0x8100);
    put16(f, tci);
  }
  put16(f, v6 ? 0x86DD : 0x0800);
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

}  // namespace

IpAddr ip(const std::string& text) {
  IpAddr a{};
  if (inet_pton(isV6(text) ? AF_INET6 : AF_INET, text.c_str(), a.b) != 1) {
    throw std::invalid_argument("bad address in test: " + text);
  }
  return a;
}

wire::IpAddress address(const std::string& text) { return ip(text).toWire(isV6(text)); }

std::vector<uint8_t> buildFrame(const FrameSpec& spec) {
  const bool v6 = isV6(spec.src.addr);
  const IpAddr s = ip(spec.src.addr);
  const IpAddr d = ip(spec.dst.addr);
  std::vector<uint8_t> l4;
  switch (spec.proto) {
    case 6:
      l4.resize(20);
      storeBe16(&l4[0], spec.src.port);
      storeBe16(&l4[2], spec.dst.port);
      storeBe32(&l4[4], spec.seq);
      storeBe32(&l4[8], spec.ack);
      l4[12] = static_cast<uint8_t>((5 + spec.tcpOptions.size() / 4) << 4);
      l4.insert(l4.end(), spec.tcpOptions.begin(), spec.tcpOptions.end());
      l4[13] = spec.tcpFlags;
      storeBe16(&l4[14], 65535);
      break;
    case 17:
      l4.resize(8);
      storeBe16(&l4[0], spec.src.port);
      storeBe16(&l4[2], spec.dst.port);
      storeBe16(&l4[4], static_cast<uint16_t>(8 + spec.payload.size()));
      break;
    case 132:
      l4.resize(12);
      storeBe16(&l4[0], spec.src.port);
      storeBe16(&l4[2], spec.dst.port);
      storeBe32(&l4[4], 0xABCD);
      break;
    default:  // ICMP / ICMPv6 echo request
      l4.resize(8);
      l4[0] = v6 ? 128 : 8;
      storeBe16(&l4[4], spec.src.port);
      break;
  }
  l4.insert(l4.end(), spec.payload.begin(), spec.payload.end());
  fillL4(l4.data(), static_cast<uint32_t>(l4.size()), spec.proto, s.b, d.b, v6, spec.udpChecksumZero);
  return ethernet(v6, ipDatagram(s, d, v6, spec.proto, spec.ttl, l4, spec.ipv4Options, spec.ipv6HopByHop),
                  spec.vlan, spec.vlanTci);
}

std::vector<uint8_t> buildIcmpError(const std::string& from, const std::string& to, uint8_t type, uint8_t code,
                                    const std::vector<uint8_t>& quotedFrame) {
  const bool v6 = isV6(from);
  const IpAddr s = ip(from);
  const IpAddr d = ip(to);
  std::vector<uint8_t> l4(8);
  l4[0] = type;
  l4[1] = code;
  l4.insert(l4.end(), quotedFrame.begin() + 14, quotedFrame.end());
  const uint8_t proto = v6 ? 58 : 1;
  fillL4(l4.data(), static_cast<uint32_t>(l4.size()), proto, s.b, d.b, v6, false);
  return ethernet(v6, ipDatagram(s, d, v6, proto, 64, l4, {}, false), false, 0);
}

std::string checkChecksums(const std::vector<uint8_t>& frame) {
  uint32_t off = 12;
  uint16_t et = loadBe16(&frame[off]);
  off += 2;
  if (et == 0x8100) {
    et = loadBe16(&frame[off + 2]);
    off += 4;
  }
  const bool v6 = et == 0x86DD;
  const uint8_t* ipH = &frame[off];
  uint32_t l4off, end;
  uint8_t proto;
  if (!v6) {
    const uint32_t ihl = (ipH[0] & 0xF) * 4u;
    if (csumFold(csumAdd(0, ipH, ihl)) != 0xFFFF) return "ipv4 header checksum";
    l4off = off + ihl;
    end = off + loadBe16(ipH + 2);
    proto = ipH[9];
  } else {
    proto = ipH[6];
    l4off = off + 40;
    if (proto == 0) {
      proto = frame[l4off];
      l4off += 8;
    }
    end = off + 40 + loadBe16(ipH + 4);
  }
  std::vector<uint8_t> copy(frame.begin() + l4off, frame.begin() + end);
  const uint8_t* src = ipH + (v6 ? 8 : 12);
  const uint8_t* dst = ipH + (v6 ? 24 : 16);
  const uint32_t csOff = proto == 6 ? 16 : proto == 17 ? 6 : proto == 132 ? 8 : 2;
  const bool udpZero = proto == 17 && !v6 && loadBe16(&copy[6]) == 0;
  const uint32_t before = proto == 132 ? loadBe32(&copy[8]) : loadBe16(&copy[csOff]);
  fillL4(copy.data(), static_cast<uint32_t>(copy.size()), proto, src, dst, v6, udpZero);
  const uint32_t after = proto == 132 ? loadBe32(&copy[8]) : loadBe16(&copy[csOff]);
  if (before != after) return "l4 checksum (proto " + std::to_string(proto) + ")";
  if (proto == 1 && copy.size() >= 28 && copy[0] != 0 && copy[0] != 8) {
    const uint8_t* inner = &copy[8];
    const uint32_t ihl = (inner[0] & 0xF) * 4u;
    if (csumFold(csumAdd(0, inner, ihl)) != 0xFFFF) return "quoted ipv4 header checksum";
  }
  return "";
}

std::vector<std::vector<uint8_t>> fragmentFrame(const std::vector<uint8_t>& frame, uint32_t chunk, uint32_t id) {
  const bool v6 = loadBe16(&frame[12]) == 0x86DD;
  const uint32_t headerLen = v6 ? 40 : (frame[14] & 0xF) * 4u;
  const uint32_t ipEnd = 14 + (v6 ? 40 + loadBe16(&frame[18]) : loadBe16(&frame[16]));
  const uint32_t dataStart = 14 + headerLen;
  std::vector<std::vector<uint8_t>> out;
  for (uint32_t at = dataStart; at < ipEnd; at += chunk) {
    const uint32_t n = std::min(chunk, ipEnd - at);
    const uint32_t offset = at - dataStart;
    const bool more = at + n < ipEnd;
    std::vector<uint8_t> f(frame.begin(), frame.begin() + dataStart);
    if (v6) {
      const uint8_t next = f[14 + 6];
      f[14 + 6] = 44;
      f.insert(f.end(), {next, 0, 0, 0, 0, 0, 0, 0});
      storeBe16(&f[dataStart + 2], static_cast<uint16_t>(offset | (more ? 1 : 0)));
      storeBe32(&f[dataStart + 4], id);
      storeBe16(&f[18], static_cast<uint16_t>(8 + n));
    } else {
      storeBe16(&f[16], static_cast<uint16_t>(headerLen + n));
      storeBe16(&f[18], static_cast<uint16_t>(id));
      storeBe16(&f[20], static_cast<uint16_t>((more ? 0x2000 : 0) | offset / 8));
      storeBe16(&f[24], 0);
      storeBe16(&f[24], static_cast<uint16_t>(~csumFold(csumAdd(0, &f[14], headerLen))));
    }
    f.insert(f.end(), frame.begin() + at, frame.begin() + at + n);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<uint8_t> reassembleFrames(const std::vector<std::vector<uint8_t>>& fragments) {
  std::vector<uint8_t> payload;
  std::vector<bool> have;
  const std::vector<uint8_t>* first = nullptr;
  uint32_t total = 0;
  for (const std::vector<uint8_t>& f : fragments) {
    const bool v6 = loadBe16(&f[12]) == 0x86DD;
    const uint32_t start = 14 + (v6 ? 48 : (f[14] & 0xF) * 4u);
    const uint32_t end = 14 + (v6 ? 40 + loadBe16(&f[18]) : loadBe16(&f[16]));
    const uint16_t field = loadBe16(&f[v6 ? 56 : 20]);
    const uint32_t offset = v6 ? (field & 0xFFF8) : (field & 0x1FFF) * 8u;
    const bool more = v6 ? (field & 1) != 0 : (field & 0x2000) != 0;
    if (offset == 0) first = &f;
    if (!more) total = offset + (end - start);
    if (payload.size() < offset + (end - start)) {
      payload.resize(offset + (end - start));
      have.resize(payload.size());
    }
    for (uint32_t i = 0; i < end - start; ++i) {
      payload[offset + i] = f[start + i];
      have[offset + i] = true;
    }
  }
  if (first == nullptr || total == 0 || payload.size() != total) return {};
  for (bool b : have) {
    if (!b) return {};
  }
  const bool v6 = loadBe16(&(*first)[12]) == 0x86DD;
  const uint32_t headerLen = v6 ? 40 : ((*first)[14] & 0xF) * 4u;
  std::vector<uint8_t> frame(first->begin(), first->begin() + 14 + headerLen);
  if (v6) {
    frame[14 + 6] = (*first)[14 + 40];  // the Fragment header's next header
    storeBe16(&frame[18], static_cast<uint16_t>(total));
  } else {
    storeBe16(&frame[16], static_cast<uint16_t>(headerLen + total));
    storeBe16(&frame[20], 0);
    storeBe16(&frame[24], 0);
    storeBe16(&frame[24], static_cast<uint16_t>(~csumFold(csumAdd(0, &frame[14], headerLen))));
  }
  frame.insert(frame.end(), payload.begin(), payload.end());
  return frame;
}

}  // namespace sluice::dp::testing
