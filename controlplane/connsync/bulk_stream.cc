#include "controlplane/connsync/bulk_stream.h"

#include <algorithm>

#include "wire/bytes.h"

namespace sluice::connsync {
namespace {

void appendFrame(std::vector<uint8_t>& out, BulkFrame kind, std::span<const uint8_t> payload) {
  const std::size_t n = std::min(payload.size(), kMaxBulkPayload);
  out.push_back(static_cast<uint8_t>(kind));
  out.push_back(static_cast<uint8_t>(n >> 16));
  out.push_back(static_cast<uint8_t>(n >> 8));
  out.push_back(static_cast<uint8_t>(n));
  out.insert(out.end(), payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace

void appendBulkHello(std::vector<uint8_t>& out) {
  const auto* p = reinterpret_cast<const uint8_t*>(kBulkHello.data());
  appendFrame(out, BulkFrame::kHello, std::span(p, kBulkHello.size()));
}

void appendBulkMessage(std::vector<uint8_t>& out, std::span<const uint8_t> message) {
  appendFrame(out, BulkFrame::kMessage, message);
}

void appendBulkEnd(std::vector<uint8_t>& out, uint32_t entries) {
  uint8_t count[4];
  wire::storeBe32(count, entries);
  appendFrame(out, BulkFrame::kEnd, count);
}

void BulkReader::feed(std::span<const uint8_t> bytes) {
  if (at_ > 0) {  // what next() handed out is consumed
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(at_));
    at_ = 0;
  }
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<BulkEvent> BulkReader::next() {
  if (!error_.empty() || buffer_.size() - at_ < kBulkHeader) return std::nullopt;
  const uint8_t* h = buffer_.data() + at_;
  const std::size_t length = std::size_t{h[1]} << 16 | std::size_t{h[2]} << 8 | h[3];
  if (h[0] > static_cast<uint8_t>(BulkFrame::kEnd) || length > kMaxBulkPayload) {
    error_ = "not a bulk sync frame (type " + std::to_string(h[0]) + ", length " + std::to_string(length) + ")";
    return std::nullopt;
  }
  if (buffer_.size() - at_ - kBulkHeader < length) return std::nullopt;
  const std::span<const uint8_t> payload(h + kBulkHeader, length);
  at_ += kBulkHeader + length;
  const auto kind = static_cast<BulkFrame>(h[0]);
  if (!hello_) {
    if (kind != BulkFrame::kHello ||
        std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()) != kBulkHello) {
      error_ = "the peer does not speak sluice's bulk sync";
      return std::nullopt;
    }
    hello_ = true;
    return BulkEvent{BulkFrame::kHello, {}, 0};
  }
  switch (kind) {
    case BulkFrame::kMessage:
      return BulkEvent{kind, payload, 0};
    case BulkFrame::kEnd:
      if (length != 4) break;
      return BulkEvent{kind, {}, wire::loadBe32(payload.data())};
    case BulkFrame::kHello:
      break;
  }
  error_ = "a malformed bulk sync frame";
  return std::nullopt;
}

}  // namespace sluice::connsync
