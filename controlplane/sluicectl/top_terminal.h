// The terminal under sluicectl top: raw mode (termios) and the alternate
// screen while it lives, given back as they were on every way out (return,
// exception, SIGINT, SIGTERM, SIGHUP, SIGQUIT); keys and window size
// changes (SIGWINCH) waited for with a timeout between refreshes.
#pragma once

#include <termios.h>

#include <cstddef>
#include <memory>
#include <string>

#include "controlplane/sluicectl/top_render.h"

namespace sluice::sluicectl::top {

struct Size {
  std::size_t width = 80;
  std::size_t height = 24;
};

struct Input {
  enum class Kind { kTimeout, kKeys, kResized, kStop };
  Kind kind = Kind::kTimeout;
  std::string keys;  // kKeys: the bytes read
};

class Terminal {
 public:
  // Takes over the terminal on inFd/outFd; nullptr and why when they are
  // not a terminal or a signal handler cannot be set. One at a time.
  static std::unique_ptr<Terminal> open(int inFd, int outFd, std::string& why);
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  // The window's size now (80x24 when it cannot be read).
  Size size() const;

  // Draws the screen from the top left, the highlighted line in reverse
  // video across the whole width, and clears what the last frame left.
  void draw(const Screen& screen, Size size);

  // Waits at most timeoutMs for keys, a resize or a stop signal.
  Input wait(int timeoutMs);

 private:
  Terminal(int inFd, int outFd, const termios& saved, int pipeRead, int pipeWrite);
  void write(const std::string& bytes);

  int in_;
  int out_;
  termios saved_;
  int signalRead_;
  int signalWrite_;
};

}  // namespace sluice::sluicectl::top
