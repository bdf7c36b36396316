// Packets that must not create connections: a new flow whose source is a
// VIP or one of the router's own addresses (spoofed, or looped back from
// the internal side), and a "reply" from a real server's service port with
// no connection behind it. Each is dropped as spoofed_source; genuine
// clients and genuine replies still pass.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataplane/forwarder.h"
#include "tests/dataplane/packet_builder.h"
#include "tests/dataplane/test_table.h"

namespace sluice::dp {
namespace {

using testing::buildFrame;
using testing::Lab;
using testing::prefix;

// The shared lab (tests/dataplane/test_table.h) with VIP 10.0.0.1 (TCP 80,
// UDP 53) and fd00:10::1 (UDP 53) outside, over real servers
// 192.168.1.20-21 / fd00:192:168:1::20; 10.0.0.9 is a VIP of this router
// too, with no service.
struct Router {
  Lab lab;
  Forwarder fwd{0, 1024, ConnTimeouts{}};

  Router() {
    lab.table->ownedVips = {prefix("10.0.0.1", 32), prefix("10.0.0.9", 32), prefix("fd00:10::1", 128)};
    lab.addService("10.0.0.1", 80, kProtoTcp, {1, 1});
    lab.addService("10.0.0.1", 53, kProtoUdp, {1, 1});
    lab.addService("fd00:10::1", 53, kProtoUdp, {1});
    lab.attach(fwd);
  }

  Verdict send(std::vector<uint8_t> frame) {
    return fwd.process(frame.data(), static_cast<uint32_t>(frame.size()), 1000);
  }
  uint64_t drops(DropReason r) const { return fwd.counters().drops[static_cast<std::size_t>(r)].get(); }
  uint64_t connections() const { return fwd.counters().connections.get(); }
};

std::vector<uint8_t> udp(const char* src, uint16_t sport, const char* dst, uint16_t dport) {
  return buildFrame({.src = {src, sport}, .dst = {dst, dport}, .proto = kProtoUdp});
}

TEST(Spoofing, AVipSourceCannotOpenAConnection) {
  Router r;
  // The VIP to itself, as a packet looped back from the internal side.
  EXPECT_EQ(r.send(udp("10.0.0.1", 53, "10.0.0.1", 53)).reason, DropReason::kSpoofedSource);
  // Another VIP of this router, over TCP.
  EXPECT_EQ(r.send(buildFrame({.src = {"10.0.0.9", 4000}, .dst = {"10.0.0.1", 80}})).reason,
            DropReason::kSpoofedSource);
  EXPECT_EQ(r.send(udp("fd00:10::1", 5353, "fd00:10::1", 53)).reason, DropReason::kSpoofedSource);
  EXPECT_EQ(r.drops(DropReason::kSpoofedSource), 3u);
  EXPECT_EQ(r.connections(), 0u);
}

TEST(Spoofing, TheRoutersOwnAddressCannotOpenAConnection) {
  Router r;
  EXPECT_EQ(r.send(buildFrame({.src = {"192.168.1.2", 4000}, .dst = {"10.0.0.1", 80}})).reason,
            DropReason::kSpoofedSource);
  EXPECT_EQ(r.send(udp("10.0.0.2", 4001, "10.0.0.1", 53)).reason, DropReason::kSpoofedSource);
  EXPECT_EQ(r.connections(), 0u);
}

TEST(Spoofing, AReplyWithoutAConnectionCannotOpenOne) {
  Router r;
  // A UDP "answer" from a real server's service port to the VIP: without
  // the check it would be scheduled as a new client flow (UDP needs no SYN).
  EXPECT_EQ(r.send(udp("192.168.1.20", 53, "10.0.0.1", 53)).reason, DropReason::kSpoofedSource);
  EXPECT_EQ(r.send(udp("fd00:192:168:1::20", 53, "fd00:10::1", 53)).reason, DropReason::kSpoofedSource);
  // A TCP SYN+ACK or a bare SYN from a real server's service port.
  EXPECT_EQ(r.send(buildFrame({.src = {"192.168.1.21", 80}, .dst = {"10.0.0.1", 80}})).reason,
            DropReason::kSpoofedSource);
  EXPECT_EQ(r.send(buildFrame({.src = {"192.168.1.21", 80}, .dst = {"10.0.0.1", 80}, .tcpFlags = kTcpSyn | kTcpAck}))
                .reason,
            DropReason::kNoConnection);
  EXPECT_EQ(r.connections(), 0u);
  EXPECT_EQ(r.fwd.counters().dests[0].conns.get() + r.fwd.counters().dests[1].conns.get(), 0u);
}

TEST(Spoofing, GenuineClientsAndRepliesStillPass) {
  Router r;
  const Verdict first = r.send(udp("10.0.0.101", 5353, "10.0.0.1", 53));
  ASSERT_EQ(first.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(r.connections(), 1u);
  // rr gave the first flow to 192.168.1.20: its answer has a connection.
  EXPECT_EQ(r.send(udp("192.168.1.20", 53, "10.0.0.101", 5353)).kind, Verdict::Kind::kTransmit);
  // A real server as a client from another port is a client.
  EXPECT_EQ(r.send(buildFrame({.src = {"192.168.1.20", 40000}, .dst = {"10.0.0.1", 80}})).kind,
            Verdict::Kind::kTransmit);
  EXPECT_EQ(r.drops(DropReason::kSpoofedSource), 0u);
  EXPECT_EQ(r.connections(), 2u);
}

TEST(Spoofing, TheDropHasItsCounterName) { EXPECT_EQ(dropReasonName(DropReason::kSpoofedSource), "spoofed_source"); }

}  // namespace
}  // namespace sluice::dp
