#include "controlplane/health/stream_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "controlplane/common/socket_address.h"

namespace sluice::health {
namespace {

constexpr std::size_t kMaxResponse = 4 << 20;  // a health page bigger than this is refused

SSL_CTX* clientContext() {
  // One context for every SSL_GET; like keepalived, certificates are not
  // verified (the check is about the service answering, not its identity).
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
    return c;
  }();
  return ctx;
}

std::string sslError(const char* what) {
  const unsigned long e = ERR_get_error();
  char buf[256] = {};
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return std::string(what) + (e != 0 ? std::string(": ") + buf : std::string());
}

}  // namespace

StreamProbe::StreamProbe(StreamSpec spec) : spec_(std::move(spec)) {}

StreamProbe::~StreamProbe() { close(); }

std::string StreamProbe::md5Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

void StreamProbe::close() {
  if (loop_ != nullptr && timer_ != 0) loop_->cancel(timer_);
  timer_ = 0;
  if (ssl_ != nullptr) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    if (loop_ != nullptr) loop_->unwatch(fd_);
    ::close(fd_);
    fd_ = -1;
  }
}

void StreamProbe::finish(bool ok, std::string error) {
  if (finished_) return;
  finished_ = true;
  close();
  // Last: the owner may destroy this probe from inside done.
  Done done = std::move(done_);
  done(ProbeResult{ok, std::move(error), std::nullopt});
}

void StreamProbe::want(uint32_t events) { loop_->modify(fd_, events); }

void StreamProbe::start(common::EventLoop& loop, Done done) {
  loop_ = &loop;
  done_ = std::move(done);
  // Failures found here are reported from the loop, never from inside
  // start(); a timer (not post) so that destroying the probe cancels it.
  auto fail = [&](std::string why) {
    timer_ = loop.after(std::chrono::milliseconds(0), [this, why = std::move(why)] {
      timer_ = 0;
      finish(false, why);
    });
  };
  const int family = spec_.address.isV4() ? AF_INET : AF_INET6;
  fd_ = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return fail(std::string("socket: ") + std::strerror(errno));
  if (spec_.bindTo || spec_.bindPort) {
    const int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage local{};
    const wire::IpAddress any = *config::parseAddress(spec_.address.isV4() ? "0.0.0.0" : "::");
    const socklen_t len = common::toSockaddr(spec_.bindTo.value_or(any), spec_.bindPort.value_or(0), local);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), len) != 0) {
      return fail(std::string("bind: ") + std::strerror(errno));
    }
  }
  sockaddr_storage remote{};
  const socklen_t len = common::toSockaddr(spec_.address, spec_.port, remote);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&remote), len) != 0 && errno != EINPROGRESS) {
    return fail(std::string("connect: ") + std::strerror(errno));
  }
  phase_ = Phase::kConnect;
  loop.watch(fd_, EPOLLOUT, [this](uint32_t events) { onReady(events); });
  timer_ = loop.after(spec_.timeout, [this] {
    timer_ = 0;
    const char* during = phase_ == Phase::kConnect ? "connect" : phase_ == Phase::kHandshake ? "TLS handshake" : "response";
    finish(false, std::string(during) + " timed out after " + std::to_string(spec_.timeout.count()) + " ms");
  });
}

void StreamProbe::onReady(uint32_t events) {
  switch (phase_) {
    case Phase::kConnect: {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return finish(false, std::string("connect: ") + std::strerror(err));
      if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLOUT)) return finish(false, "connect: failed");
      if (spec_.urls.empty()) return finish(true, "");  // TCP_CHECK
      if (spec_.tls) {
        ssl_ = SSL_new(clientContext());
        SSL_set_fd(ssl_, fd_);
        const std::string& host = spec_.urls.front().host;
        if (spec_.sni && !host.empty()) SSL_set_tlsext_host_name(ssl_, host.c_str());
        phase_ = Phase::kHandshake;
        return handshake();
      }
      return beginUrl();
    }
    case Phase::kHandshake:
      return handshake();
    case Phase::kSend:
      return sendRequest();
    case Phase::kReceive:
      return receive();
  }
}

void StreamProbe::handshake() {
  const int rc = SSL_connect(ssl_);
  if (rc == 1) return beginUrl();
  const int e = SSL_get_error(ssl_, rc);
  if (e == SSL_ERROR_WANT_READ) return want(EPOLLIN);
  if (e == SSL_ERROR_WANT_WRITE) return want(EPOLLOUT);
  finish(false, sslError("TLS handshake"));
}

void StreamProbe::beginUrl() {
  const UrlSpec& u = spec_.urls[url_];
  // HTTP/1.0 as keepalived sends it: the body ends at close, never chunked.
  out_ = "GET " + u.path + " HTTP/1.0\r\nUser-Agent: sluice-healthcheck\r\nHost: " + u.host +
         "\r\nConnection: close\r\n\r\n";
  sent_ = 0;
  in_.clear();
  phase_ = Phase::kSend;
  sendRequest();
}

void StreamProbe::sendRequest() {
  while (sent_ < out_.size()) {
    const char* p = out_.data() + sent_;
    const int n = static_cast<int>(out_.size() - sent_);
    if (ssl_ != nullptr) {
      const int rc = SSL_write(ssl_, p, n);
      if (rc <= 0) {
        const int e = SSL_get_error(ssl_, rc);
        if (e == SSL_ERROR_WANT_READ) return want(EPOLLIN);
        if (e == SSL_ERROR_WANT_WRITE) return want(EPOLLOUT);
        return finish(false, sslError("TLS write"));
      }
      sent_ += static_cast<std::size_t>(rc);
    } else {
      const ssize_t rc = ::send(fd_, p, static_cast<std::size_t>(n), MSG_NOSIGNAL);
      if (rc < 0) {
        if (errno == EAGAIN) return want(EPOLLOUT);
        return finish(false, std::string("send: ") + std::strerror(errno));
      }
      sent_ += static_cast<std::size_t>(rc);
    }
  }
  phase_ = Phase::kReceive;
  want(EPOLLIN);
}

void StreamProbe::receive() {
  char buf[16384];
  for (;;) {
    if (ssl_ != nullptr) {
      const int rc = SSL_read(ssl_, buf, sizeof buf);
      if (rc > 0) {
        in_.append(buf, static_cast<std::size_t>(rc));
      } else {
        const int e = SSL_get_error(ssl_, rc);
        if (e == SSL_ERROR_WANT_READ) return want(EPOLLIN);
        if (e == SSL_ERROR_WANT_WRITE) return want(EPOLLOUT);
        // A close, clean or not: what came is the response (servers often
        // skip close_notify).
        ERR_clear_error();
        break;
      }
    } else {
      const ssize_t rc = ::recv(fd_, buf, sizeof buf, 0);
      if (rc > 0) {
        in_.append(buf, static_cast<std::size_t>(rc));
      } else if (rc == 0) {
        break;
      } else if (errno == EAGAIN) {
        return want(EPOLLIN);
      } else {
        return finish(false, std::string("recv: ") + std::strerror(errno));
      }
    }
    if (in_.size() > kMaxResponse) return finish(false, "response larger than 4 MiB");
  }
  verifyResponse();
}

void StreamProbe::verifyResponse() {
  const UrlSpec& u = spec_.urls[url_];
  unsigned status = 0;
  if (std::sscanf(in_.c_str(), "HTTP/%*u.%*u %u", &status) != 1) {
    return finish(false, u.path + ": not an HTTP response");
  }
  bool statusOk = false;
  for (const auto& [first, last] : u.status) statusOk = statusOk || (status >= first && status <= last);
  if (!statusOk) return finish(false, u.path + ": status " + std::to_string(status));
  if (u.digest) {
    const auto end = in_.find("\r\n\r\n");
    const std::string body = end == std::string::npos ? std::string() : in_.substr(end + 4);
    const std::string got = md5Hex(body);
    if (got != *u.digest) return finish(false, u.path + ": digest " + got + ", expected " + *u.digest);
  }
  if (++url_ == spec_.urls.size()) return finish(true, "");
  // The next url on a new connection (HTTP/1.0 closes after each).
  close();
  Done done = std::move(done_);
  start(*loop_, std::move(done));
}

}  // namespace sluice::health
