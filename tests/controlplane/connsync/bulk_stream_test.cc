// The bulk sync stream's framing: what the writer appends is read back by
// BulkReader however the bytes arrive (one at a time or all at once), and
// a stream that is not sluice's bulk sync, or breaks its framing, is
// refused with an error.
#include "controlplane/connsync/bulk_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::connsync {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes message(uint8_t seed, std::size_t n) {
  Bytes m(n);
  for (std::size_t i = 0; i < n; ++i) m[i] = static_cast<uint8_t>(seed + i * 13);
  return m;
}

// What a reader yields, as text: "hello", "message:<size>:<first byte>", "end:<n>".
struct Events {
  std::vector<std::string> seen;
  std::vector<Bytes> messages;
};

void drain(BulkReader& r, Events& out) {
  while (std::optional<BulkEvent> e = r.next()) {
    switch (e->kind) {
      case BulkFrame::kHello:
        out.seen.push_back("hello");
        break;
      case BulkFrame::kMessage:
        out.seen.push_back("message:" + std::to_string(e->message.size()));
        out.messages.emplace_back(e->message.begin(), e->message.end());  // valid until the next feed
        break;
      case BulkFrame::kEnd:
        out.seen.push_back("end:" + std::to_string(e->entries));
        break;
    }
  }
}

Bytes stream(const std::vector<Bytes>& messages, uint32_t entries) {
  Bytes out;
  appendBulkHello(out);
  for (const Bytes& m : messages) appendBulkMessage(out, m);
  appendBulkEnd(out, entries);
  return out;
}

const std::vector<Bytes> kMessages = {message(1, 44), message(2, 1), message(3, 500), message(4, 0x1234)};
const std::vector<std::string> kExpected = {"hello",       "message:44",   "message:1",
                                            "message:500", "message:4660", "end:300"};

// catches: a frame header or payload written in another layout than
// docs/sync.md's (type, 3-byte big-endian length, payload).
TEST(BulkStream, TheWriterFramesAsDocumented) {
  Bytes out;
  appendBulkHello(out);
  EXPECT_EQ(out, (Bytes{0, 0, 0, 13, 's', 'l', 'u', 'i', 'c', 'e', '-', 'b', 'u', 'l', 'k', '/', '1'}));
  out.clear();
  appendBulkMessage(out, Bytes{9, 8, 7});
  EXPECT_EQ(out, (Bytes{1, 0, 0, 3, 9, 8, 7}));
  out.clear();
  appendBulkMessage(out, message(0, 0x10203));  // over 64 KiB: cut to the limit
  ASSERT_EQ(out.size(), kBulkHeader + kMaxBulkPayload);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[1], 0x00);
  EXPECT_EQ(out[2], 0xff);
  EXPECT_EQ(out[3], 0xff);
  out.clear();
  appendBulkEnd(out, 0x01020304);
  EXPECT_EQ(out, (Bytes{2, 0, 0, 4, 1, 2, 3, 4}));
}

// catches: a frame split across reads lost or misread, the buffer not
// kept between feeds, or a message's bytes overwritten before use.
TEST(BulkStream, AStreamFedByteByByteYieldsEveryFrame) {
  const Bytes s = stream(kMessages, 300);
  BulkReader r;
  Events e;
  for (uint8_t b : s) {
    r.feed(std::span(&b, 1));
    drain(r, e);
  }
  EXPECT_EQ(e.seen, kExpected);
  EXPECT_EQ(e.messages, kMessages);
  EXPECT_EQ(r.error(), "");
  EXPECT_FALSE(r.next());  // nothing more
}

TEST(BulkStream, AStreamFedInOnePieceYieldsEveryFrame) {
  const Bytes s = stream(kMessages, 300);
  BulkReader r;
  r.feed(s);
  Events e;
  drain(r, e);
  EXPECT_EQ(e.seen, kExpected);
  EXPECT_EQ(e.messages, kMessages);
  EXPECT_EQ(r.error(), "");
}

// catches: consumed frames not dropped from the buffer on the next feed
// (a long stream would replay or grow without bound), in uneven pieces.
TEST(BulkStream, AStreamFedInUnevenPiecesYieldsEveryFrame) {
  std::vector<Bytes> many;
  for (int i = 0; i < 50; ++i) many.push_back(message(static_cast<uint8_t>(i), 36 + static_cast<std::size_t>(i) * 17));
  const Bytes s = stream(many, 12345);
  BulkReader r;
  Events e;
  std::size_t at = 0;
  for (std::size_t step = 1; at < s.size(); step = step * 3 % 997 + 1) {
    const std::size_t n = std::min(step, s.size() - at);
    r.feed(std::span(s.data() + at, n));
    at += n;
    drain(r, e);
  }
  ASSERT_EQ(e.seen.size(), 52u);
  EXPECT_EQ(e.seen.front(), "hello");
  EXPECT_EQ(e.seen.back(), "end:12345");
  EXPECT_EQ(e.messages, many);
}

// catches: a peer that is not sluiced (or another version) taken for one.
TEST(BulkStream, AStreamWithoutHelloIsRefused) {
  {
    BulkReader r;
    Bytes s;
    appendBulkMessage(s, message(1, 10));
    r.feed(s);
    EXPECT_FALSE(r.next());
    EXPECT_EQ(r.error(), "the peer does not speak sluice's bulk sync");
  }
  {
    BulkReader r;
    Bytes s;
    appendBulkEnd(s, 0);
    r.feed(s);
    EXPECT_FALSE(r.next());
    EXPECT_NE(r.error(), "");
  }
  {
    // A hello of another version.
    BulkReader r;
    const std::string other = "sluice-bulk/2";
    Bytes s = {0, 0, 0, static_cast<uint8_t>(other.size())};
    s.insert(s.end(), other.begin(), other.end());
    r.feed(s);
    EXPECT_FALSE(r.next());
    EXPECT_EQ(r.error(), "the peer does not speak sluice's bulk sync");
  }
  {
    // Something else altogether (an HTTP request).
    BulkReader r;
    const std::string http = "GET / HTTP/1.1\r\n\r\n";
    r.feed(std::span(reinterpret_cast<const uint8_t*>(http.data()), http.size()));
    EXPECT_FALSE(r.next());
    EXPECT_NE(r.error(), "");
  }
}

// catches: an unknown frame type skipped or misread; a second hello or an
// end marker of another length taken.
TEST(BulkStream, ABadFrameTypeIsRefused) {
  Bytes s;
  appendBulkHello(s);
  appendBulkMessage(s, message(5, 8));
  s.insert(s.end(), {3, 0, 0, 2, 0xaa, 0xbb});
  appendBulkEnd(s, 1);
  BulkReader r;
  r.feed(s);
  Events e;
  drain(r, e);
  EXPECT_EQ(e.seen, (std::vector<std::string>{"hello", "message:8"}));
  EXPECT_EQ(r.error(), "not a bulk sync frame (type 3, length 2)");
  // Once refused, nothing more comes, whatever is fed.
  Bytes more;
  appendBulkEnd(more, 1);
  r.feed(more);
  EXPECT_FALSE(r.next());

  Bytes twice;
  appendBulkHello(twice);
  appendBulkHello(twice);
  BulkReader r2;
  r2.feed(twice);
  ASSERT_TRUE(r2.next());
  EXPECT_FALSE(r2.next());
  EXPECT_EQ(r2.error(), "a malformed bulk sync frame");

  Bytes badEnd;
  appendBulkHello(badEnd);
  badEnd.insert(badEnd.end(), {2, 0, 0, 3, 0, 0, 1});
  BulkReader r3;
  r3.feed(badEnd);
  ASSERT_TRUE(r3.next());
  EXPECT_FALSE(r3.next());
  EXPECT_EQ(r3.error(), "a malformed bulk sync frame");
}

// catches: a length over the limit waited for (a peer could make the
// reader buffer 16 MiB before anything is checked).
TEST(BulkStream, ALengthOverTheLimitIsRefusedAtItsHeader) {
  Bytes s;
  appendBulkHello(s);
  s.insert(s.end(), {1, 0x01, 0x00, 0x00});  // 65536: one over
  BulkReader r;
  r.feed(s);
  ASSERT_TRUE(r.next());
  EXPECT_FALSE(r.next());
  EXPECT_EQ(r.error(), "not a bulk sync frame (type 1, length 65536)");

  // The largest length is taken, once its payload is all there.
  Bytes big;
  appendBulkHello(big);
  appendBulkMessage(big, message(9, kMaxBulkPayload));
  BulkReader r2;
  r2.feed(std::span(big.data(), big.size() - 1));
  ASSERT_TRUE(r2.next());
  EXPECT_FALSE(r2.next());  // one byte short: waits
  EXPECT_EQ(r2.error(), "");
  r2.feed(std::span(big.data() + big.size() - 1, 1));
  const std::optional<BulkEvent> m = r2.next();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, BulkFrame::kMessage);
  EXPECT_EQ(m->message.size(), kMaxBulkPayload);
  EXPECT_EQ(r2.error(), "");
}

// catches: an incomplete header or frame taken as an event.
TEST(BulkStream, AnIncompleteFrameWaits) {
  Bytes s;
  appendBulkHello(s);
  BulkReader r;
  r.feed(std::span(s.data(), 3));
  EXPECT_FALSE(r.next());
  r.feed(std::span(s.data() + 3, s.size() - 4));
  EXPECT_FALSE(r.next());
  EXPECT_EQ(r.error(), "");
  r.feed(std::span(s.data() + s.size() - 1, 1));
  const std::optional<BulkEvent> h = r.next();
  ASSERT_TRUE(h);
  EXPECT_EQ(h->kind, BulkFrame::kHello);
}

}  // namespace
}  // namespace sluice::connsync
