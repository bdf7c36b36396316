#include "controlplane/health/bfd_sessions.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <variant>

#include "controlplane/config/address.h"

namespace sluice::health {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

std::string errnoText() { return std::strerror(errno); }

bool sameSource(const sockaddr_storage& from, const wire::IpAddress& address) {
  if (from.ss_family == AF_INET && address.isV4()) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(from);
    return std::memcmp(&in.sin_addr, address.bytes.data(), 4) == 0;
  }
  if (from.ss_family == AF_INET6 && !address.isV4()) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(from);
    return std::memcmp(&in6.sin6_addr, address.bytes.data(), 16) == 0;
  }
  return false;
}

}  // namespace

BfdSessions::BfdSessions(common::EventLoop& loop, const std::vector<config::BfdInstance>& instances,
                         common::LogSink log, uint16_t listenPort, uint16_t peerPort)
    : loop_(loop),
      log_(common::orStderr(std::move(log))),
      listenPort_(listenPort),
      peerPort_(peerPort),
      random_(std::random_device{}()) {
  std::vector<uint32_t> used;
  for (const config::BfdInstance& b : instances) {
    uint32_t discr = 0;
    while (discr == 0 || std::find(used.begin(), used.end(), discr) != used.end()) {
      discr = static_cast<uint32_t>(random_());
    }
    used.push_back(discr);
    bfd::SessionConfig sc;
    sc.minRx = microseconds{b.minRxUs};
    sc.minTx = microseconds{b.minTxUs};
    sc.idleTx = microseconds{b.idleTxUs};
    sc.multiplier = b.multiplier;
    sc.passive = b.passive;
    Entry e;
    e.config = b;
    e.session = std::make_unique<bfd::Session>(sc, discr, random_(), common::Clock::now());
    sessions_.emplace(b.name, std::move(e));
  }
}

BfdSessions::~BfdSessions() {
  for (auto& [name, e] : sessions_) {
    if (e.timer != 0) loop_.cancel(e.timer);
  }
  if (in4_) loop_.unwatch(in4_.get());
  if (in6_) loop_.unwatch(in6_.get());
}

void BfdSessions::log(int severity, std::string text) const {
  log_(common::LogLine{common::LogSource::kBfd, severity, std::move(text)});
}

void BfdSessions::start() {
  bool v4 = false, v6 = false;
  for (const auto& [name, e] : sessions_) (e.config.neighbor.isV4() ? v4 : v6) = true;
  if (v4) openReceiver(true);
  if (v6) openReceiver(false);
  for (auto& [name, e] : sessions_) {
    openSender(e);
    service(e);
  }
}

void BfdSessions::openReceiver(bool v4) {
  common::UniqueFd fd(::socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const int on = 1;
  sockaddr_storage any{};
  const socklen_t len = common::toSockaddr(v4 ? wire::IpAddress::v4(0, 0, 0, 0) : wire::IpAddress{
      {}, wire::IpFamily::kV6}, listenPort_, any);
  // The TTL / hop limit of each packet, for RFC 5881's check.
  auto set = [&fd, &on](int level, int option) { return ::setsockopt(fd.get(), level, option, &on, sizeof on) == 0; };
  const bool ok = fd && set(SOL_SOCKET, SO_REUSEADDR) &&
                  (v4 ? set(IPPROTO_IP, IP_RECVTTL)
                      : set(IPPROTO_IPV6, IPV6_V6ONLY) && set(IPPROTO_IPV6, IPV6_RECVHOPLIMIT)) &&
                  ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&any), len) == 0;
  if (!ok) {
    log(LOG_ERR, "BFD: cannot listen on UDP port " + std::to_string(listenPort_) + (v4 ? " (IPv4): " : " (IPv6): ") +
                     errnoText());
    return;
  }
  const int raw = fd.get();
  loop_.watch(raw, EPOLLIN, [this, raw, v4](uint32_t) { onReadable(raw, v4); });
  (v4 ? in4_ : in6_) = std::move(fd);
}

void BfdSessions::openSender(Entry& e) {
  const config::BfdInstance& b = e.config;
  const bool v4 = b.neighbor.isV4();
  common::UniqueFd fd(::socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const int ttl = b.ttl;
  if (!fd || ::setsockopt(fd.get(), v4 ? IPPROTO_IP : IPPROTO_IPV6, v4 ? IP_TTL : IPV6_UNICAST_HOPS, &ttl,
                          sizeof ttl) != 0) {
    log(LOG_ERR, "(" + b.name + ") socket() error (" + errnoText() + ")");
    return;
  }
  // RFC 5881: a source port in 49152-65535, the same for the session's life.
  const wire::IpAddress source = b.source.value_or(v4 ? wire::IpAddress::v4(0, 0, 0, 0)
                                                      : wire::IpAddress{{}, wire::IpFamily::kV6});
  std::uniform_int_distribution<int> ports(bfd::kSourcePortMin, bfd::kSourcePortMax);
  for (int attempt = 0; attempt < 64; ++attempt) {
    sockaddr_storage local{};
    const socklen_t len = common::toSockaddr(source, static_cast<uint16_t>(ports(random_)), local);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&local), len) == 0) {
      e.out = std::move(fd);
      return;
    }
    if (errno != EADDRINUSE) break;
  }
  log(LOG_ERR, "(" + b.name + ") bind() error (" + errnoText() + ")");
}

void BfdSessions::onReadable(int fd, bool v4) {
  // Bounded: other work on the loop must not starve behind a flood.
  for (int i = 0; i < 256; ++i) {
    std::array<uint8_t, 128> buf{};
    sockaddr_storage from{};
    std::array<char, CMSG_SPACE(sizeof(int)) * 2> control{};
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(fd, &msg, 0);
    if (n < 0) return;  // EAGAIN: all read
    int ttl = -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if ((v4 && c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
          (!v4 && c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
        std::memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      }
    }
    const bfd::DecodeResult decoded = bfd::decode(std::span<const uint8_t>(buf.data(), static_cast<std::size_t>(n)));
    if (!std::holds_alternative<bfd::Packet>(decoded)) continue;
    const bfd::Packet& p = std::get<bfd::Packet>(decoded);
    // By our discriminator once the peer knows it, by its address before.
    Entry* match = nullptr;
    for (auto& [name, e] : sessions_) {
      if (p.yourDiscriminator != 0 ? e.session->localDiscriminator() == p.yourDiscriminator
                                   : sameSource(from, e.config.neighbor)) {
        match = &e;
        break;
      }
    }
    if (match == nullptr || !sameSource(from, match->config.neighbor)) continue;
    // RFC 5881 (GTSM): sent with TTL 255, so received with at least ttl - max_hops.
    if (match->config.maxHops != 255 && ttl >= 0 && ttl + match->config.maxHops < match->config.ttl) continue;
    match->session->receive(p, common::Clock::now());
    service(*match);
  }
}

void BfdSessions::service(Entry& e) {
  const auto now = common::Clock::now();
  e.session->advance(now);
  if (auto p = e.session->transmit(now); p && e.out) {
    const auto bytes = bfd::encode(*p);
    sockaddr_storage to{};
    const socklen_t len = common::toSockaddr(e.config.neighbor, peerPort_, to);
    // A lost packet is what BFD is made to survive: no retry, no log flood.
    (void)::sendto(e.out.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to), len);
  }
  const std::string& name = e.config.name;
  for (const bfd::Transition& t : e.session->takeTransitions()) {
    // keepalived's bfd process logs entering Up, and leaving it.
    if (t.expired && t.from == bfd::State::kUp) {
      const auto overdue = t.silentFor - t.detectTime;
      log(LOG_WARNING, "(" + name + ") Expired after " + std::to_string(duration_cast<milliseconds>(t.silentFor).count()) +
                           " ms (" + std::to_string(overdue.count()) + " usec overdue)");
    }
    if (t.to == bfd::State::kUp) log(LOG_INFO, "(" + name + ") Entering Up state");
    if (t.to == bfd::State::kDown && t.from == bfd::State::kUp) {
      log(LOG_WARNING, "(" + name + ") Entering Down state (Local diagnostic - " + std::string(bfd::toString(t.localDiag)) +
                           ", Remote diagnostic - " + std::string(bfd::toString(t.remoteDiag)) + ")");
    }
  }
  const bool isUp = e.session->state() == bfd::State::kUp;
  if (isUp != e.reportedUp) {
    e.reportedUp = isUp;
    // Listeners may unsubscribe while told: iterate over a copy.
    std::vector<Listener> tell;
    for (const auto& [id, l] : listeners_) {
      if (l.first == name) tell.push_back(l.second);
    }
    for (const Listener& l : tell) l(isUp);
  }
  if (e.timer != 0) loop_.cancel(e.timer);
  e.timer = 0;
  const auto wake = e.session->wakeAt();
  if (wake == common::Clock::time_point::max()) return;
  e.timer = loop_.at(std::max(wake, now), [this, &e] {
    e.timer = 0;
    service(e);
  });
}

bool BfdSessions::up(const std::string& name) const {
  const auto it = sessions_.find(name);
  return it != sessions_.end() && it->second.session->state() == bfd::State::kUp;
}

milliseconds BfdSessions::startupGrace(const std::string& name) const {
  const auto it = sessions_.find(name);
  if (it == sessions_.end()) return milliseconds{0};
  const config::BfdInstance& b = it->second.config;
  return duration_cast<milliseconds>(microseconds{uint64_t{b.idleTxUs} * b.multiplier});
}

uint64_t BfdSessions::subscribe(const std::string& name, Listener listener) {
  const uint64_t id = nextListener_++;
  listeners_.emplace(id, std::make_pair(name, std::move(listener)));
  return id;
}

void BfdSessions::unsubscribe(uint64_t id) { listeners_.erase(id); }

}  // namespace sluice::health
