// Names the API, logs and /metrics show: counter labels, keepalived's
// counters, states, actions, notes.
#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

#include "vrrp/counters.h"
#include "vrrp/decode_error.h"
#include "vrrp/packet.h"
#include "vrrp/step.h"

namespace sluice::vrrp {
namespace {

bool isLabel(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

TEST(VrrpNames, DecodeErrorsHaveDistinctLabels) {
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < kDecodeErrorCount; ++i) {
    const auto name = decodeErrorName(static_cast<DecodeError>(i));
    EXPECT_TRUE(isLabel(name)) << name;
    EXPECT_TRUE(seen.insert(name).second) << name;
  }
}

TEST(VrrpNames, KeepalivedCountersAreAllThere) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kCounterCount; ++i) names.insert(counterName(static_cast<Counter>(i)));
  for (const char* k : {"advert_rcvd", "become_master", "release_master", "packet_len_err", "advert_interval_err",
                        "ip_ttl_err", "invalid_type_rcvd", "addr_list_err", "invalid_authtype", "authtype_mismatch",
                        "auth_failure", "pri_zero_rcvd", "pri_zero_sent"}) {
    EXPECT_TRUE(names.count(k)) << k;
  }
}

TEST(VrrpNames, DecodeErrorsMapToKeepalivedCounters) {
  const auto counter = [](DecodeError e) {
    const auto c = keepalivedCounter(e);
    return c ? std::string(counterName(*c)) : std::string("none");
  };
  EXPECT_EQ(counter(DecodeError::kTooShort), "packet_len_err");
  EXPECT_EQ(counter(DecodeError::kTooLong), "packet_len_err");
  EXPECT_EQ(counter(DecodeError::kIpLengthMismatch), "packet_len_err");
  EXPECT_EQ(counter(DecodeError::kBadTtl), "ip_ttl_err");
  EXPECT_EQ(counter(DecodeError::kBadType), "invalid_type_rcvd");
  EXPECT_EQ(counter(DecodeError::kAddressCountMismatch), "addr_list_err");
  EXPECT_EQ(counter(DecodeError::kAddressMismatch), "addr_list_err");
  EXPECT_EQ(counter(DecodeError::kBadDestination), "addr_list_err");
  EXPECT_EQ(counter(DecodeError::kInvalidAuthType), "invalid_authtype");
  EXPECT_EQ(counter(DecodeError::kAuthTypeMismatch), "authtype_mismatch");
  EXPECT_EQ(counter(DecodeError::kAuthFailure), "auth_failure");
  EXPECT_EQ(counter(DecodeError::kAhBadSpi), "auth_failure");
  EXPECT_EQ(counter(DecodeError::kAhReplay), "auth_failure");
  EXPECT_EQ(counter(DecodeError::kAdvertIntervalMismatch), "advert_interval_err");
  EXPECT_EQ(counter(DecodeError::kBadChecksum), "chk_err");
  EXPECT_EQ(counter(DecodeError::kBadVersion), "vers_err");
  EXPECT_EQ(counter(DecodeError::kVridMismatch), "vrid_err");
  EXPECT_EQ(counter(DecodeError::kAhNotVrrp), "none");
  EXPECT_EQ(counter(DecodeError::kBadProtocol), "none");
}

TEST(VrrpNames, EncodeErrorsStatesActionsNotes) {
  for (auto e : {EncodeError::kBufferTooSmall, EncodeError::kTooManyAddresses, EncodeError::kWrongFamily,
                 EncodeError::kBadInterval, EncodeError::kAuthNotSupported, EncodeError::kBadIpOptions,
                 EncodeError::kCryptoUnavailable}) {
    EXPECT_TRUE(isLabel(encodeErrorName(e))) << encodeErrorName(e);
  }
  EXPECT_EQ(stateName(State::kInit), "INIT");
  EXPECT_EQ(stateName(State::kBackup), "BACKUP");
  EXPECT_EQ(stateName(State::kMaster), "MASTER");
  EXPECT_EQ(stateName(State::kFault), "FAULT");
  EXPECT_EQ(actionName(Action::kSendPriorityZero), "send_priority_zero");
  EXPECT_EQ(noteName(Note::kOwnerConflict), "owner_conflict");
}

}  // namespace
}  // namespace sluice::vrrp
