// The state and protocol names ipvsadm -Lnc prints.
#include <gtest/gtest.h>

#include "sync/entry.h"
#include "sync/protocol.h"

namespace sluice::sync {
namespace {

TEST(SyncNames, TcpStates) {
  const char* expected[] = {"NONE",      "ESTABLISHED", "SYN_SENT",   "SYN_RECV", "FIN_WAIT", "TIME_WAIT",
                            "CLOSE",     "CLOSE_WAIT",  "LAST_ACK",   "LISTEN",   "SYNACK"};
  for (uint16_t s = 0; s < kTcpStateCount; ++s) {
    EXPECT_EQ(tcpStateName(s), expected[s]) << s;
    EXPECT_EQ(stateName(ip_protocol::kTcp, s, false), expected[s]) << s;
  }
  EXPECT_EQ(tcpStateName(static_cast<uint16_t>(TcpState::kSynRecv)), "SYN_RECV");
  EXPECT_EQ(tcpStateName(kTcpStateCount), "ERR!");
  EXPECT_EQ(tcpStateName(0xffff), "ERR!");
}

TEST(SyncNames, OtherProtocolsAndTemplates) {
  EXPECT_EQ(stateName(ip_protocol::kUdp, kUdpStateNormal, false), "UDP");
  EXPECT_EQ(stateName(ip_protocol::kUdp, 1, false), "ERR!");
  EXPECT_EQ(stateName(ip_protocol::kSctp, 0, false), "NONE");
  EXPECT_EQ(stateName(ip_protocol::kSctp, 8, false), "ESTABLISHED");
  EXPECT_EQ(stateName(ip_protocol::kSctp, 13, false), "CLOSED");
  EXPECT_EQ(stateName(ip_protocol::kSctp, 14, false), "ERR!");
  EXPECT_EQ(stateName(ip_protocol::kIp, 0, false), "NONE");
  EXPECT_EQ(stateName(ip_protocol::kAh, 0, false), "ERR!");
  EXPECT_EQ(stateName(99, 0, false), "ERR!");
  // Templates: whatever the protocol.
  EXPECT_EQ(stateName(ip_protocol::kTcp, kTemplateStateNone, true), "NONE");
  EXPECT_EQ(stateName(ip_protocol::kUdp, kTemplateStateAssured, true), "ASSURED");
  EXPECT_EQ(stateName(ip_protocol::kTcp, 2, true), "ERR!");
}

TEST(SyncNames, Protocols) {
  EXPECT_EQ(protocolName(ip_protocol::kTcp), "TCP");
  EXPECT_EQ(protocolName(ip_protocol::kUdp), "UDP");
  EXPECT_EQ(protocolName(ip_protocol::kSctp), "SCTP");
  EXPECT_EQ(protocolName(ip_protocol::kIp), "IP");
  EXPECT_EQ(protocolName(50), "IP_50");
}

TEST(SyncNames, StateCounts) {
  EXPECT_EQ(stateCount(ip_protocol::kTcp), 11);
  EXPECT_EQ(stateCount(ip_protocol::kUdp), 1);
  EXPECT_EQ(stateCount(ip_protocol::kSctp), 14);
  EXPECT_EQ(stateCount(ip_protocol::kAh), 1);
  EXPECT_EQ(stateCount(ip_protocol::kEsp), 1);
  EXPECT_EQ(stateCount(ip_protocol::kIp), 0);
  EXPECT_EQ(forwardMethod(0x1103), ForwardMethod::kDirectRoute);
  EXPECT_EQ(forwardMethod(conn_flags::kInactive), ForwardMethod::kMasquerade);
}

}  // namespace
}  // namespace sluice::sync
