#include "controlplane/health/udp_probe.h"

#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "controlplane/config/address.h"

namespace sluice::health {
namespace {

std::string errorText(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

// What an ICMP error queued on the socket (IP_RECVERR) says: nullopt when
// the queue is empty; true for a destination unreachable, which is down
// for keepalived; false for another error (time exceeded ...), which it
// does not count.
struct QueuedError {
  bool unreachable = false;
  int err = 0;
};
std::optional<QueuedError> readQueuedError(int fd) {
  char control[512] __attribute__((aligned(alignof(cmsghdr))));
  char data[64];
  iovec iov{data, sizeof data};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  if (::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) return std::nullopt;
  QueuedError out;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    const bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
    const bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
    if (!v4 && !v6) continue;
    sock_extended_err e;
    std::memcpy(&e, CMSG_DATA(c), sizeof e);
    out.err = static_cast<int>(e.ee_errno);
    out.unreachable = out.unreachable || (v4 && e.ee_origin == SO_EE_ORIGIN_ICMP && e.ee_type == ICMP_DEST_UNREACH) ||
                      (v6 && e.ee_origin == SO_EE_ORIGIN_ICMP6 && e.ee_type == ICMP6_DST_UNREACH);
  }
  return out;
}

}  // namespace

std::vector<uint8_t> defaultUdpPayload() {
  static const std::string text = "keepalived check - ";
  std::vector<uint8_t> out;
  while (out.size() < 32) out.push_back(static_cast<uint8_t>(text[out.size() % text.size()]));
  return out;
}

std::string udpReplyMismatch(const UdpSpec& spec, const std::vector<uint8_t>& data, std::size_t length) {
  if (spec.reply.empty()) return "";
  if (length < spec.minReplyLength || length > spec.maxReplyLength) {
    return "reply of " + std::to_string(length) + " octets, outside " + std::to_string(spec.minReplyLength) + "-" +
           std::to_string(spec.maxReplyLength);
  }
  const std::size_t n = std::min({length, data.size(), spec.reply.size()});
  for (std::size_t i = 0; i < n; ++i) {
    const uint8_t open = spec.wildcard.empty() ? 0 : spec.wildcard[i];
    if (((data[i] ^ spec.reply[i]) & ~open) != 0) return "reply data mismatch at octet " + std::to_string(i);
  }
  return "";
}

void UdpProbe::finish(bool ok, std::string error) { run_.finish(ok, std::move(error)); }

void UdpProbe::start(common::EventLoop& loop, Done done) {
  run_.begin(loop, std::move(done));
  auto fail = [this](std::string why) { run_.failSoon(std::move(why)); };
  const bool v4 = spec_.address.isV4();
  run_.adopt(
      common::UniqueFd(::socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP)));
  if (!run_.hasFd()) return fail(errorText("socket", errno));
  // ICMP errors with their type, to tell unreachable from the rest.
  const int one = 1;
  ::setsockopt(run_.fd(), v4 ? SOL_IP : SOL_IPV6, v4 ? IP_RECVERR : IPV6_RECVERR, &one, sizeof one);
  if (spec_.bindTo || spec_.bindPort) {
    ::setsockopt(run_.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage local{};
    const wire::IpAddress any = *config::parseAddress(v4 ? "0.0.0.0" : "::");
    const socklen_t len = common::toSockaddr(spec_.bindTo.value_or(any), spec_.bindPort.value_or(0), local);
    if (::bind(run_.fd(), reinterpret_cast<sockaddr*>(&local), len) != 0) return fail(errorText("bind", errno));
  }
  sockaddr_storage remote{};
  const socklen_t len = common::toSockaddr(spec_.address, spec_.port, remote);
  if (::connect(run_.fd(), reinterpret_cast<sockaddr*>(&remote), len) != 0) return fail(errorText("connect", errno));
  const std::vector<uint8_t> payload = spec_.payload.empty() ? defaultUdpPayload() : spec_.payload;
  const ssize_t sent = ::send(run_.fd(), payload.data(), payload.size(), 0);
  if (sent < 0) return fail(errorText("send", errno));
  if (static_cast<std::size_t>(sent) != payload.size()) return fail("send: short datagram");
  run_.watch(EPOLLIN, [this](uint32_t) { onReady(); });
  run_.deadline(spec_.timeout, [this] {
    if (!spec_.requireReply) return finish(true, "");  // silence is no error
    finish(false, "no reply within " + std::to_string(spec_.timeout.count()) + " ms");
  });
}

void UdpProbe::onReady() {
  bool otherError = false;
  while (const auto e = readQueuedError(run_.fd())) {
    if (e->unreachable) return finish(false, errorText("ICMP destination unreachable", e->err));
    otherError = true;
  }
  // The pattern's octets are all that is read; MSG_TRUNC gives the length.
  std::vector<uint8_t> data(std::max<std::size_t>(spec_.reply.size(), 1));
  const ssize_t n = ::recv(run_.fd(), data.data(), data.size(), MSG_TRUNC);
  if (n < 0) {
    // An error already read from the queue shows here once more: not counted.
    if (errno == EAGAIN || errno == EINTR || otherError) return;
    return finish(false, errorText("recv", errno));
  }
  const std::string mismatch = udpReplyMismatch(spec_, data, static_cast<std::size_t>(n));
  finish(mismatch.empty(), mismatch);
}

}  // namespace sluice::health
