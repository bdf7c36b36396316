#include "controlplane/health/ping_probe.h"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

namespace sluice::health {
namespace {

constexpr std::size_t kIcmpHeader = 8;
constexpr std::size_t kEchoData = 128;  // keepalived's
// <linux/icmp.h>'s ICMP_FILTER (a SOL_RAW option: a bit per ICMP type to
// drop), which cannot be included beside <netinet/ip_icmp.h>.
constexpr int kIcmpFilter = 1;

std::string errorText(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

uint16_t read16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

void write16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

// The Internet checksum (RFC 1071) of `data`.
uint16_t checksum(const std::vector<uint8_t>& data) {
  uint32_t sum = 0;
  for (std::size_t i = 0; i < data.size(); i += 2) {
    sum += static_cast<uint32_t>(data[i] << 8 | (i + 1 < data.size() ? data[i + 1] : 0));
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// Raw sockets see every echo reply of the namespace: an identifier of
// this probe's own and a sequence number per request tell ours apart.
uint16_t nextSequence() {
  static std::atomic<uint16_t> sequence{static_cast<uint16_t>(std::random_device{}())};
  return sequence.fetch_add(1, std::memory_order_relaxed);
}

bool fromServer(const sockaddr_storage& from, const wire::IpAddress& server) {
  sockaddr_storage want{};
  common::toSockaddr(server, 0, want);
  if (from.ss_family != want.ss_family) return false;
  if (from.ss_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in&>(from).sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in&>(want).sin_addr.s_addr;
  }
  return std::memcmp(&reinterpret_cast<const sockaddr_in6&>(from).sin6_addr,
                     &reinterpret_cast<const sockaddr_in6&>(want).sin6_addr, sizeof(in6_addr)) == 0;
}

}  // namespace

std::vector<uint8_t> echoRequest(bool v6, uint16_t id, uint16_t sequence) {
  static const std::string text = "keepalived check - ";
  std::vector<uint8_t> out(kIcmpHeader + kEchoData, 0);
  out[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
  write16(&out[4], id);
  write16(&out[6], sequence);
  for (std::size_t i = 0; i < kEchoData; ++i) out[kIcmpHeader + i] = static_cast<uint8_t>(text[i % text.size()]);
  if (!v6) write16(&out[2], checksum(out));
  return out;
}

std::optional<EchoReply> parseEchoReply(const uint8_t* data, std::size_t length, bool v6, bool ipHeader) {
  std::size_t at = 0;
  if (ipHeader) {
    if (length < 20) return std::nullopt;
    at = static_cast<std::size_t>(data[0] & 0x0f) * 4;
  }
  if (length < at + kIcmpHeader) return std::nullopt;
  const uint8_t* icmp = data + at;
  if (icmp[0] != (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) || icmp[1] != 0) return std::nullopt;
  return EchoReply{read16(icmp + 4), read16(icmp + 6)};
}

void PingProbe::finish(bool ok, std::string error) { run_.finish(ok, std::move(error)); }

// A raw ICMP socket first: sluiced has CAP_NET_RAW, and ping sockets
// (SOCK_DGRAM) are refused to every group in a fresh network namespace
// (net.ipv4.ping_group_range "1 0"), the lab's and many containers' case.
// Without CAP_NET_RAW, a ping socket where ping_group_range admits us.
// keepalived widens ping_group_range instead; sluice leaves the sysctl be.
std::string PingProbe::openSocket() {
  const bool v4 = spec_.address.isV4();
  const int family = v4 ? AF_INET : AF_INET6;
  const int protocol = v4 ? static_cast<int>(IPPROTO_ICMP) : static_cast<int>(IPPROTO_ICMPV6);
  raw_ = true;
  run_.adopt(common::UniqueFd(::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol)));
  if (!run_.hasFd() && (errno == EPERM || errno == EACCES)) {
    raw_ = false;
    run_.adopt(common::UniqueFd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol)));
  }
  if (!run_.hasFd()) return errorText("socket", errno);
  if (raw_ && v4) {
    const uint32_t dropped = ~(1U << ICMP_ECHOREPLY);
    ::setsockopt(run_.fd(), SOL_RAW, kIcmpFilter, &dropped, sizeof dropped);
  } else if (raw_) {
    icmp6_filter filter;
    ICMP6_FILTER_SETBLOCKALL(&filter);
    ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
    ::setsockopt(run_.fd(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
  }
  if (spec_.bindTo) {
    sockaddr_storage local{};
    const socklen_t len = common::toSockaddr(*spec_.bindTo, 0, local);
    if (::bind(run_.fd(), reinterpret_cast<sockaddr*>(&local), len) != 0) return errorText("bind", errno);
  }
  // Connected: the kernel passes on only what comes from the server.
  sockaddr_storage remote{};
  const socklen_t len = common::toSockaddr(spec_.address, 0, remote);
  if (::connect(run_.fd(), reinterpret_cast<sockaddr*>(&remote), len) != 0) return errorText("connect", errno);
  return "";
}

void PingProbe::start(common::EventLoop& loop, Done done) {
  run_.begin(loop, std::move(done));
  auto fail = [this](std::string why) { run_.failSoon(std::move(why)); };
  if (std::string why = openSocket(); !why.empty()) return fail(why);
  const bool v6 = !spec_.address.isV4();
  sent_.sequence = nextSequence();
  sent_.id = static_cast<uint16_t>(std::random_device{}());
  const std::vector<uint8_t> request = echoRequest(v6, sent_.id, sent_.sequence);
  if (::send(run_.fd(), request.data(), request.size(), 0) < 0) return fail(errorText("send", errno));
  if (!raw_) {
    // A ping socket puts its own identifier (its "port") in the request.
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    ::getsockname(run_.fd(), reinterpret_cast<sockaddr*>(&local), &len);
    sent_.id = ntohs(v6 ? reinterpret_cast<sockaddr_in6&>(local).sin6_port
                        : reinterpret_cast<sockaddr_in&>(local).sin_port);
  }
  run_.watch(EPOLLIN, [this](uint32_t) { onReady(); });
  run_.deadline(spec_.timeout, [this] {
    finish(false, "no echo reply within " + std::to_string(spec_.timeout.count()) + " ms");
  });
}

void PingProbe::onReady() {
  const bool v6 = !spec_.address.isV4();
  std::array<uint8_t, 60 + kIcmpHeader + kEchoData> buf;  // room for the largest IPv4 header
  for (int i = 0; i < 64; ++i) {  // bounded: a flood of other replies waits for the next round
    sockaddr_storage from{};
    socklen_t fromLen = sizeof from;
    const ssize_t n = ::recvfrom(run_.fd(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &fromLen);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      return finish(false, errorText("recv", errno));  // an ICMP error about the request
    }
    if (!fromServer(from, spec_.address)) continue;
    const auto reply = parseEchoReply(buf.data(), static_cast<std::size_t>(n), v6, raw_ && !v6);
    if (reply && reply->id == sent_.id && reply->sequence == sent_.sequence) return finish(true, "");
  }
}

}  // namespace sluice::health
