#include "controlplane/sluiced/api_backend.h"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <utility>

#include "controlplane/api/api_error.h"
#include "controlplane/api/config_edit.h"
#include "controlplane/api/router.h"
#include "controlplane/config/parser.h"
#include "controlplane/sluiced/config_diff.h"
#include "controlplane/sluiced/connection_listing.h"
#include "controlplane/sluiced/monotonic_clock.h"
#include "dataplane/conn_capacity.h"

namespace sluice::sluiced {
namespace {

using nlohmann::json;

// How long an HTTP thread waits for the control loop to run its request.
constexpr auto kAnswerTime = std::chrono::seconds(5);

std::string macText(const dp::MacAddr& m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m.b[0], m.b[1], m.b[2], m.b[3], m.b[4], m.b[5]);
  return buf;
}

// The ports as a restart sets them up (devices, queues, addresses): the
// MTU sluice assumes for a link is only read into the tables, so a reload
// may change it.
bool samePortsButMtu(std::vector<config::DataplanePort> a, std::vector<config::DataplanePort> b) {
  for (auto& p : a) p.mtu = 0;
  for (auto& p : b) p.mtu = 0;
  return a == b;
}

}  // namespace

ApiBackend::ApiBackend(Parts parts, std::string configFile, api::ListenOptions listen)
    : parts_(std::move(parts)),
      configFile_(std::move(configFile)),
      listenOptions_(std::move(listen)),
      startedMs_(monotonicMs()),
      startedUnix_(std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count()),
      connTableSize_(config().dataplane && config().dataplane->connTableSize ? *config().dataplane->connTableSize
                                                                             : dp::kDefaultConnCapacity) {}

uint64_t ApiBackend::uptimeS() const { return (monotonicMs() - startedMs_) / 1000; }

void ApiBackend::listen() {
  server_.emplace(listenOptions_, [this](const api::Request& req) {
    auto answered = commands_.call([&] { return answer(req); }, kAnswerTime);
    return answered ? *answered
                    : api::errorResponse(503, "sluiced did not answer in time (stopping or busy); try again");
  });
  const bool tcp = listenOptions_.tcpAddress.has_value();
  std::cerr << "sluiced: API on " << listenOptions_.socketPath
            << (tcp ? " and " + std::string(listenOptions_.tls ? "https://" : "http://") +
                          *listenOptions_.tcpAddress + ":" + std::to_string(server_->tcpPort())
                    : "")
            << "\n";
  if (tcp && !listenOptions_.tls) {
    std::cerr << "sluiced: WARNING: the API's TCP listener is plain HTTP (allow_plain_tcp): its bearer token and "
                 "everything it carries cross the network in clear text; give the api block tls_certificate and "
                 "tls_key\n";
  }
}

void ApiBackend::close() {
  commands_.close();
  server_.reset();
}

void ApiBackend::poll(uint64_t nowMs) {
  now_ = nowMs;
  commands_.runPending();
  if (reloadRetryUntil_) reloadOnSignal();
}

void ApiBackend::apply(const config::Config& next) {
  // Kept only when a request changes something: what a rollback restores.
  std::optional<config::Config> before;
  if (!changedFrom_) before = config();
  try {
    parts_.apply(next);
  } catch (const api::ApiError& e) {
    publishRefused_ = e.status() == 503;
    throw;
  }
  ++configVersion_;
  if (before) changedFrom_ = std::move(before);
}

void ApiBackend::countReload(ReloadOutcome outcome) {
  if (outcome == ReloadOutcome::kApplied) ++reloadsApplied_;
  if (outcome == ReloadOutcome::kRefused || outcome == ReloadOutcome::kBehind) ++reloadsRefused_;
}

json ApiBackend::reload() {
  // All or nothing: a file that does not parse, changes what only a restart
  // can change, or does not build leaves the running tables as they are.
  const auto result = config::parseFile(configFile_);
  json diagnostics = json::array();
  for (const auto& d : result.diagnostics) diagnostics.push_back(d.toString());
  // 422: the file is at fault; 503: a worker is behind, the same reload
  // goes through later.
  auto refuse = [&](const std::string& why, int status = 422) {
    lastReload_ = {{"ok", false}, {"error", why}, {"uptime_s", uptimeS()}};
    reloadOutcome_ = status == 503 ? ReloadOutcome::kBehind : ReloadOutcome::kRefused;
    throw api::ApiError(status, "reload of " + configFile_ + " refused: " + why + "; running configuration kept", "",
                        {{"diagnostics", diagnostics}});
  };
  if (!result.ok()) refuse(std::to_string(result.errors().size()) + " error(s)");
  const config::Config& next = *result.config;
  const config::Config& running = config();
  if (!next.dataplane || !samePortsButMtu(next.dataplane->ports, running.dataplane->ports) ||
      next.dataplane->lcores != running.dataplane->lcores || next.dataplane->lcoreMap != running.dataplane->lcoreMap ||
      next.dataplane->busyPoll != running.dataplane->busyPoll) {
    refuse("ports, lcores and busy_poll of the dataplane block change only with a restart");
  }
  const ServiceDiff diff = diffServices(running, next);
  json notes = json::array();
  if (next.api != running.api) notes.push_back("api block changes take effect at the next start");
  if (!(next == running)) {
    try {
      apply(next);
    } catch (const api::ApiError& e) {
      refuse(e.what(), e.status() == 503 ? 503 : 422);
    }
  }
  reloadOutcome_ = ReloadOutcome::kApplied;
  lastReload_ = {{"ok", true},
                 {"uptime_s", uptimeS()},
                 {"added", diff.added.size()},
                 {"removed", diff.removed.size()},
                 {"changed", diff.changed.size()}};
  return {{"reloaded", true},         {"added", diff.added},         {"removed", diff.removed},
          {"changed", diff.changed}, {"diagnostics", diagnostics}, {"notes", notes}};
}

json ApiBackend::configDiff() const {
  const auto result = config::parseFile(configFile_);
  if (!result.ok()) {
    json diagnostics = json::array();
    for (const auto& d : result.diagnostics) diagnostics.push_back(d.toString());
    throw api::ApiError(422, configFile_ + " does not parse: " + std::to_string(result.errors().size()) + " error(s)",
                        "", {{"diagnostics", diagnostics}});
  }
  // From the file to what runs: "added" was added at run time.
  const ServiceDiff diff = diffServices(*result.config, config());
  config::Config fileRest = *result.config;
  config::Config runningRest = config();
  fileRest.virtualServers.clear();
  runningRest.virtualServers.clear();
  const bool otherSettings = !(fileRest == runningRest);
  return {{"file", configFile_},
          {"same", diff.empty() && !otherSettings},
          {"added", diff.added},
          {"removed", diff.removed},
          {"changed", diff.changed},
          {"other_settings", otherSettings}};
}

std::optional<api::Response> ApiBackend::answer(const api::Request& request) {
  if (heldAnswer_) {
    // Applied already: the command queue asks again at each pass.
    if (parts_.dataplane.allTaken()) {
      putOffSince_.reset();
      changedFrom_.reset();
      countReload(std::exchange(heldReload_, ReloadOutcome::kNone));
      return std::exchange(heldAnswer_, std::nullopt);
    }
    if (now_ - *putOffSince_ < kPatienceMs) return std::nullopt;
    putOffSince_.reset();
    const std::optional<config::Config> previous = std::exchange(changedFrom_, std::nullopt);
    // A request that changed nothing waited for an older change only.
    if (!previous || *previous == config()) {
      countReload(std::exchange(heldReload_, ReloadOutcome::kNone));
      return std::exchange(heldAnswer_, std::nullopt);
    }
    // A worker did not take the change in time: undo it, so that it is
    // either everywhere or nowhere.
    heldAnswer_.reset();
    if (std::exchange(heldReload_, ReloadOutcome::kNone) == ReloadOutcome::kApplied) ++reloadsRefused_;
    parts_.rollBack(*previous);
    ++configVersion_;
    std::cerr << "sluiced: a worker did not take an API change within " << kPatienceMs << " ms; rolled back\n";
    return api::errorResponse(503, "a worker did not take the change in time; it was rolled back, try again");
  }
  publishRefused_ = false;
  reloadOutcome_ = ReloadOutcome::kNone;
  changedFrom_.reset();
  api::Response response = api::handle(*this, request);
  if (!publishRefused_) {
    if (parts_.dataplane.allTaken()) {
      putOffSince_.reset();
      changedFrom_.reset();
      countReload(reloadOutcome_);
      return response;
    }
    heldAnswer_ = std::move(response);
    heldReload_ = reloadOutcome_;
    putOffSince_ = now_;
    return std::nullopt;
  }
  // Nothing changed: the same request runs again once the worker caught up.
  if (!putOffSince_) putOffSince_ = now_;
  if (now_ - *putOffSince_ < kPatienceMs) return std::nullopt;
  putOffSince_.reset();
  countReload(reloadOutcome_);
  return response;
}

void ApiBackend::reloadOnSignal() {
  try {
    const json r = reload();
    reloadRetryUntil_.reset();
    ++reloadsApplied_;
    for (const auto& d : r["diagnostics"]) std::cerr << d.get<std::string>() << "\n";
    std::cerr << "sluiced: reloaded " << configFile_ << ": " << r["added"].size() << " added, "
              << r["removed"].size() << " removed, " << r["changed"].size() << " changed\n";
  } catch (const api::ApiError& e) {
    if (e.status() == 503 && (!reloadRetryUntil_ || now_ < *reloadRetryUntil_)) {
      // A worker behind, nothing changed: poll() runs it again.
      if (!reloadRetryUntil_) reloadRetryUntil_ = now_ + kPatienceMs;
      return;
    }
    reloadRetryUntil_.reset();
    ++reloadsRefused_;
    for (const auto& d : e.extra().value("diagnostics", json::array())) std::cerr << d.get<std::string>() << "\n";
    std::cerr << "sluiced: " << e.what() << "\n";
  }
}

json ApiBackend::control() const {
  json c = parts_.neighbours.json();
  c["neighbour_version"] = parts_.dataplane.neighbours()->version;
  c["xdp_steering_failures"] = parts_.dataplane.steeringFailures();
  return c;
}

json ApiBackend::status() const {
  const dp::DataplaneHandle& dp = parts_.dataplane;
  json ports = json::array();
  for (unsigned i = 0; i < dp.portCount(); ++i) {
    ports.push_back({{"name", dp.portName(i)}, {"mac", macText(dp.portMac(i))}, {"link", dp.linkUp(i) ? "up" : "down"}});
  }
  json workers = json::array();
  for (unsigned w = 0; w < dp.workerCount(); ++w) workers.push_back({{"loops", dp.workerLoops(w)}});
  const dp::DataplaneHandle::PoolUse pool = dp.packetPool();
  return {{"version", SLUICE_VERSION},
          {"pid", ::getpid()},
          {"uptime_s", uptimeS()},
          {"start_time_unix", startedUnix_},
          {"conn_table_size", connTableSize_},
          {"config_file", configFile_},
          {"table_version", dp.table()->version},
          {"workers", dp.workerCount()},
          {"worker_loops", std::move(workers)},
          {"ports", std::move(ports)},
          {"last_reload", lastReload_},
          {"config_version", configVersion_},
          {"reloads", {{"applied", reloadsApplied_}, {"refused", reloadsRefused_}}},
          {"packet_pool", {{"size", pool.size}, {"in_use", pool.inUse}, {"available", pool.available}}},
          {"retired_snapshots", dp.retiredSnapshots()},
          {"previous_run", previousRun_},
          {"api", apiListenerJson()},
          {"control", control()}};
}

json ApiBackend::apiListenerJson() const {
  json j = {{"socket", listenOptions_.socketPath}};
  const api::AuthGuard* guard = server_ ? server_->auth() : nullptr;
  if (guard == nullptr) return j;
  j["tcp"] = {{"address", *listenOptions_.tcpAddress},
              {"port", server_->tcpPort()},
              {"tls", listenOptions_.tls.has_value()},
              {"client_certificates", listenOptions_.tls && !listenOptions_.tls->clientCa.empty()}};
  json failures = json::object();
  for (std::size_t i = 0; i < static_cast<std::size_t>(api::AuthFailure::kCount); ++i) {
    const auto why = static_cast<api::AuthFailure>(i);
    failures[std::string(api::authFailureName(why))] = guard->failures(why);
  }
  j["auth_failures"] = std::move(failures);
  j["auth_rate_limited"] = guard->rateLimited();
  return j;
}

json ApiBackend::stats() const {
  json j = parts_.stats.json();
  j["control"] = control();
  if (json sync = parts_.sync.json(now_); sync.value("enabled", false)) j["sync"] = std::move(sync);
  return j;
}

void ApiBackend::zeroCounters(const std::string& service) {
  if (!service.empty()) api::findService(config(), service);  // 404 when unknown
  parts_.stats.zero(service);
}

void ApiBackend::notePreviousRun(const std::string& pid) {
  previousRun_ = {{"clean", false},
                  {"pid", pid},
                  {"lost",
                   "the connection table (open TCP flows are dropped as no_connection and reconnect) and the "
                   "counters since the last stats file " + parts_.stats.file()}};
}

json ApiBackend::connections(const std::string& cursor, unsigned limit) {
  return listConnections(parts_.dataplane, cursor, limit);
}

}  // namespace sluice::sluiced
