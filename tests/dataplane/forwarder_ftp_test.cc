// The FTP helper of NAT services in the forwarder: passive replies
// rewritten to the VIP with the control connection's seq/ack shifted
// after a length change, and the data connections' entries (passive,
// waiting for the client's port; active, from the real server's port 20).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataplane/forwarder.h"
#include "tests/dataplane/packet_builder.h"
#include "tests/dataplane/test_table.h"

namespace sluice::dp {
namespace {

using testing::buildFrame;
using testing::checkChecksums;
using testing::ip;
using testing::kExt;
using testing::kInt;
using testing::Lab;

struct FtpSent {
  Verdict verdict;
  std::vector<uint8_t> frame;  // as sent: cut to the verdict's length
  ParsedPacket parsed;

  uint32_t seq() const { return loadBe32(&frame[parsed.l4Offset + 4]); }
  uint32_t ack() const { return loadBe32(&frame[parsed.l4Offset + 8]); }
  std::string payload() const {
    const uint32_t start = parsed.l4Offset + (frame[parsed.l4Offset + 12] >> 4) * 4u;
    return std::string(frame.begin() + start, frame.begin() + parsed.l3End);
  }
};

std::vector<uint8_t> bytesOf(const std::string& s) { return {s.begin(), s.end()}; }

// One control connection (client 10.0.0.101:40000 or fd00:10::101:40000)
// to an FTP service on port 21 with one NAT real server, .20.
struct FtpLab {
  Lab lab;
  Forwarder f{0, 1024, ConnTimeouts{}};
  std::string vip;
  std::string client;
  std::string rs;
  uint32_t clientSeq = 100;   // the client's next sequence number
  uint32_t serverSeq = 5000;  // the real server's

  // byMark: a fwmark service (rr, no persistence) over ports 21 and
  // 50000-50100 of the VIP, its two real servers on port 0 (each packet's
  // port), instead of VIP:21.
  explicit FtpLab(const std::string& vipAddress = "10.0.0.1", bool helper = true, bool syncSend = false,
                  bool byMark = false)
      : vip(vipAddress) {
    const bool v6 = vip.find(':') != std::string::npos;
    client = v6 ? "fd00:10::101" : "10.0.0.101";
    rs = v6 ? "fd00:192:168:1::20" : "192.168.1.20";
    if (byMark) {
      Service& s = lab.addService(vip, 0, 0, {1, 1});
      s.byMark = true;
      s.mark = 21;
      lab.table->servers[0].port = 0;
      lab.table->servers[1].port = 0;
      lab.table->fwmarkRules = {FwmarkRule{testing::prefix(vip, 32), kProtoTcp, 21, 21, 21},
                                FwmarkRule{testing::prefix(vip, 32), kProtoTcp, 50000, 50100, 21}};
    } else {
      lab.addService(vip, 21, kProtoTcp, {1});
    }
    if (helper) {
      lab.table->ftpPorts[0] = 21;
      lab.table->ftpPortCount = 1;
    }
    lab.table->sync.send = syncSend;
    lab.attach(f);
  }

  // A frame through the forwarder with `tailroom` bytes of room after it.
  FtpSent pass(std::vector<uint8_t> frame, uint16_t tailroom = 64) {
    const auto len = static_cast<uint32_t>(frame.size());
    frame.resize(len + tailroom, 0xEE);
    FtpSent s;
    s.verdict = f.process(frame.data(), len, 1000, kNoPort, 0, tailroom);
    frame.resize(s.verdict.length != 0 ? s.verdict.length : len);
    s.frame = std::move(frame);
    s.parsed = parsePacket(s.frame.data(), static_cast<uint32_t>(s.frame.size()));
    return s;
  }

  FtpSent fromClient(uint8_t flags, const std::string& text = "", uint16_t cport = 40000, uint16_t vport = 21,
                     std::vector<uint8_t> options = {}) {
    FtpSent s = pass(buildFrame({.src = {client, cport}, .dst = {vip, vport}, .tcpFlags = flags, .payload = bytesOf(text),
                                 .seq = clientSeq, .ack = serverSeq, .tcpOptions = std::move(options)}));
    clientSeq += static_cast<uint32_t>(text.size()) + ((flags & kTcpSyn) ? 1 : 0);
    return s;
  }

  // `ack`: what the server acknowledges (the client's numbering as the
  // server sees it, which the helper never shifts here).
  FtpSent fromServer(uint8_t flags, const std::string& text = "", uint16_t tailroom = 64, uint16_t sport = 21,
                     uint16_t cport = 40000) {
    FtpSent s = pass(buildFrame({.src = {rs, sport}, .dst = {client, cport}, .tcpFlags = flags, .payload = bytesOf(text),
                                 .seq = serverSeq, .ack = clientSeq}),
                     tailroom);
    if (s.verdict.kind == Verdict::Kind::kTransmit) {
      serverSeq += static_cast<uint32_t>(text.size()) + ((flags & kTcpSyn) ? 1 : 0);
    }
    return s;
  }

  void handshake() {
    ASSERT_EQ(fromClient(kTcpSyn).verdict.kind, Verdict::Kind::kTransmit);
    ASSERT_EQ(fromServer(kTcpSyn | kTcpAck).verdict.kind, Verdict::Kind::kTransmit);
    ASSERT_EQ(fromClient(kTcpAck).verdict.kind, Verdict::Kind::kTransmit);
  }

  uint64_t drops(DropReason r) const { return f.counters().drops[static_cast<std::size_t>(r)].get(); }
};

constexpr uint8_t kPshAck = kTcpAck | 0x08;
const std::string kPasv = "227 Entering Passive Mode (192,168,1,20,195,80).\r\n";  // port 50000

TEST(ForwarderFtp, PassiveReplyGrowsToTheVipAndLaterSegmentsAreShiftedBothWays) {
  FtpLab ftp("203.0.113.100");  // "203,0,113,100" is one byte longer than "192,168,1,20"
  ftp.handshake();
  const uint32_t replySeq = ftp.serverSeq;

  // No room after the frame: dropped, nothing recorded.
  FtpSent cramped = ftp.fromServer(kPshAck, kPasv, 0);
  EXPECT_EQ(cramped.verdict.kind, Verdict::Kind::kDrop);
  EXPECT_EQ(cramped.verdict.reason, DropReason::kFtpNoTailroom);
  EXPECT_EQ(ftp.drops(DropReason::kFtpNoTailroom), 1u);
  EXPECT_EQ(ftp.f.counters().ftpDataEntries.get(), 0u);

  FtpSent r = ftp.fromServer(kPshAck, kPasv);
  ASSERT_EQ(r.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(r.verdict.port, kExt);
  EXPECT_EQ(r.verdict.length, 14 + 20 + 20 + kPasv.size() + 1);
  EXPECT_EQ(r.payload(), "227 Entering Passive Mode (203,0,113,100,195,80).\r\n");
  EXPECT_EQ(r.parsed.tuple.src, ip("203.0.113.100"));
  EXPECT_EQ(r.parsed.tuple.srcPort, 21);
  EXPECT_EQ(r.seq(), replySeq);  // the resized segment keeps its number
  EXPECT_EQ(checkChecksums(r.frame), "");
  EXPECT_EQ(ftp.f.counters().ftpRewrites.get(), 1u);
  EXPECT_EQ(ftp.f.counters().ftpDataEntries.get(), 1u);

  // The server's next segment: one byte further on for the client.
  const uint32_t nextSeq = ftp.serverSeq;
  FtpSent next = ftp.fromServer(kPshAck, "150 Here it comes.\r\n");
  ASSERT_EQ(next.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(next.seq(), nextSeq + 1);
  EXPECT_EQ(next.verdict.length, 0u);
  EXPECT_EQ(checkChecksums(next.frame), "");

  // The client acknowledges everything in its numbering (one byte more);
  // the server gets its own numbers back, SACK edges included.
  const uint32_t clientSees = ftp.serverSeq + 1;
  ftp.serverSeq = clientSees;  // fromClient acks serverSeq
  const std::vector<uint8_t> sack = {1, 1, 5, 10, 0, 0, 0, 0, 0, 0, 0, 0};  // NOP NOP SACK(left, right)
  std::vector<uint8_t> options = sack;
  storeBe32(&options[4], clientSees + 100);
  storeBe32(&options[8], clientSees + 200);
  FtpSent ack = ftp.fromClient(kTcpAck, "", 40000, 21, options);
  ASSERT_EQ(ack.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(ack.parsed.tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(ack.ack(), clientSees - 1);
  EXPECT_EQ(loadBe32(&ack.frame[ack.parsed.l4Offset + 24]), clientSees + 99);
  EXPECT_EQ(loadBe32(&ack.frame[ack.parsed.l4Offset + 28]), clientSees + 199);
  EXPECT_EQ(checkChecksums(ack.frame), "");
  ftp.serverSeq = clientSees - 1;

  // An acknowledgement of the bytes before the reply is left as it was.
  const uint32_t saved = ftp.serverSeq;
  ftp.serverSeq = replySeq;
  EXPECT_EQ(ftp.fromClient(kTcpAck).ack(), replySeq);
  ftp.serverSeq = saved;

  // A retransmission of the reply is rewritten again but shifts nothing more.
  ftp.serverSeq = replySeq;
  FtpSent again = ftp.fromServer(kPshAck, kPasv);
  EXPECT_EQ(again.seq(), replySeq);
  EXPECT_EQ(again.payload(), "227 Entering Passive Mode (203,0,113,100,195,80).\r\n");
  EXPECT_EQ(ftp.f.counters().ftpDataEntries.get(), 1u);  // the same entry, refreshed
  ftp.serverSeq = saved;
  EXPECT_EQ(ftp.fromServer(kPshAck, "226 Done.\r\n").seq(), saved + 1);
}

TEST(ForwarderFtp, PassiveReplyShrinksAndTheDataConnectionReachesTheSameServer) {
  FtpLab ftp("10.0.0.1");  // "10,0,0,1": four bytes shorter
  ftp.handshake();
  FtpSent r = ftp.fromServer(kPshAck, kPasv);
  ASSERT_EQ(r.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(r.payload(), "227 Entering Passive Mode (10,0,0,1,195,80).\r\n");
  EXPECT_EQ(r.verdict.length, 14 + 20 + 20 + kPasv.size() - 4);
  EXPECT_EQ(checkChecksums(r.frame), "");
  const uint32_t after = ftp.serverSeq;
  EXPECT_EQ(ftp.fromServer(kPshAck, "150 ok\r\n").seq(), after - 4);
  ftp.serverSeq -= 4;  // the client's numbering
  const uint32_t clientAcks = ftp.serverSeq;
  EXPECT_EQ(ftp.fromClient(kTcpAck).ack(), clientAcks + 4);
  ftp.serverSeq += 4;

  // The data connection from any client port lands on the real server's
  // passive port, and its replies leave from the VIP.
  const uint64_t connsBefore = ftp.f.counters().dests[0].conns.get();
  FtpSent data = ftp.pass(buildFrame({.src = {"10.0.0.101", 40100}, .dst = {"10.0.0.1", 50000}, .tcpFlags = kTcpSyn}));
  ASSERT_EQ(data.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(data.verdict.port, kInt);
  EXPECT_EQ(data.parsed.tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(data.parsed.tuple.dstPort, 50000);
  EXPECT_EQ(data.parsed.tuple.srcPort, 40100);
  EXPECT_EQ(checkChecksums(data.frame), "");
  EXPECT_EQ(ftp.f.counters().dests[0].conns.get(), connsBefore);  // counted when the reply made it
  FtpSent synAck = ftp.pass(
      buildFrame({.src = {"192.168.1.20", 50000}, .dst = {"10.0.0.101", 40100}, .tcpFlags = kTcpSyn | kTcpAck}));
  ASSERT_EQ(synAck.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(synAck.parsed.tuple.src, ip("10.0.0.1"));
  EXPECT_EQ(synAck.parsed.tuple.srcPort, 50000);

  // The entry now has its port: another connection to that port is not it.
  FtpSent other = ftp.pass(buildFrame({.src = {"10.0.0.101", 40101}, .dst = {"10.0.0.1", 50000}, .tcpFlags = kTcpSyn}));
  EXPECT_EQ(other.verdict.kind, Verdict::Kind::kDrop);  // no service on VIP:50000
  // Nor does another client get it.
  FtpSent stranger =
      ftp.pass(buildFrame({.src = {"10.0.0.102", 40100}, .dst = {"10.0.0.1", 50000}, .tcpFlags = kTcpSyn}));
  EXPECT_EQ(stranger.verdict.kind, Verdict::Kind::kDrop);
}

TEST(ForwarderFtp, AFwmarkServiceCoveringPort21IsReadToo) {
  FtpLab ftp("10.0.0.1", true, false, /*byMark=*/true);
  ftp.handshake();  // rr: the first server, .20
  FtpSent r = ftp.fromServer(kPshAck, kPasv);
  ASSERT_EQ(r.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(r.payload(), "227 Entering Passive Mode (10,0,0,1,195,80).\r\n");
  EXPECT_EQ(ftp.f.counters().ftpDataEntries.get(), 1u);
  // The data connection takes the entry the reply made, on the control
  // connection's server and port (rr alone would pick .21 next).
  FtpSent data = ftp.pass(buildFrame({.src = {"10.0.0.101", 40500}, .dst = {"10.0.0.1", 50000}, .tcpFlags = kTcpSyn}));
  ASSERT_EQ(data.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(data.parsed.tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(data.parsed.tuple.dstPort, 50000);
  // A connection to another port of the mark is the service's own: rr.
  FtpSent other = ftp.pass(buildFrame({.src = {"10.0.0.101", 40501}, .dst = {"10.0.0.1", 50001}, .tcpFlags = kTcpSyn}));
  ASSERT_EQ(other.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(other.parsed.tuple.dst, ip("192.168.1.21"));
  EXPECT_EQ(ftp.f.counters().ftpDataEntries.get(), 1u);
}

TEST(ForwarderFtp, ExtendedPassiveReplyOpensTheDataEntryWithoutARewrite) {
  FtpLab ftp;
  ftp.handshake();
  const std::string epsv = "229 Entering Extended Passive Mode (|||50001|)\r\n";
  const uint32_t seq = ftp.serverSeq;
  FtpSent r = ftp.fromServer(kPshAck, epsv);
  ASSERT_EQ(r.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(r.payload(), epsv);
  EXPECT_EQ(r.verdict.length, 0u);
  EXPECT_EQ(r.seq(), seq);
  EXPECT_EQ(ftp.f.counters().ftpRewrites.get(), 0u);
  EXPECT_EQ(ftp.f.counters().ftpDataEntries.get(), 1u);
  EXPECT_EQ(ftp.fromServer(kPshAck, "150 ok\r\n").seq(), seq + epsv.size());  // no shift

  FtpSent data = ftp.pass(buildFrame({.src = {"10.0.0.101", 40200}, .dst = {"10.0.0.1", 50001}, .tcpFlags = kTcpSyn}));
  ASSERT_EQ(data.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(data.parsed.tuple.dst, ip("192.168.1.20"));
  EXPECT_EQ(data.parsed.tuple.dstPort, 50001);
}

TEST(ForwarderFtp, ExtendedPassiveOverIpv6) {
  FtpLab ftp("fd00:10::1");
  ftp.handshake();
  FtpSent r = ftp.fromServer(kPshAck, "229 Entering Extended Passive Mode (|||50002|)\r\n");
  ASSERT_EQ(r.verdict.kind, Verdict::Kind::kTransmit);
  FtpSent data =
      ftp.pass(buildFrame({.src = {"fd00:10::101", 40300}, .dst = {"fd00:10::1", 50002}, .tcpFlags = kTcpSyn}));
  ASSERT_EQ(data.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(data.parsed.tuple.dst, ip("fd00:192:168:1::20"));
  EXPECT_EQ(data.parsed.tuple.dstPort, 50002);
  EXPECT_EQ(checkChecksums(data.frame), "");
}

// The real server's active data connection, from its port 20 to the
// client's announced port, and the client's answer.
void expectActiveDataConnection(FtpLab& ftp, uint16_t clientPort) {
  FtpSent syn = ftp.pass(buildFrame({.src = {ftp.rs, 20}, .dst = {ftp.client, clientPort}, .tcpFlags = kTcpSyn}));
  ASSERT_EQ(syn.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(syn.verdict.port, kExt);
  EXPECT_EQ(syn.parsed.tuple.src, ip(ftp.vip));
  EXPECT_EQ(syn.parsed.tuple.srcPort, 20);
  EXPECT_EQ(syn.parsed.tuple.dstPort, clientPort);
  EXPECT_EQ(checkChecksums(syn.frame), "");
  FtpSent answer = ftp.pass(
      buildFrame({.src = {ftp.client, clientPort}, .dst = {ftp.vip, 20}, .tcpFlags = kTcpSyn | kTcpAck}));
  ASSERT_EQ(answer.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(answer.verdict.port, kInt);
  EXPECT_EQ(answer.parsed.tuple.dst, ip(ftp.rs));
  EXPECT_EQ(answer.parsed.tuple.dstPort, 20);
}

TEST(ForwarderFtp, PortCommandOpensTheActiveDataEntry) {
  FtpLab ftp;
  ftp.handshake();
  const std::string port = "PORT 10,0,0,101,156,100\r\n";  // 40036
  FtpSent c = ftp.fromClient(kPshAck, port, 40000);
  ASSERT_EQ(c.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(c.payload(), port);  // commands are never rewritten
  EXPECT_EQ(ftp.f.counters().ftpDataEntries.get(), 1u);
  expectActiveDataConnection(ftp, 40036);
}

TEST(ForwarderFtp, EprtCommandsOpenTheActiveDataEntryInBothFamilies) {
  FtpLab v4;
  v4.handshake();
  ASSERT_EQ(v4.fromClient(kPshAck, "EPRT |1|10.0.0.101|41000|\r\n").verdict.kind, Verdict::Kind::kTransmit);
  expectActiveDataConnection(v4, 41000);

  FtpLab v6("fd00:10::1");
  v6.handshake();
  ASSERT_EQ(v6.fromClient(kPshAck, "EPRT |2|fd00:10::101|41001|\r\n").verdict.kind, Verdict::Kind::kTransmit);
  expectActiveDataConnection(v6, 41001);
}

TEST(ForwarderFtp, PortForAnotherHostOpensNothing) {
  FtpLab ftp;
  ftp.handshake();
  ASSERT_EQ(ftp.fromClient(kPshAck, "PORT 10,0,0,102,156,64\r\n").verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(ftp.f.counters().ftpDataEntries.get(), 0u);
  EXPECT_EQ(ftp.f.counters().ftpMalformed.get(), 1u);
  FtpSent syn = ftp.pass(buildFrame({.src = {"192.168.1.20", 20}, .dst = {"10.0.0.102", 40000}, .tcpFlags = kTcpSyn}));
  EXPECT_EQ(syn.verdict.kind, Verdict::Kind::kDrop);
}

TEST(ForwarderFtp, WithoutTheHelperRepliesPassUnread) {
  FtpLab ftp("10.0.0.1", /*helper=*/false);
  ftp.handshake();
  FtpSent r = ftp.fromServer(kPshAck, kPasv);
  ASSERT_EQ(r.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(r.payload(), kPasv);
  EXPECT_EQ(ftp.f.counters().ftpDataEntries.get(), 0u);
}

TEST(ForwarderFtp, SyncCarriesTheShiftsAndABackupAppliesThem) {
  FtpLab master("10.0.0.1", true, /*syncSend=*/true);
  master.handshake();  // the client's SYN and ACK: two packets
  master.f.clearSyncRecords();
  ASSERT_EQ(master.fromServer(kPshAck, kPasv).verdict.kind, Verdict::Kind::kTransmit);
  master.serverSeq -= 4;  // the client acks in its numbering
  ASSERT_EQ(master.fromClient(kTcpAck).verdict.kind, Verdict::Kind::kTransmit);  // its third: synced
  master.serverSeq += 4;
  const ConnRecord* control = nullptr;
  for (const ConnRecord& r : master.f.syncRecords()) {
    if (r.vipPort == 21) control = &r;
  }
  ASSERT_NE(control, nullptr);
  ASSERT_TRUE(control->hasSeq);
  EXPECT_TRUE(control->seq.outUsed);
  EXPECT_FALSE(control->seq.inUsed);
  EXPECT_EQ(control->seq.out.delta, static_cast<uint32_t>(-4));
  EXPECT_EQ(control->seq.out.initSeq, 5001u);

  // A backup takes the connection over with its shifts.
  FtpLab backup;
  ASSERT_TRUE(backup.f.installSynced(*control, 1000));
  backup.serverSeq = master.serverSeq;
  backup.clientSeq = master.clientSeq;
  FtpSent next = backup.fromServer(kPshAck, "150 ok\r\n");
  ASSERT_EQ(next.verdict.kind, Verdict::Kind::kTransmit);
  EXPECT_EQ(next.seq(), master.serverSeq - 4);
  EXPECT_EQ(checkChecksums(next.frame), "");
}

}  // namespace
}  // namespace sluice::dp
