#include "controlplane/failover/smtp_alert.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>

namespace sluice::failover {
namespace {

constexpr std::size_t kMaxQueued = 64;

// A connected socket with a deadline for every wait.
class Connection {
 public:
  explicit Connection(int timeoutMs) : timeoutMs_(timeoutMs) {}
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }

  std::optional<std::string> open(const config::SmtpServer& server) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(server.port);
    if (const int rc = ::getaddrinfo(server.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
      return "cannot resolve " + server.host + ": " + ::gai_strerror(rc);
    }
    std::string error = "no address for " + server.host;
    for (addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0 || (errno == EINPROGRESS && waitFor(fd, POLLOUT))) {
        int soError = 0;
        socklen_t len = sizeof soError;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len);
        if (soError == 0) {
          fd_ = fd;
          break;
        }
        error = std::string("connect: ") + std::strerror(soError);
      } else {
        error = errno == EINPROGRESS ? "connect: timed out" : std::string("connect: ") + std::strerror(errno);
      }
      ::close(fd);
    }
    ::freeaddrinfo(found);
    if (fd_ < 0) return error;
    return std::nullopt;
  }

  bool write(const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
      if (!waitFor(fd_, POLLOUT)) return false;
      const ssize_t n = ::send(fd_, text.data() + done, text.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  // One reply, multi-line ("250-...") included: its code, or 0 on a
  // timeout, a closed connection or garbage.
  int reply() {
    for (;;) {
      const auto eol = buffer_.find("\r\n");
      if (eol != std::string::npos) {
        const std::string line = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 2);
        if (line.size() < 3) return 0;
        if (line.size() > 3 && line[3] == '-') continue;
        return std::atoi(line.substr(0, 3).c_str());
      }
      if (buffer_.size() > 4096 || !waitFor(fd_, POLLIN)) return 0;
      char chunk[512];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return 0;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  bool waitFor(int fd, short events) const {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, timeoutMs_) == 1 && (p.revents & (events | POLLERR | POLLHUP)) != 0;
  }

  int fd_ = -1;
  int timeoutMs_;
  std::string buffer_;
};

std::string rfc2822Now() {
  char buf[64];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

// DATA's body: CRLF line ends, a leading dot doubled (RFC 5321 4.5.2).
std::string dotStuffed(const std::string& text) {
  std::string out;
  bool lineStart = true;
  for (const char c : text) {
    if (c == '\n') {
      out += "\r\n";
      lineStart = true;
      continue;
    }
    if (lineStart && c == '.') out += '.';
    out += c;
    lineStart = false;
  }
  return out;
}

}  // namespace

std::string alertRouterId(const config::GlobalDefs& g) {
  if (g.routerId) return *g.routerId;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return host;
}

Alert transitionAlert(const config::GlobalDefs& globals, bool group, const std::string& name,
                      const std::string& state) {
  Alert a;
  a.subject = "[" + alertRouterId(globals) + "] VRRP " + (group ? "Group " : "Instance ") + name + " - Entering " +
              state + " state";
  if (group) {
    a.body = "=> All VRRP group instances are now in " + state + " state <=";
  } else if (state == "MASTER") {
    a.body = "=> VRRP Instance is now owning VRRP VIPs <=";
  } else if (state == "BACKUP") {
    a.body = "=> VRRP Instance is no longer owning VRRP VIPs <=";
  } else {
    a.body = "=> VRRP Instance is in " + state + " state <=";
  }
  return a;
}

std::optional<std::string> deliver(const config::GlobalDefs& g, const Alert& alert) {
  if (!g.smtpServer) return "no smtp_server";
  const int timeoutMs = static_cast<int>(g.smtpConnectTimeout.count());
  Connection c(timeoutMs);
  if (auto error = c.open(*g.smtpServer)) return error;
  const std::string from = g.notificationEmailFrom.value_or("keepalived@" + alertRouterId(g));
  // Each command and the code that accepts it.
  auto step = [&](const std::string& command, int want) -> std::optional<std::string> {
    if (!command.empty() && !c.write(command + "\r\n")) return "cannot send " + command.substr(0, 4);
    const int got = c.reply();
    if (got != want) {
      return (command.empty() ? std::string("greeting") : command.substr(0, command.find(' '))) + ": reply " +
             (got == 0 ? std::string("missing") : std::to_string(got));
    }
    return std::nullopt;
  };
  if (auto e = step("", 220)) return e;
  if (auto e = step("HELO " + g.smtpHeloName.value_or(alertRouterId(g)), 250)) return e;
  if (auto e = step("MAIL FROM:<" + from + ">", 250)) return e;
  std::string to;
  for (const std::string& rcpt : g.notificationEmail) {
    if (auto e = step("RCPT TO:<" + rcpt + ">", 250)) return e;
    to += (to.empty() ? "" : ", ") + rcpt;
  }
  if (auto e = step("DATA", 354)) return e;
  const std::string message = "From: " + from + "\nTo: " + to + "\nSubject: " + alert.subject + "\nDate: " +
                              rfc2822Now() + "\nX-Mailer: sluice\n\n" + alert.body + "\n";
  if (auto e = step(dotStuffed(message) + ".", 250)) return e;
  c.write("QUIT\r\n");
  return std::nullopt;
}

SmtpAlerter::SmtpAlerter(config::GlobalDefs globals) : globals_(std::move(globals)) {
  if (globals_.smtpServer && !globals_.notificationEmail.empty()) thread_ = std::thread([this] { run(); });
}

SmtpAlerter::~SmtpAlerter() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool SmtpAlerter::enabled(const std::optional<bool>& smtpAlert) const {
  return thread_.joinable() &&
         smtpAlert.value_or(globals_.smtpAlertVrrp.value_or(globals_.smtpAlert.value_or(false)));
}

void SmtpAlerter::send(Alert alert) {
  {
    const std::lock_guard lock(mutex_);
    if (queue_.size() >= kMaxQueued) {
      std::cerr << "sluiced: SMTP alert dropped (too many waiting): " << alert.subject << "\n";
      return;
    }
    queue_.push_back(std::move(alert));
  }
  wake_.notify_one();
}

void SmtpAlerter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    const Alert alert = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    if (const auto error = deliver(globals_, alert)) {
      std::cerr << "sluiced: SMTP alert to " << globals_.smtpServer->host << " not sent (" << *error
                << "): " << alert.subject << "\n";
    }
    lock.lock();
  }
}

}  // namespace sluice::failover
