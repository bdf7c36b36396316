#include "controlplane/common/file_watch.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <tuple>
#include <utility>

namespace sluice::common {
namespace {

// The directory and the name inside it; the directory made absolute (and
// its links resolved) when it exists, as keepalived does.
std::pair<std::string, std::string> split(const std::string& path) {
  const auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  char resolved[PATH_MAX];
  if (realpath(dir.c_str(), resolved) != nullptr) dir = resolved;
  return {dir, base};
}

}  // namespace

std::optional<int64_t> readTrackFileValue(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  const ssize_t len = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (len <= 0) return 0;
  buf[len] = '\0';
  errno = 0;
  const long long v = std::strtoll(buf, nullptr, 0);
  if (errno != 0 || v < INT32_MIN || v > int64_t{INT32_MAX} + 1) return std::nullopt;
  return v;
}

std::string initTrackFile(const std::string& path, int value, bool overwrite) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    if (!overwrite) return {};
    if (!S_ISREG(st.st_mode)) return "cannot initialise " + path + ": not a regular file";
  }
  FILE* f = std::fopen(path.c_str(), "we");
  if (f == nullptr) return "cannot initialise " + path + ": " + std::strerror(errno);
  std::fprintf(f, "%d\n", value);
  std::fclose(f);
  return {};
}

FileWatch::FileWatch(EventLoop& loop, std::vector<std::string> paths, OnChange onChange)
    : loop_(loop), onChange_(std::move(onChange)) {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  const std::string initError = fd_ < 0 ? std::string("inotify: ") + std::strerror(errno) : "";
  for (std::string& path : paths) {
    File f;
    std::tie(f.directory, f.base) = split(path);
    f.path = std::move(path);
    f.value = readTrackFileValue(f.path).value_or(0);
    f.error = initError;
    if (fd_ >= 0) {
      f.wd = inotify_add_watch(fd_, f.directory.c_str(), IN_CLOSE_WRITE | IN_DELETE | IN_MOVE);
      if (f.wd < 0) f.error = "cannot watch " + f.directory + ": " + std::strerror(errno);
    }
    files_.push_back(std::move(f));
  }
  if (fd_ >= 0) loop_.watch(fd_, EPOLLIN, [this](uint32_t) { onReadable(); });
}

FileWatch::~FileWatch() {
  if (fd_ < 0) return;
  loop_.unwatch(fd_);
  close(fd_);
}

void FileWatch::onReadable() {
  alignas(inotify_event) char buf[4096];
  for (;;) {
    const ssize_t len = read(fd_, buf, sizeof(buf));
    if (len < 0 && errno == EINTR) continue;
    if (len <= 0) return;  // EAGAIN: all read
    for (ssize_t at = 0; at + static_cast<ssize_t>(sizeof(inotify_event)) <= len;) {
      inotify_event event;
      std::memcpy(&event, buf + at, sizeof(event));
      const std::string name = event.len > 0 ? std::string(buf + at + sizeof(event)) : std::string();
      at += static_cast<ssize_t>(sizeof(event) + event.len);
      if ((event.mask & IN_ISDIR) != 0) continue;
      for (std::size_t i = 0; i < files_.size(); ++i) {
        File& f = files_[i];
        if (f.wd != event.wd || f.base != name) continue;
        // Gone: reads as 0, like a missing file.
        if ((event.mask & (IN_DELETE | IN_MOVED_FROM)) != 0) {
          update(f, i, 0);
        } else {
          update(f, i, readTrackFileValue(f.path));
        }
      }
    }
  }
}

void FileWatch::update(File& file, std::size_t index, std::optional<int64_t> value) {
  if (!value || *value == file.value) return;
  file.value = *value;
  onChange_(index, *value);
}

}  // namespace sluice::common
