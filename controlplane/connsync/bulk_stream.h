// The bulk sync stream: sluice's own extension of connection sync, on a
// TCP connection between two sluiced control planes, never on IPVS's sync
// port or group (a kernel backup reads any datagram it does not recognise
// as version 0 and would misread it). A backup that starts asks the master
// for every connection it has; the master answers with a hello, the
// connections as IPVS version-1 sync messages (templates first, so that
// connections join them), and an end marker with the number of entries
// sent. The backup's copy is complete when the marker came and the count
// matches. docs/sync.md draws it.
//
// Framing: type (1 byte), length (3 bytes, big endian), payload.
//   kHello   "sluice-bulk/1"
//   kMessage one IPVS sync message (the bytes of a datagram)
//   kEnd     4 bytes: the entries the messages before it carried
// Pure byte work. A reader is a plain value for one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::connsync {

enum class BulkFrame : uint8_t { kHello = 0, kMessage = 1, kEnd = 2 };

inline constexpr std::string_view kBulkHello = "sluice-bulk/1";
inline constexpr std::size_t kBulkHeader = 4;
inline constexpr std::size_t kMaxBulkPayload = 65535;

void appendBulkHello(std::vector<uint8_t>& out);
// `message`: at most kMaxBulkPayload bytes.
void appendBulkMessage(std::vector<uint8_t>& out, std::span<const uint8_t> message);
void appendBulkEnd(std::vector<uint8_t>& out, uint32_t entries);

struct BulkEvent {
  BulkFrame kind = BulkFrame::kMessage;
  std::span<const uint8_t> message;  // kMessage: valid until the next feed()
  uint32_t entries = 0;              // kEnd
};

class BulkReader {
 public:
  // Takes bytes as they come off the socket.
  void feed(std::span<const uint8_t> bytes);
  // The next whole frame, nullopt while one is incomplete or after an
  // error (error() then says what was wrong: the stream is to be closed).
  std::optional<BulkEvent> next();
  const std::string& error() const { return error_; }

 private:
  std::vector<uint8_t> buffer_;
  std::size_t at_ = 0;  // where the next frame starts in buffer_
  bool hello_ = false;
  std::string error_;
};

}  // namespace sluice::connsync
