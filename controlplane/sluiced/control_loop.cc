#include "controlplane/sluiced/control_loop.h"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "controlplane/config/parser.h"
#include "controlplane/stats/stats.h"
#include "controlplane/tables/table_builder.h"

namespace sluice::sluiced {
namespace {

constexpr unsigned kFramesPerRound = 256;
constexpr int kIdleWaitMs = 1;                 // the loop sleeps this long when idle
constexpr uint64_t kResolveEveryMs = 1000;     // unresolved next hops are asked again
constexpr uint64_t kRefreshEveryMs = 30'000;   // resolved ones are asked again (MAC changes)

uint64_t monotonicMs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace

ControlLoop::ControlLoop(dp::Runtime& runtime, config::Config config, std::string configFile,
                         std::string statsFile)
    : rt_(runtime),
      config_(std::move(config)),
      configFile_(std::move(configFile)),
      statsFile_(std::move(statsFile)),
      ids_(dp::kMaxServices, dp::kMaxDests),
      responder_([this](uint16_t port, const neighbours::Frame& f) { rt_.send(port, f); }) {
  for (unsigned i = 0; i < rt_.portCount(); ++i) portMacs_.push_back(rt_.port(i).mac());
}

void ControlLoop::publishNeighbours() {
  // A full ring means a worker is behind: keep the change and try again.
  auto set = tables::buildNeighbours(config_, responder_.neighbours().entries());
  set->version = ++neighbourVersion_;
  neighboursDirty_ = !rt_.publish(std::move(set));
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

void ControlLoop::reload() {
  // All or nothing: a file that does not parse, changes what only a restart
  // can change, or does not build leaves the running tables as they are.
  const auto result = config::parseFile(configFile_);
  for (const auto& d : result.diagnostics) std::cerr << d.toString() << "\n";
  if (!result.ok()) {
    std::cerr << "sluiced: reload of " << configFile_ << " refused: " << result.errors().size()
              << " error(s); running configuration kept\n";
    return;
  }
  const config::Config& next = *result.config;
  if (!next.dataplane || next.dataplane->ports != config_.dataplane->ports ||
      next.dataplane->lcores != config_.dataplane->lcores) {
    std::cerr << "sluiced: reload of " << configFile_
              << " refused: ports and lcores of the dataplane block change only with a restart\n";
    return;
  }
  try {
    auto table = tables::buildTable(next, portMacs_, ids_);
    auto neighbours = tables::buildNeighbours(next, responder_.neighbours().entries());
    table->version = rt_.table()->version + 1;
    neighbours->version = ++neighbourVersion_;
    if (!rt_.publish(std::move(table))) {
      std::cerr << "sluiced: reload refused: a worker has not taken the previous tables yet; try again\n";
      return;
    }
    config_ = next;
    neighboursDirty_ = !rt_.publish(std::move(neighbours));
    std::cerr << "sluiced: reloaded " << configFile_ << "\n";
  } catch (const std::exception& e) {
    std::cerr << "sluiced: reload of " << configFile_ << " refused: " << e.what() << "\n";
  }
}

void ControlLoop::writeStats() const {
  std::vector<const dp::WorkerCounters*> workers;
  for (unsigned w = 0; w < rt_.workerCount(); ++w) workers.push_back(&rt_.counters(w));
  nlohmann::json j = stats::countersJson(*rt_.table(), workers);
  const neighbours::ResponderCounters& r = responder_.counters();
  j["control"] = {{"arp_answered", r.arpAnswered},   {"nd_answered", r.ndAnswered},
                  {"echo_answered", r.echoAnswered}, {"questions_sent", r.questionsSent},
                  {"ignored", r.ignored},            {"neighbours", responder_.neighbours().size()},
                  {"neighbour_version", rt_.neighbours()->version}};
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

int ControlLoop::run(int signalFd) {
  auto table = tables::buildTable(config_, portMacs_, ids_);
  table->version = 1;
  // The rings are empty before the workers start: these cannot fail.
  rt_.publish(std::move(table));
  publishNeighbours();
  rt_.startWorkers();
  uint64_t lastResolve = 0, lastRefresh = monotonicMs();
  for (;;) {
    pollfd pfd{signalFd, POLLIN, 0};
    if (::poll(&pfd, 1, kIdleWaitMs) > 0) {
      signalfd_siginfo si{};
      if (::read(signalFd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) break;
        if (si.ssi_signo == SIGUSR2) writeStats();
        if (si.ssi_signo == SIGHUP) reload();
      }
    }
    const uint64_t now = monotonicMs();
    bool changed = false;
    rt_.pollExceptions(
        [&](uint16_t port, std::span<const uint8_t> frame) {
          changed = responder_.handle(*rt_.table(), port, frame, now) || changed;
        },
        kFramesPerRound);
    rt_.pollResolves(
        [&](const dp::ResolveRequest& r) {
          responder_.resolve(*rt_.table(), r.port, r.v6 != 0, r.addr, now);
        },
        kFramesPerRound);
    if (changed || neighboursDirty_) publishNeighbours();
    if (now - lastResolve >= kResolveEveryMs) {
      lastResolve = now;
      // Unresolved next hops every second, all of them now and then.
      const bool refresh = now - lastRefresh >= kRefreshEveryMs;
      if (refresh) lastRefresh = now;
      resolveNextHops(now, refresh);
    }
    rt_.reclaim();
  }
  rt_.stopWorkers();
  writeStats();
  return 0;
}

}  // namespace sluice::sluiced
