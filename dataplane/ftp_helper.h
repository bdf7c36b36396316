// The FTP control connection's messages that name a data connection's
// endpoint, as a NAT load balancer must see them (Linux's ip_vs_ftp):
//
//   real server -> client   227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)
//                           229 Entering Extended Passive Mode (|||port|)
//   client -> real server   PORT h1,h2,h3,h4,p1,p2
//                           EPRT |1|a.b.c.d|port|   EPRT |2|ipv6|port|
//
// Each is looked for at the start of a TCP segment's payload and only
// when that payload holds the whole line (up to its LF): a line split over
// two segments is left as it is, as IPVS leaves it. Nothing is kept
// between segments. A 227 reply's address is rewritten to the VIP; the
// text may grow or shrink, which the caller turns into sequence shifts
// (seq_shift.h).
//
// Pure and allocation-free; never reads past the length given.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>

#include "dataplane/flow.h"

namespace sluice::dp {

enum class FtpMessage : uint8_t {
  kNone,           // nothing of interest (or an incomplete line)
  kPassive,        // 227: addr, port, and the span of "h1,...,p2"
  kExtendedPassive,  // 229: port
  kPort,           // PORT: addr, port
  kExtendedPort,   // EPRT: addr (v6 for |2|), port
  kMalformed,      // one of the above by its first word, but not readable
};

struct FtpParse {
  FtpMessage kind = FtpMessage::kNone;
  bool v6 = false;     // the address is IPv6 (EPRT |2|)
  IpAddr addr{};       // 227, PORT, EPRT
  uint16_t port = 0;   // host order
  uint32_t start = 0;  // 227: the payload bytes [start, end) that hold "h1,...,p2"
  uint32_t end = 0;
};

namespace ftp_detail {

inline bool isDigit(uint8_t c) { return c >= '0' && c <= '9'; }

inline uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c + 32) : c; }

// The payload starts with `word` (ASCII letters compared without case)
// and holds a line end after it; `line` is set to the LF's offset.
inline bool startsLine(const uint8_t* s, uint32_t n, const char* word, uint32_t& line) {
  const uint32_t w = static_cast<uint32_t>(std::strlen(word));
  if (n < w) return false;
  for (uint32_t i = 0; i < w; ++i) {
    if (lower(s[i]) != lower(static_cast<uint8_t>(word[i]))) return false;
  }
  for (uint32_t i = w; i < n; ++i) {
    if (s[i] == '\n') {
      line = i;
      return true;
    }
  }
  return false;
}

// A decimal number of at most `max` at s[i..]; advances i.
inline bool number(const uint8_t* s, uint32_t end, uint32_t& i, uint32_t max, uint32_t& value) {
  const uint32_t first = i;
  value = 0;
  while (i < end && isDigit(s[i])) {
    value = value * 10 + (s[i] - '0');
    if (value > max) return false;
    ++i;
  }
  return i != first;
}

// "h1,h2,h3,h4,p1,p2" at s[i..] (i advanced past it).
inline bool sixNumbers(const uint8_t* s, uint32_t end, uint32_t& i, IpAddr& addr, uint16_t& port) {
  uint32_t v[6];
  for (int k = 0; k < 6; ++k) {
    if (k > 0) {
      if (i >= end || s[i] != ',') return false;
      ++i;
    }
    if (!number(s, end, i, 255, v[k])) return false;
  }
  addr = IpAddr{};
  for (int k = 0; k < 4; ++k) addr.b[k] = static_cast<uint8_t>(v[k]);
  port = static_cast<uint16_t>(v[4] << 8 | v[5]);
  return port != 0;
}

// The RFC 2428 form "<d>...<d>port<d>" after the delimiter has been read:
// a port of 1..65535 then the delimiter.
inline bool delimitedPort(const uint8_t* s, uint32_t end, uint32_t& i, uint8_t d, uint16_t& port) {
  uint32_t v = 0;
  if (!number(s, end, i, 65535, v) || v == 0) return false;
  if (i >= end || s[i] != d) return false;
  ++i;
  port = static_cast<uint16_t>(v);
  return true;
}

// RFC 2428's delimiter: printable ASCII, not a digit (a digit could not
// be told from the numbers it separates).
inline bool isDelimiter(uint8_t c) { return c >= 33 && c <= 126 && !isDigit(c); }

}  // namespace ftp_detail

// A real server's reply at the start of a payload of n bytes.
inline FtpParse parseFtpReply(const uint8_t* s, uint32_t n) {
  using namespace ftp_detail;
  FtpParse r;
  uint32_t line = 0;
  if (startsLine(s, n, "227 ", line)) {
    // RFC 1123 4.1.2.12: the numbers follow the first digit, with or
    // without the customary parenthesis.
    uint32_t i = 4;
    while (i < line && !isDigit(s[i])) ++i;
    const uint32_t start = i;
    if (i == line || !sixNumbers(s, line, i, r.addr, r.port)) {
      r.kind = FtpMessage::kMalformed;
      return r;
    }
    r.kind = FtpMessage::kPassive;
    r.start = start;
    r.end = i;
    return r;
  }
  if (startsLine(s, n, "229 ", line)) {
    uint32_t i = 4;
    while (i < line && s[i] != '(') ++i;
    // "(" then three delimiters, the port, a delimiter.
    if (i + 4 >= line || !isDelimiter(s[i + 1])) {
      r.kind = FtpMessage::kMalformed;
      return r;
    }
    const uint8_t d = s[i + 1];
    if (s[i + 2] != d || s[i + 3] != d) {
      r.kind = FtpMessage::kMalformed;
      return r;
    }
    i += 4;
    if (!delimitedPort(s, line, i, d, r.port) || i >= line || s[i] != ')') {
      r.kind = FtpMessage::kMalformed;
      return r;
    }
    r.kind = FtpMessage::kExtendedPassive;
    return r;
  }
  return r;
}

// A client's command at the start of a payload of n bytes.
inline FtpParse parseFtpCommand(const uint8_t* s, uint32_t n) {
  using namespace ftp_detail;
  FtpParse r;
  uint32_t line = 0;
  if (startsLine(s, n, "PORT ", line)) {
    uint32_t i = 5;
    while (i < line && s[i] == ' ') ++i;
    const bool ok = sixNumbers(s, line, i, r.addr, r.port);
    const bool ends = i == line || (s[i] == '\r' && i + 1 == line);
    r.kind = ok && ends ? FtpMessage::kPort : FtpMessage::kMalformed;
    return r;
  }
  if (startsLine(s, n, "EPRT ", line)) {
    r.kind = FtpMessage::kMalformed;
    uint32_t i = 5;
    if (i + 3 > line || !isDelimiter(s[i])) return r;
    const uint8_t d = s[i];
    const uint8_t family = s[i + 1];
    if ((family != '1' && family != '2') || s[i + 2] != d) return r;
    r.v6 = family == '2';
    i += 3;
    const uint32_t from = i;
    while (i < line && s[i] != d) ++i;
    const uint32_t len = i - from;
    if (i == line || len == 0 || len >= 46) return r;
    char text[46];
    std::memcpy(text, s + from, len);
    text[len] = '\0';
    r.addr = IpAddr{};
    if (inet_pton(r.v6 ? AF_INET6 : AF_INET, text, r.addr.b) != 1) return r;
    ++i;
    if (!delimitedPort(s, line, i, d, r.port)) return r;
    const bool ends = i == line || (s[i] == '\r' && i + 1 == line);
    if (ends) r.kind = FtpMessage::kExtendedPort;
    return r;
  }
  return r;
}

// Writes "h1,h2,h3,h4,p1,p2" for an IPv4 address and port into out (room
// for kPassiveTextMax bytes); returns its length.
inline constexpr uint32_t kPassiveTextMax = 23;  // 255,255,255,255,255,255
inline uint32_t formatPassive(char* out, const IpAddr& v4, uint16_t port) {
  const unsigned v[6] = {v4.b[0], v4.b[1], v4.b[2], v4.b[3], static_cast<unsigned>(port >> 8),
                         static_cast<unsigned>(port & 0xFF)};
  uint32_t n = 0;
  for (int k = 0; k < 6; ++k) {
    if (k > 0) out[n++] = ',';
    if (v[k] >= 100) out[n++] = static_cast<char>('0' + v[k] / 100);
    if (v[k] >= 10) out[n++] = static_cast<char>('0' + v[k] / 10 % 10);
    out[n++] = static_cast<char>('0' + v[k] % 10);
  }
  return n;
}

// Replaces payload[start, end) of a payload of len bytes with `text` (n
// bytes), moving what follows; `room` is how many bytes the payload may
// span. Returns false, changing nothing, when the result would not fit.
inline bool spliceText(uint8_t* payload, uint32_t len, uint32_t room, uint32_t start, uint32_t end, const char* text,
                       uint32_t n) {
  if (start > end || end > len) return false;
  const uint32_t result = len - (end - start) + n;
  if (result > room) return false;
  std::memmove(payload + start + n, payload + end, len - end);
  std::memcpy(payload + start, text, n);
  return true;
}

}  // namespace sluice::dp
