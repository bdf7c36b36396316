#include "controlplane/sluiced/bulk_sync.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "controlplane/config/address.h"

namespace sluice::sluiced {
namespace {

constexpr unsigned kPageRecords = 1024;
constexpr unsigned kDumpWaitMs = 20;          // a worker answers within a pass (2 ms asleep at most)
constexpr std::size_t kOutHighWater = 1 << 20;  // stop copying pages while this much waits to be sent
constexpr std::size_t kReadPerPass = 1 << 20;
constexpr uint64_t kConnectTimeoutMs = 3000;
constexpr uint64_t kIdleTimeoutMs = 10'000;   // no byte from the peer for this long: failed
constexpr std::size_t kMaxSessions = 4;

int socketFor(const wire::IpAddress& a) {
  return ::socket(a.isV4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

const char* stateName(BulkClient::State s) {
  switch (s) {
    case BulkClient::State::kIdle: return "idle";
    case BulkClient::State::kConnecting: return "connecting";
    case BulkClient::State::kReceiving: return "receiving";
    case BulkClient::State::kComplete: return "complete";
    case BulkClient::State::kFailed: return "failed";
  }
  return "idle";
}

}  // namespace

bool BulkServer::listen(const wire::IpAddress& address, uint16_t port) {
  close();
  common::UniqueFd fd(socketFor(address));
  const int on = 1;
  sockaddr_storage sa;
  const socklen_t len = common::toSockaddr(address, port, sa);
  if (!fd || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
      ::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0 || ::listen(fd.get(), 4) != 0) {
    error_ = "cannot listen on " + config::toString(address) + " port " + std::to_string(port) + ": " +
             std::strerror(errno);
    return false;
  }
  error_.clear();
  listener_ = std::move(fd);
  return true;
}

void BulkServer::close() {
  listener_.reset();
  sessions_.clear();
}

void BulkServer::poll(connsync::EntryMapper& mapper, uint8_t syncId, std::size_t maxLength) {
  if (!listener_) return;
  for (;;) {
    const int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) break;
    if (sessions_.size() >= kMaxSessions) {
      ::close(fd);
      continue;
    }
    Session& s = sessions_.emplace_back();
    s.fd = common::UniqueFd(fd);
    s.cursor = uint64_t{2} << 32;  // the template tables first (conn_dump.h's order)
    connsync::appendBulkHello(s.out);
  }
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    Session& s = *it;
    if (!s.ended && s.out.size() - s.sent < kOutHighWater) fill(s, mapper, syncId, maxLength);
    const bool ok = send(s);
    if (!ok || (s.ended && s.sent == s.out.size())) {
      if (ok) {
        ++served_;
        entries_ += s.entries;
      }
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

void BulkServer::fill(Session& s, connsync::EntryMapper& mapper, uint8_t syncId, std::size_t maxLength) {
  const dp::ForwardingTable* table = dataplane_.table();
  if (table == nullptr) return;
  mapper.use(*table);
  std::array<dp::ConnRecord, kPageRecords> page;
  dp::ConnDumpRequest req;
  req.cursor = s.cursor;
  req.out = page.data();
  req.capacity = kPageRecords;
  if (!dataplane_.dumpConnections(s.worker, req, kDumpWaitMs)) return;  // the next pass asks again
  sync::MessageBuilder message(syncId, maxLength);
  auto flush = [&] {
    if (message.empty()) return;
    connsync::appendBulkMessage(s.out, message.bytes());
    s.entries += static_cast<uint32_t>(message.entries());
    message.reset();
  };
  const uint64_t stop = s.templates ? dp::kDumpEnd : uint64_t{2} << 32;  // connections: tables 0 and 1
  for (uint32_t i = 0; i < req.count; ++i) {
    // A page may run on into the next kind's tables: those come in their turn.
    if (page[i].isTemplate != s.templates || page[i].expiresInMs <= 0) continue;
    const std::optional<sync::Entry> e = mapper.toEntry(page[i]);
    if (!e) continue;
    if (!message.add(*e)) {
      flush();
      message.add(*e);
    }
  }
  flush();
  s.cursor = req.next;
  if (s.cursor < stop) return;
  // This worker's tables of this kind are done: the next worker, then
  // the connections, then the end.
  s.cursor = s.templates ? uint64_t{2} << 32 : 0;
  if (++s.worker < dataplane_.workerCount()) return;
  s.worker = 0;
  if (s.templates) {
    s.templates = false;
    s.cursor = 0;
    return;
  }
  connsync::appendBulkEnd(s.out, s.entries);
  s.ended = true;
}

bool BulkServer::send(Session& s) {
  while (s.sent < s.out.size()) {
    const ssize_t n = ::send(s.fd.get(), s.out.data() + s.sent, s.out.size() - s.sent, MSG_NOSIGNAL);
    if (n > 0) {
      s.sent += static_cast<std::size_t>(n);
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
  }
  s.out.clear();
  s.sent = 0;
  return true;
}

void BulkClient::start(const wire::IpAddress& peer, uint16_t port, uint64_t nowMs) {
  fd_ = common::UniqueFd(socketFor(peer));
  reader_ = connsync::BulkReader();
  peer_ = peer;
  startedAt_ = nowMs;
  finishedAt_.reset();
  entries_ = 0;
  messages_ = 0;
  expected_.reset();
  error_.clear();
  sockaddr_storage sa;
  const socklen_t len = common::toSockaddr(peer, port, sa);
  if (!fd_ || (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&sa), len) != 0 && errno != EINPROGRESS)) {
    fail(std::string("connect: ") + std::strerror(errno), nowMs);
    return;
  }
  state_ = State::kConnecting;
}

void BulkClient::fail(const std::string& why, uint64_t nowMs) {
  error_ = why;
  state_ = State::kFailed;
  finishedAt_ = nowMs;
  fd_.reset();
}

void BulkClient::poll(uint64_t nowMs, uint8_t syncId, const OnMessage& onMessage) {
  if (state_ != State::kConnecting && state_ != State::kReceiving) return;
  if (state_ == State::kConnecting) {
    int err = 0;
    socklen_t len = sizeof err;
    // Writable means connected (or refused: SO_ERROR says which).
    sockaddr_storage peer;
    socklen_t peerLen = sizeof peer;
    if (::getpeername(fd_.get(), reinterpret_cast<sockaddr*>(&peer), &peerLen) != 0) {
      ::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return fail(std::string("connect: ") + std::strerror(err), nowMs);
      if (nowMs - startedAt_ > kConnectTimeoutMs) return fail("connect: timed out", nowMs);
      return;
    }
    state_ = State::kReceiving;
    startedAt_ = nowMs;
  }
  std::array<uint8_t, 65536> buf;
  std::size_t taken = 0;
  bool progress = false;
  while (taken < kReadPerPass) {
    const ssize_t n = ::recv(fd_.get(), buf.data(), buf.size(), 0);
    if (n == 0) return fail("the peer closed the stream before its end marker", nowMs);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
      return fail(std::string("recv: ") + std::strerror(errno), nowMs);
    }
    progress = true;
    taken += static_cast<std::size_t>(n);
    reader_.feed(std::span(buf.data(), static_cast<std::size_t>(n)));
    while (std::optional<connsync::BulkEvent> e = reader_.next()) {
      if (e->kind == connsync::BulkFrame::kMessage) {
        const sync::DecodeResult r = sync::decodeMessage(e->message, syncId);
        if (!r.ok()) {
          return fail("a message refused: " + std::string(sync::decodeErrorName(r.error)), nowMs);
        }
        ++messages_;
        entries_ += static_cast<uint32_t>(r.message.entries.size());
        onMessage(r.message);
      } else if (e->kind == connsync::BulkFrame::kEnd) {
        expected_ = e->entries;
        if (e->entries != entries_) {
          return fail("the end marker counts " + std::to_string(e->entries) + " entries, " +
                          std::to_string(entries_) + " came",
                      nowMs);
        }
        state_ = State::kComplete;
        finishedAt_ = nowMs;
        fd_.reset();
        return;
      }
    }
    if (!reader_.error().empty()) return fail(reader_.error(), nowMs);
  }
  if (progress) {
    lastByteAt_ = nowMs;
  } else if (nowMs - std::max(startedAt_, lastByteAt_) > kIdleTimeoutMs) {
    fail("no data for 10 s", nowMs);
  }
}

nlohmann::json BulkClient::json(uint64_t nowMs) const {
  nlohmann::json j;
  j["state"] = stateName(state_);
  j["peer"] = peer_ ? nlohmann::json(config::toString(*peer_)) : nlohmann::json(nullptr);
  j["messages"] = messages_;
  j["entries"] = entries_;
  j["expected"] = expected_ ? nlohmann::json(*expected_) : nlohmann::json(nullptr);
  j["took_ms"] = finishedAt_ ? nlohmann::json(*finishedAt_ - startedAt_) : nlohmann::json(nullptr);
  j["finished_ms_ago"] = finishedAt_ ? nlohmann::json(nowMs - *finishedAt_) : nlohmann::json(nullptr);
  j["error"] = error_.empty() ? nlohmann::json(nullptr) : nlohmann::json(error_);
  return j;
}

}  // namespace sluice::sluiced
