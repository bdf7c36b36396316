// The FTP control messages the NAT helper reads (ftp_helper.h) and the
// sequence shifts a resized reply leaves (seq_shift.h).
#include "dataplane/ftp_helper.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "dataplane/seq_shift.h"
#include "tests/dataplane/packet_builder.h"

namespace sluice::dp {
namespace {

using testing::ip;

FtpParse reply(const std::string& s) { return parseFtpReply(reinterpret_cast<const uint8_t*>(s.data()), static_cast<uint32_t>(s.size())); }
FtpParse command(const std::string& s) {
  return parseFtpCommand(reinterpret_cast<const uint8_t*>(s.data()), static_cast<uint32_t>(s.size()));
}

TEST(FtpHelper, PassiveReplyGivesTheAddressPortAndTheSpanToRewrite) {
  const std::string line = "227 Entering Passive Mode (192,168,1,20,195,80).\r\n";
  const FtpParse m = reply(line);
  ASSERT_EQ(m.kind, FtpMessage::kPassive);
  EXPECT_EQ(m.addr, ip("192.168.1.20"));
  EXPECT_EQ(m.port, 195 * 256 + 80);
  EXPECT_EQ(line.substr(m.start, m.end - m.start), "192,168,1,20,195,80");
}

TEST(FtpHelper, PassiveReplyWithoutParenthesesIsReadFromItsFirstDigit) {
  const FtpParse m = reply("227 =10,1,2,3,4,5\r\n");
  ASSERT_EQ(m.kind, FtpMessage::kPassive);
  EXPECT_EQ(m.addr, ip("10.1.2.3"));
  EXPECT_EQ(m.port, 4 * 256 + 5);
}

TEST(FtpHelper, ExtendedPassiveReplyGivesThePort) {
  const FtpParse m = reply("229 Entering Extended Passive Mode (|||50123|)\r\n");
  ASSERT_EQ(m.kind, FtpMessage::kExtendedPassive);
  EXPECT_EQ(m.port, 50123);
  // Any delimiter RFC 2428 allows, the same one throughout.
  EXPECT_EQ(reply("229 ok (!!!21000!)\r\n").port, 21000);
  EXPECT_EQ(reply("229 ok (|!|21000|)\r\n").kind, FtpMessage::kMalformed);
}

TEST(FtpHelper, PortAndEprtCommandsGiveTheClientsEndpoint) {
  FtpParse m = command("PORT 10,0,0,101,156,64\r\n");
  ASSERT_EQ(m.kind, FtpMessage::kPort);
  EXPECT_EQ(m.addr, ip("10.0.0.101"));
  EXPECT_EQ(m.port, 156 * 256 + 64);
  EXPECT_FALSE(m.v6);

  m = command("port 10,0,0,101,0,21\n");  // commands are case-insensitive; a bare LF ends a line too
  ASSERT_EQ(m.kind, FtpMessage::kPort);
  EXPECT_EQ(m.port, 21);

  m = command("EPRT |1|10.0.0.101|40001|\r\n");
  ASSERT_EQ(m.kind, FtpMessage::kExtendedPort);
  EXPECT_EQ(m.addr, ip("10.0.0.101"));
  EXPECT_EQ(m.port, 40001);
  EXPECT_FALSE(m.v6);

  m = command("EPRT |2|fd00:10::101|40002|\r\n");
  ASSERT_EQ(m.kind, FtpMessage::kExtendedPort);
  EXPECT_EQ(m.addr, ip("fd00:10::101"));
  EXPECT_EQ(m.port, 40002);
  EXPECT_TRUE(m.v6);
}

TEST(FtpHelper, OtherLinesAreNotLookedAt) {
  for (const char* s : {"220 Welcome\r\n", "PASV\r\n", "USER anonymous\r\n", "150 Here comes the data (1,2,3,4,5,6)\r\n",
                        "", "2", " 227 (1,2,3,4,5,6)\r\n", "PORTS 1,2,3,4,5,6\r\n"}) {
    EXPECT_EQ(reply(s).kind, FtpMessage::kNone) << s;
    EXPECT_EQ(command(s).kind, FtpMessage::kNone) << s;
  }
}

TEST(FtpHelper, ALineSplitOverSegmentsIsLeftAlone) {
  // Without its line end the line may go on in the next segment: nothing
  // is read (and nothing rewritten) from either part.
  EXPECT_EQ(reply("227 Entering Passive Mode (192,168,1,20,19").kind, FtpMessage::kNone);
  EXPECT_EQ(reply("227 Entering Passive Mode (192,168,1,20,195,80)").kind, FtpMessage::kNone);
  EXPECT_EQ(reply("5,80)\r\n").kind, FtpMessage::kNone);
  EXPECT_EQ(command("PORT 10,0,0,101,156,64").kind, FtpMessage::kNone);
  EXPECT_EQ(command("EPRT |1|10.0.0.101|40001|").kind, FtpMessage::kNone);
  EXPECT_EQ(reply("22").kind, FtpMessage::kNone);
}

TEST(FtpHelper, GarbageAfterAKnownWordIsMalformed) {
  for (const char* s : {"227 Entering Passive Mode (256,0,0,1,1,1)\r\n", "227 Entering Passive Mode (1,2,3,4,5)\r\n",
                        "227 no numbers at all\r\n", "227 (1,2,3,4,0,0)\r\n", "227 (1,2,3,4,5,99999999999999)\r\n",
                        "229 Entering Extended Passive Mode (|||0|)\r\n", "229 (|||70000|)\r\n",
                        "229 Entering Extended Passive Mode\r\n", "229 (|||12)\r\n"}) {
    EXPECT_EQ(reply(s).kind, FtpMessage::kMalformed) << s;
  }
  for (const char* s : {"PORT 10,0,0,101,156\r\n", "PORT 10,0,0,101,156,64 extra\r\n", "PORT a,b,c,d,e,f\r\n",
                        "EPRT |3|10.0.0.101|40001|\r\n", "EPRT |1|10.0.0.999|40001|\r\n", "EPRT |1|fd00::1|40001|\r\n",
                        "EPRT |1|10.0.0.101|0|\r\n", "EPRT |1|10.0.0.101|40001\r\n", "EPRT 1|10.0.0.101|40001|\r\n",
                        "EPRT |2|0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001|1|\r\n"}) {
    EXPECT_EQ(command(s).kind, FtpMessage::kMalformed) << s;
  }
}

TEST(FtpHelper, EveryPrefixOfALineIsReadWithoutOverrun) {
  // Exact-size copies, so that a read past the end shows under ASan.
  const std::string lines[] = {"227 Entering Passive Mode (192,168,1,20,195,80)\r\n",
                               "229 Entering Extended Passive Mode (|||50123|)\r\n", "PORT 10,0,0,101,156,64\r\n",
                               "EPRT |2|fd00:10::101|40002|\r\n"};
  for (const std::string& line : lines) {
    for (std::size_t n = 0; n < line.size(); ++n) {
      std::unique_ptr<uint8_t[]> copy(new uint8_t[n]);
      if (n != 0) std::memcpy(copy.get(), line.data(), n);
      EXPECT_EQ(parseFtpReply(copy.get(), static_cast<uint32_t>(n)).kind, FtpMessage::kNone) << line << n;
      EXPECT_EQ(parseFtpCommand(copy.get(), static_cast<uint32_t>(n)).kind, FtpMessage::kNone) << line << n;
    }
  }
}

TEST(FtpHelper, FormatPassiveWritesTheShortestDecimals) {
  char text[kPassiveTextMax];
  uint32_t n = formatPassive(text, ip("10.0.0.1"), 50000);
  EXPECT_EQ(std::string(text, n), "10,0,0,1,195,80");
  n = formatPassive(text, ip("255.255.255.255"), 0xFFFF);
  EXPECT_EQ(std::string(text, n), "255,255,255,255,255,255");
  EXPECT_EQ(n, kPassiveTextMax);
  n = formatPassive(text, ip("1.2.3.4"), 1);
  EXPECT_EQ(std::string(text, n), "1,2,3,4,0,1");
}

TEST(FtpHelper, SpliceGrowsAndShrinksInPlaceWithinItsRoom) {
  std::string buf = "227 (1,2,3,4,5,6).\r\n";
  const uint32_t len = static_cast<uint32_t>(buf.size());
  buf.resize(64, '#');
  auto* b = reinterpret_cast<uint8_t*>(buf.data());
  // Grow: "1,2,3,4,5,6" (11) becomes 23 bytes.
  ASSERT_TRUE(spliceText(b, len, 64, 5, 16, "255,255,255,255,255,255", 23));
  EXPECT_EQ(buf.substr(0, len + 12), "227 (255,255,255,255,255,255).\r\n");
  // Shrink it back.
  ASSERT_TRUE(spliceText(b, len + 12, 64, 5, 28, "1,2,3,4,5,6", 11));
  EXPECT_EQ(buf.substr(0, len), "227 (1,2,3,4,5,6).\r\n");
  // No room: nothing changes.
  EXPECT_FALSE(spliceText(b, len, len + 11, 5, 16, "255,255,255,255,255,255", 23));
  EXPECT_EQ(buf.substr(0, len), "227 (1,2,3,4,5,6).\r\n");
  EXPECT_FALSE(spliceText(b, len, 64, 16, 5, "x", 1));  // a reversed span
}

TEST(SeqShift, AResizeShiftsLaterSequenceNumbersAndTheirAcksBack) {
  SeqShift s;
  bool used = false;
  recordResize(s, used, 5000, 8);  // the segment at 5000 grew by 8
  EXPECT_TRUE(used);
  EXPECT_EQ(shiftSeq(s, 5000), 5000u);  // the resized segment itself keeps its number
  EXPECT_EQ(shiftSeq(s, 4000), 4000u);  // so does anything before it
  EXPECT_EQ(shiftSeq(s, 5050), 5058u);  // later ones move
  // The receiver acks in its numbering: up to the segment, unchanged; past it, back by 8.
  EXPECT_EQ(unshiftAck(s, 5000), 5000u);
  EXPECT_EQ(unshiftAck(s, 5058), 5050u);
  // A retransmission of the resized segment changes nothing more.
  recordResize(s, used, 5000, 8);
  EXPECT_EQ(s.delta, 8u);
  // A second resize, shrinking by 3, later on.
  recordResize(s, used, 6000, -3);
  EXPECT_EQ(s.previousDelta, 8u);
  EXPECT_EQ(s.delta, 5u);
  EXPECT_EQ(shiftSeq(s, 6000), 6008u);
  EXPECT_EQ(shiftSeq(s, 6100), 6105u);
  EXPECT_EQ(unshiftAck(s, 6008), 6000u);  // up to the shrunk segment
  EXPECT_EQ(unshiftAck(s, 6105), 6100u);
}

TEST(SeqShift, ShiftsWrapAroundTheSequenceSpace) {
  SeqShift s;
  bool used = false;
  recordResize(s, used, 0xFFFFFFF0u, -4);
  EXPECT_EQ(shiftSeq(s, 0x10), 0x0Cu);  // after the wrap, still after the resize
  EXPECT_EQ(unshiftAck(s, 0x0C), 0x10u);
  EXPECT_EQ(shiftSeq(s, 0xFFFFFF00u), 0xFFFFFF00u);
}

}  // namespace
}  // namespace sluice::dp
