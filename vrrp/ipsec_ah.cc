#include "vrrp/ipsec_ah.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>

#include "vrrp/bytes.h"

namespace sluice::vrrp {
namespace {

// AH header offsets.
constexpr std::size_t kOffNextHeader = 0;
constexpr std::size_t kOffPayloadLength = 1;
constexpr std::size_t kOffSpi = 4;
constexpr std::size_t kOffSequence = 8;
constexpr std::size_t kOffIcv = 12;

// The largest VRRP message AH can carry (VRRPv2, 255 IPv4 addresses) and so
// the largest ICV input: the HMAC runs over one stack buffer, no allocation.
constexpr std::size_t kMaxVrrpMessage = kHeaderSize + kMaxAddresses * 4 + kAuthDataSize;
constexpr std::size_t kMaxIcvInput = kIpv4HeaderSize + kMaxIpv4Options + kAhHeaderSize + kMaxVrrpMessage;

using IcvInput = std::array<uint8_t, kMaxIcvInput>;
using Digest = std::array<uint8_t, EVP_MAX_MD_SIZE>;

bool validOptions(std::span<const uint8_t> options) {
  return options.size() % 4 == 0 && options.size() <= kMaxIpv4Options;
}

// The IPv4 header as the ICV sees it: TOS, flags + fragment offset and
// checksum zero; TTL zero when mutable. Returns its size.
std::size_t writeIpImage(const Ipv4Header& ip, std::size_t payloadSize, bool ttlIsMutable, uint8_t* p) {
  const std::size_t headerSize = kIpv4HeaderSize + ip.options.size();
  std::fill_n(p, kIpv4HeaderSize, 0);
  p[0] = static_cast<uint8_t>(0x40 | headerSize / 4);
  storeBe16(p + 2, static_cast<uint16_t>(headerSize + payloadSize));
  storeBe16(p + 4, ip.id);
  p[8] = ttlIsMutable ? 0 : ip.ttl;
  p[9] = kProtocolAh;
  std::copy_n(ip.source.bytes.begin(), 4, p + 12);
  std::copy_n(ip.destination.bytes.begin(), 4, p + 16);
  std::copy(ip.options.begin(), ip.options.end(), p + kIpv4HeaderSize);
  return headerSize;
}

void writeAhHeader(const Ipv4Header& ip, uint32_t sequence, uint8_t* p) {
  std::fill_n(p, kAhHeaderSize, 0);
  p[kOffNextHeader] = kProtocolVrrp;
  p[kOffPayloadLength] = kAhPayloadLength;
  std::copy_n(ip.source.bytes.begin(), 4, p + kOffSpi);
  storeBe32(p + kOffSequence, sequence);
}

// HMAC-MD5 of the ICV input for `payload` (AH header + VRRP message; its ICV
// bytes are read as zero). False when OpenSSL cannot do HMAC-MD5.
bool computeIcv(const Ipv4Header& ip, std::span<const uint8_t> payload, const AuthKey& key, bool ttlIsMutable,
                Digest& digest) {
  IcvInput input;
  std::size_t at = writeIpImage(ip, payload.size(), ttlIsMutable, input.data());
  std::copy(payload.begin(), payload.end(), input.begin() + static_cast<std::ptrdiff_t>(at));
  std::fill_n(input.begin() + static_cast<std::ptrdiff_t>(at + kOffIcv), kAhIcvSize, 0);
  at += payload.size();
  unsigned int digestSize = 0;
  return HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()), input.data(), at, digest.data(),
              &digestSize) != nullptr &&
         digestSize >= kAhIcvSize;
}

std::optional<DecodeError> checkAhHeader(std::span<const uint8_t> payload) {
  if (payload.size() < kAhHeaderSize) return DecodeError::kTooShort;
  if (payload.size() > kAhHeaderSize + kMaxVrrpMessage) return DecodeError::kTooLong;
  // keepalived ignores an AH for another protocol; a different length would
  // put the VRRP message elsewhere than it expects.
  if (payload[kOffNextHeader] != kProtocolVrrp || payload[kOffPayloadLength] != kAhPayloadLength) {
    return DecodeError::kAhNotVrrp;
  }
  return std::nullopt;
}

}  // namespace

Result<std::size_t, EncodeError> encodeAh(const Ipv4Header& ip, uint32_t sequence,
                                          std::span<const uint8_t> vrrpMessage, const AuthKey& key,
                                          bool ttlIsMutable, std::span<uint8_t> out) {
  if (!validOptions(ip.options)) return EncodeError::kBadIpOptions;
  if (!ip.source.isV4() || !ip.destination.isV4()) return EncodeError::kWrongFamily;
  if (vrrpMessage.size() > kMaxVrrpMessage) return EncodeError::kTooManyAddresses;
  const std::size_t size = kAhHeaderSize + vrrpMessage.size();
  if (out.size() < size) return EncodeError::kBufferTooSmall;

  writeAhHeader(ip, sequence, out.data());
  std::copy(vrrpMessage.begin(), vrrpMessage.end(), out.begin() + kAhHeaderSize);
  Digest digest;
  if (!computeIcv(ip, out.first(size), key, ttlIsMutable, digest)) return EncodeError::kCryptoUnavailable;
  std::copy_n(digest.begin(), kAhIcvSize, out.begin() + kOffIcv);
  return size;
}

Result<AhPayload, DecodeError> verifyAh(const Ipv4Header& ip, std::span<const uint8_t> payload,
                                        const AuthKey& key, bool ttlIsMutable) {
  if (!validOptions(ip.options)) return DecodeError::kIpLengthMismatch;
  if (const auto error = checkAhHeader(payload)) return *error;
  Digest digest;
  if (!computeIcv(ip, payload, key, ttlIsMutable, digest)) return DecodeError::kAuthFailure;
  // Constant time, as keepalived compares (memcmp_constant_time).
  if (CRYPTO_memcmp(digest.data(), &payload[kOffIcv], kAhIcvSize) != 0) return DecodeError::kAuthFailure;
  if (!std::equal(ip.source.bytes.begin(), ip.source.bytes.begin() + 4, &payload[kOffSpi])) {
    return DecodeError::kAhBadSpi;
  }
  return AhPayload{loadBe32(&payload[kOffSequence]), payload.subspan(kAhHeaderSize)};
}

}  // namespace sluice::vrrp
