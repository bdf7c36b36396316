#include "controlplane/common/script_runner.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <utility>

namespace sluice::common {

namespace {

// keepalived's default script user under enable_script_security.
constexpr const char* kDefaultScriptUser = "keepalived_script";
// Between SIGTERM at the timeout and SIGKILL.
constexpr std::chrono::seconds kKillGrace{1};

std::string errnoText(int err) { return std::strerror(err); }

// What the child sends up the error pipe when it cannot exec the script.
// Fixed-size and formatted by the parent: after fork() the child of a
// multi-threaded daemon may only make async-signal-safe calls.
struct ChildFailure {
  char step[16];  // "setuid", "exec", ...
  int err;
};

[[noreturn]] void childFail(int errFd, const char* step) {
  ChildFailure f{};
  for (std::size_t i = 0; step[i] != '\0' && i + 1 < sizeof f.step; ++i) f.step[i] = step[i];
  f.err = errno;
  // Smaller than PIPE_BUF and the pipe is empty: one write, never partial.
  if (::write(errFd, &f, sizeof f) < 0) { /* nobody to tell */ }
  ::_exit(127);
}

// The daemon may block or ignore signals (a signalfd thread, SIGPIPE):
// the script must start with default handling, or SIGTERM would not stop it.
// Handlers before the mask, so a pending signal cannot run a daemon handler here.
void resetSignals() {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);  // fails harmlessly for KILL/STOP
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Every descriptor but 0-2 is closed at exec, so the daemon's sockets never
// reach a script; the error pipe is already close-on-exec.
void closeOtherFdsOnExec(int keepFd) {
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  rlimit lim{};  // kernels before 5.11: close them one by one
  const rlim_t max = ::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY ? lim.rlim_cur : 65536;
  for (rlim_t fd = 3; fd < max; ++fd) {
    if (static_cast<int>(fd) != keepFd) ::close(static_cast<int>(fd));
  }
}

// Who the script runs as, resolved in the parent (getpwnam is not safe after fork).
struct Credentials {
  bool change = false;  // false: as the daemon itself
  uid_t uid = 0;
  gid_t gid = 0;
};

// Runs in the child; only async-signal-safe calls from here on.
[[noreturn]] void runChild(char* const* argv, int errFd, const Credentials& creds) {
  ::setpgid(0, 0);  // its own process group: a timeout kills the script's children too
  resetSignals();
  if (errFd < 3) errFd = ::fcntl(errFd, F_DUPFD_CLOEXEC, 3);  // keep it clear of stdio
  const int devNull = ::open("/dev/null", O_RDWR);
  if (devNull < 0) childFail(errFd, "open /dev/null");
  for (int fd = 0; fd < 3; ++fd) {
    if (::dup2(devNull, fd) < 0) childFail(errFd, "dup2");
  }
  if (devNull > 2) ::close(devNull);
  closeOtherFdsOnExec(errFd);
  if (creds.change) {
    // Groups first: once the uid is dropped, they can no longer change.
    // Only the primary group, as keepalived: no initgroups() after fork.
    if (::setgroups(1, &creds.gid) != 0) childFail(errFd, "setgroups");
    if (::setgid(creds.gid) != 0) childFail(errFd, "setgid");
    if (::setuid(creds.uid) != 0) childFail(errFd, "setuid");
  }
  ::execv(argv[0], argv);
  childFail(errFd, "exec");
}

std::vector<char> lookupBuffer(int which) {
  const long size = ::sysconf(which);
  return std::vector<char>(size > 0 ? static_cast<std::size_t>(size) : 16384);
}

// The uid and primary gid of `name`, or an error text.
std::optional<std::string> lookupUser(const std::string& name, uid_t& uid, gid_t& gid) {
  auto buf = lookupBuffer(_SC_GETPW_R_SIZE_MAX);
  passwd pw{};
  passwd* found = nullptr;
  int err = 0;
  while ((err = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found)) == ERANGE) buf.resize(buf.size() * 2);
  if (err != 0) return "cannot look up user '" + name + "': " + errnoText(err);
  if (found == nullptr) return "unknown user '" + name + "'";
  uid = pw.pw_uid;
  gid = pw.pw_gid;
  return std::nullopt;
}

std::optional<std::string> lookupGroup(const std::string& name, gid_t& gid) {
  auto buf = lookupBuffer(_SC_GETGR_R_SIZE_MAX);
  group gr{};
  group* found = nullptr;
  int err = 0;
  while ((err = ::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found)) == ERANGE) buf.resize(buf.size() * 2);
  if (err != 0) return "cannot look up group '" + name + "': " + errnoText(err);
  if (found == nullptr) return "unknown group '" + name + "'";
  gid = gr.gr_gid;
  return std::nullopt;
}

// "/", "/usr", "/usr/lib", ..., `path` itself: everything whose owner
// could replace the file.
std::vector<std::string> pathAndParents(const std::string& path) {
  std::vector<std::string> out{"/"};
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (path[i] == '/' && path[i - 1] != '/') out.push_back(path.substr(0, i));
  }
  if (path.size() > 1 && path.back() != '/') out.push_back(path);
  return out;
}

// The user `spec` asks for, or an error text.
std::optional<std::string> resolveCredentials(const ScriptSpec& spec, Credentials& out) {
  out = {};
  if (spec.user) {
    if (auto error = lookupUser(*spec.user, out.uid, out.gid)) return error;
    if (spec.group) {
      if (auto error = lookupGroup(*spec.group, out.gid)) return error;
    }
  } else if (::geteuid() == 0 && spec.scriptSecurity) {
    // keepalived runs scripts as keepalived_script when it exists; running
    // them as root by default is what enable_script_security forbids.
    if (lookupUser(kDefaultScriptUser, out.uid, out.gid)) return std::string("enable_script_security: no script user");
  } else {
    return std::nullopt;  // as the daemon itself
  }
  // Root may switch to anyone (root included); anyone else only to itself,
  // where there is nothing to switch and setgroups() would fail.
  out.change = ::geteuid() == 0 || out.uid != ::geteuid() || out.gid != ::getegid();
  return std::nullopt;
}

// A wait status in ScriptResult's terms.
ScriptResult fromWaitStatus(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = ::sigabbrev_np(sig);
    return {.end = ScriptResult::End::kSignalled,
            .code = sig,
            .why = "killed by signal " + (abbrev ? "SIG" + std::string(abbrev) : std::to_string(sig))};
  }
  const int code = WEXITSTATUS(status);
  return {.end = ScriptResult::End::kExited, .code = code, .why = "exit status " + std::to_string(code)};
}

}  // namespace

std::optional<std::vector<std::string>> splitScriptCommand(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool inWord = false;  // "" is an (empty) word of its own
  char quote = 0;
  for (const char c : command) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      inWord = true;
    } else if (c == ' ' || c == '\t') {
      if (inWord) words.push_back(std::move(word));
      word.clear();
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote != 0) return std::nullopt;
  if (inWord) words.push_back(std::move(word));
  if (words.empty()) return std::nullopt;
  return words;
}

std::optional<std::string> scriptInsecurity(const std::string& path) {
  // The path as written and, through symbolic links, the file itself: a
  // root-owned link to a file in a user's directory is the user's file.
  std::vector<std::string> entries = pathAndParents(path);
  if (char* resolved = ::realpath(path.c_str(), nullptr)) {
    const std::string real = resolved;
    std::free(resolved);
    if (real != path) {
      const std::vector<std::string> more = pathAndParents(real);
      entries.insert(entries.end(), more.begin(), more.end());
    }
  }
  for (const std::string& entry : entries) {
    struct stat st {};
    if (::stat(entry.c_str(), &st) != 0) return "cannot check " + entry + ": " + errnoText(errno);
    if (st.st_uid != 0) return entry + " is owned by uid " + std::to_string(st.st_uid) + ", not root";
    // In a sticky directory only an entry's owner may remove or rename it,
    // so a world-writable /tmp does not let anyone swap a root-owned file.
    if (S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0) continue;
    if ((st.st_mode & S_IWOTH) != 0) return entry + " is world-writable";
    if (st.st_gid != 0 && (st.st_mode & S_IWGRP) != 0) {
      return entry + " is writable by group " + std::to_string(st.st_gid);
    }
  }
  return std::nullopt;
}

ScriptRunner::ScriptRunner(ScriptSpec spec) : spec_(std::move(spec)) {}

ScriptRunner::~ScriptRunner() { abandon(); }

void ScriptRunner::start(EventLoop& loop, Done done) {
  abandon();                             // a new attempt replaces a running one
  alive_ = std::make_shared<int>(0);     // and its posted failure, if any
  loop_ = &loop;
  done_ = std::move(done);
  timedOut_ = false;
  std::optional<std::string> error;
  try {
    error = launch(loop);
  } catch (const std::exception& e) {  // epoll_ctl or allocation: the loop must not see it
    abandon();
    error = std::string("cannot run the script: ") + e.what();
  }
  if (error) failLater(loop, std::move(*error));
}

std::optional<std::string> ScriptRunner::launch(EventLoop& loop) {
  auto words = splitScriptCommand(spec_.command);
  if (!words) return "script '" + spec_.command + "' is empty or has an unterminated quote";
  script_ = words->front();
  if (script_.empty() || script_.front() != '/') return "script must be an absolute path: " + script_;
  if (spec_.scriptSecurity) {
    if (auto why = scriptInsecurity(script_)) return "enable_script_security: refusing " + script_ + ": " + *why;
  }
  Credentials creds;
  if (auto error = resolveCredentials(spec_, creds)) return error;

  // Everything the child needs is built before fork(): it must not allocate.
  std::vector<char*> argv;
  for (auto& word : *words) argv.push_back(word.data());
  argv.push_back(nullptr);

  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC | O_NONBLOCK) != 0) return "pipe: " + errnoText(errno);
  const pid_t pid = ::fork();
  if (pid == 0) runChild(argv.data(), pipeFds[1], creds);
  const int forkErr = errno;
  ::close(pipeFds[1]);
  if (pid < 0) {
    ::close(pipeFds[0]);
    return "fork: " + errnoText(forkErr);
  }
  // The child does this too; whichever runs first, kill(-pid) reaches the
  // group from here on. EACCES once the child has exec'd is harmless.
  ::setpgid(pid, pid);
  pid_ = pid;
  errPipe_ = pipeFds[0];

  // The pid cannot be reused before we reap it, so this is the script's.
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd_ < 0) {
    const int err = errno;
    abandon();
    return "pidfd_open: " + errnoText(err);
  }
  loop.watch(pidfd_, EPOLLIN, [this](uint32_t) { onChildReady(); });
  timeoutTimer_ = loop.after(spec_.timeout, [this] { onTimeout(); });
  return std::nullopt;
}

void ScriptRunner::onChildReady() {
  // After a timeout, SIGKILL whatever the script left behind while its
  // zombie still holds the process group id (no other group can take it).
  if (timedOut_) signalGroup(SIGKILL);
  int status = 0;
  const pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
  if (reaped == 0) return;  // not exited after all; the pidfd stays readable when it does
  const int waitErr = errno;
  const std::string childError = readChildError();
  pid_ = -1;  // reaped (or reaped by someone else): nothing to kill any more
  stopWatching();

  ScriptResult result;
  if (timedOut_) {
    result = {.end = ScriptResult::End::kTimedOut,
              .why = "timed out after " + std::to_string(spec_.timeout.count()) + " ms, killed"};
  } else if (reaped < 0) {  // e.g. SIGCHLD ignored: the kernel reaped it
    result.why = "lost the script's exit status: waitpid: " + errnoText(waitErr);
  } else if (!childError.empty()) {
    result.why = childError;
  } else {
    result = fromWaitStatus(status);
  }
  finish(std::move(result));
}

void ScriptRunner::onTimeout() {
  timeoutTimer_.reset();
  timedOut_ = true;
  signalGroup(SIGTERM);  // keepalived's courtesy: let the script clean up
  killTimer_ = loop_->after(kKillGrace, [this] {
    killTimer_.reset();
    signalGroup(SIGKILL);
  });
}

void ScriptRunner::signalGroup(int sig) const {
  if (pid_ > 0) ::kill(-pid_, sig);  // with no child, -pid_ would name init (1) or our own group (0)
}

std::string ScriptRunner::readChildError() {
  ChildFailure f{};
  if (::read(errPipe_, &f, sizeof f) != static_cast<ssize_t>(sizeof f)) return {};  // it exec'd
  f.step[sizeof f.step - 1] = '\0';
  return "cannot run " + script_ + ": " + f.step + ": " + errnoText(f.err);
}

void ScriptRunner::finish(ScriptResult result) {
  // `done` may destroy this runner: nothing touches a member after it.
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result));
}

void ScriptRunner::failLater(EventLoop& loop, std::string error) {
  loop.post([this, alive = std::weak_ptr<int>(alive_), error = std::move(error)]() mutable {
    if (alive.expired()) return;  // destroyed or restarted since
    finish({.why = std::move(error)});
  });
}

void ScriptRunner::abandon() {
  if (pid_ > 0) {
    signalGroup(SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  stopWatching();
}

void ScriptRunner::stopWatching() {
  if (pidfd_ >= 0) {
    loop_->unwatch(pidfd_);  // before close(): epoll must not keep a stale entry
    ::close(pidfd_);
    pidfd_ = -1;
  }
  if (errPipe_ >= 0) {
    ::close(errPipe_);
    errPipe_ = -1;
  }
  if (timeoutTimer_) loop_->cancel(*timeoutTimer_);
  if (killTimer_) loop_->cancel(*killTimer_);
  timeoutTimer_.reset();
  killTimer_.reset();
}

}  // namespace sluice::common
