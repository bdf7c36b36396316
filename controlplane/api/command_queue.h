// Hands API requests from the HTTP threads to the control loop, which runs
// them one at a time between its other work: that is what serializes
// changes and keeps the daemon's state single-threaded. A caller waits a
// bounded time; a request that has not started by then is withdrawn (it
// never runs, so the caller's 503 is the truth), one already running is
// waited for. A command may put itself off (a worker has not taken the
// previous tables yet): it changed nothing and runs again at a later pass,
// its caller still waiting.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "controlplane/api/message.h"

namespace sluice::api {

class CommandQueue {
 public:
  CommandQueue();
  ~CommandQueue();
  CommandQueue(const CommandQueue&) = delete;
  CommandQueue& operator=(const CommandQueue&) = delete;

  // Any thread: runs `command` on the control loop and returns its
  // response; nullopt when it did not start within `timeout` (or was put
  // off until then) or the queue is closed. A command returning nullopt
  // has changed nothing and is run again at the next runPending().
  using Command = std::function<std::optional<Response>()>;
  std::optional<Response> call(Command command, std::chrono::milliseconds timeout);

  // Control loop: runs the commands waiting now, in order, until one puts
  // itself off (it stays first in line); returns how many answered.
  unsigned runPending();

  // Control loop, at stop: refuses new commands and withdraws waiting ones.
  void close();

  // Readable while commands wait: lets the control loop sleep in poll().
  int eventFd() const { return eventFd_; }

 private:
  struct Task;
  std::mutex mutex_;
  std::deque<std::shared_ptr<Task>> tasks_;
  bool closed_ = false;
  int eventFd_ = -1;
};

}  // namespace sluice::api
