// Builders shared by the scheduler tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <span>
#include <vector>

#include "schedulers/scheduler.h"

namespace sluice::sched::test {

// An IPv4 address from a host-order integer.
inline wire::IpAddress v4(uint32_t host) { return wire::IpAddress::fromV4(host); }

// An IPv6 address 2001:db8::<low> .
inline wire::IpAddress v6(uint32_t low) {
  wire::IpAddress a = v4(0x20010db8);
  a.family = wire::IpFamily::kV6;
  a.bytes[12] = static_cast<uint8_t>(low >> 24);
  a.bytes[13] = static_cast<uint8_t>(low >> 16);
  a.bytes[14] = static_cast<uint8_t>(low >> 8);
  a.bytes[15] = static_cast<uint8_t>(low);
  return a;
}

// Servers 10.0.0.1, 10.0.0.2, ... port 80 with the given weights.
inline std::vector<Destination> destsWithWeights(std::initializer_list<int32_t> weights) {
  std::vector<Destination> dests;
  uint32_t host = 0x0a000001;
  for (int32_t w : weights) {
    Destination d;
    d.addr = v4(host++);
    d.port = 80;
    d.weight = w;
    dests.push_back(d);
  }
  return dests;
}

// n servers of weight 1.
inline std::vector<Destination> equalDests(size_t n) {
  std::vector<Destination> dests;
  for (size_t i = 0; i < n; ++i) {
    Destination d;
    d.addr = v4(0x0a000001 + static_cast<uint32_t>(i));
    d.port = 80;
    dests.push_back(d);
  }
  return dests;
}

// A TCP flow from src:srcPort to 192.0.2.1:80 .
inline FlowKey flowFrom(const wire::IpAddress& src, uint16_t srcPort = 40000) {
  FlowKey f;
  f.src = src;
  f.dst = v4(0xc0000201);
  f.srcPort = srcPort;
  f.dstPort = 80;
  f.protocol = 6;
  return f;
}

// A TCP flow from 198.51.100.7 to dst:80 (lblc/lblcr/dh key on dst).
inline FlowKey flowTo(const wire::IpAddress& dst) {
  FlowKey f;
  f.src = v4(0xc6336407);
  f.dst = dst;
  f.srcPort = 40000;
  f.dstPort = 80;
  f.protocol = 6;
  return f;
}

// The next n picks for the same flow.
inline std::vector<int> picks(Scheduler& s, std::span<const Destination> dests, size_t n,
                              const FlowKey& flow = flowFrom(v4(0xc6336407))) {
  std::vector<int> out;
  for (size_t i = 0; i < n; ++i) out.push_back(s.pick(dests, flow, 0));
  return out;
}

}  // namespace sluice::sched::test
