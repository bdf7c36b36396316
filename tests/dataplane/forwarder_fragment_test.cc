// IP fragments through the forwarder: each follows its datagram's first
// fragment (NAT both ways, DR), in order or not; duplicates, overlaps and
// datagrams whose first fragment never comes are dropped and counted.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "dataplane/forwarder.h"
#include "tests/dataplane/packet_builder.h"
#include "tests/dataplane/test_table.h"

namespace sluice::dp {
namespace {

using testing::buildFrame;
using testing::checkChecksums;
using testing::fragmentFrame;
using testing::ip;
using testing::kExt;
using testing::kInt;
using testing::Lab;
using testing::reassembleFrames;

using Frames = std::vector<std::vector<uint8_t>>;

uint64_t fragDrops(const Forwarder& f, DropReason r) { return f.counters().drops[static_cast<std::size_t>(r)].get(); }

// A forwarder with held fragments in frames the test keeps, as a worker's
// mbufs: every frame in `in` goes through, in that order; the frames it
// sends (with their ports) come out in the order the worker would send them.
struct Router {
  Lab lab;
  Forwarder f{0, 1024, ConnTimeouts{}};
  std::vector<std::vector<uint8_t>> held = std::vector<std::vector<uint8_t>>(Forwarder::kHoldSlots);
  Frames sent;
  std::vector<uint16_t> ports;
  unsigned holds = 0;

  void take(std::vector<uint8_t> frame, const Verdict& v) {
    if (v.kind == Verdict::Kind::kHold) {
      held[v.holdSlot] = std::move(frame);
      ++holds;
    } else if (v.kind == Verdict::Kind::kTransmit) {
      sent.push_back(std::move(frame));
      ports.push_back(v.port);
    }
  }
  void settle() {
    for (const HeldOutcome& o : f.heldOutcomes()) {
      std::vector<uint8_t> frame = std::move(held[o.slot]);
      if (!o.replay) {
        f.dropHeld(o);
        continue;
      }
      const Verdict v = f.replayHeld(o.slot, frame.data(), static_cast<uint32_t>(frame.size()), 0);
      take(std::move(frame), v);
    }
    f.clearHeldOutcomes();
  }
  void send(const Frames& in, uint32_t now = 1000) {
    for (std::vector<uint8_t> frame : in) {
      const Verdict v = f.process(frame.data(), static_cast<uint32_t>(frame.size()), now);
      take(std::move(frame), v);
      settle();
    }
  }
  void sweep(uint32_t now) {
    for (int i = 0; i < 64; ++i) f.sweep(now, 256);
    settle();
  }
};

std::vector<uint8_t> datagram(const char* src, uint16_t sport, const char* dst, uint16_t dport, uint32_t bytes) {
  std::vector<uint8_t> payload(bytes);
  for (uint32_t i = 0; i < bytes; ++i) payload[i] = static_cast<uint8_t>(i * 7 + 3);
  return buildFrame({.src = {src, sport}, .dst = {dst, dport}, .proto = kProtoUdp, .payload = payload});
}

// Reordered as the lab's scapy does: last first, the first one last.
Frames reversed(Frames f) {
  std::reverse(f.begin(), f.end());
  return f;
}

TEST(ForwarderFragments, Ipv4NatDatagramInOrderAndReversedReachesOneServerWhole) {
  for (const bool reverse : {false, true}) {
    SCOPED_TRACE(reverse ? "reversed" : "in order");
    Router r;
    r.lab.addService("10.0.0.1", 53, kProtoUdp, {1, 1});
    r.lab.attach(r.f);
    const Frames in = fragmentFrame(datagram("10.0.0.101", 5353, "10.0.0.1", 53, 4000), 1480, 0x1234);
    ASSERT_EQ(in.size(), 3u);
    r.send(reverse ? reversed(in) : in);
    EXPECT_EQ(r.holds, reverse ? 2u : 0u);
    ASSERT_EQ(r.sent.size(), 3u);
    for (std::size_t i = 0; i < r.sent.size(); ++i) {
      EXPECT_EQ(r.ports[i], kInt);
      EXPECT_EQ(r.sent[i][5], 0x20);  // every fragment to the first real server's MAC
      EXPECT_EQ(checkChecksums(r.sent[i]).rfind("ipv4 header", 0), std::string::npos);
      const ParsedPacket p = parsePacket(r.sent[i].data(), static_cast<uint32_t>(r.sent[i].size()));
      EXPECT_EQ(p.tuple.dst, ip("192.168.1.20"));
      EXPECT_EQ(p.ttl, 63);
    }
    const std::vector<uint8_t> whole = reassembleFrames(r.sent);
    ASSERT_FALSE(whole.empty());
    EXPECT_EQ(checkChecksums(whole), "");  // the UDP checksum over the whole datagram holds
    EXPECT_EQ(parsePacket(whole.data(), static_cast<uint32_t>(whole.size())).tuple.dstPort, 53);
    EXPECT_EQ(r.f.counters().fragments.get(), 3u);
    EXPECT_EQ(r.f.counters().fragmentsHeld.get(), reverse ? 2u : 0u);
    EXPECT_EQ(r.f.counters().dests[0].inPkts.get(), 3u);
    EXPECT_EQ(r.f.counters().dests[0].conns.get(), 1u);
  }
}

TEST(ForwarderFragments, NatReplyFragmentsComeBackFromTheVip) {
  for (const bool v6 : {false, true}) {
    SCOPED_TRACE(v6 ? "IPv6" : "IPv4");
    Router r;
    const char* vip = v6 ? "fd00:10::1" : "10.0.0.1";
    const char* client = v6 ? "fd00:10::101" : "10.0.0.101";
    const char* server = v6 ? "fd00:192:168:1::20" : "192.168.1.20";
    r.lab.addService(vip, 7, kProtoUdp, {1});
    r.lab.attach(r.f);
    r.send(fragmentFrame(datagram(client, 40000, vip, 7, 4000), 1448, 77));
    ASSERT_EQ(r.sent.size(), 3u);
    r.sent.clear();
    r.ports.clear();
    r.send(reversed(fragmentFrame(datagram(server, 7, client, 40000, 4000), 1448, 78)));
    ASSERT_EQ(r.sent.size(), 3u);
    for (std::size_t i = 0; i < r.sent.size(); ++i) {
      EXPECT_EQ(r.ports[i], kExt);
      const ParsedPacket p = parsePacket(r.sent[i].data(), static_cast<uint32_t>(r.sent[i].size()));
      EXPECT_EQ(p.tuple.src, ip(vip));
      EXPECT_EQ(p.tuple.dst, ip(client));
    }
    const std::vector<uint8_t> whole = reassembleFrames(r.sent);
    ASSERT_FALSE(whole.empty());
    EXPECT_EQ(checkChecksums(whole), "");
    const ParsedPacket p = parsePacket(whole.data(), static_cast<uint32_t>(whole.size()));
    EXPECT_EQ(p.tuple.srcPort, 7);
    EXPECT_EQ(p.tuple.dstPort, 40000);
    EXPECT_EQ(r.f.counters().dests[0].outPkts.get(), 3u);
  }
}

TEST(ForwarderFragments, Ipv6NatDatagramReversedReachesOneServerWhole) {
  Router r;
  r.lab.addService("fd00:10::1", 53, kProtoUdp, {1, 1});
  r.lab.attach(r.f);
  r.send(reversed(fragmentFrame(datagram("fd00:10::101", 5353, "fd00:10::1", 53, 4000), 1448, 0xABCDEF)));
  EXPECT_EQ(r.holds, 2u);
  ASSERT_EQ(r.sent.size(), 3u);
  const std::vector<uint8_t> whole = reassembleFrames(r.sent);
  ASSERT_FALSE(whole.empty());
  EXPECT_EQ(checkChecksums(whole), "");
  const ParsedPacket p = parsePacket(whole.data(), static_cast<uint32_t>(whole.size()));
  EXPECT_EQ(p.tuple.dst, ip("fd00:192:168:1::20"));
  EXPECT_EQ(p.ttl, 63);
}

TEST(ForwarderFragments, DirectRoutingSendsEveryFragmentUnchangedToTheServersMac) {
  Router r;
  r.lab.addService("10.0.0.1", 53, kProtoUdp, {1}, "rr", FwdMethod::kDr);
  r.lab.attach(r.f);
  const Frames in = fragmentFrame(datagram("10.0.0.101", 5353, "10.0.0.1", 53, 3000), 1480, 9);
  r.send(reversed(in));
  ASSERT_EQ(r.sent.size(), in.size());
  for (const std::vector<uint8_t>& out : r.sent) {
    EXPECT_EQ(out[5], 0x20);
    const bool unchanged = std::any_of(in.begin(), in.end(), [&](const std::vector<uint8_t>& frame) {
      return std::equal(frame.begin() + 14, frame.end(), out.begin() + 14, out.end());
    });
    EXPECT_TRUE(unchanged);
  }
}

TEST(ForwarderFragments, DuplicatesAreDroppedAndOverlapsDropTheDatagram) {
  Router r;
  r.lab.addService("10.0.0.1", 53, kProtoUdp, {1});
  r.lab.attach(r.f);
  Frames in = fragmentFrame(datagram("10.0.0.101", 5353, "10.0.0.1", 53, 4000), 1480, 1);
  r.send({in[0], in[1], in[1], in[2]});
  EXPECT_EQ(r.sent.size(), 3u);
  EXPECT_EQ(fragDrops(r.f, DropReason::kFragmentDuplicate), 1u);
  EXPECT_FALSE(reassembleFrames(r.sent).empty());

  // An overlapping piece (the second fragment again, 8 bytes further on)
  // after a held one: the held one, the overlap and the rest are dropped.
  r.sent.clear();
  Frames other = fragmentFrame(datagram("10.0.0.101", 5354, "10.0.0.1", 53, 4000), 1480, 2);
  std::vector<uint8_t> shifted = other[1];
  storeBe16(&shifted[20], static_cast<uint16_t>(loadBe16(&shifted[20]) + 1));
  storeBe16(&shifted[24], 0);
  storeBe16(&shifted[24], static_cast<uint16_t>(~csumFold(csumAdd(0, &shifted[14], 20))));
  r.send({other[2], shifted, other[1], other[0]});
  EXPECT_TRUE(r.sent.empty());
  EXPECT_EQ(fragDrops(r.f, DropReason::kFragmentOverlap), 4u);  // held, overlap, two after
  EXPECT_EQ(r.f.heldOutcomes().size(), 0u);
}

TEST(ForwarderFragments, FragmentsWhoseFirstNeverComesAreDroppedAfterTheTimeout) {
  Router r;
  r.lab.addService("10.0.0.1", 53, kProtoUdp, {1});
  r.lab.attach(r.f);
  Frames in = fragmentFrame(datagram("10.0.0.101", 5353, "10.0.0.1", 53, 4000), 1480, 3);
  r.send({in[1], in[2]}, 1000);
  EXPECT_EQ(r.holds, 2u);
  r.sweep(2500);
  EXPECT_EQ(fragDrops(r.f, DropReason::kFragmentTimeout), 0u);
  r.sweep(3100);
  EXPECT_EQ(fragDrops(r.f, DropReason::kFragmentTimeout), 2u);
  // The first fragment, too late: forwarded alone; the slots are free again.
  r.send({in[0]}, 3200);
  EXPECT_EQ(r.sent.size(), 1u);
}

TEST(ForwarderFragments, AFloodOfIncompleteDatagramsStaysBounded) {
  Router r;
  r.lab.addService("10.0.0.1", 53, kProtoUdp, {1});
  r.lab.attach(r.f);
  // 4,000 datagrams' second fragments, never their first: the table holds
  // at most its slots; the rest are evicted or refused, all counted.
  const std::vector<uint8_t> one = datagram("10.0.0.101", 5353, "10.0.0.1", 53, 2000);
  for (uint32_t id = 0; id < 4000; ++id) r.send({fragmentFrame(one, 1480, id)[1]}, 1000);
  const uint64_t evicted = fragDrops(r.f, DropReason::kFragmentEvicted);
  const uint64_t refused = fragDrops(r.f, DropReason::kFragmentHoldFull);
  EXPECT_GT(evicted + refused, 0u);
  EXPECT_LE(r.holds - evicted, Forwarder::kHoldSlots);
  r.sweep(4000);
  EXPECT_EQ(evicted + refused + fragDrops(r.f, DropReason::kFragmentTimeout), 4000u);
  // Room again for a real datagram.
  r.send(reversed(fragmentFrame(one, 1480, 99999)), 4100);
  EXPECT_EQ(r.sent.size(), 2u);
}

TEST(ForwarderFragments, AFirstFragmentDroppedTakesItsDatagramWithIt) {
  Router r;
  r.lab.addService("10.0.0.1", 53, kProtoUdp, {1});
  r.lab.attach(r.f);
  // No service on port 54: the first fragment is dropped, so is the rest,
  // for the reason a whole datagram would be.
  std::vector<uint8_t> whole = datagram("10.0.0.101", 5353, "10.0.0.1", 54, 100);
  const Verdict v = r.f.process(whole.data(), static_cast<uint32_t>(whole.size()), 1000);
  ASSERT_EQ(v.kind, Verdict::Kind::kDrop);
  r.send(reversed(fragmentFrame(datagram("10.0.0.101", 5353, "10.0.0.1", 54, 4000), 1480, 5)));
  EXPECT_TRUE(r.sent.empty());
  EXPECT_EQ(fragDrops(r.f, v.reason), 4u);
}

}  // namespace
}  // namespace sluice::dp
