#include "controlplane/sluiced/control_loop.h"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <stdexcept>

#include "controlplane/api/api_error.h"
#include "controlplane/common/service_notify.h"
#include "controlplane/sluiced/monotonic_clock.h"

namespace sluice::sluiced {
namespace {

constexpr unsigned kFramesPerPass = 256;
// How long a pass waits for a signal or an API request: 10 ms idle (the
// frames the workers pass up, VRRP's and the checks' changes wait that long
// at most), 1 ms while a publish waits for a worker.
constexpr int kIdleWaitMs = 10;
constexpr int kPendingWaitMs = 1;

}  // namespace

ControlLoop::ControlLoop(dp::DataplaneHandle& dataplane, const config::Config& config, std::string configFile,
                         std::string statsFile, api::ListenOptions listen, const KernelAddresses& kernel,
                         common::LogSink log)
    : dataplane_(dataplane),
      state_(dataplane, config),
      neighbours_(dataplane, kernel),
      health_(scripts_, log),
      failover_(
          dataplane, config, state_.portMacs(),
          [this](uint16_t port, bool v6, const dp::IpAddr& addr) { neighbours_.resolve(port, v6, addr); }, scripts_,
          log),
      sync_(dataplane, failover_),
      stats_(dataplane, std::move(statsFile)),
      api_({dataplane, state_, health_, failover_, neighbours_, stats_, sync_,
            [this](const config::Config& next) { apply(next); },
            [this](const config::Config& previous) { rollBack(previous); }},
           std::move(configFile), std::move(listen)) {
  sync_.configure(config);
}

void ControlLoop::apply(const config::Config& next) {
  // Everything that can fail happens before the publish, and the publish
  // is all or nothing across workers.
  const bool vrrpChanged = !FailoverFollower::same(next, state_.config());
  try {
    if (vrrpChanged) failover_.check(next);
    sync_.check(next);
  } catch (const std::invalid_argument& e) {
    throw api::ApiError(422, e.what());
  }
  bool published = false;
  try {
    published = state_.commit(next);
  } catch (const std::exception& e) {
    throw api::ApiError(422, std::string("the data plane cannot carry this configuration: ") + e.what());
  }
  // Waiting for a worker would stall the loop (ARP, VRRP adverts):
  // refuse at once with nothing changed; the API backend tries again.
  if (!published) throw api::ApiError(503, "a worker has not taken the previous tables yet; nothing changed, try again");
  health_.reconfigure(next);
  if (vrrpChanged) failover_.reconfigure(next);
  sync_.configure(next);
}

void ControlLoop::rollBack(const config::Config& previous) {
  const bool vrrpChanged = !FailoverFollower::same(previous, state_.config());
  state_.commitLater(previous);
  health_.reconfigure(previous);
  if (vrrpChanged) failover_.reconfigure(previous);
  sync_.configure(previous);
}

void ControlLoop::start(uint64_t nowMs) {
  api_.start(nowMs);
  tables::HealthState verdicts = health_.start(state_.config());
  // track_bfd follows the sessions the health monitor runs with BFD_CHECK's.
  failover_.setBfdStates([this] { return health_.trackedBfdStates(); });
  if (auto sending = sync_.poll(nowMs)) state_.setSyncSending(*sending);
  state_.publishFirst(std::move(verdicts), failover_.ownership(), neighbours_.learned());
  neighbours_.start(nowMs);
  dataplane_.startWorkers();
  failover_.start(state_.config(), nowMs);
  sync_.start(nowMs);
}

void ControlLoop::poll(uint64_t nowMs) {
  api_.poll(nowMs);
  bool learned = false;
  dataplane_.pollExceptions(
      [&](uint16_t port, std::span<const uint8_t> frame) {
        if (failover_.handleFrame(port, frame, nowMs) || sync_.handleFrame(port, frame, nowMs)) return;
        learned = neighbours_.handleFrame(port, frame, nowMs) || learned;
      },
      kFramesPerPass);
  if (learned) state_.setNeighbours(neighbours_.learned());
  neighbours_.poll(nowMs);
  if (auto verdicts = health_.poll(state_.config(), state_.health())) state_.setHealth(std::move(*verdicts));
  if (auto held = failover_.poll(state_.config(), nowMs)) state_.setOwnership(std::move(*held));
  if (auto sending = sync_.poll(nowMs)) state_.setSyncSending(*sending);
  state_.publishPending(nowMs);
  stats_.poll(nowMs);
  dataplane_.reclaim();
}

void ControlLoop::stop(uint64_t nowMs) {
  api_.close();
  // A master resigns (priority 0) so that its backup takes over at once;
  // the workers send what the control ring holds before they stop (a wait
  // at shutdown only, after the loop).
  failover_.stop(state_.config(), nowMs);
  sync_.stop();
  ::usleep(20'000);
  health_.stop();
  // notify_stop scripts: each is killed after a second (SIGKILL one more
  // second later), so the exit waits 2.5 s at most.
  scripts_.drain(std::chrono::milliseconds(2'500));
  dataplane_.stopWorkers();
  writeStats();
}

int ControlLoop::run(int signalFd) {
  // Listening first: a socket in use stops the start before any worker runs.
  api_.listen();
  start(monotonicMs());
  // systemd (Type=notify): started only now, with the API listening, the
  // first tables published and the workers running. A start that threw
  // above sends nothing, and systemd counts the start failed.
  common::notifyService("READY=1");
  for (;;) {
    pollfd pfd[2] = {{signalFd, POLLIN, 0}, {api_.eventFd(), POLLIN, 0}};
    if (::poll(pfd, 2, state_.pending() ? kPendingWaitMs : kIdleWaitMs) > 0 && (pfd[0].revents & POLLIN)) {
      signalfd_siginfo si{};
      if (::read(signalFd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) break;
        if (si.ssi_signo == SIGUSR2) writeStats();
        if (si.ssi_signo == SIGHUP) {
          // `systemctl reload` returns once READY=1 follows RELOADING=1.
          common::notifyService("RELOADING=1\n" + common::monotonicUsecField());
          api_.reloadOnSignal();
          common::notifyService("READY=1");
        }
      }
    }
    poll(monotonicMs());
  }
  common::notifyService("STOPPING=1");
  stop(monotonicMs());
  return 0;
}

}  // namespace sluice::sluiced
