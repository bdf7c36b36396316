#include "controlplane/sluiced/control_loop.h"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <utility>

#include "controlplane/api/api_error.h"
#include "controlplane/api/resources.h"
#include "controlplane/api/router.h"
#include "controlplane/config/parser.h"
#include "controlplane/sluiced/config_diff.h"
#include "controlplane/sluiced/connection_listing.h"
#include "controlplane/sluiced/monotonic_clock.h"
#include "controlplane/stats/stats.h"
#include "controlplane/tables/table_builder.h"

namespace sluice::sluiced {
namespace {

using nlohmann::json;

constexpr unsigned kFramesPerRound = 256;
constexpr int kIdleWaitMs = 1;                 // the loop sleeps this long when idle
constexpr uint64_t kResolveEveryMs = 1000;     // unresolved next hops are asked again
constexpr uint64_t kRefreshEveryMs = 30'000;   // resolved ones are asked again (MAC changes)
constexpr auto kApiAnswerTime = std::chrono::seconds(5);
// A refused publish (a worker's ring full) is tried again this often, from
// the loop's passes: the loop never waits for a worker.
constexpr uint64_t kPublishRetryMs = 1;
// How long an API change or a SIGHUP reload that a worker cannot take yet
// is tried again before it is refused: a worker sharing its core with
// other processes may be away for a moment.
constexpr uint64_t kPublishPatienceMs = 200;

std::string macText(const dp::MacAddr& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m.b[0], m.b[1], m.b[2], m.b[3], m.b[4], m.b[5]);
  return buf;
}

}  // namespace

ControlLoop::ControlLoop(dp::DataplaneHandle& dataplane, config::Config config, std::string configFile,
                         std::string statsFile, api::ListenOptions listen, const KernelAddresses& kernel)
    : rt_(dataplane),
      config_(std::move(config)),
      configFile_(std::move(configFile)),
      statsFile_(std::move(statsFile)),
      listen_(std::move(listen)),
      ids_(dp::kMaxServices, dp::kMaxDests),
      responder_([this](uint16_t port, const neighbours::Frame& f) { rt_.send(port, f); }),
      startedMs_(monotonicMs()) {
  now_ = startedMs_;
  for (unsigned i = 0; i < rt_.portCount(); ++i) {
    portMacs_.push_back(rt_.portMac(i));
    for (const bool v6 : {false, true}) {
      if (kernel.holds(i, v6)) responder_.leaveToKernel(static_cast<uint16_t>(i), v6, kernel.filtered(i));
    }
  }
  // Refuses (throws) an instance that cannot run on these ports.
  failover_ = std::make_unique<failover::Driver>(config_, portInfos(config_), failoverIo());
}

void ControlLoop::publishNeighbours() {
  // A full ring means a worker is behind: keep the change and try again.
  auto set = tables::buildNeighbours(config_, responder_.neighbours().entries());
  set->version = neighbourVersion_ + 1;
  neighboursDirty_ = !rt_.publish(std::move(set));
  if (!neighboursDirty_) ++neighbourVersion_;
}

bool ControlLoop::publishTables() {
  auto table = tables::buildTable(config_, portMacs_, ids_, &healthState_, &ownership_);
  table->version = rt_.table() == nullptr ? 1 : rt_.table()->version + 1;
  return rt_.publish(std::move(table));
}

void ControlLoop::publishPending(uint64_t nowMs) {
  if ((!tablesDirty_ && !neighboursDirty_) || nowMs < nextPublishTry_) return;
  if (tablesDirty_) {
    try {
      tablesDirty_ = !publishTables();
    } catch (const std::exception& e) {
      // config_ built before with other verdicts: not expected; retrying
      // would only repeat it, and the next change tries again.
      tablesDirty_ = false;
      std::cerr << "sluiced: cannot rebuild the tables: " << e.what() << "\n";
    }
  }
  if (neighboursDirty_) publishNeighbours();
  if (tablesDirty_ || neighboursDirty_) {
    nextPublishTry_ = nowMs + kPublishRetryMs;
    if (!stalledSince_) {
      stalledSince_ = nowMs;
      std::cerr << "sluiced: a worker has not taken the previous snapshot yet; the new one waits for it\n";
    }
  } else if (stalledSince_) {
    std::cerr << "sluiced: the waiting snapshot is published (after " << nowMs - *stalledSince_ << " ms)\n";
    stalledSince_.reset();
  }
}

void ControlLoop::resolveNextHops(uint64_t nowMs, bool all) {
  const dp::ForwardingTable& t = *rt_.table();
  auto ask = [&](const dp::IpAddr& addr, bool v6) {
    const dp::ForwardingTable::NextHop hop = t.route(addr, v6);
    if (hop.port != dp::kNoPort && (all || rt_.neighbours()->find(hop.addr, v6, hop.port) == nullptr)) {
      responder_.resolve(t, hop.port, v6, hop.addr, nowMs);
    }
  };
  for (const dp::RealServer& rs : t.servers) ask(rs.addr, rs.v6);
  for (const dp::Route& r : t.routes) {
    if (r.hasVia) ask(r.via, r.dst.v6);
  }
}

void ControlLoop::apply(const config::Config& next) {
  // Everything that can fail happens before the publish; the publish is
  // all-or-nothing across workers.
  const bool vrrpChanged = !sameVrrp(next, config_);
  if (vrrpChanged) {
    try {
      const failover::Driver check(next, portInfos(next), {});
    } catch (const std::invalid_argument& e) {
      throw api::ApiError(422, e.what());
    }
  }
  std::unique_ptr<dp::ForwardingTable> table;
  try {
    table = tables::buildTable(next, portMacs_, ids_, &healthState_, &ownership_);
  } catch (const std::exception& e) {
    throw api::ApiError(422, std::string("the data plane cannot carry this configuration: ") + e.what());
  }
  auto neighbours = tables::buildNeighbours(next, responder_.neighbours().entries());
  table->version = rt_.table()->version + 1;
  neighbours->version = neighbourVersion_ + 1;
  // A burst of changes can run ahead of a worker. Waiting here would stall
  // the loop (ARP, VRRP adverts) for as long: refuse at once with nothing
  // changed; answer() and reloadOnSignal() try again at later passes.
  if (!rt_.publish(std::move(table))) {
    publishRefused_ = true;
    throw api::ApiError(503, "a worker has not taken the previous tables yet; nothing changed, try again");
  }
  tablesDirty_ = false;  // this table carries the pending health and VRRP changes too
  const bool checksChanged = health::checksOf(next) != health::checksOf(config_);
  config_ = next;
  neighboursDirty_ = !rt_.publish(std::move(neighbours));
  if (!neighboursDirty_) ++neighbourVersion_;  // else publishPending sends a newer set
  if (checksChanged) restartHealth(config_);
  if (vrrpChanged) {
    failover_->reconfigure(config_, vrrp::Millis(now_));
    vrrpScripts_ = std::make_unique<failover::ScriptTracker>(config_);
    alerts_ = std::make_unique<failover::SmtpAlerter>(config_.globalDefs);
    scriptsSeen_ = 0;
    lastLinkCheck_ = 0;  // the new instances get their tracked states at once
  }
}

json ControlLoop::reload() {
  // All or nothing: a file that does not parse, changes what only a restart
  // can change, or does not build leaves the running tables as they are.
  const auto result = config::parseFile(configFile_);
  json diagnostics = json::array();
  for (const auto& d : result.diagnostics) diagnostics.push_back(d.toString());
  // 422: the file is at fault; 503: a worker is behind, the same reload
  // goes through later.
  auto refuse = [&](const std::string& why, int status = 422) {
    lastReload_ = {{"ok", false}, {"error", why}, {"uptime_s", (monotonicMs() - startedMs_) / 1000}};
    throw api::ApiError(status, "reload of " + configFile_ + " refused: " + why + "; running configuration kept", "",
                        {{"diagnostics", diagnostics}});
  };
  if (!result.ok()) refuse(std::to_string(result.errors().size()) + " error(s)");
  const config::Config& next = *result.config;
  if (!next.dataplane || next.dataplane->ports != config_.dataplane->ports ||
      next.dataplane->lcores != config_.dataplane->lcores) {
    refuse("ports and lcores of the dataplane block change only with a restart");
  }
  const ServiceDiff diff = diffServices(config_, next);
  json notes = json::array();
  if (next.api != config_.api) notes.push_back("api block changes take effect at the next start");
  if (!(next == config_)) {
    try {
      apply(next);
    } catch (const api::ApiError& e) {
      refuse(e.what(), e.status() == 503 ? 503 : 422);
    }
  }
  json out = {{"reloaded", true},  {"added", diff.added},         {"removed", diff.removed},
              {"changed", diff.changed}, {"diagnostics", diagnostics}, {"notes", notes}};
  lastReload_ = {{"ok", true}, {"uptime_s", (monotonicMs() - startedMs_) / 1000}, {"added", diff.added.size()},
                 {"removed", diff.removed.size()}, {"changed", diff.changed.size()}};
  return out;
}

std::optional<api::Response> ControlLoop::answer(const api::Request& request) {
  if (heldAnswer_) {
    // Applied already: the command queue asks again at each pass.
    if (!rt_.allTaken() && now_ - *answerPutOffSince_ < kPublishPatienceMs) return std::nullopt;
    answerPutOffSince_.reset();
    return std::exchange(heldAnswer_, std::nullopt);
  }
  publishRefused_ = false;
  api::Response response = api::handle(*this, request);
  if (!publishRefused_) {
    if (rt_.allTaken()) {
      answerPutOffSince_.reset();
      return response;
    }
    heldAnswer_ = std::move(response);
    answerPutOffSince_ = now_;
    return std::nullopt;
  }
  // Nothing changed: the same request runs again once the worker caught up.
  if (!answerPutOffSince_) answerPutOffSince_ = now_;
  if (now_ - *answerPutOffSince_ < kPublishPatienceMs) return std::nullopt;
  answerPutOffSince_.reset();
  return response;
}

void ControlLoop::reloadOnSignal() {
  try {
    const json r = reload();
    reloadRetryUntil_.reset();
    for (const auto& d : r["diagnostics"]) std::cerr << d.get<std::string>() << "\n";
    std::cerr << "sluiced: reloaded " << configFile_ << ": " << r["added"].size() << " added, "
              << r["removed"].size() << " removed, " << r["changed"].size() << " changed\n";
  } catch (const api::ApiError& e) {
    if (e.status() == 503 && (!reloadRetryUntil_ || now_ < *reloadRetryUntil_)) {
      // A worker behind, nothing changed: poll() runs it again.
      if (!reloadRetryUntil_) reloadRetryUntil_ = now_ + kPublishPatienceMs;
      return;
    }
    reloadRetryUntil_.reset();
    for (const auto& d : e.extra().value("diagnostics", json::array())) std::cerr << d.get<std::string>() << "\n";
    std::cerr << "sluiced: " << e.what() << "\n";
  }
}

std::vector<const dp::WorkerCounters*> ControlLoop::workerCounters() const {
  std::vector<const dp::WorkerCounters*> workers;
  for (unsigned w = 0; w < rt_.workerCount(); ++w) workers.push_back(&rt_.counters(w));
  return workers;
}

json ControlLoop::stats() const { return stats::countersJson(*rt_.table(), workerCounters(), rates_); }

json ControlLoop::status() const {
  json ports = json::array();
  for (unsigned i = 0; i < rt_.portCount(); ++i) {
    ports.push_back(
        {{"name", rt_.portName(i)}, {"mac", macText(rt_.portMac(i))}, {"link", rt_.linkUp(i) ? "up" : "down"}});
  }
  json workers = json::array();
  for (unsigned w = 0; w < rt_.workerCount(); ++w) workers.push_back({{"loops", rt_.workerLoops(w)}});
  const neighbours::ResponderCounters& r = responder_.counters();
  return {{"version", SLUICE_VERSION},
          {"pid", ::getpid()},
          {"uptime_s", (monotonicMs() - startedMs_) / 1000},
          {"config_file", configFile_},
          {"table_version", rt_.table()->version},
          {"workers", rt_.workerCount()},
          {"worker_loops", std::move(workers)},
          {"ports", std::move(ports)},
          {"last_reload", lastReload_},
          {"previous_run", previousRun_},
          {"control",
           {{"arp_answered", r.arpAnswered},
            {"nd_answered", r.ndAnswered},
            {"echo_answered", r.echoAnswered},
            {"questions_sent", r.questionsSent},
            {"ignored", r.ignored},
            {"rate_limited", r.rateLimited},
            {"neighbours", responder_.neighbours().size()},
            {"neighbour_version", rt_.neighbours()->version},
            {"xdp_steering_failures", rt_.steeringFailures()}}}};
}

void ControlLoop::notePreviousRun(const std::string& pid) {
  previousRun_ = {{"clean", false},
                  {"pid", pid},
                  {"lost",
                   "the connection table (open TCP flows are dropped as no_connection and reconnect) and the "
                   "counters since the last stats file " + statsFile_}};
}

json ControlLoop::connections(const std::string& cursor, unsigned limit) { return listConnections(rt_, cursor, limit); }

void ControlLoop::writeStats() const {
  json j = stats();
  j["control"] = status()["control"];
  const std::string tmp = statsFile_ + ".tmp";
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
    if (!out) {
      std::cerr << "sluiced: cannot write " << tmp << "\n";
      return;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, statsFile_, ec);
  if (ec) std::cerr << "sluiced: cannot write " << statsFile_ << ": " << ec.message() << "\n";
}

void ControlLoop::start(uint64_t nowMs) {
  now_ = nowMs;
  restartHealth(config_);
  healthState_ = healthState(false);
  ownership_ = failover_->ownership();
  ownershipSeen_ = failover_->ownershipVersion();
  // The rings are empty before the workers start: a refusal is a bug.
  if (!publishTables()) throw std::runtime_error("the data plane refused the first tables");
  publishNeighbours();
  rt_.startWorkers();
  vrrpScripts_ = std::make_unique<failover::ScriptTracker>(config_);
  alerts_ = std::make_unique<failover::SmtpAlerter>(config_.globalDefs);
  tracked_ = trackedStates();
  failover_->setTracked(tracked_, vrrp::Millis(nowMs));
  lastLinkCheck_ = nowMs;
  failover_->start(vrrp::Millis(nowMs));
  lastResolve_ = 0;
  lastRefresh_ = nowMs;
  lastRates_ = 0;
}

void ControlLoop::poll(uint64_t nowMs) {
  now_ = nowMs;
  commands_.runPending();
  bool changed = false;
  rt_.pollExceptions(
      [&](uint16_t port, std::span<const uint8_t> frame) {
        if (failover_->handleFrame(port, frame, vrrp::Millis(nowMs))) return;
        changed = responder_.handle(*rt_.table(), port, frame, nowMs) || changed;
      },
      kFramesPerRound);
  rt_.pollResolves(
      [&](const dp::ResolveRequest& r) { responder_.resolve(*rt_.table(), r.port, r.v6 != 0, r.addr, nowMs); },
      kFramesPerRound);
  if (changed) neighboursDirty_ = true;
  if (reloadRetryUntil_) reloadOnSignal();
  followHealth();
  followFailover(nowMs);
  publishPending(nowMs);
  if (nowMs - lastResolve_ >= kResolveEveryMs) {
    lastResolve_ = nowMs;
    // Unresolved next hops every second, all of them now and then.
    const bool refresh = nowMs - lastRefresh_ >= kRefreshEveryMs;
    if (refresh) lastRefresh_ = nowMs;
    resolveNextHops(nowMs, refresh);
  }
  if (nowMs - lastRates_ >= stats::RateEstimator::kIntervalMs) {
    lastRates_ = nowMs;
    stats::sampleRates(rates_, *rt_.table(), workerCounters(), nowMs);
  }
  rt_.reclaim();
}

void ControlLoop::stop(uint64_t nowMs) {
  commands_.close();
  // A master resigns (priority 0) so that its backup takes over at once;
  // the workers send what the control ring holds before they stop (a wait
  // at shutdown only, after the loop).
  failover_->stop(vrrp::Millis(nowMs));
  ::usleep(20'000);
  vrrpScripts_.reset();
  alerts_.reset();
  health_.reset();
  rt_.stopWorkers();
  writeStats();
}

int ControlLoop::run(int signalFd) {
  // Listening first: a socket in use stops the start before any worker runs.
  // API requests run in poll(), between the loop's other work.
  std::optional<api::HttpServer> server;
  server.emplace(listen_, [this](const api::Request& req) {
    auto answered = commands_.call([&] { return answer(req); }, kApiAnswerTime);
    return answered ? *answered
                    : api::errorResponse(503, "sluiced did not answer in time (stopping or busy); try again");
  });
  std::cerr << "sluiced: API on " << listen_.socketPath
            << (listen_.tcpAddress ? " and " + *listen_.tcpAddress + ":" + std::to_string(server->tcpPort()) : "")
            << "\n";
  start(monotonicMs());
  for (;;) {
    pollfd pfd[2] = {{signalFd, POLLIN, 0}, {commands_.eventFd(), POLLIN, 0}};
    if (::poll(pfd, 2, kIdleWaitMs) > 0 && (pfd[0].revents & POLLIN)) {
      signalfd_siginfo si{};
      if (::read(signalFd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) break;
        if (si.ssi_signo == SIGUSR2) writeStats();
        if (si.ssi_signo == SIGHUP) reloadOnSignal();
      }
    }
    poll(monotonicMs());
  }
  commands_.close();
  server.reset();
  stop(monotonicMs());
  return 0;
}

}  // namespace sluice::sluiced
