// Version 0 (the legacy format, IPv4 only) is decoded: a 4-byte header
// whose first byte is the (non-zero) entry count, 24-byte entries with
// 16-bit flags, and 24 bytes of sequence data in the sender's byte order
// after an entry whose flags carry IP_VS_CONN_F_SEQ_MASK.
#include <gtest/gtest.h>

#include <vector>

#include "sync/message.h"
#include "tests/sync/test_support.h"

namespace sluice::sync {
namespace {

using test::ip;
using test::put16;
using test::put8;
using test::putAddress;
using test::sized;

using Bytes = std::vector<uint8_t>;

Bytes v0Entry(uint8_t protocol, uint16_t cport, const std::string& daddr, uint16_t flags, uint16_t state) {
  Bytes b;
  put8(b, 0), put8(b, protocol), put16(b, cport), put16(b, 80), put16(b, 8080);
  putAddress(b, "10.0.0.101"), putAddress(b, "10.0.0.1"), putAddress(b, daddr);
  put16(b, flags), put16(b, state);
  return b;
}

// Sequence data as an x86 kernel copies it: host (little-endian) order.
Bytes v0Seq() {
  Bytes b;
  for (uint32_t v : {0x01020304u, 0x00000010u, 0xfffffff0u, 0xa0b0c0d0u, 0u, 7u}) {
    for (int i = 0; i < 4; ++i) put8(b, (v >> (8 * i)) & 0xff);
  }
  return b;
}

Bytes v0Message(uint8_t count, const std::vector<Bytes>& parts, uint8_t syncId = 7) {
  Bytes b;
  put8(b, count), put8(b, syncId), put16(b, 0);
  for (const Bytes& p : parts) b.insert(b.end(), p.begin(), p.end());
  return sized(b);
}

Bytes sample() {
  return v0Message(3, {v0Entry(6, 40000, "192.168.1.20", 0x0100, 5),
                       v0Entry(6, 40001, "192.168.1.21", 0x0600, 1), v0Seq(),
                       v0Entry(17, 0, "192.168.1.22", 0x1100, 1)});
}

TEST(SyncV0, Decodes) {
  const auto r = decodeMessage(sample(), 7);
  ASSERT_TRUE(r.ok()) << decodeErrorName(r.error) << " at " << r.offset;
  EXPECT_EQ(r.message.version, MessageVersion::kV0);
  EXPECT_EQ(r.message.syncId, 7);
  ASSERT_EQ(r.message.entries.size(), 3u);

  const Entry& a = r.message.entries[0];
  EXPECT_EQ(a.protocol, ip_protocol::kTcp);
  EXPECT_EQ(a.client, ip("10.0.0.101"));
  EXPECT_EQ(a.virtualAddress, ip("10.0.0.1"));
  EXPECT_EQ(a.destination, ip("192.168.1.20"));
  EXPECT_EQ(a.clientPort, 40000);
  EXPECT_EQ(a.virtualPort, 80);
  EXPECT_EQ(a.destinationPort, 8080);
  EXPECT_EQ(a.flags, conn_flags::kInactive);
  EXPECT_EQ(stateName(a), "TIME_WAIT");
  EXPECT_EQ(a.timeoutSeconds, 0u);  // not in version 0: the receiver's default
  EXPECT_EQ(a.fwmark, 0u);
  EXPECT_FALSE(a.seq);

  const Entry& b = r.message.entries[1];
  ASSERT_TRUE(b.seq);
  EXPECT_EQ(b.seq->in, (SeqAdjust{0x01020304, 0x10, 0xfffffff0}));
  EXPECT_EQ(b.seq->out, (SeqAdjust{0xa0b0c0d0, 0, 7}));

  const Entry& t = r.message.entries[2];
  EXPECT_TRUE(t.isTemplate());
  EXPECT_EQ(stateName(t), "ASSURED");
}

// Decoded version-0 entries encode as version 1 (a sluice master speaks 1).
TEST(SyncV0, ReencodesAsVersion1) {
  const auto r = decodeMessage(sample(), 7);
  ASSERT_TRUE(r.ok());
  MessageBuilder m(7);
  for (const Entry& e : r.message.entries) ASSERT_TRUE(m.add(e));
  const auto again = decodeMessage(m.bytes(), 7);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.message.version, MessageVersion::kV1);
  EXPECT_EQ(again.message.entries, r.message.entries);
}

TEST(SyncV0, Refusals) {
  struct Case {
    const char* name;
    Bytes datagram;
    DecodeError error;
    std::size_t offset;
  };
  const Bytes one = v0Entry(6, 1, "192.168.1.20", 0, 1);
  const std::vector<Case> cases = {
      {"count_above_entries", v0Message(2, {one}), DecodeError::kTruncatedEntry, 28},
      {"entry_cut", v0Message(1, {Bytes(one.begin(), one.begin() + 20)}), DecodeError::kTruncatedEntry, 4},
      {"seq_data_missing", v0Message(1, {v0Entry(6, 1, "192.168.1.20", 0x0200, 1)}), DecodeError::kTruncatedEntry,
       28},
      {"seq_data_cut", v0Message(1, {v0Entry(6, 1, "192.168.1.20", 0x0400, 1), Bytes(23, 0)}),
       DecodeError::kTruncatedEntry, 28},
      {"trailing_bytes", v0Message(1, {one, Bytes(4, 0)}), DecodeError::kTrailingBytes, 28},
      {"unknown_protocol", v0Message(1, {v0Entry(1, 1, "192.168.1.20", 0, 0)}), DecodeError::kUnknownProtocol, 5},
      {"bad_tcp_state", v0Message(1, {v0Entry(6, 1, "192.168.1.20", 0, 11)}), DecodeError::kBadState, 26},
      {"bad_udp_state_after_seq", v0Message(1, {v0Entry(17, 1, "192.168.1.20", 0x0600, 2), v0Seq()}),
       DecodeError::kBadState, 26},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto r = decodeMessage(c.datagram, 7);
    EXPECT_EQ(decodeErrorName(r.error), decodeErrorName(c.error));
    EXPECT_EQ(r.offset, c.offset);
    EXPECT_TRUE(r.message.entries.empty());
  }
  // The header checks come first, for both versions.
  EXPECT_EQ(decodeMessage(v0Message(1, {one}, 9), 7).error, DecodeError::kWrongSyncId);
  Bytes wrongSize = v0Message(1, {one});
  wrongSize[3] ^= 1;
  EXPECT_EQ(decodeMessage(wrongSize, 7).error, DecodeError::kBadSize);
}

}  // namespace
}  // namespace sluice::sync
