// One attempt of one health check against one real server: a TCP
// connect, an HTTP(S) GET, a script, a UDP datagram or a ping. A probe runs on the EventLoop,
// never blocks it, and reports exactly once, within its timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "controlplane/common/event_loop.h"
#include "controlplane/common/script_runner.h"

namespace sluice::health {

struct ProbeResult {
  bool ok = false;
  std::string error;              // why it failed ("connect: Connection refused", "status 503", ...)
  std::optional<uint32_t> weight;  // MISC_CHECK with misc_dynamic: exit code - 2
  common::ScriptResult scriptEnd;  // MISC_CHECK: how the script ended (keepalived's log says)
};

class Probe {
 public:
  using Done = std::function<void(ProbeResult)>;
  virtual ~Probe() = default;

  // Starts the attempt; `done` is called once, on the loop's thread, and
  // never from inside start(). Destroying the probe before that abandons
  // it (sockets closed, children killed) without calling `done`.
  virtual void start(common::EventLoop& loop, Done done) = 0;
};

}  // namespace sluice::health
