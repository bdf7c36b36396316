#include "controlplane/common/event_loop.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace sluice::common {

EventLoop::EventLoop() : epoll_(::epoll_create1(EPOLL_CLOEXEC)), wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (epoll_ < 0 || wake_ < 0) throw std::runtime_error("cannot create an event loop");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
}

EventLoop::~EventLoop() {
  ::close(wake_);
  ::close(epoll_);
}

void EventLoop::watch(int fd, uint32_t events, FdCallback cb) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) throw std::runtime_error("epoll_ctl add failed");
  fds_[fd] = std::move(cb);
}

void EventLoop::modify(int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  ::epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
}

void EventLoop::unwatch(int fd) {
  if (fds_.erase(fd) != 0) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::at(Clock::time_point when, Callback cb) {
  const TimerId id = nextTimer_++;
  timers_.emplace(std::pair{when, id}, std::move(cb));
  timerWhen_[id] = when;
  return id;
}

void EventLoop::cancel(TimerId id) {
  const auto it = timerWhen_.find(id);
  if (it == timerWhen_.end()) return;
  timers_.erase(std::pair{it->second, id});
  timerWhen_.erase(it);
}

void EventLoop::post(Callback cb) {
  {
    std::lock_guard lock(postMutex_);
    posted_.push_back(std::move(cb));
  }
  const uint64_t one = 1;
  if (::write(wake_, &one, sizeof one) < 0) { /* the loop wakes at its next timer anyway */ }
}

void EventLoop::stop() {
  {
    std::lock_guard lock(postMutex_);
    stopped_ = true;
  }
  const uint64_t one = 1;
  if (::write(wake_, &one, sizeof one) < 0) { /* see post() */ }
}

bool EventLoop::runOnce(std::chrono::milliseconds maxWait) {
  auto wait = maxWait;
  if (!timers_.empty()) {
    const auto untilNext =
        std::chrono::duration_cast<std::chrono::milliseconds>(timers_.begin()->first.first - Clock::now());
    wait = std::max(std::chrono::milliseconds(0), std::min(wait, untilNext + std::chrono::milliseconds(1)));
  }
  epoll_event events[64];
  const int n = ::epoll_wait(epoll_, events, 64, static_cast<int>(wait.count()));
  for (int i = 0; i < n; ++i) {
    const int fd = events[i].data.fd;
    if (fd == wake_) {
      uint64_t drained = 0;
      if (::read(wake_, &drained, sizeof drained) < 0) { /* nothing to drain */ }
      continue;
    }
    // A callback may unwatch this or another fd: look it up each time.
    const auto it = fds_.find(fd);
    if (it == fds_.end()) continue;
    FdCallback cb = it->second;
    cb(events[i].events);
  }
  std::vector<Callback> posted;
  {
    std::lock_guard lock(postMutex_);
    posted.swap(posted_);
    if (stopped_) return false;
  }
  for (auto& cb : posted) cb();
  const auto now = Clock::now();
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto node = timers_.extract(timers_.begin());
    timerWhen_.erase(node.key().second);
    node.mapped()();
  }
  return true;
}

void EventLoop::run() {
  while (runOnce(std::chrono::milliseconds(1000))) {
  }
}

}  // namespace sluice::common
