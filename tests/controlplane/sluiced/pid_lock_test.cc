// The pid file that keeps a second sluiced off the same ports.
#include "controlplane/sluiced/pid_lock.h"

#include <grp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace sluice::sluiced {
namespace {

namespace fs = std::filesystem;

// A directory under /tmp removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/sluiced-pidlock-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
    fs::permissions(path_, fs::perms(0755));  // others may look in (see the permission test)
  }
  ~TempDir() {
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(path_, ec)) {
      if (e.is_directory(ec)) fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string operator/(const std::string& relative) const { return (path_ / relative).string(); }

 private:
  fs::path path_;
};

std::string contents(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string ourPid() { return std::to_string(::getpid()); }

TEST(PidLock, TakesTheLockCreatingDirectoriesAndWritesOurPid) {
  TempDir dir;
  const std::string path = dir / "run/sluice/sluiced.pid";
  PidLock lock(path);
  EXPECT_EQ(lock.path(), path);
  ASSERT_TRUE(fs::exists(path));
  EXPECT_EQ(contents(path), ourPid() + "\n");
}

TEST(PidLock, SecondLockOnTheSamePathNamesTheRunningOne) {
  TempDir dir;
  const std::string path = dir / "sluiced.pid";
  PidLock first(path);
  try {
    PidLock second(path);
    FAIL() << "the second lock was granted";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("another sluiced is running (pid " + ourPid() + ","), std::string::npos) << what;
    EXPECT_NE(what.find(path), std::string::npos) << what;
  }
  // The refused attempt neither emptied nor removed the holder's file.
  EXPECT_EQ(contents(path), ourPid() + "\n");
}

TEST(PidLock, FileIsEmptiedNotRemovedWhenTheLockGoesAway) {
  TempDir dir;
  const std::string path = dir / "sluiced.pid";
  {
    PidLock lock(path);
    ASSERT_TRUE(fs::exists(path));
  }
  // Kept so that no newcomer can lock a removed file while another locks a new one.
  ASSERT_TRUE(fs::exists(path));
  EXPECT_EQ(contents(path), "");
  PidLock again(path);  // free to take
  EXPECT_EQ(contents(path), ourPid() + "\n");
  EXPECT_EQ(again.previousPid(), "");  // the last one stopped cleanly
}

TEST(PidLock, StaleFileWithoutAHolderIsTakenOver) {
  TempDir dir;
  const std::string path = dir / "sluiced.pid";
  std::ofstream(path) << "424242\n";
  PidLock lock(path);
  EXPECT_EQ(contents(path), ourPid() + "\n");
  EXPECT_EQ(lock.previousPid(), "424242");  // it did not stop cleanly: the API says so
}

TEST(PidLock, ALongLeftOverIsReplacedWhole) {
  TempDir dir;
  const std::string path = dir / "sluiced.pid";
  std::ofstream(path) << "424242\nleft over from a crash, longer than a pid\n";
  PidLock lock(path);
  EXPECT_EQ(contents(path), ourPid() + "\n");  // replaced whole, not overwritten in part
}

TEST(PidLock, PathThroughAFileIsAClearError) {
  TempDir dir;
  std::ofstream(dir / "not-a-dir") << "x";
  const std::string path = dir / "not-a-dir/sluiced.pid";
  try {
    PidLock lock(path);
    FAIL() << "a lock under a regular file";
  } catch (const std::runtime_error& e) {
    // The reason names the directory that could not be made.
    EXPECT_EQ(std::string(e.what()),
              "cannot open pid file " + path + ": cannot create " + (dir / "not-a-dir") + ": Not a directory");
  }
}

// In a child process without root's right to write anywhere (root drops
// to nobody), so the directory's mode is what counts.
TEST(PidLock, UnwritableDirectoryIsAClearError) {
  TempDir dir;
  const std::string ro = dir / "ro";
  fs::create_directory(ro);
  fs::permissions(ro, fs::perms(0555));
  const std::string path = ro + "/sluiced.pid";

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)) {
      ::_exit(3);
    }
    std::string message = "no error";
    int status = 1;
    try {
      PidLock lock(path);
    } catch (const std::runtime_error& e) {
      message = e.what();
      status = 0;
    }
    const ssize_t n = ::write(fds[1], message.data(), message.size());
    ::_exit(n == static_cast<ssize_t>(message.size()) ? status : 2);
  }
  ::close(fds[1]);
  std::string message;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) message.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_NE(WEXITSTATUS(status), 3) << "could not drop to nobody";
  EXPECT_EQ(WEXITSTATUS(status), 0) << message;
  EXPECT_EQ(message, "cannot open pid file " + path + ": Permission denied");
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace sluice::sluiced
