// The datagrams of the IPVS connection sync, byte for byte as the Linux
// kernel's sync daemon (net/netfilter/ipvs/ip_vs_sync.c) sends and reads
// them. docs/sync.md, "The wire format", has the layouts.
//
// Sending: a MessageBuilder collects entries into one version-1 message of
// at most maxLength bytes. add() says false when an entry does not fit;
// the caller sends bytes(), calls reset() and adds the entry again:
//
//   MessageBuilder m(syncId);
//   for (const Entry& e : changed) {
//     if (!m.add(e)) { send(m.bytes()); m.reset(); m.add(e); }
//   }
//   if (!m.empty()) send(m.bytes());
//
// Receiving: decodeMessage() takes a datagram whole or refuses it whole
// with a named reason (sync/decode_error.h). Version 0 (legacy, IPv4
// only) is decoded; only version 1 is encoded.
//
// Thread-safety: decodeMessage and the static members are pure; a
// MessageBuilder is a plain value for one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sync/decode_error.h"
#include "sync/entry.h"
#include "sync/protocol.h"

namespace sluice::sync {

class MessageBuilder {
 public:
  // The smallest maxLength: a header and the largest entry encoded here
  // (IPv6 with sequence data), so that any entry fits an empty message.
  static constexpr std::size_t kMinMaxLength = kHeaderSizeV1 + kMaxEncodedEntrySize;  // 106
  // The largest: a UDP datagram's payload over IPv4 (65535 - 28).
  static constexpr std::size_t kMaxMaxLength = 65507;

  // maxLength is clamped to [kMinMaxLength, kMaxMaxLength].
  explicit MessageBuilder(uint8_t syncId, std::size_t maxLength = kDefaultMaxLength);

  // Appends `entry` (after zero padding to 4 bytes, as the kernel does) if
  // it fits: false, and nothing changed, when the message would grow past
  // maxLength or hold more than 255 entries, or when the entry cannot be
  // encoded at all (see encodable).
  bool add(const Entry& entry);

  // The message as it goes into the datagram (header's size and count set).
  std::span<const uint8_t> bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  std::size_t entries() const { return count_; }
  bool empty() const { return count_ == 0; }
  uint8_t syncId() const { return syncId_; }
  std::size_t maxLength() const { return maxLength_; }

  // Back to an empty message (the header alone), same sync id and maxLength.
  void reset();

  // The bytes an entry takes, options included, padding excluded: 36 or
  // 72, plus 26 with sequence data.
  static std::size_t entrySize(const Entry& entry);
  // Whether an entry can be encoded: its three addresses of one family.
  static bool encodable(const Entry& entry);

 private:
  std::vector<uint8_t> bytes_;
  std::size_t maxLength_;
  std::size_t count_ = 0;
  uint8_t syncId_;
};

enum class MessageVersion : uint8_t { kV0 = 0, kV1 = 1 };

// Options decoded but not applied, per datagram.
struct OptionCounts {
  uint32_t peData = 0;    // IPVS_OPT_PE_DATA: persistence engine data (sluice has no engines)
  uint32_t peName = 0;    // IPVS_OPT_PE_NAME
  uint32_t optional = 0;  // types marked optional (0x40): unknown ones skipped, known ones decoded

  uint32_t total() const { return peData + peName + optional; }
  friend bool operator==(const OptionCounts&, const OptionCounts&) = default;
};

struct Message {
  MessageVersion version = MessageVersion::kV1;
  uint8_t syncId = 0;
  std::vector<Entry> entries;  // in the datagram's order
  OptionCounts ignored;
};

struct DecodeResult {
  DecodeError error = DecodeError::kOk;
  // Where the refusal was found: the byte offset of the field at fault.
  std::size_t offset = 0;
  Message message;  // empty unless ok()

  bool ok() const { return error == DecodeError::kOk; }
};

// Decodes one datagram (the UDP payload). expectedSyncId 0 takes any sync
// id, as a kernel backup started without --syncid does; any other value
// refuses datagrams of other ids (kWrongSyncId).
DecodeResult decodeMessage(std::span<const uint8_t> datagram, uint8_t expectedSyncId);

}  // namespace sluice::sync
