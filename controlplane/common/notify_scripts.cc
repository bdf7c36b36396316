#include "controlplane/common/notify_scripts.h"

#include <iostream>
#include <thread>
#include <utility>

#include "controlplane/common/script_config.h"

namespace sluice::common {

NotifyScripts::NotifyScripts(Log log) : log_(std::move(log)) {
  if (!log_) log_ = [](const std::string& line) { std::cerr << "sluiced: " << line << "\n"; };
  thread_ = std::thread([this] { loop_.run(); });
}

NotifyScripts::~NotifyScripts() {
  loop_.stop();
  thread_.join();
  running_.clear();  // kills what still runs, while the loop they watch on exists
}

void NotifyScripts::run(const config::ScriptCommand& script, const config::GlobalDefs& globals,
                        std::chrono::milliseconds timeout) {
  ++unfinished_;
  loop_.post([this, spec = scriptSpec(script, globals, timeout)]() mutable { launch(std::move(spec)); });
}

void NotifyScripts::launch(ScriptSpec spec) {
  const auto it = running_.emplace(running_.end(), std::move(spec));
  it->start(loop_, [this, it](const ScriptResult& end) {
    if (!end.exitedWith(0)) log_("script " + it->spec().command + ": " + end.why);
    running_.erase(it);  // the runner allows it: nothing of it runs after its callback
    --unfinished_;
  });
}

bool NotifyScripts::drain(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (unfinished_.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace sluice::common
