// keepalived's track_file watching: the directory of each file is watched
// with inotify on an EventLoop (never a blocking read on a timer), and a
// file written and closed, moved in, moved away or deleted is read again.
// A value is what keepalived reads: strtol base 0 of the file's first 127
// bytes ("12", "0x1f", "017", " -3\n"; text that is no number reads 0);
// a file that is missing, unreadable or empty reads 0; a number outside
// [-2^31, 2^31] is ignored (the last value stays).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/common/event_loop.h"

namespace sluice::common {

// The value of the file at `path` now, or nullopt when it holds an
// out-of-range number (keepalived ignores it). Thread-safe.
std::optional<int64_t> readTrackFileValue(const std::string& path);

// keepalived's init_file: writes `value` and a newline to `path` when the
// file does not exist, or always with `overwrite` (a regular file only).
// Returns an error message, or empty. Thread-safe.
std::string initTrackFile(const std::string& path, int value, bool overwrite);

class FileWatch {
 public:
  // index into `paths`, new value; on the loop's thread.
  using OnChange = std::function<void(std::size_t index, int64_t value)>;

  // Reads every file now (value()), then watches them on `loop`; onChange
  // runs when a file's value changes. A file whose directory cannot be
  // watched keeps the value read now (watchError() says why).
  FileWatch(EventLoop& loop, std::vector<std::string> paths, OnChange onChange);
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  int64_t value(std::size_t index) const { return files_[index].value; }
  const std::string& watchError(std::size_t index) const { return files_[index].error; }

 private:
  struct File {
    std::string path;
    std::string directory;  // watched
    std::string base;       // the name inside it, as inotify reports it
    int wd = -1;
    int64_t value = 0;
    std::string error;
  };
  void onReadable();
  void update(File& file, std::size_t index, std::optional<int64_t> value);

  EventLoop& loop_;
  OnChange onChange_;
  std::vector<File> files_;
  int fd_ = -1;
};

}  // namespace sluice::common
