// The version-1 codec: a known answer written field by field from the
// kernel's layouts, round trips, maxlen and the entry count limit, options.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "sync/message.h"
#include "tests/sync/test_support.h"

namespace sluice::sync {
namespace {

using test::connection;
using test::fromHex;
using test::ip;
using test::put16;
using test::put32;
using test::put8;
using test::putAddress;
using test::sized;
using test::toHex;

std::vector<uint8_t> bytesOf(const MessageBuilder& m) { return {m.bytes().begin(), m.bytes().end()}; }

// An IPv4 TCP connection with sequence data, then an IPv6 UDP one.
Entry seqEntry() {
  Entry e = connection("10.0.0.101", 0x9762, "10.0.0.1", 80, "192.168.1.20", 80);
  e.flags = conn_flags::kInSeq | conn_flags::kOutSeq;
  e.seq = SeqOptions{.in = {0x11111111, 0x22222222, 0x33333333}, .out = {0x44444444, 0x55555555, 0x66666666}};
  return e;
}

Entry udp6Entry() {
  Entry e = connection("fd00:10::101", 1234, "fd00:10::1", 53, "fd00:192:168:1::20", 53, 0, 300);
  e.protocol = ip_protocol::kUdp;
  e.flags = conn_flags::kInactive | static_cast<uint32_t>(ForwardMethod::kDirectRoute);
  e.fwmark = 7;
  return e;
}

// The same two entries, byte by byte from ip_vs_sync.c's layouts.
std::vector<uint8_t> handBuilt() {
  std::vector<uint8_t> b;
  put8(b, 0), put8(b, 7), put16(b, 144), put8(b, 2), put8(b, 1), put16(b, 0);  // header
  // IPv4 entry: 36 bytes + the 26-byte option = 62.
  put8(b, 0), put8(b, 6), put16(b, 62);
  put32(b, 0x0600), put16(b, 1), put16(b, 0x9762), put16(b, 80), put16(b, 80);
  put32(b, 0), put32(b, 900);
  putAddress(b, "10.0.0.101"), putAddress(b, "10.0.0.1"), putAddress(b, "192.168.1.20");
  put8(b, 1), put8(b, 24);
  for (uint32_t v : {0x11111111u, 0x22222222u, 0x33333333u, 0x44444444u, 0x55555555u, 0x66666666u}) put32(b, v);
  put16(b, 0);  // 70 -> 72: the next entry starts on 4 bytes
  // IPv6 entry: 72 bytes, type 1.
  put8(b, 1), put8(b, 17), put16(b, 72);
  put32(b, 0x0103), put16(b, 0), put16(b, 1234), put16(b, 53), put16(b, 53);
  put32(b, 7), put32(b, 300);
  putAddress(b, "fd00:10::101"), putAddress(b, "fd00:10::1"), putAddress(b, "fd00:192:168:1::20");
  return b;
}

TEST(SyncCodec, EmptyMessageIsTheHeaderAlone) {
  MessageBuilder m(42);
  EXPECT_EQ(toHex(m.bytes()), "002a000800010000");
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.entries(), 0u);
  EXPECT_EQ(m.maxLength(), kDefaultMaxLength);
  EXPECT_EQ(m.syncId(), 42);
}

TEST(SyncCodec, EncodesTheKernelLayoutByteForByte) {
  MessageBuilder m(7);
  ASSERT_TRUE(m.add(seqEntry()));
  ASSERT_TRUE(m.add(udp6Entry()));
  EXPECT_EQ(toHex(m.bytes()), toHex(handBuilt()));
  EXPECT_EQ(m.entries(), 2u);
  EXPECT_EQ(m.size(), 144u);
}

TEST(SyncCodec, DecodesTheKernelLayout) {
  const auto r = decodeMessage(handBuilt(), 7);
  ASSERT_TRUE(r.ok()) << decodeErrorName(r.error) << " at " << r.offset;
  EXPECT_EQ(r.message.version, MessageVersion::kV1);
  EXPECT_EQ(r.message.syncId, 7);
  ASSERT_EQ(r.message.entries.size(), 2u);
  EXPECT_EQ(r.message.entries[0], seqEntry());
  EXPECT_EQ(r.message.entries[1], udp6Entry());
  EXPECT_EQ(r.message.entries[1].forward(), ForwardMethod::kDirectRoute);
  EXPECT_EQ(r.message.entries[1].family(), wire::IpFamily::kV6);
  EXPECT_EQ(r.message.ignored, OptionCounts{});
}

TEST(SyncCodec, EntrySizes) {
  EXPECT_EQ(MessageBuilder::entrySize(connection("10.0.0.1", 1, "10.0.0.2", 2, "10.0.0.3", 3)), 36u);
  EXPECT_EQ(MessageBuilder::entrySize(seqEntry()), 62u);
  EXPECT_EQ(MessageBuilder::entrySize(udp6Entry()), 72u);
  Entry v6seq = udp6Entry();
  v6seq.seq = SeqOptions{};
  EXPECT_EQ(MessageBuilder::entrySize(v6seq), kMaxEncodedEntrySize);
}

TEST(SyncCodec, TemplateIsDerivedFromTheFlags) {
  Entry e = connection("10.0.0.101", 0, "10.0.0.1", 7, "192.168.1.23", 7, kTemplateStateAssured, 60);
  EXPECT_FALSE(e.isTemplate());
  e.flags = conn_flags::kTemplate | conn_flags::kInactive;
  EXPECT_TRUE(e.isTemplate());
  EXPECT_EQ(stateName(e), "ASSURED");
}

TEST(SyncCodec, MixedFamiliesAreNotEncodable) {
  Entry e = connection("10.0.0.1", 1, "10.0.0.2", 2, "fd00::3", 3);
  EXPECT_FALSE(MessageBuilder::encodable(e));
  MessageBuilder m(1);
  EXPECT_FALSE(m.add(e));
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.size(), kHeaderSizeV1);
}

Entry randomEntry(std::mt19937& rng) {
  std::uniform_int_distribution<uint32_t> any;
  const bool v6 = any(rng) % 2;
  Entry e;
  const auto address = [&] {
    wire::IpAddress a;
    a.family = v6 ? wire::IpFamily::kV6 : wire::IpFamily::kV4;
    for (std::size_t i = 0; i < a.size(); ++i) a.bytes[i] = static_cast<uint8_t>(any(rng));
    return a;
  };
  e.client = address();
  e.virtualAddress = address();
  e.destination = address();
  e.flags = any(rng);
  if (e.isTemplate()) {  // any protocol and state
    e.protocol = static_cast<uint8_t>(any(rng));
    e.state = static_cast<uint16_t>(any(rng));
  } else if (any(rng) % 2) {
    e.protocol = ip_protocol::kTcp;
    e.state = static_cast<uint16_t>(any(rng) % kTcpStateCount);
  } else {
    e.protocol = ip_protocol::kUdp;
    e.state = kUdpStateNormal;
  }
  e.clientPort = static_cast<uint16_t>(any(rng));
  e.virtualPort = static_cast<uint16_t>(any(rng));
  e.destinationPort = static_cast<uint16_t>(any(rng));
  e.fwmark = any(rng);
  e.timeoutSeconds = any(rng);
  if (any(rng) % 3 == 0) {
    e.seq = SeqOptions{.in = {any(rng), any(rng), any(rng)}, .out = {any(rng), any(rng), any(rng)}};
  }
  return e;
}

// Many entries through builders of several maxLengths (sending whenever one
// is full) come back whole and in order; no message exceeds maxLength.
TEST(SyncCodec, RoundTripsThroughFullMessages) {
  std::mt19937 rng(2024);
  std::vector<Entry> entries;
  for (int i = 0; i < 1000; ++i) entries.push_back(randomEntry(rng));
  for (std::size_t maxLength : {std::size_t{106}, std::size_t{200}, std::size_t{500}, kDefaultMaxLength,
                                std::size_t{9000}}) {
    SCOPED_TRACE(maxLength);
    std::vector<std::vector<uint8_t>> sent;
    MessageBuilder m(9, maxLength);
    for (const Entry& e : entries) {
      if (!m.add(e)) {
        ASSERT_FALSE(m.empty()) << "an entry does not fit an empty message";
        sent.push_back(bytesOf(m));
        m.reset();
        ASSERT_TRUE(m.add(e));
      }
    }
    sent.push_back(bytesOf(m));
    std::vector<Entry> back;
    for (const auto& datagram : sent) {
      ASSERT_LE(datagram.size(), maxLength);
      const auto r = decodeMessage(datagram, 9);
      ASSERT_TRUE(r.ok()) << decodeErrorName(r.error) << " at " << r.offset;
      back.insert(back.end(), r.message.entries.begin(), r.message.entries.end());
    }
    EXPECT_EQ(back, entries);
  }
}

// add() refuses exactly when the padded message and the entry would pass
// maxLength, and then leaves the message as it was.
TEST(SyncCodec, MaxLengthIsHonoured) {
  const Entry v4 = connection("10.0.0.1", 1, "10.0.0.2", 2, "10.0.0.3", 3);
  // 8 + 13 * 36 = 476; a 14th would make 512 > 500 (what the kernel did).
  MessageBuilder m(1, 500);
  for (int i = 0; i < 13; ++i) ASSERT_TRUE(m.add(v4)) << i;
  const std::vector<uint8_t> before = bytesOf(m);
  EXPECT_FALSE(m.add(v4));
  EXPECT_EQ(bytesOf(m), before);
  EXPECT_EQ(m.size(), 476u);

  // A message of exactly maxLength: 8 + 62 + 2 (padding) + 36 = 108.
  MessageBuilder exact(1, 108);
  ASSERT_TRUE(exact.add(seqEntry()));
  ASSERT_TRUE(exact.add(v4));
  EXPECT_EQ(exact.size(), 108u);
  EXPECT_FALSE(exact.add(v4));

  // The padding counts: 8 + 62 = 70, padded to 72; + 36 = 108 > 107.
  MessageBuilder tight(1, 107);
  ASSERT_TRUE(tight.add(seqEntry()));
  EXPECT_FALSE(tight.add(v4));
}

TEST(SyncCodec, MaxLengthIsClamped) {
  EXPECT_EQ(MessageBuilder(1, 0).maxLength(), MessageBuilder::kMinMaxLength);
  EXPECT_EQ(MessageBuilder(1, 50).maxLength(), 106u);
  EXPECT_EQ(MessageBuilder(1, 1u << 20).maxLength(), MessageBuilder::kMaxMaxLength);
  // The smallest message takes the largest entry.
  MessageBuilder m(1, 0);
  Entry big = udp6Entry();
  big.seq = SeqOptions{};
  EXPECT_TRUE(m.add(big));
  EXPECT_EQ(m.size(), m.maxLength());
}

TEST(SyncCodec, AtMost255EntriesPerMessage) {
  const Entry v4 = connection("10.0.0.1", 1, "10.0.0.2", 2, "10.0.0.3", 3);
  MessageBuilder m(1, MessageBuilder::kMaxMaxLength);
  for (std::size_t i = 0; i < kMaxEntriesPerMessage; ++i) ASSERT_TRUE(m.add(v4)) << i;
  EXPECT_FALSE(m.add(v4));
  EXPECT_EQ(m.entries(), 255u);
  EXPECT_EQ(m.bytes()[4], 255);
  const auto r = decodeMessage(m.bytes(), 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.message.entries.size(), 255u);
}

TEST(SyncCodec, ResetKeepsSyncIdAndMaxLength) {
  MessageBuilder m(5, 300);
  ASSERT_TRUE(m.add(seqEntry()));
  m.reset();
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(toHex(m.bytes()), "0005000800010000");
  EXPECT_EQ(m.maxLength(), 300u);
  ASSERT_TRUE(m.add(udp6Entry()));
  EXPECT_EQ(m.size(), 80u);
}

// Options: PE data and name are decoded, counted and not applied; unknown
// optional types are skipped; sequence data marked optional is still read.
TEST(SyncCodec, OptionsPeAndOptional) {
  std::vector<uint8_t> b = handBuilt();
  // Replace the IPv6 entry with an IPv4 one carrying PE data, PE name and
  // an unknown optional option.
  b.resize(72);
  b[4] = 2;
  std::vector<uint8_t> e;
  put8(e, 0), put8(e, 17), put16(e, 0);  // size below
  put32(e, 0x100), put16(e, 0), put16(e, 5060), put16(e, 5060), put16(e, 5060);
  put32(e, 0), put32(e, 180);
  putAddress(e, "10.0.0.102"), putAddress(e, "10.0.0.1"), putAddress(e, "192.168.1.21");
  put8(e, kOptionPeData), put8(e, 5);
  for (char c : std::string("call1")) put8(e, static_cast<uint8_t>(c));
  put8(e, kOptionPeName), put8(e, 3);
  for (char c : std::string("sip")) put8(e, static_cast<uint8_t>(c));
  put8(e, kOptionOptional | 9), put8(e, 2), put8(e, 0xab), put8(e, 0xcd);
  e[3] = static_cast<uint8_t>(e.size());  // 36 + 7 + 5 + 4 = 52
  b.insert(b.end(), e.begin(), e.end());
  const auto r = decodeMessage(sized(b), 7);
  ASSERT_TRUE(r.ok()) << decodeErrorName(r.error) << " at " << r.offset;
  ASSERT_EQ(r.message.entries.size(), 2u);
  EXPECT_EQ(r.message.entries[1].clientPort, 5060);
  EXPECT_FALSE(r.message.entries[1].seq);
  EXPECT_EQ(r.message.ignored, (OptionCounts{.peData = 1, .peName = 1, .optional = 1}));
  EXPECT_EQ(r.message.ignored.total(), 3u);

  // Sequence data with the optional bit: decoded, and counted as optional.
  std::vector<uint8_t> marked = handBuilt();
  marked[8 + 36] = kOptionOptional | kOptionSeqData;
  const auto m = decodeMessage(marked, 7);
  ASSERT_TRUE(m.ok()) << decodeErrorName(m.error);
  EXPECT_EQ(m.message.entries[0].seq, seqEntry().seq);
  EXPECT_EQ(m.message.ignored.optional, 1u);
}

TEST(SyncCodec, AnySyncIdWhenZeroIsExpected) {
  const auto r = decodeMessage(handBuilt(), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.message.syncId, 7);
}

TEST(SyncCodec, EmptyVersion1MessageDecodes) {
  const auto r = decodeMessage(fromHex("0003000800010000"), 3);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.message.entries.empty());
}

TEST(SyncCodec, ErrorNamesAreDistinct) {
  std::vector<std::string_view> names;
  for (std::size_t i = 0; i < kDecodeErrorCount; ++i) {
    const auto name = decodeErrorName(static_cast<DecodeError>(i));
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(std::count(names.begin(), names.end(), name), 0) << name;
    names.push_back(name);
  }
  EXPECT_EQ(decodeErrorName(DecodeError::kOk), "ok");
  EXPECT_EQ(decodeErrorName(DecodeError::kTrailingBytes), "trailing_bytes");
}

}  // namespace
}  // namespace sluice::sync
