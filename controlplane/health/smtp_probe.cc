#include "controlplane/health/smtp_probe.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "controlplane/config/address.h"
#include "controlplane/health/probe_socket.h"

namespace sluice::health {
namespace {

constexpr std::size_t kMaxReply = 64 << 10;  // a reply longer than this is a broken server

bool isDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<int> smtpReply(std::string_view in, std::size_t* length) {
  std::size_t pos = 0;
  for (;;) {
    const std::size_t nl = in.find('\n', pos);
    if (nl == std::string_view::npos) return std::nullopt;
    std::string_view line = in.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    *length = pos;
    const char sep = line.size() > 3 ? line[3] : ' ';
    if (line.size() < 3 || !isDigit(line[0]) || !isDigit(line[1]) || !isDigit(line[2]) ||
        (sep != ' ' && sep != '-')) {
      return -1;
    }
    if (sep == ' ') return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  }
}

std::string SmtpProbe::server() const {
  return "[" + config::toString(spec_.address) + "]:" + std::to_string(spec_.port);
}

void SmtpProbe::finish(bool ok, std::string error) { run_.finish(ok, std::move(error)); }

void SmtpProbe::start(common::EventLoop& loop, Done done) {
  run_.begin(loop, std::move(done));
  auto fail = [this](std::string why) { run_.failSoon(std::move(why)); };
  ProbeSocket s = openProbeSocket(SOCK_STREAM, spec_.address, spec_.port, spec_.bindTo, spec_.bindPort);
  if (s.state == ProbeSocket::State::kFailed) {
    switch (s.step) {
      case ProbeSocket::Step::kSocket: return fail("connection failed to create socket.");
      case ProbeSocket::Step::kBind: return fail(std::string("socket bind failed: ") + std::strerror(s.error));
      case ProbeSocket::Step::kConnect: break;
    }
    if (!unreachable(s.error)) return fail("Error connecting to server " + server());
    return fail("Network unreachable for server " + config::toString(spec_.address) + " - real server [" +
                config::toString(spec_.realServer) + "]:" + std::to_string(spec_.realServerPort));
  }
  run_.adopt(std::move(s.fd));
  phase_ = Phase::kConnect;
  run_.watch(EPOLLOUT, [this](uint32_t) { onReady(); });
  run_.deadline(spec_.timeout, [this] {
    switch (phase_) {
      case Phase::kConnect: return finish(false, "Connection timeout to server " + server());
      case Phase::kHelo:
      case Phase::kQuit: return finish(false, "Write timeout to server " + server());
      case Phase::kBanner:
      case Phase::kHeloReply:
      case Phase::kQuitReply: break;
    }
    finish(false, "Read timeout from server " + server());
  });
}

void SmtpProbe::onReady() {
  switch (phase_) {
    case Phase::kConnect: return connected();
    case Phase::kHelo:
    case Phase::kQuit: return write();
    case Phase::kBanner:
    case Phase::kHeloReply:
    case Phase::kQuitReply: return read();
  }
}

void SmtpProbe::connected() {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(run_.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err == EINPROGRESS) return;
  if (err == ETIMEDOUT) return finish(false, "Connection timeout to server " + server());
  if (err != 0) return finish(false, "Could not connect to server " + server());
  phase_ = Phase::kBanner;
  run_.modify(EPOLLIN);
}

void SmtpProbe::read() {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(run_.fd(), buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) return finish(false, "Read failure from server " + server());
    in_.append(buf, static_cast<std::size_t>(n));
    std::size_t length = 0;
    const std::optional<int> code = smtpReply(in_, &length);
    if (code) return onReply(*code);
    if (in_.size() > kMaxReply) return finish(false, "Read failure from server " + server());
  }
}

void SmtpProbe::onReply(int code) {
  // What came after the reply is dropped, as keepalived drops it.
  in_.clear();
  switch (phase_) {
    case Phase::kBanner:
      if (code != 220) return finish(false, "Bad greeting banner from server " + server());
      return sendLine("HELO " + spec_.heloName + "\r\n", Phase::kHeloReply);
    case Phase::kHeloReply:
      if (code != 250) return finish(false, "Bad HELO response from server " + server());
      return sendLine("QUIT\r\n", Phase::kQuitReply);
    case Phase::kQuitReply:
      return finish(true, "");  // any reply to QUIT will do
    case Phase::kConnect:
    case Phase::kHelo:
    case Phase::kQuit: break;
  }
}

void SmtpProbe::sendLine(std::string line, Phase next) {
  out_ = std::move(line);
  sent_ = 0;
  afterWrite_ = next;
  phase_ = next == Phase::kHeloReply ? Phase::kHelo : Phase::kQuit;
  write();
}

void SmtpProbe::write() {
  while (sent_ < out_.size()) {
    const ssize_t n = ::send(run_.fd(), out_.data() + sent_, out_.size() - sent_, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return run_.modify(EPOLLOUT);
    if (n <= 0) return finish(false, "Write failure to server " + server());
    sent_ += static_cast<std::size_t>(n);
  }
  phase_ = afterWrite_;
  run_.modify(EPOLLIN);
}

}  // namespace sluice::health
