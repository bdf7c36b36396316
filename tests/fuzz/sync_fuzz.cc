// Fuzz target: the IPVS sync decoder (sync/message.h decodeMessage) on
// datagrams of any content, and the message builder on what it decodes.
// The decoder may not read outside the datagram (a buffer of its exact
// size: AddressSanitizer sees to that); a refusal carries no entries; a
// version-1 datagram that decodes with nothing ignored re-encodes to the
// same bytes; decoded entries, sent through a builder of any maxLength,
// come back the same in messages no longer than that.
//
// Input: [expected sync id][maxLength selector][datagram...]; the builder's
// maxLength is 106 + 8 x the selector.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <memory>
#include <span>
#include <vector>

#include "sync/message.h"

namespace {

using namespace sluice::sync;

[[noreturn]] void broken(const char* what) {
  std::fprintf(stderr, "sync_fuzz: %s\n", what);
  std::abort();
}

void checkRefusal(const DecodeResult& r, std::size_t size) {
  if (r.error == DecodeError::kOk || r.error >= DecodeError::kCount) broken("a refusal without a reason");
  if (!r.message.entries.empty()) broken("a refused datagram gave entries");
  if (r.offset > size) broken("a refusal's offset lies past the datagram");
}

void checkAccepted(const DecodeResult& r, std::span<const uint8_t> d, uint8_t expectedSyncId, std::size_t maxLength) {
  const Message& m = r.message;
  if (expectedSyncId != 0 && m.syncId != expectedSyncId) broken("a datagram of another sync id was accepted");
  const std::size_t count = m.version == MessageVersion::kV1 ? d[4] : d[0];
  if (m.entries.size() != count) broken("entries other than the count");
  for (const Entry& e : m.entries) {
    if (!MessageBuilder::encodable(e)) broken("a decoded entry mixes address families");
    if (!e.isTemplate() && e.state >= stateCount(e.protocol)) broken("a connection in no state of its protocol");
  }

  // Byte for byte: a version-1 datagram with nothing ignored or marked
  // optional is exactly what the builder makes of its entries.
  if (m.version == MessageVersion::kV1 && m.ignored.total() == 0) {
    MessageBuilder whole(m.syncId, MessageBuilder::kMaxMaxLength);
    for (const Entry& e : m.entries) {
      if (!whole.add(e)) broken("the builder refused an entry of a decoded datagram");
    }
    if (whole.size() != d.size() || !std::equal(d.begin(), d.end(), whole.bytes().begin())) {
      broken("a decoded datagram re-encodes to other bytes");
    }
  }

  // Through messages of maxLength, and back.
  std::vector<Entry> back;
  MessageBuilder b(m.syncId, maxLength);
  const auto flush = [&] {
    if (b.size() > b.maxLength()) broken("a message longer than maxLength");
    const DecodeResult again = decodeMessage(b.bytes(), m.syncId);
    if (!again.ok()) broken("a built message does not decode");
    back.insert(back.end(), again.message.entries.begin(), again.message.entries.end());
    b.reset();
  };
  for (const Entry& e : m.entries) {
    if (!b.add(e)) {
      if (b.empty()) broken("an entry does not fit an empty message");
      flush();
      if (!b.add(e)) broken("an entry does not fit a fresh message");
    }
  }
  flush();
  if (back != m.entries) broken("entries through the builder come back different");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t expectedSyncId = data[0];
  const std::size_t maxLength = MessageBuilder::kMinMaxLength + 8 * std::size_t{data[1]};
  // The datagram in a buffer of its own exact size.
  const std::size_t len = size - 2;
  std::unique_ptr<uint8_t[]> buffer(new uint8_t[len == 0 ? 1 : len]);
  std::copy(data + 2, data + size, buffer.get());
  const std::span<const uint8_t> datagram(buffer.get(), len);

  const DecodeResult r = decodeMessage(datagram, expectedSyncId);
  if (r.ok()) {
    checkAccepted(r, datagram, expectedSyncId, maxLength);
  } else {
    checkRefusal(r, len);
  }
  return 0;
}
