// An epoll event loop for the control plane's background work: health
// checks, vrrp_script and notify scripts are each a set of callbacks on one
// (non-blocking sockets, child processes, timers), so a server or script
// that hangs delays nothing but itself, and a thousand checks need no
// thousand threads. Single-threaded: everything but post() and stop() is
// called from the loop's thread.
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace sluice::common {

using Clock = std::chrono::steady_clock;

class EventLoop {
 public:
  using Callback = std::function<void()>;
  using FdCallback = std::function<void(uint32_t events)>;  // EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP
  using TimerId = uint64_t;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Calls `cb` when fd is ready for `events` (EPOLLIN/EPOLLOUT), until unwatch().
  void watch(int fd, uint32_t events, FdCallback cb);
  void modify(int fd, uint32_t events);
  void unwatch(int fd);

  // Calls `cb` once at `when` (or soon after); cancel() before that stops it.
  TimerId at(Clock::time_point when, Callback cb);
  TimerId after(std::chrono::milliseconds delay, Callback cb) { return at(Clock::now() + delay, std::move(cb)); }
  void cancel(TimerId id);

  // Any thread: runs `cb` on the loop's thread soon.
  void post(Callback cb);

  // Runs until stop(); stop() may be called from any thread.
  void run();
  void stop();

  // One round: waits at most `maxWait` for events, runs what is due.
  // Returns false once stopped. For tests and run().
  bool runOnce(std::chrono::milliseconds maxWait);

 private:
  int epoll_ = -1;
  int wake_ = -1;  // eventfd: post() and stop() wake the loop
  std::unordered_map<int, FdCallback> fds_;
  std::map<std::pair<Clock::time_point, TimerId>, Callback> timers_;
  std::unordered_map<TimerId, Clock::time_point> timerWhen_;
  TimerId nextTimer_ = 1;
  std::mutex postMutex_;
  std::vector<Callback> posted_;
  bool stopped_ = false;  // guarded by postMutex_
};

}  // namespace sluice::common
