#include "controlplane/sluicectl/top_terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>

namespace sluice::sluicectl::top {
namespace {

// The signals that end top (the terminal is restored on the way out) and
// the one that redraws it. Their handlers only write the signal's number
// to a pipe that wait() polls with the keyboard: nothing else is safe in a
// handler, and no signal slips between a check and the poll.
constexpr std::array<int, 5> kSignals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH};
volatile std::sig_atomic_t gSignalPipe = -1;
std::array<struct sigaction, kSignals.size()> gPrevious;

extern "C" void onSignal(int signo) {
  const int saved = errno;
  const unsigned char byte = static_cast<unsigned char>(signo);
  if (gSignalPipe >= 0) {
    const ssize_t n = ::write(gSignalPipe, &byte, 1);  // a full pipe already holds a signal to see
    static_cast<void>(n);
  }
  errno = saved;
}

void restoreSignals(std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) ::sigaction(kSignals[i], &gPrevious[i], nullptr);
}

// The sequences (VT100/xterm): alternate screen, cursor, reverse video.
constexpr const char* kEnter = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J";
constexpr const char* kLeave = "\x1b[m\x1b[?25h\x1b[?1049l";

}  // namespace

std::unique_ptr<Terminal> Terminal::open(int inFd, int outFd, std::string& why) {
  if (!::isatty(inFd) || !::isatty(outFd)) {
    why = "not a terminal (use -b or --once for plain text)";
    return nullptr;
  }
  termios saved{};
  if (::tcgetattr(inFd, &saved) != 0) {
    why = std::string("cannot read the terminal's settings: ") + std::strerror(errno);
    return nullptr;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    why = std::string("pipe: ") + std::strerror(errno);
    return nullptr;
  }
  gSignalPipe = fds[1];
  for (std::size_t i = 0; i < kSignals.size(); ++i) {
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    if (::sigaction(kSignals[i], &sa, &gPrevious[i]) != 0) {
      why = std::string("sigaction: ") + std::strerror(errno);
      restoreSignals(i);
      gSignalPipe = -1;
      ::close(fds[0]);
      ::close(fds[1]);
      return nullptr;
    }
  }
  // Keys one at a time without echo; reads never block (poll says when).
  // Ctrl-C still signals (ISIG); Ctrl-Z is off, as a stopped top would
  // leave the shell a raw terminal.
  termios raw = saved;
  raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | IEXTEN);
  raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
  raw.c_cc[VMIN] = 0;
  raw.c_cc[VTIME] = 0;
  raw.c_cc[VSUSP] = _POSIX_VDISABLE;
  ::tcsetattr(inFd, TCSAFLUSH, &raw);
  std::unique_ptr<Terminal> t(new Terminal(inFd, outFd, saved, fds[0], fds[1]));
  t->write(kEnter);
  return t;
}

Terminal::Terminal(int inFd, int outFd, const termios& saved, int pipeRead, int pipeWrite)
    : in_(inFd), out_(outFd), saved_(saved), signalRead_(pipeRead), signalWrite_(pipeWrite) {}

Terminal::~Terminal() {
  write(kLeave);
  ::tcsetattr(in_, TCSAFLUSH, &saved_);
  restoreSignals(kSignals.size());
  gSignalPipe = -1;
  ::close(signalRead_);
  ::close(signalWrite_);
}

Size Terminal::size() const {
  winsize ws{};
  if (::ioctl(out_, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0) return {};
  return {ws.ws_col, ws.ws_row};
}

void Terminal::draw(const Screen& screen, Size size) {
  std::string bytes = "\x1b[H";
  for (std::size_t i = 0; i < screen.lines.size(); ++i) {
    if (i) bytes += "\r\n";
    if (i == screen.highlighted) {
      std::string l = screen.lines[i];
      if (l.size() < size.width) l.append(size.width - l.size(), ' ');
      bytes += "\x1b[7m" + l + "\x1b[m";
    } else {
      bytes += screen.lines[i] + "\x1b[K";  // the rest of the line the last frame drew
    }
  }
  bytes += "\x1b[J";  // and the lines below
  write(bytes);
}

Input Terminal::wait(int timeoutMs) {
  pollfd fds[2] = {{signalRead_, POLLIN, 0}, {in_, POLLIN, 0}};
  const int n = ::poll(fds, 2, timeoutMs < 0 ? 0 : timeoutMs);
  if (n <= 0) return {};  // the timeout, or EINTR: the pipe has the signal for the next wait
  Input input;
  if (fds[0].revents & POLLIN) {
    unsigned char signals[16];
    const ssize_t got = ::read(signalRead_, signals, sizeof(signals));
    input.kind = Input::Kind::kResized;
    for (ssize_t i = 0; i < got; ++i) {
      if (signals[i] != SIGWINCH) input.kind = Input::Kind::kStop;
    }
    return input;
  }
  if (fds[1].revents & (POLLHUP | POLLERR)) return {Input::Kind::kStop, ""};
  char keys[64];
  const ssize_t got = ::read(in_, keys, sizeof(keys));
  if (got <= 0) return {};  // a terminal that went away says so with POLLHUP
  return {Input::Kind::kKeys, std::string(keys, static_cast<std::size_t>(got))};
}

void Terminal::write(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(out_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the terminal is gone: nothing to draw on
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace sluice::sluicectl::top
