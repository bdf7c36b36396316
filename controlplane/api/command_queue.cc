#include "controlplane/api/command_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <condition_variable>
#include <stdexcept>

namespace sluice::api {

struct CommandQueue::Task {
  enum class State { kWaiting, kRunning, kDone, kWithdrawn };
  Command command;
  State state = State::kWaiting;  // guarded by the queue's mutex
  Response response;
  std::condition_variable changed;
};

CommandQueue::CommandQueue() : eventFd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (eventFd_ < 0) throw std::runtime_error("cannot create an eventfd for the API");
}

CommandQueue::~CommandQueue() { ::close(eventFd_); }

std::optional<Response> CommandQueue::call(Command command, std::chrono::milliseconds timeout) {
  auto task = std::make_shared<Task>();
  task->command = std::move(command);
  std::unique_lock lock(mutex_);
  if (closed_) return std::nullopt;
  tasks_.push_back(task);
  const uint64_t one = 1;
  if (::write(eventFd_, &one, sizeof one) < 0) { /* the loop polls anyway */ }
  const bool finished = task->changed.wait_for(lock, timeout, [&] {
    return task->state == Task::State::kDone || task->state == Task::State::kWithdrawn;
  });
  if (!finished) {
    // Started: a change must not be reported as refused, so wait for it,
    // unless it puts itself off (then it changed nothing).
    task->changed.wait(lock, [&] { return task->state != Task::State::kRunning; });
    if (task->state == Task::State::kWaiting) {
      task->state = Task::State::kWithdrawn;
      return std::nullopt;
    }
  }
  if (task->state == Task::State::kWithdrawn) return std::nullopt;
  return std::move(task->response);
}

unsigned CommandQueue::runPending() {
  uint64_t drained = 0;
  if (::read(eventFd_, &drained, sizeof drained) < 0) { /* nothing signalled */ }
  unsigned ran = 0;
  for (;;) {
    std::shared_ptr<Task> task;
    {
      std::lock_guard lock(mutex_);
      while (!tasks_.empty() && !task) {
        task = std::move(tasks_.front());
        tasks_.pop_front();
        if (task->state != Task::State::kWaiting) task.reset();  // withdrawn by its caller
      }
      if (!task) return ran;
      task->state = Task::State::kRunning;
    }
    std::optional<Response> response = task->command();  // the router never throws
    {
      std::lock_guard lock(mutex_);
      if (response) {
        task->response = std::move(*response);
        task->state = Task::State::kDone;
      } else if (closed_) {
        task->state = Task::State::kWithdrawn;
      } else {
        // Put off: first in line again, so later changes stay behind it;
        // its caller may still withdraw it (it changed nothing).
        task->state = Task::State::kWaiting;
        tasks_.push_front(task);
      }
    }
    task->changed.notify_all();
    if (!response) return ran;  // the loop goes on with its other work
    ++ran;
  }
}

void CommandQueue::close() {
  std::deque<std::shared_ptr<Task>> waiting;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    waiting.swap(tasks_);
    for (auto& t : waiting) t->state = Task::State::kWithdrawn;
  }
  for (auto& t : waiting) t->changed.notify_all();
}

}  // namespace sluice::api
