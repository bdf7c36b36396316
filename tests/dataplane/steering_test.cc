// Which worker owns a packet (dataplane/steering.h): every packet of a
// client's flows, both directions and ICMP errors, meets one worker, and so
// do all the clients one persistence template covers.
#include "dataplane/steering.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "tests/dataplane/packet_builder.h"
#include "tests/dataplane/test_table.h"

namespace sluice::dp {
namespace {

using testing::buildFrame;
using testing::buildIcmpError;
using testing::parseFrame;

constexpr unsigned kWorkers = 4;

class SteeringTest : public ::testing::Test {
 protected:
  SteeringTest() {
    lab.addService("10.0.0.1", 80, kProtoTcp, {1, 1});
    lab.table->ownedVips.push_back(testing::prefix("10.0.0.1", 32));
    lab.table->buildIndexes();
  }

  unsigned owner(const std::vector<uint8_t>& frame) const {
    return steerWorker(*lab.table, parseFrame(frame), 0, kWorkers);
  }
  unsigned request(const std::string& client, uint16_t port) const {
    return owner(buildFrame({.src = {client, port}, .dst = {"10.0.0.1", 80}}));
  }

  testing::Lab lab;
};

// catches: steering by the client's port, which splits one client's
// connections (and its persistence template) over workers.
TEST_F(SteeringTest, EveryConnectionOfAClientMeetsOneWorker) {
  const unsigned first = request("10.0.0.101", 1000);
  for (uint16_t port = 1001; port < 1200; ++port) EXPECT_EQ(request("10.0.0.101", port), first) << port;
}

// catches: a NAT reply or an ICMP error about the flow steered by the real
// server's address, away from the worker holding the connection.
TEST_F(SteeringTest, RepliesAndIcmpErrorsMeetTheirFlowsWorker) {
  for (unsigned i = 0; i < 32; ++i) {
    const std::string client = "10.0.0." + std::to_string(100 + i);
    const unsigned w = request(client, 5000);
    const auto reply = buildFrame({.src = {"192.168.1.20", 80}, .dst = {client, 5000}});
    EXPECT_EQ(owner(reply), w) << client;
    // The real server's port unreachable, quoting the datagram it got
    // (after NAT: from the client to the real server).
    const auto got = buildFrame({.src = {client, 5000}, .dst = {"192.168.1.20", 80}, .proto = kProtoUdp});
    EXPECT_EQ(owner(buildIcmpError("192.168.1.20", client, 3, 3, got)), w) << client;
  }
}

// catches: a hash that sends every client to one worker.
TEST_F(SteeringTest, ClientsSpreadOverEveryWorker) {
  std::set<unsigned> used;
  for (unsigned i = 0; i < 64; ++i) used.insert(request("10.0.0." + std::to_string(100 + i), 80));
  EXPECT_EQ(used.size(), kWorkers);
}

// catches: two clients of one persistence_granularity network on two
// workers, each with its own template and so its own real server.
TEST_F(SteeringTest, ClientsOfOnePersistenceNetworkMeetOneWorker) {
  lab.table->steerPrefix4 = 24;
  std::set<unsigned> used;
  for (unsigned i = 1; i < 255; ++i) used.insert(request("172.16.5." + std::to_string(i), 80));
  EXPECT_EQ(used.size(), 1u);
  std::set<unsigned> networks;
  for (unsigned n = 0; n < 64; ++n) networks.insert(request("172.16." + std::to_string(n) + ".9", 80));
  EXPECT_EQ(networks.size(), kWorkers);
}

// catches: a fragment without ports steered by the wrong address (or by
// a fwmark rule's port range, which it cannot match), away from its first
// fragment and from the client's connections.
TEST_F(SteeringTest, EveryFragmentOfADatagramMeetsItsClientsWorker) {
  FwmarkRule rule;
  rule.dst = testing::prefix("10.0.0.50", 32);
  rule.portLow = rule.portHigh = 53;
  rule.mark = 7;
  lab.table->fwmarkRules.push_back(rule);
  for (unsigned i = 0; i < 32; ++i) {
    const std::string client = "10.0.0." + std::to_string(100 + i);
    const unsigned w = request(client, 5000);
    for (const char* vip : {"10.0.0.1", "10.0.0.50"}) {
      const auto request = buildFrame({.src = {client, 5000}, .dst = {vip, 53}, .proto = kProtoUdp,
                                       .payload = std::vector<uint8_t>(3000)});
      for (const auto& f : testing::fragmentFrame(request, 1480, i)) EXPECT_EQ(owner(f), w) << client << " " << vip;
    }
    const auto reply = buildFrame({.src = {"192.168.1.20", 53}, .dst = {client, 5000}, .proto = kProtoUdp,
                                   .payload = std::vector<uint8_t>(3000)});
    for (const auto& f : testing::fragmentFrame(reply, 1480, i)) EXPECT_EQ(owner(f), w) << client;
  }
}

}  // namespace
}  // namespace sluice::dp
