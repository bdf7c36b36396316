// Every malformed field of a version-1 datagram refused with its reason and
// the offset of the field, table-driven; a refused datagram yields no
// entries at all.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "sync/message.h"
#include "tests/sync/test_support.h"

namespace sluice::sync {
namespace {

using test::fromHex;
using test::put16;
using test::put32;
using test::put8;
using test::putAddress;
using test::sized;

using Bytes = std::vector<uint8_t>;

// An IPv4 TCP entry (ESTABLISHED) with `options` after its addresses.
Bytes v4Entry(const Bytes& options = {}, uint8_t protocol = 6, uint16_t state = 1, uint32_t flags = 0) {
  Bytes b;
  put8(b, 0), put8(b, protocol), put16(b, static_cast<unsigned>(36 + options.size()));
  put32(b, flags), put16(b, state), put16(b, 40000), put16(b, 80), put16(b, 80);
  put32(b, 0), put32(b, 900);
  putAddress(b, "10.0.0.101"), putAddress(b, "10.0.0.1"), putAddress(b, "192.168.1.20");
  b.insert(b.end(), options.begin(), options.end());
  return b;
}

Bytes v6Entry() {
  Bytes b;
  put8(b, 1), put8(b, 17), put16(b, 72);
  put32(b, 0x100), put16(b, 0), put16(b, 1234), put16(b, 53), put16(b, 53);
  put32(b, 0), put32(b, 300);
  putAddress(b, "fd00:10::101"), putAddress(b, "fd00:10::1"), putAddress(b, "fd00:192:168:1::20");
  return b;
}

Bytes seqOption(uint8_t length = 24) {
  Bytes b;
  put8(b, kOptionSeqData), put8(b, length);
  for (unsigned i = 0; i < length; ++i) put8(b, i + 1);
  return b;
}

Bytes option(uint8_t type, const std::string& data) {
  Bytes b;
  put8(b, type), put8(b, static_cast<unsigned>(data.size()));
  for (char c : data) put8(b, static_cast<uint8_t>(c));
  return b;
}

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A version-1 message (sync id 7) of these entries, zero padded between
// them; the size field set to the total.
Bytes message(const std::vector<Bytes>& entries) {
  Bytes b;
  put8(b, 0), put8(b, 7), put16(b, 0), put8(b, static_cast<unsigned>(entries.size())), put8(b, 1), put16(b, 0);
  for (const Bytes& e : entries) {
    while (b.size() % 4) b.push_back(0);
    b.insert(b.end(), e.begin(), e.end());
  }
  return sized(b);
}

// The base the mutations start from: an IPv4 entry with sequence data (62
// bytes at 8, padding at 70-71) and an IPv6 entry (at 72).
Bytes base() { return message({v4Entry(seqOption()), v6Entry()}); }

Bytes mutate(const std::function<void(Bytes&)>& f) {
  Bytes b = base();
  f(b);
  return b;
}

// Two entries announced, one entry (62 bytes) and one byte of padding sent.
Bytes twoAnnouncedOneSent() {
  Bytes b = message({v4Entry(seqOption())}) + Bytes{0};
  b[4] = 2;
  return b;
}

struct Case {
  std::string name;
  Bytes datagram;
  DecodeError error;
  std::size_t offset;
  uint8_t expectedSyncId = 7;
};

std::vector<Case> cases() {
  return {
      {"three_bytes", fromHex("000700"), DecodeError::kTooShort, 0},
      {"empty", {}, DecodeError::kTooShort, 0},
      {"v1_header_cut", sized(fromHex("000700000001")), DecodeError::kTooShort, 0},
      {"size_field_too_big", mutate([](Bytes& b) { b[3] += 1; }), DecodeError::kBadSize, 2},
      {"datagram_cut", mutate([](Bytes& b) { b.pop_back(); }), DecodeError::kBadSize, 2},
      {"size_field_zero", mutate([](Bytes& b) { b[2] = b[3] = 0; }), DecodeError::kBadSize, 2},
      {"wrong_syncid", base(), DecodeError::kWrongSyncId, 1, 8},
      {"version_2", mutate([](Bytes& b) { b[5] = 2; }), DecodeError::kBadVersion, 5},
      {"version_minus_1", mutate([](Bytes& b) { b[5] = 0xff; }), DecodeError::kBadVersion, 5},
      {"version_0", mutate([](Bytes& b) { b[5] = 0; }), DecodeError::kBadVersion, 5},
      {"spare_not_zero", mutate([](Bytes& b) { b[7] = 1; }), DecodeError::kBadVersion, 6},
      {"count_above_entries", mutate([](Bytes& b) { b[4] = 3; }), DecodeError::kTruncatedEntry, 144},
      {"third_entry_cut", sized(mutate([](Bytes& b) { b[4] = 3; }) + Bytes(20, 0)), DecodeError::kTruncatedEntry, 144},
      {"second_entry_size_past_end", mutate([](Bytes& b) { b[75] = 76; }), DecodeError::kTruncatedEntry, 74},
      {"entry_version_1", mutate([](Bytes& b) { b[74] |= 0x10; }), DecodeError::kBadEntryVersion, 74},
      {"entry_version_15", mutate([](Bytes& b) { b[10] |= 0xf0; }), DecodeError::kBadEntryVersion, 10},
      {"entry_type_2", mutate([](Bytes& b) { b[72] = 2; }), DecodeError::kUnknownEntryType, 72},
      {"entry_type_3", mutate([](Bytes& b) { b[72] = 3; }), DecodeError::kUnknownEntryType, 72},
      {"entry_type_0x80", mutate([](Bytes& b) { b[8] = 0x80; }), DecodeError::kUnknownEntryType, 8},
      {"v4_entry_size_35", mutate([](Bytes& b) { b[11] = 35; }), DecodeError::kBadEntryLength, 10},
      {"v4_entry_size_0", mutate([](Bytes& b) { b[11] = 0; }), DecodeError::kBadEntryLength, 10},
      {"v6_entry_claims_36", mutate([](Bytes& b) { b[75] = 36; }), DecodeError::kBadEntryLength, 74},
      {"option_length_0", mutate([](Bytes& b) { b[45] = 0; }), DecodeError::kBadOption, 45},
      {"option_past_entry", mutate([](Bytes& b) { b[45] = 25; }), DecodeError::kBadOption, 45},
      {"option_header_cut", message({v4Entry(Bytes{1})}), DecodeError::kBadOption, 44},
      {"seq_23_bytes", message({v4Entry(seqOption(23))}), DecodeError::kBadOptionLength, 45},
      {"seq_25_bytes", message({v4Entry(seqOption(25))}), DecodeError::kBadOptionLength, 45},
      {"seq_twice", message({v4Entry(seqOption() + seqOption())}), DecodeError::kDuplicateOption, 70},
      {"pe_name_17", message({v4Entry(option(kOptionPeData, "x") + option(kOptionPeName, std::string(17, 's')))}),
       DecodeError::kBadOptionLength, 48},
      {"pe_name_twice", message({v4Entry(option(kOptionPeName, "sip") + option(kOptionPeName, "sip"))}),
       DecodeError::kDuplicateOption, 49},
      {"pe_data_twice", message({v4Entry(option(kOptionPeData, "a") + option(kOptionPeData, "b"))}),
       DecodeError::kDuplicateOption, 47},
      {"unknown_mandatory_option", message({v4Entry(option(4, "ab"))}), DecodeError::kUnknownOption, 44},
      {"unknown_option_0x3f", message({v4Entry(option(0x3f, "ab"))}), DecodeError::kUnknownOption, 44},
      {"padding_not_zero", mutate([](Bytes& b) { b[70] = 1; }), DecodeError::kBadPadding, 70},
      {"padding_last_byte_not_zero", mutate([](Bytes& b) { b[71] = 0x80; }), DecodeError::kBadPadding, 71},
      {"padding_past_end", sized(twoAnnouncedOneSent()), DecodeError::kTruncatedEntry, 70},
      {"trailing_zeros", sized(base() + Bytes(4, 0)), DecodeError::kTrailingBytes, 144},
      {"trailing_byte", sized(base() + Bytes{1}), DecodeError::kTrailingBytes, 144},
      {"count_zero_with_entries", mutate([](Bytes& b) { b[4] = 0; }), DecodeError::kTrailingBytes, 8},
      {"count_one_of_two", mutate([](Bytes& b) { b[4] = 1; }), DecodeError::kTrailingBytes, 70},
      {"protocol_icmp", message({v4Entry({}, 1)}), DecodeError::kUnknownProtocol, 9},
      {"protocol_0_connection", message({v4Entry({}, 0)}), DecodeError::kUnknownProtocol, 9},
      {"tcp_state_11", message({v4Entry({}, 6, 11)}), DecodeError::kBadState, 16},
      {"tcp_state_65535", message({v4Entry({}, 6, 0xffff)}), DecodeError::kBadState, 16},
      {"udp_state_1", mutate([](Bytes& b) { b[81] = 1; }), DecodeError::kBadState, 80},
      {"sctp_state_14", message({v4Entry({}, 132, 14)}), DecodeError::kBadState, 16},
      {"esp_state_1", message({v4Entry({}, 50, 1)}), DecodeError::kBadState, 16},
      {"bad_second_entry_refuses_all", message({v4Entry(), v4Entry({}, 6, 12)}), DecodeError::kBadState, 52},
      // Accepted: what the kernel accepts too.
      {"template_any_state_and_protocol", message({v4Entry({}, 0, 9999, conn_flags::kTemplate)}),
       DecodeError::kOk, 0},
      {"sctp_state_13", message({v4Entry({}, 132, 13)}), DecodeError::kOk, 0},
      {"ah_state_0", message({v4Entry({}, 51, 0)}), DecodeError::kOk, 0},
      {"unknown_optional_option", message({v4Entry(option(0x44, "ab"))}), DecodeError::kOk, 0},
      {"pe_name_16", message({v4Entry(option(kOptionPeName, std::string(16, 's')))}), DecodeError::kOk, 0},
      {"pe_data_255", message({v4Entry(option(kOptionPeData, std::string(255, 'd')))}), DecodeError::kOk, 0},
      {"sync_id_0_takes_any", base(), DecodeError::kOk, 0, 0},
  };
}

class SyncRefusal : public ::testing::TestWithParam<Case> {};

TEST_P(SyncRefusal, RefusedWithItsReason) {
  const Case& c = GetParam();
  const auto r = decodeMessage(c.datagram, c.expectedSyncId);
  EXPECT_EQ(decodeErrorName(r.error), decodeErrorName(c.error));
  if (c.error != DecodeError::kOk) {
    EXPECT_EQ(r.offset, c.offset);
    EXPECT_TRUE(r.message.entries.empty());
    EXPECT_LE(r.offset, c.datagram.size());
  } else {
    EXPECT_FALSE(r.message.entries.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(Table, SyncRefusal, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// The base datagram itself is sound (the mutations above start from it).
TEST(SyncRefusalBase, BaseDecodes) {
  const auto r = decodeMessage(base(), 7);
  ASSERT_TRUE(r.ok()) << decodeErrorName(r.error) << " at " << r.offset;
  ASSERT_EQ(r.message.entries.size(), 2u);
  EXPECT_TRUE(r.message.entries[0].seq.has_value());
  EXPECT_EQ(r.message.entries[1].family(), wire::IpFamily::kV6);
}

// Every truncation of a sound datagram is refused (its size field says more).
TEST(SyncRefusalBase, EveryTruncationIsRefused) {
  const Bytes b = base();
  for (std::size_t n = 0; n < b.size(); ++n) {
    const auto r = decodeMessage(Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n)), 7);
    EXPECT_FALSE(r.ok()) << n;
    // With the size field fixed up too, still refused (an entry is cut).
    const auto s = decodeMessage(sized(Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(n))), 7);
    EXPECT_FALSE(s.ok()) << n;
  }
}

}  // namespace
}  // namespace sluice::sync
