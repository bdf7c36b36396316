// Shared by the script tests: a directory of scripts, and the fate of the
// processes they start.
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace sluice::common::testing {

namespace fs = std::filesystem;

// A fresh directory under /tmp (root-owned and sticky, which script security
// accepts), mode 0755 so other users can run the scripts in it.
class ScriptDir {
 public:
  ScriptDir() {
    char tmpl[] = "/tmp/sluice-script-XXXXXX";
    path_ = ::mkdtemp(tmpl);
    fs::permissions(path_, fs::perms(0755));
  }
  ~ScriptDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }

  const fs::path& path() const { return path_; }

  // Writes an executable /bin/sh script; returns its path.
  std::string script(const std::string& name, const std::string& body, mode_t mode = 0755) const {
    const fs::path file = path_ / name;
    std::ofstream(file) << "#!/bin/sh\n" << body << "\n";
    ::chmod(file.c_str(), mode);
    return file.string();
  }

  // A subdirectory with `mode` (chmod, so the umask does not interfere).
  fs::path subdir(const std::string& name, mode_t mode) const {
    const fs::path dir = path_ / name;
    fs::create_directory(dir);
    ::chmod(dir.c_str(), mode);
    return dir;
  }

 private:
  fs::path path_;
};

// The pid a script wrote to `file`, waiting up to 5 s for it to appear.
inline pid_t readPid(const fs::path& file) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(file);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

// Gone for good: not running, and not a zombie of ours left unreaped.
inline bool processGone(pid_t pid) {
  const bool notRunning = ::kill(pid, 0) != 0 && errno == ESRCH;
  const bool notOurChild = ::waitpid(pid, nullptr, WNOHANG) < 0 && errno == ECHILD;
  return notRunning && notOurChild;
}

}  // namespace sluice::common::testing
