#include "controlplane/common/syslog_writer.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sluice::common {
namespace {

// Month names in English whatever the locale: syslog readers parse them.
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string errnoText(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

}  // namespace

std::string syslogDatagram(int priority, std::time_t when, std::string_view ident, pid_t pid,
                           std::string_view message) {
  std::tm tm{};
  ::localtime_r(&when, &tm);
  // "%e": the day padded with a space, as syslog(3) writes it.
  char head[64];
  std::snprintf(head, sizeof head, "<%d>%s %2d %02d:%02d:%02d ", priority, kMonths[tm.tm_mon % 12], tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string out = head;
  out.append(ident);
  out += "[" + std::to_string(pid) + "]: ";
  out.append(message);
  return out;
}

SyslogWriter::SyslogWriter(std::string path) : path_(std::move(path)) {}

SyslogWriter::~SyslogWriter() { disconnect(); }

bool SyslogWriter::connect() {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path) {
    lastError_ = "syslog socket path " + path_ + " is too long";
    return false;
  }
  std::memcpy(addr.sun_path, path_.data(), path_.size());
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    lastError_ = errnoText("socket", errno);
    return false;
  }
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    lastError_ = errnoText(("connect " + path_).c_str(), errno);
    disconnect();
    return false;
  }
  return true;
}

void SyslogWriter::disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool SyslogWriter::drop(std::string why) {
  ++dropped_;
  lastError_ = std::move(why);
  return false;
}

bool SyslogWriter::send(int priority, std::string_view ident, std::string_view message) {
  const std::string datagram = syslogDatagram(priority, std::time(nullptr), ident, ::getpid(), message);
  // Two tries: the second after connecting again, when the first finds the
  // socket gone (syslog restarted: a new socket behind the same path).
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (fd_ < 0 && !connect()) return drop(lastError_);
    if (::send(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
      ++sent_;
      return true;
    }
    const int err = errno;
    if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) return drop("the syslog socket is full");
    if (err == EMSGSIZE) return drop("the line is longer than the syslog socket takes");
    // ECONNREFUSED, ENOTCONN, EPIPE...: nobody reads the old socket any more.
    lastError_ = errnoText(("send to " + path_).c_str(), err);
    disconnect();
  }
  return drop(lastError_);
}

}  // namespace sluice::common
