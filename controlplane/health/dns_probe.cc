#include "controlplane/health/dns_probe.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <random>

#include "controlplane/config/address.h"
#include "controlplane/health/probe_socket.h"

namespace sluice::health {
namespace {

constexpr std::size_t kHeaderSize = 12;
constexpr uint16_t kRecursionDesired = 0x0100;
constexpr uint16_t kResponse = 0x8000;  // QR
constexpr uint16_t kClassIn = 1;

struct DnsType {
  std::string_view name;
  uint16_t code;
};
constexpr std::array<DnsType, 9> kTypes{{{"A", 1},
                                         {"NS", 2},
                                         {"CNAME", 5},
                                         {"SOA", 6},
                                         {"MX", 15},
                                         {"TXT", 16},
                                         {"AAAA", 28},
                                         {"RRSIG", 46},
                                         {"DNSKEY", 48}}};

void put16(std::string& out, uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xff);
}

uint16_t get16(const unsigned char* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

uint16_t randomId() {
  static thread_local std::mt19937 random{std::random_device{}()};
  return static_cast<uint16_t>(std::uniform_int_distribution<unsigned>(0, 0xffff)(random));
}

std::string pair(const wire::IpAddress& address, uint16_t port) {
  return "[" + config::toString(address) + "]:" + std::to_string(port);
}

}  // namespace

std::optional<uint16_t> dnsTypeCode(std::string_view type) {
  for (const DnsType& t : kTypes) {
    if (t.name == type) return t.code;
  }
  return std::nullopt;
}

std::string dnsQuery(uint16_t id, std::string_view name, uint16_t type) {
  std::string q;
  put16(q, id);
  put16(q, kRecursionDesired);
  put16(q, 1);  // one question, no answer, authority or additional records
  put16(q, 0);
  put16(q, 0);
  put16(q, 0);
  while (!name.empty() && name != ".") {
    const std::size_t dot = std::min(name.find('.'), name.size());
    q += static_cast<char>(dot);
    q.append(name.substr(0, dot));
    name.remove_prefix(std::min(dot + 1, name.size()));
  }
  q += '\0';  // the root
  put16(q, type);
  put16(q, kClassIn);
  return q;
}

void DnsProbe::finish(bool ok, std::string error) { run_.finish(ok, std::move(error)); }

void DnsProbe::start(common::EventLoop& loop, Done done) {
  run_.begin(loop, std::move(done));
  auto fail = [this](std::string why) { run_.failSoon(std::move(why)); };
  const std::optional<uint16_t> type = dnsTypeCode(spec_.type);
  if (!type) return fail("unknown DNS_CHECK type " + spec_.type);
  query_ = dnsQuery(randomId(), spec_.name, *type);
  ProbeSocket s = openProbeSocket(SOCK_DGRAM, spec_.address, spec_.port, spec_.bindTo, spec_.bindPort);
  if (s.state == ProbeSocket::State::kFailed) {
    switch (s.step) {
      case ProbeSocket::Step::kSocket: return fail("failed to create socket.");
      case ProbeSocket::Step::kBind: return fail(std::string("UDP socket bind failed: ") + std::strerror(s.error));
      case ProbeSocket::Step::kConnect: break;
    }
    return fail(unreachable(s.error) ? "network unreachable for " + pair(spec_.address, spec_.port)
                                     : std::string("connection error."));
  }
  run_.adopt(std::move(s.fd));
  // The query goes out from the loop, once the socket is writable (at once).
  run_.watch(EPOLLOUT, [this](uint32_t) { sending_ ? send() : receive(); });
  run_.deadline(spec_.timeout, [this] {
    finish(false, sending_ ? "write timeout to socket." : "read timeout from socket");
  });
}

void DnsProbe::send() {
  const ssize_t n = ::send(run_.fd(), query_.data(), query_.size(), 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    return finish(false, "failed to write socket.");
  }
  if (static_cast<std::size_t>(n) != query_.size()) return finish(false, "failed to write all of the datagram.");
  sending_ = false;
  run_.modify(EPOLLIN);
}

void DnsProbe::receive() {
  for (;;) {
    unsigned char buf[768];  // keepalived's buffer: enough for the header
    const ssize_t n = ::recv(run_.fd(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      const int e = errno;
      return finish(false, "failed to read socket; errno " + std::to_string(e) + " (" + std::strerror(e) + ")");
    }
    // Not the reply to this query (too short, another id, not a
    // response): keep waiting, as keepalived does.
    if (static_cast<std::size_t>(n) < kHeaderSize) continue;
    if (get16(buf) != get16(reinterpret_cast<const unsigned char*>(query_.data()))) continue;
    const uint16_t flags = get16(buf + 2);
    if ((flags & kResponse) == 0) continue;
    const unsigned rcode = flags & 0x0f;
    if (rcode != 0) return finish(false, "read error occurred. (rcode = " + std::to_string(rcode) + ")");
    return finish(true, "");
  }
}

}  // namespace sluice::health
