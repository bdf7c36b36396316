#include "controlplane/sluiced/pid_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace sluice::sluiced {
namespace {

std::string why() { return std::strerror(errno); }

}  // namespace

PidLock::PidLock(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path_).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const std::string reason = ec ? "cannot create " + dir.string() + ": " + ec.message() : why();
    throw std::runtime_error("cannot open pid file " + path_ + ": " + reason);
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const bool held = errno == EWOULDBLOCK;
    const std::string reason = why();
    char buf[32] = {};
    const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (held) {
      std::string pid(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      throw std::runtime_error("another sluiced is running (pid " + (pid.empty() ? "unknown" : pid) +
                               ", pid file " + path_ + "); stop it first or give another --pidfile");
    }
    throw std::runtime_error("cannot lock pid file " + path_ + ": " + reason);
  }
  char old[32] = {};
  if (const ssize_t n = ::pread(fd_, old, sizeof old - 1, 0); n > 0) {
    previousPid_.assign(old, static_cast<std::size_t>(n));
    while (!previousPid_.empty() && (previousPid_.back() == '\n' || previousPid_.back() == ' ')) {
      previousPid_.pop_back();
    }
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const std::string reason = why();
    ::close(fd_);
    throw std::runtime_error("cannot write pid file " + path_ + ": " + reason);
  }
}

PidLock::~PidLock() {
  if (fd_ >= 0) {
    // Emptied, not removed: removing it would let a newcomer that opened
    // the old file lock it while another creates and locks a new one.
    if (::ftruncate(fd_, 0) != 0) { /* the lock is what counts */ }
    ::close(fd_);
  }
}

}  // namespace sluice::sluiced
