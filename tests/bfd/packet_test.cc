#include "bfd/packet.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::bfd {
namespace {

Packet sample() {
  Packet p;
  p.diag = Diag::kExpired;
  p.state = State::kUp;
  p.poll = true;
  p.detectMult = 3;
  p.myDiscriminator = 0x01020304;
  p.yourDiscriminator = 0xa0b0c0d0;
  p.desiredMinTxUs = 300'000;
  p.requiredMinRxUs = 250'000;
  return p;
}

std::vector<uint8_t> bytesOf(const Packet& p) {
  const auto a = encode(p);
  return {a.begin(), a.end()};
}

DecodeError errorOf(const std::vector<uint8_t>& b) {
  const DecodeResult r = decode(b);
  if (!std::holds_alternative<DecodeError>(r)) ADD_FAILURE() << "decoded a packet it should refuse";
  return std::holds_alternative<DecodeError>(r) ? std::get<DecodeError>(r) : DecodeError::kTooShort;
}

TEST(BfdPacket, EncodesRfc5880Layout) {
  const std::vector<uint8_t> b = bytesOf(sample());
  ASSERT_EQ(b.size(), 24u);
  EXPECT_EQ(b[0], 0x21);  // version 1, diag 1
  EXPECT_EQ(b[1], 0xe0);  // state Up (3) << 6, P
  EXPECT_EQ(b[2], 3);
  EXPECT_EQ(b[3], 24);
  EXPECT_EQ((std::vector<uint8_t>{b.begin() + 4, b.begin() + 12}),
            (std::vector<uint8_t>{1, 2, 3, 4, 0xa0, 0xb0, 0xc0, 0xd0}));
  EXPECT_EQ((std::vector<uint8_t>{b.begin() + 12, b.begin() + 16}), (std::vector<uint8_t>{0x00, 0x04, 0x93, 0xe0}));
}

TEST(BfdPacket, RoundTrips) {
  Packet p = sample();
  p.poll = false;
  p.final = true;
  p.demand = true;
  p.controlPlaneIndependent = true;
  const DecodeResult r = decode(bytesOf(p));
  ASSERT_TRUE(std::holds_alternative<Packet>(r));
  EXPECT_EQ(std::get<Packet>(r), p);
}

TEST(BfdPacket, AcceptsTrailingBytesBeyondTheLengthField) {
  std::vector<uint8_t> b = bytesOf(sample());
  b.push_back(0);
  EXPECT_TRUE(std::holds_alternative<Packet>(decode(b)));
}

TEST(BfdPacket, RefusesMalformedPacketsWithTheirReason) {
  const std::vector<uint8_t> good = bytesOf(sample());
  EXPECT_EQ(errorOf({good.begin(), good.begin() + 23}), DecodeError::kTooShort);
  auto b = good;
  b[0] = (2 << 5) | 1;
  EXPECT_EQ(errorOf(b), DecodeError::kBadVersion);
  b = good;
  b[3] = 20;
  EXPECT_EQ(errorOf(b), DecodeError::kLengthTooSmall);
  b = good;
  b[3] = 25;
  EXPECT_EQ(errorOf(b), DecodeError::kLengthBeyondPayload);
  b = good;
  b[2] = 0;
  EXPECT_EQ(errorOf(b), DecodeError::kDetectMultZero);
  b = good;
  b[1] |= 0x01;
  EXPECT_EQ(errorOf(b), DecodeError::kMultipoint);
  Packet p = sample();
  p.myDiscriminator = 0;
  EXPECT_EQ(errorOf(bytesOf(p)), DecodeError::kMyDiscriminatorZero);
  p = sample();
  p.yourDiscriminator = 0;
  EXPECT_EQ(errorOf(bytesOf(p)), DecodeError::kYourDiscriminatorZero);
  p.state = State::kDown;  // a Down peer may not know us yet
  EXPECT_TRUE(std::holds_alternative<Packet>(decode(bytesOf(p))));
  b = good;
  b[1] |= 0x04;  // A: authentication section follows
  b[3] = 26;
  b.resize(26);
  EXPECT_EQ(errorOf(b), DecodeError::kAuthentication);
  b = good;
  b[1] |= 0x04;
  EXPECT_EQ(errorOf(b), DecodeError::kLengthTooSmall);  // 24 is too short with A set
  b = good;
  b[1] |= 0x10;  // F along with P
  EXPECT_EQ(errorOf(b), DecodeError::kPollAndFinal);
  b = good;
  b[0] = (1 << 5) | 9;
  EXPECT_EQ(errorOf(b), DecodeError::kBadDiag);
}

TEST(BfdPacket, NamesAsKeepalivedLogsThem) {
  EXPECT_EQ(toString(State::kAdminDown), "AdminDown");
  EXPECT_EQ(toString(State::kUp), "Up");
  EXPECT_EQ(toString(Diag::kNeighborDown), "Neighbor Signaled Session Down");
  EXPECT_EQ(toString(Diag::kExpired), "Control Detection Time Expired");
  EXPECT_EQ(toString(DecodeError::kDetectMultZero), "detect_mult_zero");
}

}  // namespace
}  // namespace sluice::bfd
