// The pid file that keeps a second sluiced off the same ports: created,
// locked (flock) and filled with our pid; a second start finds it locked
// and names the running daemon.
#pragma once

#include <memory>
#include <string>

namespace sluice::sluiced {

class PidLock {
 public:
  // Takes the lock at path (creating its directory); throws
  // std::runtime_error saying who holds it or why it cannot be made.
  explicit PidLock(std::string path);
  ~PidLock();
  PidLock(const PidLock&) = delete;
  PidLock& operator=(const PidLock&) = delete;

  const std::string& path() const { return path_; }
  // The pid a previous sluiced left in the file: it did not stop cleanly
  // (a clean stop empties the file). Empty when it did.
  const std::string& previousPid() const { return previousPid_; }

 private:
  std::string path_;
  std::string previousPid_;
  int fd_ = -1;
};

}  // namespace sluice::sluiced
