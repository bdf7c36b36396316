#include "controlplane/sluiced/run.h"

#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "controlplane/common/run_paths.h"
#include "controlplane/sluiced/control_loop.h"
#include "controlplane/sluiced/eal_args.h"
#include "controlplane/sluiced/kernel_addresses.h"
#include "controlplane/sluiced/pid_lock.h"
#include "controlplane/stats/stats.h"
#include "controlplane/tables/table_builder.h"
#include "dataplane/eal.h"
#include "dataplane/runtime.h"

namespace sluice::sluiced {
namespace {

// The signals the control loop reads from a signalfd. Blocked before DPDK
// starts its threads so that every thread inherits the mask and only the
// control loop sees them.
sigset_t controlSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR2}) sigaddset(&set, s);
  return set;
}

dp::RuntimeSpec runtimeSpec(const config::Config& config) {
  const config::Dataplane& d = *config.dataplane;
  dp::RuntimeSpec spec;
  spec.workerLcores.assign(d.lcores.begin() + 1, d.lcores.end());
  for (const config::DataplanePort& p : d.ports) {
    spec.ports.push_back(dp::PortRequest{p.name, p.device, p.queues.value_or(1),
                                         p.exceptionTap ? dp::exceptionTapDevice(
                                                              static_cast<unsigned>(spec.ports.size()), *p.exceptionTap)
                                                        : std::string()});
  }
  if (d.connTableSize) spec.connCapacity = *d.connTableSize;
  spec.timeouts = tables::timeoutsOf(config);
  spec.busyPoll = d.busyPoll;
  return spec;
}

std::string describePorts(const dp::Runtime& rt) {
  std::string out;
  for (unsigned i = 0; i < rt.portCount(); ++i) {
    const dp::Port& p = rt.port(i);
    char mac[18];
    const auto& b = p.mac().b;
    std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    out += (out.empty() ? "" : ", ") + p.name() + " " + mac + (p.linkUp() ? " up" : " down");
  }
  return out;
}

// A file beside the pid file: PATH without ".pid", then `suffix`.
std::string besidePidFile(const std::string& pidFile, const char* suffix) {
  const std::string base = pidFile.size() > 4 && pidFile.ends_with(".pid") ? pidFile.substr(0, pidFile.size() - 4)
                                                                           : pidFile;
  return base + suffix;
}

std::string statsFileFor(const std::string& pidFile) { return besidePidFile(pidFile, ".stats.json"); }

// The API's listeners: the socket from the command line, else the config,
// else the default; TCP only when the config asks, with its token.
api::ListenOptions listenOptions(const Options& options, const config::Config& config) {
  api::ListenOptions l;
  const std::optional<config::ApiConfig>& api = config.api;
  l.socketPath = options.apiSocket.value_or(api && api->socket ? *api->socket : paths::defaultApiSocket());
  if (!api || !api->listenPort) return l;
  l.tcpAddress = config::toString(*api->listenAddress);
  l.tcpPort = *api->listenPort;
  if (api->tlsCertificate) {
    l.tls = api::TlsOptions{*api->tlsCertificate, *api->tlsKey, api->tlsClientCa.value_or("")};
  }
  l.allowPlainTcp = api->allowPlainTcp;
  if (api->authFailureLimit) l.authLimits.failuresPerWindow = *api->authFailureLimit;
  if (api->token) {
    l.token = *api->token;
  } else {
    std::ifstream in(*api->tokenFile);
    std::getline(in, l.token);
    if (!in && l.token.empty()) throw std::runtime_error("cannot read the API token file " + *api->tokenFile);
    if (l.token.size() < 16) {
      throw std::runtime_error("the API token in " + *api->tokenFile + " must be at least 16 characters");
    }
  }
  return l;
}

}  // namespace

int runDaemon(const Options& options, const config::Config& config, const common::LogSink& log) {
  using common::LogSource;
  if (!config.dataplane) {
    log({LogSource::kDaemon, LOG_ERR,
         options.configFile + " has no dataplane block: it names the ports sluice forwards on (see docs/config.md)"});
    return 1;
  }
  try {
    const PidLock lock(options.pidFile.value_or(paths::defaultPidFile()));
    const api::ListenOptions listen = listenOptions(options, config);
    const sigset_t signals = controlSignals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    const int signalFd = ::signalfd(-1, &signals, SFD_CLOEXEC);
    if (signalFd < 0) throw std::runtime_error("cannot create a signalfd");
    // DPDK's runtime files are named after the pid file: one set per instance.
    const std::string stem = std::filesystem::path(lock.path()).stem().string();
    const dp::Eal eal(ealArguments(*config.dataplane, stem));
    dp::Runtime rt(runtimeSpec(config));
    const KernelAddresses kernelAddresses(*config.dataplane, besidePidFile(lock.path(), ".addresses"), log);
    for (unsigned i = 0; i < rt.portCount(); ++i) {
      for (const bool v6 : {false, true}) {
        if (kernelAddresses.holds(i, v6)) rt.leaveToKernel(i, v6);
      }
    }
    if (rt.workerCount() > 1) {
      // Symmetric RSS would hash ports too and split a persistent client:
      // every port steers in software (docs/dataplane.md).
      log({LogSource::kDaemon, LOG_INFO,
           std::to_string(rt.workerCount()) +
               " workers: every port hands packets to their owner by software steering on the client's address"});
    }
    log({LogSource::kDaemon, LOG_INFO,
         "running: " + std::to_string(rt.workerCount()) + " worker(s), ports " + describePorts(rt) +
             "; stats on SIGUSR2 in " + statsFileFor(lock.path())});
    ControlLoop loop(rt, config, options.configFile, statsFileFor(lock.path()), listen, kernelAddresses, log);
    if (!lock.previousPid().empty()) {
      log({LogSource::kDaemon, LOG_WARNING,
           "the previous sluiced (pid " + lock.previousPid() +
               ") did not stop cleanly: the connections it held are gone (open TCP flows are dropped as "
               "no_connection and their clients reconnect), and its counters since its last stats file " +
               statsFileFor(lock.path()) + " are lost"});
      loop.api().notePreviousRun(lock.previousPid());
    }
    const int status = loop.run(signalFd);
    ::close(signalFd);
    log({LogSource::kDaemon, LOG_INFO, "stopped"});
    return status;
  } catch (const std::exception& e) {
    log({LogSource::kDaemon, LOG_ERR, e.what()});
    return 1;
  }
}

}  // namespace sluice::sluiced
