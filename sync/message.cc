#include "sync/message.h"

#include <algorithm>

#include "wire/bytes.h"

namespace sluice::sync {

namespace {

using wire::loadBe16;
using wire::loadBe32;
using wire::storeBe16;
using wire::storeBe32;

// Header fields (version 1).
constexpr std::size_t kOffReserved = 0;
constexpr std::size_t kOffSyncId = 1;
constexpr std::size_t kOffSize = 2;
constexpr std::size_t kOffCount = 4;
constexpr std::size_t kOffVersion = 5;
constexpr std::size_t kOffSpare = 6;
// Version 0's header: count, sync id, size.
constexpr std::size_t kOffCountV0 = 0;

// Entry fields (version 1), from the entry's start.
constexpr std::size_t kEntType = 0;
constexpr std::size_t kEntProtocol = 1;
constexpr std::size_t kEntVerSize = 2;
constexpr std::size_t kEntFlags = 4;
constexpr std::size_t kEntState = 8;
constexpr std::size_t kEntClientPort = 10;
constexpr std::size_t kEntVirtualPort = 12;
constexpr std::size_t kEntDestinationPort = 14;
constexpr std::size_t kEntFwmark = 16;
constexpr std::size_t kEntTimeout = 20;
constexpr std::size_t kEntAddresses = 24;
static_assert(kEntAddresses == kEntryFieldsSize);
static_assert(kEntryFieldsSize + 3 * 4 == kEntrySizeV4);
static_assert(kEntryFieldsSize + 3 * 16 == kEntrySizeV6);

// Entry fields (version 0).
constexpr std::size_t kV0Protocol = 1;
constexpr std::size_t kV0ClientPort = 2;
constexpr std::size_t kV0VirtualPort = 4;
constexpr std::size_t kV0DestinationPort = 6;
constexpr std::size_t kV0Addresses = 8;
constexpr std::size_t kV0Flags = 20;
constexpr std::size_t kV0State = 22;
static_assert(kV0State + 2 == kEntrySizeV0);

constexpr std::size_t alignUp(std::size_t n) { return (n + kEntryAlignment - 1) & ~(kEntryAlignment - 1); }

// Version 0 copies the sequence data in the sender's byte order; every
// sender of that format in use is x86, so little endian.
uint32_t loadLe32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

SeqAdjust loadSeq(const uint8_t* p, bool bigEndian) {
  const auto load = [bigEndian](const uint8_t* q) { return bigEndian ? loadBe32(q) : loadLe32(q); };
  return SeqAdjust{.initSeq = load(p), .delta = load(p + 4), .previousDelta = load(p + 8)};
}

void storeSeq(uint8_t* p, const SeqAdjust& s) {
  storeBe32(p, s.initSeq);
  storeBe32(p + 4, s.delta);
  storeBe32(p + 8, s.previousDelta);
}

wire::IpAddress loadAddress(const uint8_t* p, bool v6) {
  return wire::IpAddress::fromBytes(std::span<const uint8_t>(p, v6 ? 16 : 4));
}

// A refusal found inside an entry: the error and the offset of the field.
struct Fault {
  DecodeError error = DecodeError::kOk;
  std::size_t offset = 0;
};

DecodeResult refuse(DecodeError error, std::size_t offset) {
  DecodeResult r;
  r.error = error;
  r.offset = offset;
  return r;
}

// A connection (not a template) must be of a protocol IPVS keeps states
// for, in one of them. Templates are taken with any state, as the kernel
// takes them.
DecodeError checkState(const Entry& e) {
  if (e.isTemplate()) return DecodeError::kOk;
  const uint16_t count = stateCount(e.protocol);
  if (count == 0) return DecodeError::kUnknownProtocol;
  if (e.state >= count) return DecodeError::kBadState;
  return DecodeError::kOk;
}

DecodeResult decodeV0(std::span<const uint8_t> d) {
  DecodeResult r;
  r.message.version = MessageVersion::kV0;
  r.message.syncId = d[kOffSyncId];
  const std::size_t count = d[kOffCountV0];
  r.message.entries.reserve(count);
  std::size_t at = kHeaderSizeV0;
  for (std::size_t i = 0; i < count; ++i) {
    if (d.size() - at < kEntrySizeV0) return refuse(DecodeError::kTruncatedEntry, at);
    const std::size_t start = at;
    const uint8_t* p = d.data() + at;
    Entry e;
    e.protocol = p[kV0Protocol];
    e.clientPort = loadBe16(p + kV0ClientPort);
    e.virtualPort = loadBe16(p + kV0VirtualPort);
    e.destinationPort = loadBe16(p + kV0DestinationPort);
    e.client = loadAddress(p + kV0Addresses, false);
    e.virtualAddress = loadAddress(p + kV0Addresses + 4, false);
    e.destination = loadAddress(p + kV0Addresses + 8, false);
    e.flags = loadBe16(p + kV0Flags);
    e.state = loadBe16(p + kV0State);
    at += kEntrySizeV0;
    if (e.flags & conn_flags::kSeqMask) {
      if (d.size() - at < kSeqDataSizeV0) return refuse(DecodeError::kTruncatedEntry, at);
      e.seq = SeqOptions{.in = loadSeq(d.data() + at, false), .out = loadSeq(d.data() + at + 12, false)};
      at += kSeqDataSizeV0;
    }
    if (const DecodeError bad = checkState(e); bad != DecodeError::kOk) {
      return refuse(bad, start + (bad == DecodeError::kUnknownProtocol ? kV0Protocol : kV0State));
    }
    r.message.entries.push_back(e);
  }
  if (at != d.size()) return refuse(DecodeError::kTrailingBytes, at);
  return r;
}

// One version-1 entry at `at`, `size` bytes (options included) that lie
// inside the datagram; the entry is appended to r.message.
Fault decodeEntryV1(std::span<const uint8_t> d, std::size_t at, std::size_t size, DecodeResult& r) {
  const uint8_t* p = d.data() + at;
  const bool v6 = (p[kEntType] & kEntryTypeInet6) != 0;
  const std::size_t fixed = v6 ? kEntrySizeV6 : kEntrySizeV4;
  if (size < fixed) return Fault{DecodeError::kBadEntryLength, at + kEntVerSize};
  Entry e;
  e.protocol = p[kEntProtocol];
  e.flags = loadBe32(p + kEntFlags);
  e.state = loadBe16(p + kEntState);
  e.clientPort = loadBe16(p + kEntClientPort);
  e.virtualPort = loadBe16(p + kEntVirtualPort);
  e.destinationPort = loadBe16(p + kEntDestinationPort);
  e.fwmark = loadBe32(p + kEntFwmark);
  e.timeoutSeconds = loadBe32(p + kEntTimeout);
  const std::size_t n = v6 ? 16 : 4;
  e.client = loadAddress(p + kEntAddresses, v6);
  e.virtualAddress = loadAddress(p + kEntAddresses + n, v6);
  e.destination = loadAddress(p + kEntAddresses + 2 * n, v6);

  // Options: type, length, data; to the entry's end exactly.
  const std::size_t end = at + size;
  bool seenSeq = false, seenPeData = false, seenPeName = false;
  for (std::size_t o = at + fixed; o < end;) {
    if (end - o < kOptionHeaderSize) return Fault{DecodeError::kBadOption, o};
    const uint8_t type = d[o];
    const std::size_t length = d[o + 1];
    if (length == 0 || length > end - o - kOptionHeaderSize) return Fault{DecodeError::kBadOption, o + 1};
    const bool optional = (type & kOptionOptional) != 0;
    const uint8_t* data = d.data() + o + kOptionHeaderSize;
    switch (type & ~kOptionOptional) {
      case kOptionSeqData:
        if (length != kSeqDataSize) return Fault{DecodeError::kBadOptionLength, o + 1};
        if (seenSeq) return Fault{DecodeError::kDuplicateOption, o};
        seenSeq = true;
        e.seq = SeqOptions{.in = loadSeq(data, true), .out = loadSeq(data + 12, true)};
        break;
      case kOptionPeData:  // the length byte cannot exceed kMaxPeDataSize
        if (seenPeData) return Fault{DecodeError::kDuplicateOption, o};
        seenPeData = true;
        ++r.message.ignored.peData;
        break;
      case kOptionPeName:
        if (length > kMaxPeNameSize) return Fault{DecodeError::kBadOptionLength, o + 1};
        if (seenPeName) return Fault{DecodeError::kDuplicateOption, o};
        seenPeName = true;
        ++r.message.ignored.peName;
        break;
      default:
        if (!optional) return Fault{DecodeError::kUnknownOption, o};
        break;
    }
    if (optional) ++r.message.ignored.optional;
    o += kOptionHeaderSize + length;
  }
  if (const DecodeError bad = checkState(e); bad != DecodeError::kOk) {
    return Fault{bad, at + (bad == DecodeError::kUnknownProtocol ? kEntProtocol : kEntState)};
  }
  r.message.entries.push_back(e);
  return Fault{};
}

DecodeResult decodeV1(std::span<const uint8_t> d) {
  if (d.size() < kHeaderSizeV1) return refuse(DecodeError::kTooShort, 0);
  if (static_cast<int8_t>(d[kOffVersion]) != kProtocolVersion) return refuse(DecodeError::kBadVersion, kOffVersion);
  if (loadBe16(d.data() + kOffSpare) != 0) return refuse(DecodeError::kBadVersion, kOffSpare);
  DecodeResult r;
  r.message.version = MessageVersion::kV1;
  r.message.syncId = d[kOffSyncId];
  const std::size_t count = d[kOffCount];
  r.message.entries.reserve(count);
  std::size_t end = kHeaderSizeV1;  // of the last entry
  for (std::size_t i = 0; i < count; ++i) {
    // Each entry starts on 4 bytes; the padding before it is zeros.
    const std::size_t at = alignUp(end);
    if (at > d.size() || d.size() - at < kEntrySizeV4) return refuse(DecodeError::kTruncatedEntry, end);
    for (std::size_t k = end; k < at; ++k) {
      if (d[k] != 0) return refuse(DecodeError::kBadPadding, k);
    }
    const uint16_t verSize = loadBe16(d.data() + at + kEntVerSize);
    const std::size_t size = verSize & kEntrySizeMask;
    if (size > d.size() - at) return refuse(DecodeError::kTruncatedEntry, at + kEntVerSize);
    if (verSize >> kEntryVersionShift) return refuse(DecodeError::kBadEntryVersion, at + kEntVerSize);
    if (d[at + kEntType] & ~kEntryTypeInet6) return refuse(DecodeError::kUnknownEntryType, at + kEntType);
    if (const Fault f = decodeEntryV1(d, at, size, r); f.error != DecodeError::kOk) return refuse(f.error, f.offset);
    end = at + size;
  }
  if (end != d.size()) return refuse(DecodeError::kTrailingBytes, end);
  return r;
}

}  // namespace

// --- MessageBuilder ---------------------------------------------------------------

MessageBuilder::MessageBuilder(uint8_t syncId, std::size_t maxLength)
    : maxLength_(std::clamp(maxLength, kMinMaxLength, kMaxMaxLength)), syncId_(syncId) {
  bytes_.reserve(maxLength_);  // never reallocates: bytes() stays where it is
  reset();
}

void MessageBuilder::reset() {
  bytes_.assign(kHeaderSizeV1, 0);
  bytes_[kOffReserved] = 0;  // a version-0 reader takes it for an empty message
  bytes_[kOffSyncId] = syncId_;
  storeBe16(bytes_.data() + kOffSize, static_cast<uint16_t>(kHeaderSizeV1));
  bytes_[kOffCount] = 0;
  bytes_[kOffVersion] = static_cast<uint8_t>(kProtocolVersion);
  storeBe16(bytes_.data() + kOffSpare, 0);
  count_ = 0;
}

std::size_t MessageBuilder::entrySize(const Entry& entry) {
  return (entry.family() == wire::IpFamily::kV6 ? kEntrySizeV6 : kEntrySizeV4) +
         (entry.seq ? kSeqOptionSize : 0);
}

bool MessageBuilder::encodable(const Entry& entry) {
  return entry.virtualAddress.family == entry.client.family && entry.destination.family == entry.client.family;
}

bool MessageBuilder::add(const Entry& entry) {
  if (!encodable(entry) || count_ >= kMaxEntriesPerMessage) return false;
  const std::size_t size = entrySize(entry);
  const std::size_t at = alignUp(bytes_.size());
  if (at + size > maxLength_) return false;
  bytes_.resize(at + size, 0);  // the padding and the entry, zeroed
  uint8_t* p = bytes_.data() + at;
  const bool v6 = entry.family() == wire::IpFamily::kV6;
  p[kEntType] = v6 ? kEntryTypeInet6 : 0;
  p[kEntProtocol] = entry.protocol;
  storeBe16(p + kEntVerSize, static_cast<uint16_t>(size & kEntrySizeMask));  // entry version 0
  storeBe32(p + kEntFlags, entry.flags);
  storeBe16(p + kEntState, entry.state);
  storeBe16(p + kEntClientPort, entry.clientPort);
  storeBe16(p + kEntVirtualPort, entry.virtualPort);
  storeBe16(p + kEntDestinationPort, entry.destinationPort);
  storeBe32(p + kEntFwmark, entry.fwmark);
  storeBe32(p + kEntTimeout, entry.timeoutSeconds);
  uint8_t* a = p + kEntAddresses;
  for (const wire::IpAddress* address : {&entry.client, &entry.virtualAddress, &entry.destination}) {
    const auto raw = address->view();
    a = std::copy(raw.begin(), raw.end(), a);
  }
  if (entry.seq) {
    a[0] = kOptionSeqData;
    a[1] = static_cast<uint8_t>(kSeqDataSize);
    storeSeq(a + kOptionHeaderSize, entry.seq->in);
    storeSeq(a + kOptionHeaderSize + 12, entry.seq->out);
  }
  ++count_;
  bytes_[kOffCount] = static_cast<uint8_t>(count_);
  storeBe16(bytes_.data() + kOffSize, static_cast<uint16_t>(bytes_.size()));
  return true;
}

// --- Decoding ---------------------------------------------------------------------

DecodeResult decodeMessage(std::span<const uint8_t> datagram, uint8_t expectedSyncId) {
  const std::span<const uint8_t> d = datagram;
  // The checks every version shares, in the kernel's order.
  if (d.size() < kHeaderSizeV0) return refuse(DecodeError::kTooShort, 0);
  if (loadBe16(d.data() + kOffSize) != d.size()) return refuse(DecodeError::kBadSize, kOffSize);
  if (expectedSyncId != 0 && d[kOffSyncId] != expectedSyncId) return refuse(DecodeError::kWrongSyncId, kOffSyncId);
  // A version-0 message starts with its (non-zero) count; version 1 with 0.
  if (d[kOffReserved] != 0) return decodeV0(d);
  return decodeV1(d);
}

}  // namespace sluice::sync
